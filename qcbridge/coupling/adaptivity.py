"""Adaptive refinement: where the continuum can no longer stand for the crystal, make it atomistic.

Two error indicators mark places for refinement down to full atomistic resolution:

* **Cauchy-Born deviation** of the continuum: an element (any vertex not in the resolved
  region) whose Green-Lagrange strain exceeds ``strain`` in norm, far beyond where the
  Cauchy-Born rule holds uniformly for the crystal (a few percent);
* **slip** near the interface: a resolved atom within ``band`` of the continuum whose
  displacement differs from one of its nearest neighbours' by more than ``slip`` (a fraction
  of a Burgers vector: a dislocation has reached the interface).

The atomistic region grows to every site within ``grow`` of a marked point; geometry (blending
region, padding, graded mesh) is rebuilt around it, and the displacements carry over: every new
node takes the old model's displacement at its site (nodes directly, other sites
interpolated), so no state is lost. Before a new model is built its memory is estimated and
checked against a budget (:class:`~qcbridge.errors.RefinementBudgetError`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..defects.slip import neighbour_slip
from ..errors import CouplingError, RefinementBudgetError
from .geometry import CoupledGeometry, Region
from .model import QCModel
from .reference import site_displacements

__all__ = ["RefinementCriteria", "check_budget", "estimated_memory", "grown_region", "marked_points", "rebuilt",
           "transfer_state"]


@dataclass(frozen=True)
class RefinementCriteria:
    """Thresholds of the indicators and how far the region grows.

    Attributes
    ----------
    strain : float
        Largest Green-Lagrange strain norm (dimensionless) a continuum element may carry.
        Cauchy-Born is exact for a homogeneous strain of any size; what it misses grows with
        the strain's gradient, which is largest where the strain is. Al (001) indentation:
        with 5 % the region first grows as the dislocation nucleates, and loads stay within
        0.5 % of full atomistics; 3 % grew it from 2.75 A on, before nucleation, for loads no
        closer.
    slip : float
        Largest nearest-neighbour relative displacement (Angstrom) of resolved atoms within
        ``band`` of the continuum.
    band : float
        Width (Angstrom) of the interface band the slip indicator watches.
    grow : float
        Radius (Angstrom) around each marked point added to the atomistic region.
    memory_budget : float
        Largest estimated memory (bytes) of a refined model (:func:`estimated_memory`).
    """

    strain: float = 0.05
    slip: float = 0.5
    band: float = 10.0
    grow: float = 10.0
    memory_budget: float = 4e9

    def __post_init__(self) -> None:
        for name in ("strain", "slip", "band", "grow", "memory_budget"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise CouplingError(f"the refinement criterion {name} must be positive and finite, got {value}")


def marked_points(model: QCModel, u: np.ndarray, criteria: RefinementCriteria) -> np.ndarray:
    """Reference positions (Angstrom, (k, 3)) the indicators mark at displacements u: centroids
    of over-strained continuum elements and slipped atoms near the interface. Both are measured
    from the model's rest state if it has one (a relaxed free surface strains the thin elements
    under it by a few percent at rest; that is not a field the continuum fails to carry)."""
    g = model.geometry
    mesh, dim = g.mesh, g.dim
    resolved_site = (g.region == Region.CORE) | (g.region == Region.BLEND)
    continuum_element = ~resolved_site[g.node_site[mesh.elements]].all(axis=1)
    elements = np.flatnonzero(continuum_element)
    F = model.kinematics.element_gradients(u, elements)
    if model.rest is not None:
        F = np.einsum("eij,ejk->eik", F, np.linalg.inv(model.kinematics.element_gradients(model.rest, elements)))
    E = 0.5 * (np.einsum("eki,ekj->eij", F, F) - np.eye(3))
    strained = elements[np.linalg.norm(E, axis=(1, 2)) > criteria.strain]
    centroids = g.reference_nodes[mesh.elements[strained]].mean(axis=1)

    atoms = g.reference_atoms
    du = model.atom_positions(u) - (atoms if model.rest is None else model.atom_positions(model.rest))
    resolved_atom = resolved_site[g.atom_site]
    outside = atoms[~resolved_atom, :dim]
    if len(outside) == 0:
        return centroids
    near = resolved_atom & (cKDTree(outside).query(atoms[:, :dim])[0] <= criteria.band)
    slipped = near & (neighbour_slip(atoms[:, :dim], du) > criteria.slip)
    return np.concatenate([centroids, atoms[slipped]])


def grown_region(geometry: CoupledGeometry, points: np.ndarray, grow: float) -> np.ndarray:
    """Atomistic-region mask over sites: the current core and every site within ``grow``
    (Angstrom, in the mesh plane for slabs) of ``points``."""
    core = geometry.region == Region.CORE
    if len(points) == 0:
        return core
    P = geometry.crystal.positions[:, : geometry.dim]
    added = cKDTree(np.asarray(points)[:, : geometry.dim]).query(P, distance_upper_bound=grow)[0] <= grow
    return np.asarray(core | added)


def estimated_memory(geometry: CoupledGeometry, cutoff: float, skin: float = 1.0) -> float:
    """Rough memory (bytes) of a coupled model: per LAMMPS atom and per ghost atom, the
    per-atom arrays (~40 doubles) and a half neighbour list at the crystal's density within
    cutoff + skin (4-byte entries); per element and per node, the mesh, interpolation and
    Cauchy-Born arrays (~60 doubles and ~30 doubles)."""
    X = geometry.crystal.positions
    lo, hi = X.min(axis=0), X.max(axis=0)
    extent = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    if geometry.dim == 2:
        extent[2] = float(geometry.crystal.cell[2, 2])
    density = len(X) / float(np.prod(extent))
    neighbours = 0.5 * density * 4.0 / 3.0 * np.pi * (cutoff + skin) ** 3
    n_atoms = len(geometry.atom_site) * (1.0 + (2.0 if geometry.dim == 2 else 0.5))  # local and ghost atoms
    return float(n_atoms * (8 * 40 + 4 * neighbours) + geometry.mesh.n_elements * 8 * 60
                 + len(geometry.node_site) * 8 * 30)


def check_budget(geometry: CoupledGeometry, cutoff: float, budget: float) -> None:
    """Raise :class:`RefinementBudgetError` if the geometry's model would exceed ``budget`` bytes."""
    need = estimated_memory(geometry, cutoff)
    if need > budget:
        raise RefinementBudgetError(
            f"refining to {len(geometry.atom_site)} LAMMPS atoms and {geometry.mesh.n_elements} elements would "
            f"need about {need / 1e6:.1f} MB, more than the budget of {budget / 1e6:.1f} MB; raise "
            "memory_budget, coarsen the criteria (strain, slip) or stop the run earlier")


def transfer_state(model: QCModel, u: np.ndarray, geometry: CoupledGeometry) -> np.ndarray:
    """Displacements (Angstrom, (n_new_nodes, 3)) of a rebuilt geometry's nodes: the old model's
    displacement at every new node's site (nodes directly, other sites interpolated)."""
    if geometry.crystal is not model.geometry.crystal and len(geometry.crystal) != len(model.geometry.crystal):
        raise CouplingError("a state carries over only between geometries of the same crystal")
    return np.asarray(site_displacements(model, u)[geometry.node_site])


def rebuilt(model: QCModel, u: np.ndarray, geometry: CoupledGeometry, build: Callable[[CoupledGeometry], QCModel],
            budget: float) -> tuple[QCModel, np.ndarray]:
    """The model ``build`` makes on a refined geometry and the displacements (Angstrom) carried
    over to it (:func:`transfer_state`); the old model is closed. The memory budget (bytes) is
    checked first, before any LAMMPS instance is made."""
    check_budget(geometry, model.potential.cutoff, budget)
    new = build(geometry)
    u_new = transfer_state(model, u, geometry)
    model.close()
    return new, u_new
