"""Ready-made coupled set-ups: a slab of an oriented cubic crystal (elements and compounds,
simple lattices and multilattices) or of hcp, its coupled geometry and the Cauchy-Born
material of the same potential at the potential's own lattice constant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms
from ase.build import bulk

from ..continuum.cauchy_born import CauchyBorn
from ..continuum.lammps_cell import LammpsCauchyBorn
from ..continuum.materials import cauchy_born_material, equilibrium_lattice_constant
from ..errors import ConvergenceError, CouplingError, PaddingDoesNotFitError
from ..potentials.potential import Potential
from ..structures import (
    Directions,
    Lattice,
    assign_sublattices,
    cubic_crystal,
    hcp_crystal,
    lattice_basis,
    lattice_constant_guess,
    oriented_primitive_cell,
)
from .geometry import CoupledGeometry, build_geometry

__all__ = ["DISLOCATION_AXES", "SlabSetup", "cubic_lattice_constant", "hcp_lattice_constants", "hcp_slab_setup",
           "minimum_slab_size", "slab_from_cell", "slab_setup"]

#: x along the Burgers vector [110], y along the glide-plane normal [-111], z along the line [1-12].
DISLOCATION_AXES: Directions = ((1, 1, 0), (-1, 1, 1), (1, -1, 2))


@dataclass(frozen=True)
class SlabSetup:
    """A coupled slab: crystal, geometry, Cauchy-Born material, potential, lattice constant (A)."""

    crystal: Atoms
    geometry: CoupledGeometry
    material: CauchyBorn | LammpsCauchyBorn
    potential: Potential
    a: float


def slab_setup(
    potential: Potential,
    *,
    lattice: Lattice = Lattice.FCC,
    symbols: str | Sequence[str] | None = None,
    a: float | None = None,
    directions: Directions = DISLOCATION_AXES,
    size: tuple[int, int] | None = None,
    atomistic: np.ndarray | float | Callable[[np.ndarray], np.ndarray] = 11.0,
    blend_width: float = 8.0,
    remove: np.ndarray | None = None,
    **geometry_options: Any,
) -> SlabSetup:
    """Build a slab of a cubic crystal periodic along z (one period thick) with a coupled geometry.

    Parameters
    ----------
    potential : Potential
    lattice : Lattice
        FCC, BCC, SC, DIAMOND or a compound (ROCKSALT, B2, ZINCBLENDE, L12).
    symbols : str or 2 str, optional
        Species (two for a compound); default the potential's first (two) species.
    a : float, optional
        Cubic lattice constant (Angstrom); default: where the potential's Cauchy-Born
        stress vanishes.
    directions : 3 x 3 ints
        Crystal directions along x, y, z.
    size : (int, int), optional
        Periods of the oriented cell along x and y; default (and the smallest allowed with a
        radius atomistic region): :func:`minimum_slab_size`.
    atomistic : float, mask or callable
        Atomistic region (radius in Angstrom around the centre, mask, or callable).
    blend_width : float
        Blending region width (Angstrom).
    remove : array of int, optional
        Sites to delete (e.g. a vacancy), after the region is chosen by position.
    **geometry_options
        Passed to :func:`build_geometry`.
    """
    if symbols is None:
        symbols = tuple(potential.species[:2]) if lattice.compound else potential.species[0]
    if a is None:
        a = cubic_lattice_constant(potential, lattice, directions, symbols)
    unit = cubic_crystal(lattice, symbols, a, directions=directions)
    cell = oriented_primitive_cell(lattice, symbols, a, directions)
    return slab_from_cell(potential, unit, cell, size=size, atomistic=atomistic, blend_width=blend_width,
                          remove=remove, a=a, **geometry_options)


def hcp_slab_setup(potential: Potential, *, symbol: str | None = None, a: float | None = None,
                   c: float | None = None, size: tuple[int, int] | None = None,
                   atomistic: np.ndarray | float | Callable[[np.ndarray], np.ndarray] = 11.0,
                   blend_width: float = 8.0, remove: np.ndarray | None = None, **geometry_options: Any) -> SlabSetup:
    """A slab of an hcp crystal periodic along [0001] (x along [2-1-10]) with a coupled geometry;
    a and c (Angstrom) default to where the Cauchy-Born stress vanishes
    (:func:`hcp_lattice_constants`). Other parameters as in :func:`slab_setup`."""
    symbol = potential.species[0] if symbol is None else symbol
    if a is None or c is None:
        a, c = hcp_lattice_constants(potential, symbol)
    unit = hcp_crystal(symbol, a, c)
    cell = bulk(symbol, "hcp", a=a, c=c)  # primitive, same frame as the orthorhombic cell
    return slab_from_cell(potential, unit, cell, size=size, atomistic=atomistic, blend_width=blend_width,
                          remove=remove, a=a, **geometry_options)


def slab_from_cell(potential: Potential, unit: Atoms, cell: Atoms, *, size: tuple[int, int] | None,
                   atomistic: np.ndarray | float | Callable[[np.ndarray], np.ndarray], blend_width: float,
                   remove: np.ndarray | None, a: float, **geometry_options: Any) -> SlabSetup:
    """A slab of ``unit`` (an orthogonal periodic cell, z its line direction) repeated in x and y,
    its coupled geometry and the Cauchy-Born material of the primitive ``cell`` (same frame).

    A multilattice (``cell`` with several atoms) gets a mesh on its Bravais sublattice and
    the other sublattices as extra degrees of freedom or inner-shifted padding atoms.
    """
    radius = float(atomistic) if not callable(atomistic) and np.ndim(atomistic) == 0 else None
    smallest = None
    if radius is not None:
        smallest = _slab_size(potential, np.diag(np.asarray(unit.cell))[:2], radius, blend_width,
                              geometry_options.get("strain_margin", 0.1))
    if size is None:
        if smallest is None:
            raise CouplingError("give size= for an atomistic region that is a mask or a function")
        size = smallest
    crystal = unit.repeat((size[0], size[1], 1))  # type: ignore[no-untyped-call]  # unannotated in ase
    crystal.pbc = (False, False, True)
    if remove is not None:
        if callable(atomistic):
            raise CouplingError("remove= needs a radius or mask atomistic region")
        if np.ndim(atomistic) != 0:
            atomistic = np.delete(np.asarray(atomistic, bool), remove)
        del crystal[list(np.atleast_1d(remove))]
    sublattice = assign_sublattices(crystal.positions, cell) if len(cell) > 1 else None
    bravais = crystal.positions if sublattice is None else crystal.positions[sublattice == 0]
    try:
        geometry = build_geometry(crystal, atomistic, cutoff=potential.cutoff, manybody=potential.is_manybody,
                                  lattice=lattice_basis(bravais[:, :2]), blend_width=blend_width,
                                  sublattice=sublattice, **geometry_options)
    except PaddingDoesNotFitError as exc:
        hint = "" if smallest is None else f"; a {smallest[0]} x {smallest[1]} slab fits (leave size out to get it)"
        raise PaddingDoesNotFitError(f"{exc}{hint}") from None
    return SlabSetup(crystal, geometry, cauchy_born_material(cell, potential), potential, float(a))


def minimum_slab_size(potential: Potential, lattice: Lattice, a: float, directions: Directions, radius: float,
                      blend_width: float, strain_margin: float = 0.1, symbols: str | Sequence[str] | None = None
                      ) -> tuple[int, int]:
    """Fewest oriented cells along x and y whose slab holds an atomistic disc of ``radius``,
    the blending region and the padding (with half a lattice period of margin on each side).

    Parameters
    ----------
    potential : Potential
        Its cutoff (twice for EAM, times 1 + strain_margin) sets the padding depth.
    lattice, a, directions
        The crystal (a in Angstrom).
    radius, blend_width : float
        Angstrom.
    strain_margin : float
        As in :func:`~qcbridge.coupling.build_geometry`.
    symbols : str or 2 str, optional
        Species (two for a compound); default the potential's first (two) species.

    Returns
    -------
    (int, int)
    """
    if symbols is None:
        symbols = tuple(potential.species[:2]) if lattice.compound else potential.species[0]
    cell = cubic_crystal(lattice, symbols, a, directions=directions)
    return _slab_size(potential, np.diag(np.asarray(cell.cell))[:2], radius, blend_width, strain_margin)


def _slab_size(potential: Potential, lengths: np.ndarray, radius: float, blend_width: float,
               strain_margin: float) -> tuple[int, int]:
    depth = (2.0 if potential.is_manybody else 1.0) * potential.cutoff * (1.0 + strain_margin)
    half = radius + blend_width + depth + 0.5 * lengths
    return int(np.ceil(2.0 * half[0] / lengths[0])), int(np.ceil(2.0 * half[1] / lengths[1]))


def cubic_lattice_constant(potential: Potential, lattice: Lattice, directions: Directions = DISLOCATION_AXES,
                           symbols: str | Sequence[str] | None = None) -> float:
    """Cubic lattice constant (Angstrom) at which the Cauchy-Born stress of ``lattice`` (made of
    ``symbols``, default the potential's first (two) species) vanishes, searched from
    :func:`lattice_constant_guess`."""
    if symbols is None:
        symbols = tuple(potential.species[:2]) if lattice.compound else potential.species[0]
    sym = symbols
    return equilibrium_lattice_constant(lambda x: oriented_primitive_cell(lattice, sym, x, directions), potential,
                                        lattice_constant_guess(symbols, lattice))


def hcp_lattice_constants(potential: Potential, symbol: str, a: float | None = None,
                          c: float | None = None) -> tuple[float, float]:
    """a and c (Angstrom) of the hcp crystal of ``symbol`` at which the Cauchy-Born stresses
    along a and c vanish, from a guess (default: the element's atomic volume, ideal c/a).

    Raises
    ------
    ConvergenceError
        No stress-free a and c near the guess.
    """
    from scipy.optimize import fsolve

    if a is None or c is None:
        volume = lattice_constant_guess(symbol, Lattice.FCC) ** 3 / 4
        ratio = np.sqrt(8.0 / 3.0)
        a = (4.0 * volume / (np.sqrt(3.0) * ratio)) ** (1.0 / 3.0)
        c = ratio * a
    cb = cauchy_born_material(bulk(symbol, "hcp", a=a, c=c), potential)

    def stress(x: np.ndarray) -> list[float]:
        P = cb.first_piola(np.diag([x[0], x[0], x[1]]))
        return [float(P[0, 0]) * 1e3, float(P[2, 2]) * 1e3]

    lam, _, ok, msg = fsolve(stress, [1.0, 1.0], xtol=1e-12, full_output=True)
    if ok != 1:
        raise ConvergenceError(f"no stress-free hcp {symbol} near a = {a:.4g}, c = {c:.4g} A ({msg})")
    return float(a * lam[0]), float(c * lam[1])
