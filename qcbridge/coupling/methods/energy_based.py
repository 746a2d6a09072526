"""Energy-based coupling: E = sum_i beta_i E_i + sum_T w_T V_T W(F_T).

With a sharp beta (:class:`QCE`) nothing is counted twice, but the interface carries ghost
forces (non-zero forces in a homogeneous state); with a smooth beta (:class:`BQCE`, energy
blending) the ghost forces shrink as the blending region widens.
"""

from __future__ import annotations

from typing import Any

from ...potentials.potential import Potential
from ..contributions import CauchyBornElements, Contribution, WeightedAtomistic
from ..kinematics import Kinematics
from .base import CouplingMethod, closing_on_error

__all__ = ["BQCE", "QCE", "EnergyBased"]


class EnergyBased(CouplingMethod):
    """Weighted site energies from LAMMPS plus the complementary Cauchy-Born elements."""

    energy_based = True

    def bind(self, kinematics: Kinematics, potential: Potential, material: Any, *,
             comm: Any = None) -> list[Contribution]:
        g = kinematics.geometry
        beta = self.site_weights(g)
        w_elements = 1.0 - beta[g.node_site][g.mesh.elements].mean(axis=1)
        parts: list[Contribution] = [WeightedAtomistic(kinematics, potential, beta[g.atom_site], comm=comm)]
        return closing_on_error(parts, lambda: CauchyBornElements(kinematics, material, w_elements, comm=comm))


class QCE(EnergyBased):
    """Energy-based quasicontinuum with a sharp interface (has ghost forces)."""

    name = "qce"
    blended = False


class BQCE(EnergyBased):
    """Energy blending over the blending region."""

    name = "bqce"
    blended = True
