"""Checks a structure must pass before LAMMPS sees it.

LAMMPS crashes or returns garbage on some input instead of raising an error (atoms on
top of each other make EAM tables index below their first point and neighbour lists
overflow; a NaN coordinate poisons everything). These checks run before every
construction and cell change, and cheaply on every position update
(:class:`OverlapGuard`).
"""

from __future__ import annotations

from itertools import product

import numpy as np
from ase import Atoms

from ..errors import EmptyStructureError, NonFiniteError, OverlappingAtomsError, StructureError
from ..potentials import Potential
from ..structures import cell_heights

__all__ = ["OverlapGuard", "check_positions", "check_structure", "close_pairs"]

#: How much further than the minimum distance a full search looks (Angstrom): atoms may
#: then move by half of it before :class:`OverlapGuard` searches again.
SEARCH_SKIN = 1.0

#: Largest number of (periodic image) points the pair search may hold.
MAX_IMAGE_POINTS = 20_000_000


def check_positions(positions: np.ndarray) -> None:
    """Raise :class:`NonFiniteError` naming the first atoms with NaN/inf coordinates."""
    bad = ~np.isfinite(positions).all(axis=1)
    if bad.any():
        idx = np.flatnonzero(bad)
        raise NonFiniteError(f"non-finite positions for atom(s) {idx[:10].tolist()}")


def check_cell(cell: np.ndarray, pbc: np.ndarray) -> None:
    """Raise a named error for a non-finite cell or a zero-length periodic vector."""
    cell = np.asarray(cell, dtype=float)
    if not np.all(np.isfinite(cell)):
        raise NonFiniteError("the cell contains NaN or infinite entries")
    lengths = np.linalg.norm(cell, axis=1)
    empty = [("a", "b", "c")[i] for i in range(3) if pbc[i] and lengths[i] < 1e-8]
    if empty:
        raise EmptyStructureError(
            f"periodic cell vector(s) {', '.join(empty)} have zero length (empty cell); "
            "set a cell or make that direction non-periodic"
        )
    if np.all(pbc) and abs(np.linalg.det(cell)) < 1e-8:
        raise EmptyStructureError("the periodic cell has zero volume")


def check_structure(atoms: Atoms, potential: Potential, *, min_distance: float = 0.5) -> None:
    """Validate a structure for an atomistic calculation.

    Parameters
    ----------
    atoms : ase.Atoms
        The structure.
    potential : Potential
        Must cover every species of ``atoms``.
    min_distance : float
        Smallest allowed interatomic distance in Angstrom (0 disables the check).

    Raises
    ------
    EmptyStructureError, NonFiniteError, SpeciesError, OverlappingAtomsError
    """
    if len(atoms) == 0:
        raise EmptyStructureError("the structure has no atoms")
    check_cell(np.asarray(atoms.cell), np.asarray(atoms.pbc))
    check_positions(atoms.positions)
    potential.check_species(atoms.get_chemical_symbols())  # type: ignore[no-untyped-call]  # unannotated in ase
    check_distances(atoms.positions, np.asarray(atoms.cell), np.asarray(atoms.pbc), min_distance)


def check_distances(positions: np.ndarray, cell: np.ndarray, pbc: np.ndarray, min_distance: float) -> float:
    """Raise :class:`OverlappingAtomsError` if two atoms are closer than ``min_distance``.

    Returns
    -------
    float
        The smallest distance below ``min_distance + SEARCH_SKIN`` (Angstrom), or that
        search radius when no pair is that close.
    """
    if min_distance <= 0 or len(positions) < 2:
        return np.inf
    radius = min_distance + SEARCH_SKIN
    pairs, dist = close_pairs(Atoms(positions=positions, cell=cell, pbc=pbc), radius)
    bad = dist < min_distance
    if bad.any():
        k = int(np.argmin(dist))
        raise OverlappingAtomsError(
            f"atoms {pairs[k, 0]} and {pairs[k, 1]} are {dist[k]:.4g} A apart "
            f"(minimum allowed distance {min_distance} A); {int(bad.sum())} such pair(s)"
        )
    return float(dist.min()) if len(dist) else radius


def close_pairs(atoms: Atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of atoms closer than ``cutoff`` (Angstrom), periodic images included.

    A k-d tree over the atoms wrapped into the cell plus the periodic copies of those
    within ``cutoff`` of a cell face (as many periods as a thin cell needs); memory and
    time linear in N.

    Returns
    -------
    pairs : ndarray, shape (M, 2)
        Atom indices, ``i < j`` (``i == j`` for an atom close to its own image).
    distances : ndarray, shape (M,)
        The shortest distance of each pair over periodic images.

    Raises
    ------
    StructureError
        The cell is so thin (a needle or a sheet) compared with ``cutoff`` that the
        periodic images needed would not fit in memory.
    """
    from scipy.spatial import cKDTree

    pos = np.asarray(atoms.positions, dtype=float)
    pbc = np.array(atoms.pbc, dtype=bool)
    owner = np.arange(len(atoms))
    points, owners = [pos], [owner]
    if pbc.any():
        cell = np.array(atoms.cell)
        frac = np.linalg.solve(cell.T, pos.T).T
        frac[:, pbc] %= 1.0
        pos = frac @ cell
        points = [pos]
        heights = cell_heights(cell)
        margin = cutoff / heights
        reach = np.where(pbc, np.ceil(margin), 0).astype(int)
        if np.prod(2 * reach + 1) * len(pos) > MAX_IMAGE_POINTS:
            raise StructureError(
                f"the cell is too thin for a {cutoff:g} A neighbour search (heights {np.round(heights, 4).tolist()} A "
                f"would need {np.prod(2 * reach + 1)} periodic images); use a thicker cell"
            )
        for shift in product(*[range(-k, k + 1) for k in reach]):
            if not any(shift):
                continue
            s = np.array(shift)
            shifted = frac + s
            near = np.all((shifted > -margin) & (shifted < 1.0 + margin) | ~pbc, axis=1)
            points.append(pos[near] + s @ cell)
            owners.append(owner[near])
    allpos, allown = np.concatenate(points), np.concatenate(owners)
    pq = cKDTree(allpos).query_pairs(cutoff, output_type="ndarray")
    n = len(atoms)
    pq = pq[(pq[:, 0] < n) | (pq[:, 1] < n)]  # at least one real atom
    d = np.linalg.norm(allpos[pq[:, 0]] - allpos[pq[:, 1]], axis=1)
    order = np.argsort(d, kind="stable")  # a pair may meet through several images: keep the closest
    ij = np.sort(allown[pq[order]], axis=1)
    ij, first = np.unique(ij, axis=0, return_index=True)
    return ij, d[order][first]


class OverlapGuard:
    """Keeps atoms from overlapping as positions change, at the cost of one norm per update.

    A full pair search (:func:`check_distances`) finds the closest pair distance d0 (or
    ``min_distance + SEARCH_SKIN`` when none is that close). Until some atom has moved by delta with
    ``d0 - 2 delta < min_distance`` since that search, no pair can have come closer than
    ``min_distance``, so no new search is needed -- the reasoning of a neighbour-list skin.

    Parameters
    ----------
    min_distance : float
        Angstrom; 0 disables the guard.
    """

    def __init__(self, min_distance: float):
        self.min_distance = float(min_distance)
        self._reference: np.ndarray | None = None
        self._slack = 0.0

    def check(self, positions: np.ndarray, cell: np.ndarray, pbc: np.ndarray) -> None:
        """Full search (after a cell change, or the first time)."""
        positions = np.asarray(positions, dtype=float)
        d0 = check_distances(positions, cell, pbc, self.min_distance)
        self._reference = positions.copy()
        self._slack = 0.5 * (d0 - self.min_distance)
        self._cell, self._pbc = np.array(cell), np.array(pbc)

    def update(self, positions: np.ndarray) -> None:
        """Check new positions (same cell), searching again only when atoms moved far."""
        if self.min_distance <= 0:
            return
        if self._reference is not None:
            moved = np.sqrt(3.0) * np.abs(positions - self._reference).max()  # >= largest displacement
            if moved < self._slack:
                return
        self.check(positions, self._cell, self._pbc)
