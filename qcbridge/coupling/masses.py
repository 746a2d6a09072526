"""Node masses of a coupled model: the crystal's mass lumped onto the degrees of freedom.

Every lattice site of the domain carries its atom's mass. A site that is a degree of freedom
(an atom of the resolved region, a mesh vertex) keeps its own; a site inside an element gives
its mass to the element's vertices in proportion to its barycentric coordinates. The row sums
of the consistent mass m N^T N of the sites' kinetic energy, this is the lumped mass of the
finite-element region, equal to the atom's mass in the resolved region, and the total is the
crystal's. With these masses ASE's molecular dynamics runs on a coupled model unchanged.
"""

from __future__ import annotations

import numpy as np

from .geometry import CoupledGeometry

__all__ = ["lumped_masses"]


def lumped_masses(geometry: CoupledGeometry) -> np.ndarray:
    """Lumped mass of every node (amu), shape (n_nodes,).

    Parameters
    ----------
    geometry : CoupledGeometry

    Returns
    -------
    ndarray
        Masses in amu; they sum to the mass of all the crystal's sites.
    """
    masses = geometry.crystal.get_masses()
    n_mesh = geometry.mesh.n_nodes
    extra = geometry.node_site[n_mesh:]  # resolved atoms of a multilattice's other sublattices
    on_mesh = np.ones(len(masses), dtype=bool)
    on_mesh[extra] = False
    interp, _, _ = geometry.interpolate(geometry.crystal.positions[on_mesh, :geometry.dim])
    out = np.empty(len(geometry.node_site))
    out[:n_mesh] = interp.T @ masses[on_mesh]
    out[n_mesh:] = masses[extra]
    return out
