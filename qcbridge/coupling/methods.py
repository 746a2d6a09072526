"""Coupling methods as strategy objects.

Each method turns the model's building blocks -- LAMMPS energies and forces of the atoms,
Cauchy-Born energies and forces of the mesh -- into node forces (and an energy when one
exists). Notation: beta_i site weights (1 in the core), atomistic site energies E_i
computed by LAMMPS with every padding atom present, W the Cauchy-Born energy density,
element weights w_T = 1 - mean of beta over the element's vertices.

* :class:`QCE`: E = sum_core E_i + sum_T w_T V_T W(F_T) with a sharp beta. No double
  counting, but the interface has ghost forces (non-zero forces in a homogeneous state).
* :class:`GhostForceCorrection`: QCE minus the ghost forces g of the homogeneous state of
  the boundary condition as a dead load: E - (-g).u, forces f_QCE - g.
* :class:`QCF`: core nodes get LAMMPS's forces, all other nodes Cauchy-Born forces from the
  whole mesh; no energy exists (asking for it raises PropertyNotImplementedError).
* :class:`BQCE`: E = sum_i beta_i E_i + sum_T w_T V_T W(F_T) with a smooth beta; ghost
  forces shrink as the blending region widens.
* :class:`BQCF` (the default): f = beta f_atomistic + (1 - beta) f_CauchyBorn.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..errors import UnknownMethodError
from .geometry import Region

if TYPE_CHECKING:
    from .model import QCModel

__all__ = ["BQCE", "BQCF", "CouplingMethod", "GhostForceCorrection", "QCE", "QCF", "METHODS", "method_from_name"]


class CouplingMethod(ABC):
    """Base class: how node forces (and an energy) are assembled."""

    name: ClassVar[str]
    energy_based: ClassVar[bool]
    blended: ClassVar[bool]

    def beta(self, model: "QCModel") -> np.ndarray:
        """Weight of every site: blended, or sharp (1 on the core only)."""
        g = model.geometry
        return g.beta if self.blended else (g.region == Region.CORE).astype(float)

    def site_beta(self, model: "QCModel") -> np.ndarray:
        """Weights of the LAMMPS atoms."""
        return self.beta(model)[model.geometry.atom_site]

    def node_beta(self, model: "QCModel") -> np.ndarray:
        """Weights of the mesh nodes."""
        return self.beta(model)[model.geometry.node_site]

    def prepare(self, model: "QCModel") -> None:
        """Set up once per model (e.g. dead loads); default nothing."""

    @abstractmethod
    def evaluate(self, model: "QCModel", u: np.ndarray) -> tuple[float | None, np.ndarray]:
        """Energy (eV; None for force-based methods) and node forces (eV/A, (n_nodes, 3))."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _EnergyBased(CouplingMethod):
    energy_based = True

    def evaluate(self, model, u):
        e_a, f_a = model.atomistic_weighted(u, self)
        e_c, f_c = model.continuum(u, self, elements_weighted=True)
        return e_a + e_c, f_a + f_c


class QCE(_EnergyBased):
    """Energy-based quasicontinuum with a sharp interface (has ghost forces)."""

    name = "qce"
    blended = False


class BQCE(_EnergyBased):
    """Energy blending over the blending region."""

    name = "bqce"
    blended = True


class GhostForceCorrection(QCE):
    """QCE with the dead-load ghost-force correction computed in the homogeneous state of
    the model's boundary condition (the reference lattice for free boundaries)."""

    name = "qce-gfc"

    def prepare(self, model):
        """Store the dead load (u_ref, ghost forces) on the model, not on this method, so
        that one method object can serve several models."""
        u_ref = model.predictor()
        _, f_qce = QCE.evaluate(self, model, u_ref)
        f_qcf = QCF().evaluate(model, u_ref)[1]
        model.dead_load = (u_ref, f_qce - f_qcf)

    def evaluate(self, model, u):
        u_ref, ghost = model.dead_load
        e, f = QCE.evaluate(self, model, u)
        return e + float(np.sum(ghost * (u - u_ref))), f - ghost


class _ForceBased(CouplingMethod):
    energy_based = False

    def evaluate(self, model, u):
        beta = self.node_beta(model)[:, None]
        f_a = model.atomistic_node_forces(u)
        _, f_c = model.continuum(u, self, elements_weighted=False)
        return None, beta * f_a + (1.0 - beta) * f_c


class QCF(_ForceBased):
    """Force-based quasicontinuum with a sharp interface."""

    name = "qcf"
    blended = False


class BQCF(_ForceBased):
    """Force blending (the default method)."""

    name = "bqcf"
    blended = True


#: Methods by name.
METHODS: dict[str, type[CouplingMethod]] = {m.name: m for m in (QCE, GhostForceCorrection, QCF, BQCE, BQCF)}


def method_from_name(name: str | CouplingMethod) -> CouplingMethod:
    """A method instance from its name (``qce``, ``qce-gfc``, ``qcf``, ``bqce``, ``bqcf``).

    Raises
    ------
    UnknownMethodError
        The message lists the choices.
    """
    if isinstance(name, CouplingMethod):
        return name
    try:
        return METHODS[str(name).lower()]()
    except KeyError:
        raise UnknownMethodError(name, METHODS) from None
