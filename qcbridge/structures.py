"""Builders for oriented crystals, slabs and 2D lattices.

Thin wrappers over ASE's lattice builders (:mod:`ase.lattice.cubic`,
:func:`ase.build.bulk`) that put arbitrary crystal directions along x, y, z, replicate,
and set periodicity per direction (e.g. a slab periodic only along a dislocation line).
Lengths in Angstrom.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from itertools import combinations
from typing import Any

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.lattice.compounds import B1, B2, B3, L1_2
from ase.lattice.cubic import BodyCenteredCubic, Diamond, FaceCenteredCubic, SimpleCubic

from .errors import StructureError

__all__ = ["Lattice", "as_slab", "assign_sublattices", "cell_heights", "cubic_crystal", "hcp_crystal",
           "lattice_basis", "lattice_constant_guess", "lattice_period", "miller_indices", "normal_frame",
           "oriented_primitive_cell", "triangular_lattice"]

Directions = Sequence[Sequence[int]]
Symbols = str | Sequence[str]


class Lattice(Enum):
    """Cubic Bravais lattices, multilattices and ordered compounds known to :func:`cubic_crystal`.

    Compounds take two chemical symbols: B1 (rocksalt), B2 (CsCl), B3 (zincblende) and L1_2
    (Cu3Au: the first symbol on the face centres)."""

    FCC = FaceCenteredCubic
    BCC = BodyCenteredCubic
    DIAMOND = Diamond
    SC = SimpleCubic
    ROCKSALT = B1
    B2 = B2
    ZINCBLENDE = B3
    L12 = L1_2

    @property
    def compound(self) -> bool:
        """Whether the lattice takes two species."""
        return self in (Lattice.ROCKSALT, Lattice.B2, Lattice.ZINCBLENDE, Lattice.L12)


def _symbols(lattice: Lattice, symbol: Symbols) -> str | tuple[str, ...]:
    """The symbol argument of ASE's factory: one symbol, or two for a compound."""
    symbols = (symbol,) if isinstance(symbol, str) else tuple(symbol)
    if lattice.compound:
        if len(symbols) != 2:
            raise StructureError(f"{lattice.name} is a compound: give two chemical symbols, got {list(symbols)}")
        return symbols
    if len(symbols) != 1:
        raise StructureError(f"{lattice.name} takes one chemical symbol, got {list(symbols)}")
    return symbols[0]


def cubic_crystal(
    lattice: Lattice,
    symbol: Symbols,
    a: float,
    *,
    directions: Directions = ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    size: Sequence[int] = (1, 1, 1),
    pbc: Sequence[bool] | bool = True,
) -> Atoms:
    """A cubic crystal with the given crystal directions along x, y and z.

    Parameters
    ----------
    lattice : Lattice
        FCC, BCC, DIAMOND, SC or a compound (ROCKSALT, B2, ZINCBLENDE, L12).
    symbol : str or 2 str
        Chemical symbol, or two for a compound.
    a : float
        Cubic lattice constant in Angstrom.
    directions : 3 x 3 ints
        Miller indices of the directions along x, y, z (mutually orthogonal,
        right-handed); e.g. ``[[1, 1, 0], [-1, 1, 1], [1, -1, 2]]``.
    size : 3 ints
        Repetitions of the smallest periodic cell along each direction.
    pbc : bool or 3 bools
        Periodicity of the result.

    Returns
    -------
    ase.Atoms
    """
    d = np.asarray(directions, dtype=int)
    if d.shape != (3, 3):
        raise StructureError(f"directions must be 3 Miller-index triples, got shape {d.shape}")
    if abs(d[0] @ d[1]) + abs(d[0] @ d[2]) + abs(d[1] @ d[2]) != 0:
        raise StructureError(f"directions {d.tolist()} are not mutually orthogonal")
    if np.linalg.det(d) <= 0:
        raise StructureError(f"directions {d.tolist()} are not right-handed")
    try:
        atoms = lattice.value(
            directions=d.tolist(), size=tuple(int(s) for s in size), symbol=_symbols(lattice, symbol),
            latticeconstant=float(a), pbc=pbc,
        )
    except ValueError as exc:
        raise StructureError(str(exc)) from exc
    return atoms


def hcp_crystal(
    symbol: str, a: float, c: float, *, size: Sequence[int] = (1, 1, 1),
    pbc: Sequence[bool] | bool = True,
) -> Atoms:
    """Orthorhombic cell of an hcp crystal: x along [2-1-10], z along [0001].

    Parameters
    ----------
    symbol : str
    a, c : float
        Lattice constants in Angstrom.
    size : 3 ints
        Repetitions of the 4-atom orthorhombic cell.
    pbc : bool or 3 bools

    Returns
    -------
    ase.Atoms
    """
    # Atoms.repeat is unannotated in ase
    atoms = bulk(symbol, "hcp", a=a, c=c, orthorhombic=True).repeat(tuple(size))  # type: ignore[no-untyped-call]
    atoms.pbc = pbc
    return atoms


def triangular_lattice(
    symbol: str, a: float, *, size: Sequence[int] = (1, 1), thickness: float | None = None,
    pbc: Sequence[bool] | bool = True,
) -> Atoms:
    """A 2D triangular lattice in the xy plane, in a rectangular 2-atom cell.

    The lattice is a slab of a 3D crystal periodic along z with one atom per period;
    ``thickness`` (the z period) must exceed the potential's cutoff so that layers do
    not interact, making the model two-dimensional.

    Parameters
    ----------
    symbol : str
    a : float
        Nearest-neighbour distance in Angstrom.
    size : 2 ints
        Repetitions of the rectangular cell (a, sqrt(3) a) along x and y.
    thickness : float, optional
        z period in Angstrom; default 10 a.
    pbc : bool or 3 bools

    Returns
    -------
    ase.Atoms
    """
    h = np.sqrt(3.0) * a
    c = 10.0 * a if thickness is None else float(thickness)
    cell = Atoms(
        symbol * 2, positions=[(0, 0, 0), (0.5 * a, 0.5 * h, 0)], cell=[a, h, c], pbc=pbc
    )
    return cell.repeat((int(size[0]), int(size[1]), 1))  # type: ignore[no-untyped-call]  # unannotated in ase


def as_slab(atoms: Atoms, periodic: Sequence[bool] = (False, False, True)) -> Atoms:
    """A copy with the given periodicity, e.g. periodic only along a line direction z."""
    out = atoms.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
    out.pbc = periodic
    return out


def oriented_primitive_cell(lattice: Lattice, symbol: Symbols, a: float, directions: Directions) -> Atoms:
    """The primitive cell of a cubic crystal in the frame whose x, y, z axes are the given
    (orthogonal, right-handed) crystal directions, e.g. for the Cauchy-Born material of an
    oriented crystal: one atom for fcc, bcc and sc, two for diamond, rocksalt, B2 and
    zincblende, four for L1_2.

    Parameters
    ----------
    lattice : Lattice
    symbol : str or 2 str
        Chemical symbol, or two for a compound.
    a : float
        Cubic lattice constant (Angstrom).
    directions : 3 x 3 ints
    """
    d = np.asarray(directions, dtype=float)
    R = d / np.linalg.norm(d, axis=1)[:, None]
    if np.abs(R @ R.T - np.eye(3)).max() > 1e-10 or np.linalg.det(R) <= 0:
        raise StructureError(f"directions {np.asarray(directions).tolist()} are not orthogonal and right-handed")
    symbols = _symbols(lattice, symbol)
    if lattice is Lattice.L12:
        cell = L1_2(size=(1, 1, 1), symbol=symbols, latticeconstant=a)
    else:
        name = {Lattice.FCC: "fcc", Lattice.BCC: "bcc", Lattice.SC: "sc", Lattice.DIAMOND: "diamond",
                Lattice.ROCKSALT: "rocksalt", Lattice.B2: "cesiumchloride", Lattice.ZINCBLENDE: "zincblende"}[lattice]
        cell = bulk("".join(symbols), name, a=a)
    cell.set_cell(np.array(cell.cell) @ R.T, scale_atoms=True)
    return cell


def assign_sublattices(positions: np.ndarray, cell: Atoms, *, tol: float = 1e-6) -> np.ndarray:
    """Which basis atom of a periodic ``cell`` each site is a lattice translate of.

    Parameters
    ----------
    positions : ndarray, shape (n, 3)
        Sites of a crystal made of the cell (Angstrom); the first site fixes the origin.
    cell : ase.Atoms
        The periodic (e.g. primitive) cell, in the same frame.
    tol : float
        Tolerance on fractional coordinates.

    Returns
    -------
    ndarray of int, shape (n,)
        Basis index k of every site; sites of sublattice 0 form the Bravais lattice.

    Raises
    ------
    StructureError
        A site is no lattice translate of any basis atom.
    """
    frac = np.linalg.solve(np.asarray(cell.cell).T, (np.asarray(positions) - positions[0]).T).T
    basis = cell.get_scaled_positions(wrap=False)  # type: ignore[no-untyped-call]  # unannotated in ase
    for k0 in range(len(cell)):  # the basis atom the first site is
        off = frac[:, None, :] + basis[k0] - basis[None, :, :]  # (n, nb, 3)
        match = np.all(np.abs(off - np.rint(off)) < tol, axis=2)
        if match.any(axis=1).all():
            return np.argmax(match, axis=1)
    raise StructureError("the sites are not lattice translates of the cell's basis atoms (another crystal, or "
                         "another orientation?)")


def lattice_basis(points: np.ndarray, *, tol: float = 1e-6) -> np.ndarray:
    """Primitive lattice vectors (rows) of a set of lattice sites, in the sites' dimension.

    The shortest difference vectors from a central site are tried in order; the first
    independent set in which every site difference has integer coordinates is returned.

    Raises
    ------
    StructureError
        The sites are not a Bravais lattice (e.g. a lattice with a basis projected so that
        no small set of vectors generates it).
    """
    points = np.asarray(points, dtype=float)
    dim = points.shape[1]
    centre = points[np.argmin(np.linalg.norm(points - points.mean(axis=0), axis=1))]
    d = points - centre
    order = np.argsort(np.linalg.norm(d, axis=1))[1:200]
    cand = d[order]
    sample = d[np.random.default_rng(0).choice(len(d), min(len(d), 400), replace=False)]
    for combo in combinations(range(min(len(cand), 24)), dim):
        B = cand[list(combo)]
        if abs(np.linalg.det(B)) < 1e-6 * np.linalg.norm(B, axis=1).prod():
            continue
        c = np.linalg.solve(B.T, sample.T)
        if np.abs(c - np.rint(c)).max() < tol * 1e3:
            return B
    raise StructureError("the sites do not form a Bravais lattice in the mesh plane; pass lattice= explicitly")


#: Atoms per conventional cubic cell.
_ATOMS_PER_CUBE = {Lattice.FCC: 4, Lattice.BCC: 2, Lattice.DIAMOND: 8, Lattice.SC: 1, Lattice.ROCKSALT: 8,
                   Lattice.B2: 2, Lattice.ZINCBLENDE: 8, Lattice.L12: 4}


def _atomic_volume(symbol: str) -> float | None:
    """Volume per atom (A^3) of an element's reference state in ASE, or None."""
    from ase.data import atomic_numbers, reference_states

    # ase's table mixes value types per element: the entries are read as Any
    ref: dict[str, Any] = (reference_states[atomic_numbers[symbol]] if symbol in atomic_numbers else None) or {}
    a = ref.get("a")
    if not a:
        return None
    volume: float | None = {"fcc": a**3 / 4, "bcc": a**3 / 2, "diamond": a**3 / 8, "sc": a**3,
                            "hcp": np.sqrt(3.0) / 4.0 * a**3 * ref.get("c/a", np.sqrt(8.0 / 3.0))}.get(ref["symmetry"])
    return volume


def lattice_constant_guess(symbol: Symbols, lattice: Lattice) -> float:
    """A starting guess (Angstrom) for the cubic lattice constant of ``symbol`` in ``lattice``,
    from the mean atomic volume of the elements' reference states in ASE (whatever their
    structure), or 4 A when ASE has none.

    Parameters
    ----------
    symbol : str or sequence of str
    lattice : Lattice
    """
    symbols = [symbol] if isinstance(symbol, str) else list(symbol)
    volumes = [v for v in map(_atomic_volume, symbols) if v is not None]
    if not volumes:
        return 4.0
    return float((np.mean(volumes) * _ATOMS_PER_CUBE[lattice]) ** (1.0 / 3.0))


def cell_heights(cell: np.ndarray) -> np.ndarray:
    """Distances between opposite faces of a cell (rows are its vectors), shape (3,), in the
    cell's length unit: how far a periodic image lies along each face normal."""
    cell = np.asarray(cell, dtype=float)
    return abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)


def miller_indices(v: Sequence[int] | np.ndarray, name: str,
                   error: type[Exception] = StructureError) -> np.ndarray:
    """Three integers (a plane's Miller indices or a direction's), reduced by their common divisor.

    Parameters
    ----------
    v : 3 ints
    name : str
        What they describe, for the message (e.g. "the crack plane").
    error : exception class
        Raised for non-integer, non-finite or zero indices (default :class:`StructureError`).
    """
    a = np.asarray(v)
    if a.shape != (3,) or not np.all(np.isfinite(a.astype(float))) or np.any(np.abs(a - np.rint(a)) > 1e-9):
        raise error(f"{name} must be three integers (Miller indices), got {np.asarray(v).tolist()}")
    a = np.rint(a).astype(np.int64)
    if not a.any():
        raise error(f"{name} must not be (0, 0, 0)")
    return np.asarray(a // np.gcd.reduce(np.abs(a)))


def normal_frame(normal: np.ndarray, line: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Integer crystal directions along x, y, z of the frame with y along ``normal`` (a plane's
    Miller indices) and z along ``line`` (a direction in that plane): x = normal cross line,
    reduced by its common divisor."""
    x = np.cross(normal, line)
    x //= np.gcd.reduce(np.abs(x))
    return tuple(int(i) for i in x), tuple(int(i) for i in normal), tuple(int(i) for i in line)


def lattice_period(lattice: Lattice, direction: Sequence[int] | np.ndarray, a: float) -> float:
    """Shortest lattice vector along the integer ``direction`` [u v w] of a cubic Bravais
    lattice (Angstrom): a |uvw| / 2 where that is a lattice vector (fcc: u + v + w even; bcc:
    all odd), a |uvw| otherwise; multilattices by their Bravais lattice (diamond as fcc, B2
    and L12 as sc, rocksalt and zincblende as fcc)."""
    t = np.asarray(direction, dtype=np.int64)
    bravais = {Lattice.FCC: "fcc", Lattice.DIAMOND: "fcc", Lattice.ROCKSALT: "fcc", Lattice.ZINCBLENDE: "fcc",
               Lattice.BCC: "bcc"}.get(lattice, "sc")
    half = (bravais == "fcc" and int(t.sum()) % 2 == 0) or (bravais == "bcc" and bool(np.all(t % 2 == 1)))
    return float(a * np.linalg.norm(t) * (0.5 if half else 1.0))
