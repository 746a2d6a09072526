r"""Harmonic force constants of a crystal from LAMMPS, and the sparse stiffness matrix they give.

For a Bravais crystal the second derivatives of the energy depend on the relative vector only:
:math:`\Phi(R) = \partial^2 E / \partial u_j \partial u_0` with :math:`R = r_j - r_0`.
:func:`pair_force_constants` measures every block by central differences of LAMMPS forces when
one atom of a periodic supercell moves by ``+-h`` along x, y and z (6 evaluations), and
:func:`stiffness_matrix` assembles the sparse 3N x 3N matrix K of any set of lattice sites
(periodic or not along each direction) from those blocks, so that F = -K u for small
displacements u. Many-body potentials (EAM) couple atoms up to twice the cutoff; the supercell
is repeated until it is wider than twice that reach, so that every block belongs to one image.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from ase import Atoms, units
from scipy.spatial import cKDTree

from ..errors import StructureError
from ..potentials import Potential
from ..structures import cell_heights

__all__ = ["ForceConstants", "pair_force_constants", "stiffness_matrix"]


class ForceConstants:
    """Force-constant blocks of a Bravais crystal, keyed by relative vector.

    Parameters
    ----------
    vectors : ndarray (M, 3)
        Relative vectors R (Angstrom), R = 0 included.
    blocks : ndarray (M, 3, 3)
        Phi(R)[a, b] = d^2 E / du_j,a du_0,b (eV/Angstrom^2).
    reach : float
        Largest length of R with a non-zero block (Angstrom).
    """

    def __init__(self, vectors: np.ndarray, blocks: np.ndarray, reach: float):
        self.vectors = np.asarray(vectors, dtype=float)
        self.blocks = np.asarray(blocks, dtype=float)
        self.reach = float(reach)
        self._tree = cKDTree(self.vectors)

    def sound_speeds(self, mass: float, direction: np.ndarray) -> np.ndarray:
        """Long-wavelength sound speeds (Angstrom/fs, ascending) along a direction.

        From the long-wave limit of the dynamical matrix, omega^2 / k^2 = eig(-(1/2m) sum_R
        Phi(R) (R . n)^2) (Born and Huang), free of the cancellation a small-k difference has.

        Parameters
        ----------
        mass : float
            Atomic mass (amu).
        direction : ndarray (3,)
        """
        n = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
        christoffel = -0.5 * np.einsum("m,mab->ab", (self.vectors @ n) ** 2, self.blocks) / mass  # (A/ASE time)^2
        return np.sqrt(np.clip(np.linalg.eigvalsh(christoffel), 0.0, None)) * units.fs

    def lookup(self, d: np.ndarray, tol: float = 1e-3) -> np.ndarray:
        """Blocks (n, 3, 3) for relative vectors d (n, 3) (Angstrom); zero where no site matches."""
        dist, k = self._tree.query(d, distance_upper_bound=tol)
        out = np.zeros((len(d), 3, 3))
        hit = np.isfinite(dist)
        out[hit] = self.blocks[k[hit]]
        return out


def pair_force_constants(potential: Potential, supercell: Atoms, *, index: int = 0, h: float = 1e-3,
                         reach: float | None = None) -> ForceConstants:
    """Force-constant blocks Phi(R) of a Bravais crystal by central differences of LAMMPS forces.

    Parameters
    ----------
    potential : Potential
    supercell : ase.Atoms
        Periodic cell of the perfect Bravais crystal (a primitive or conventional cell will do:
        it is repeated until it is wider than 2 ``reach`` in every direction).
    index : int
        The atom that is moved.
    h : float
        Displacement (Angstrom).
    reach : float, optional
        Range of the blocks (Angstrom); default twice the cutoff (many-body potentials).

    Returns
    -------
    ForceConstants
        Blocks in eV/Angstrom^2 of every site within ``reach``.
    """
    from .lammps import LammpsEngine

    reach = 2.0 * potential.cutoff if reach is None else float(reach)
    if not all(supercell.pbc):
        raise StructureError(f"force constants need a periodic cell of the perfect crystal, got pbc "
                             f"{supercell.pbc.tolist()}")
    cell = np.asarray(supercell.cell)
    repeat = np.floor(2 * reach / cell_heights(cell)).astype(int) + 1  # wider than twice the reach: one image per block
    if np.any(repeat > 1):
        supercell = supercell.repeat(tuple(int(r) for r in repeat))  # type: ignore[no-untyped-call]  # unannotated in ase
        cell = np.asarray(supercell.cell)
    x0 = np.array(supercell.positions, dtype=float)
    d = x0 - x0[index]
    d -= np.rint(d @ np.linalg.inv(cell)) @ cell  # minimum image
    phi = np.zeros((len(supercell), 3, 3))
    with LammpsEngine(supercell, potential, min_distance=0.0) as eng:
        for b in range(3):
            f = []
            for s in (1.0, -1.0):
                x = x0.copy()
                x[index, b] += s * h
                eng.set_positions(x)
                f.append(eng.forces())
            phi[:, :, b] = -(f[0] - f[1]) / (2 * h)
    keep = np.linalg.norm(d, axis=1) <= reach + 1e-6
    return ForceConstants(d[keep], phi[keep], reach)


def stiffness_matrix(positions: np.ndarray, cell: np.ndarray, pbc: np.ndarray, fc: ForceConstants,
                     tol: float = 1e-3) -> sp.csr_matrix:
    """Sparse harmonic stiffness K (3N x 3N, eV/Angstrom^2) of lattice sites from force constants.

    Periodic directions sum the blocks of every image within reach (a cell thinner than the
    reach, such as one lattice constant along z, is the crystal restricted to displacements of
    that period). Sites are the perfect-crystal positions; F = -K u to first order in u.

    Parameters
    ----------
    positions : ndarray (N, 3)
        Lattice sites (Angstrom).
    cell : ndarray (3, 3)
        Cell vectors as rows (Angstrom); only the periodic ones are used.
    pbc : 3 bools
    fc : ForceConstants
    tol : float
        Distance within which a relative vector matches a block's (Angstrom).
    """
    positions = np.asarray(positions, dtype=float)
    cell = np.asarray(cell, dtype=float)
    ranges = []
    for k in range(3):
        if pbc[k]:
            other = np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])
            width = abs(cell[k] @ other) / np.linalg.norm(other)
            m = math.ceil(fc.reach / width) + 1
            ranges.append(np.arange(-m, m + 1))
        else:
            ranges.append(np.zeros(1, dtype=int))
    shifts = np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, 3) @ cell
    n = len(positions)
    images = (positions[None, :, :] + shifts[:, None, :]).reshape(-1, 3)
    pairs = cKDTree(positions).sparse_distance_matrix(cKDTree(images), fc.reach + tol, output_type="ndarray")
    pairs = pairs[pairs["v"] > tol]  # the site itself is added once below, whatever the tree reports
    i, j_img = pairs["i"], pairs["j"]
    j = j_img % n
    blocks = fc.lookup(images[j_img] - positions[i], tol)
    self_blocks = fc.lookup(np.zeros((1, 3)), tol)[0]
    rows = np.concatenate([i, np.arange(n)])
    cols = np.concatenate([j, np.arange(n)])
    data = np.concatenate([blocks, np.broadcast_to(self_blocks, (n, 3, 3))])
    r = (3 * rows[:, None, None] + np.arange(3)[None, :, None]).repeat(3, axis=2)
    c = (3 * cols[:, None, None] + np.arange(3)[None, None, :]).repeat(3, axis=1)
    return sp.coo_matrix((data.ravel(), (r.ravel(), c.ravel())), shape=(3 * n, 3 * n)).tocsr()
