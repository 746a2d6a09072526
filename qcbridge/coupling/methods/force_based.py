"""Force-based coupling: f = beta f_atomistic + (1 - beta) f_CauchyBorn on every node.

Core nodes (:class:`QCF`, sharp) or blended nodes (:class:`BQCF`, the default method) get
LAMMPS's forces on the atoms they are; the Cauchy-Born forces come from the whole mesh.
The forces are not the gradient of any energy: asking for one raises
PropertyNotImplementedError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...potentials.potential import Potential
from ..contributions import AtomisticNodeForces, CauchyBornElements, Contribution
from ..kinematics import Kinematics
from .base import CouplingMethod, closing_on_error

__all__ = ["BQCF", "QCF", "ForceBased"]


class ForceBased(CouplingMethod):
    """Node forces blended between LAMMPS and Cauchy-Born."""

    energy_based = False

    def bind(self, kinematics: Kinematics, potential: Potential, material: Any, *,
             comm: Any = None) -> list[Contribution]:
        g = kinematics.geometry
        beta_nodes = self.site_weights(g)[g.node_site]
        # elements whose vertices all have beta = 1 only ever contribute forces multiplied by 0
        w_elements = np.where(np.all(beta_nodes[g.mesh.elements] == 1.0, axis=1), 0.0, 1.0)
        atom_weights = beta_nodes.copy()
        atom_weights[g.n_mesh_nodes:] = 1.0  # a multilattice's extra atoms have no continuum counterpart
        parts: list[Contribution] = [AtomisticNodeForces(kinematics, potential, atom_weights, comm=comm)]
        return closing_on_error(parts, lambda: CauchyBornElements(kinematics, material, w_elements,
                                                                  1.0 - beta_nodes, comm=comm))


class QCF(ForceBased):
    """Force-based quasicontinuum with a sharp interface."""

    name = "qcf"
    blended = False


class BQCF(ForceBased):
    """Force blending (the default method)."""

    name = "bqcf"
    blended = True
