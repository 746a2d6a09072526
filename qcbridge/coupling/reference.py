"""Full-atomistic LAMMPS references for coupled models, and errors measured against them.

The reference holds every lattice site of the model's domain as a LAMMPS atom, prescribes
the boundary condition's displacement on a boundary layer, and relaxes the rest with
LAMMPS's own minimizer. A coupled solution is compared site by site: its displacement at
every site (nodes directly, other sites interpolated from the mesh) against the
reference's, in the maximum norm on the atomistic core and in the energy norm
||grad(u_qc - u_ref)||_L2 over the triangulated domain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ..continuum.mesh import Mesh
from ..engines.lammps import LammpsEngine
from ..potentials.potential import Potential
from .boundary import Boundary
from .contributions import lammps_atoms
from .kinematics import slip_corrections
from .model import QCModel

__all__ = ["AtomisticReference", "atom_energies", "boundary_layer", "energy_norm", "relax_reference",
           "site_displacements"]


@dataclass(frozen=True)
class AtomisticReference:
    """Relaxed full-atomistic solution: positions (A), per-atom energies (eV), energy (eV),
    wall time of the minimization (s), number of free atoms."""

    positions: np.ndarray
    energies: np.ndarray
    energy: float
    seconds: float
    n_free: int


def boundary_layer(X: np.ndarray, width: float, dim: int = 2) -> np.ndarray:
    """Mask of points within ``width`` (A) of the bounding box in the first ``dim`` coordinates."""
    P = X[:, :dim]
    lo, hi = P.min(axis=0), P.max(axis=0)
    return np.any((P - lo < width) | (hi - P < width), axis=1)


def relax_reference(crystal: Atoms, potential: Potential, boundary: Boundary, fixed: np.ndarray, *, ftol: float = 1e-6,
                    max_iter: int = 100000) -> AtomisticReference:
    """Minimize the full-atomistic domain with LAMMPS (``min_style cg``).

    Parameters
    ----------
    crystal : ase.Atoms
        All sites (reference positions).
    potential : Potential
    boundary : Boundary
        Its displacement is applied to every site as the start, and kept on ``fixed``.
    fixed : ndarray of bool
        Sites held at the prescribed displacement.
    ftol : float
        LAMMPS force tolerance (eV/A, 2-norm of the global force vector).
    """
    atoms = crystal.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
    atoms.positions = crystal.positions + boundary.displacement(crystal.positions)
    with LammpsEngine(atoms, potential, fixed=np.flatnonzero(fixed)) as eng:
        t0 = time.perf_counter()
        eng.commands(["min_style cg", "min_modify line quadratic", f"minimize 0 {ftol} {max_iter} {10 * max_iter}"])
        seconds = time.perf_counter() - t0
        x = eng.positions()
        e = eng.energies()
    return AtomisticReference(x, e, float(e.sum()), seconds, int((~fixed).sum()))


def site_displacements(model: QCModel, u: np.ndarray) -> np.ndarray:
    """Displacement of every lattice site of the model's domain (A): degrees of freedom
    directly, other sites interpolated from their elements (with the slip correction, and
    for a multilattice's other sublattices the inner shift)."""
    g = model.geometry
    X = g.crystal.positions
    m = g.n_mesh_nodes
    interp, elem, bary = g.interpolate(X[:, : g.dim])
    _, offsets = slip_corrections(g.mesh, g.reference_nodes, model.boundary, X, elem, bary)
    out = interp @ u[:m] + offsets
    # a multilattice's other sublattices: plus their inner shift (not the resolved ones, which
    # are degrees of freedom and whose elements may span an opened crack)
    other = np.setdiff1d(np.flatnonzero(g.sublattice > 0), g.node_site[m:])
    if len(other):
        kin = model.kinematics
        elems, where = np.unique(elem[other], return_inverse=True)
        s = kin.material.relaxed_shifts(kin.element_gradients(u, elems))
        out[other] += s[where, g.sublattice[other]]
    out[g.node_site[m:]] = u[m:]  # extra degrees of freedom directly (mesh nodes interpolate to themselves)
    return out


def atom_energies(model: QCModel, u: np.ndarray) -> np.ndarray:
    """Per-atom energies (eV) of a coupled model's LAMMPS atoms at displacements u, from the
    unweighted potential (a LAMMPS instance of its own); exact for atoms whose
    neighbourhood lies inside the padding (core and blending region)."""
    with LammpsEngine(lammps_atoms(model.kinematics), model.potential) as eng:
        eng.set_positions(model.atom_positions(u))
        return eng.energies()


def energy_norm(crystal: Atoms, du: np.ndarray, dim: int = 2, mesh: Mesh | None = None) -> float:
    """||grad du||_L2 over the triangulation of all sites (A^(dim/2), P1 gradients)."""
    if mesh is None:
        thickness = float(crystal.cell[2, 2]) if dim == 2 else 1.0
        mesh = Mesh.from_points(crystal.positions[:, :dim], thickness=thickness)
    grad = (mesh.gradient_operator @ du).reshape(mesh.n_elements, -1)
    return float(np.sqrt(np.sum(mesh.volumes * np.sum(grad * grad, axis=1))))
