"""QCE with the ghost-force correction as a dead load (Shenoy et al., J. Mech. Phys. Solids
47, 611 (1999)).

The ghost forces g = f_QCE - f_QCF are computed once, in the homogeneous state of the
boundary condition (its predictor; the reference lattice for free boundaries), and
subtracted as a dead load: E - (-g).(u - u_ref), forces f_QCE - g.
"""

from __future__ import annotations

from typing import Any

from ...potentials.potential import Potential
from ..assembly import Assembly
from ..contributions import Contribution, DeadLoad
from ..kinematics import Kinematics
from .energy_based import QCE
from .force_based import QCF

__all__ = ["GhostForceCorrection"]


class GhostForceCorrection(QCE):
    """QCE with the dead-load ghost-force correction."""

    name = "qce-gfc"

    def bind(self, kinematics: Kinematics, potential: Potential, material: Any, *,
             comm: Any = None) -> list[Contribution]:
        qce = super().bind(kinematics, potential, material, comm=comm)
        u_ref = kinematics.predictor()
        try:
            _, f_qce = Assembly(qce).evaluate(u_ref)
            qcf = Assembly(QCF().bind(kinematics, potential, material, comm=comm))
            try:
                _, f_qcf = qcf.evaluate(u_ref)
            finally:
                qcf.close()
        except BaseException:
            Assembly(qce).close()
            raise
        return [*qce, DeadLoad(u_ref, f_qce - f_qcf)]
