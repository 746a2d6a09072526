"""Ready-made coupled set-ups: an oriented cubic crystal slab, its coupled geometry and
the Cauchy-Born material of the same potential at the potential's own lattice constant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms

from ..continuum.cauchy_born import CauchyBorn, equilibrium_lattice_constant
from ..errors import CouplingError, PaddingDoesNotFitError
from ..potentials.potential import Potential
from ..structures import (
    Directions,
    Lattice,
    cubic_crystal,
    lattice_basis,
    lattice_constant_guess,
    oriented_primitive_cell,
)
from .geometry import CoupledGeometry, build_geometry

__all__ = ["DISLOCATION_AXES", "SlabSetup", "cubic_lattice_constant", "minimum_slab_size", "slab_setup"]

#: x along the Burgers vector [110], y along the glide-plane normal [-111], z along the line [1-12].
DISLOCATION_AXES: Directions = ((1, 1, 0), (-1, 1, 1), (1, -1, 2))


@dataclass(frozen=True)
class SlabSetup:
    """A coupled slab: crystal, geometry, Cauchy-Born material, potential, lattice constant (A)."""

    crystal: Atoms
    geometry: CoupledGeometry
    material: CauchyBorn
    potential: Potential
    a: float


def slab_setup(
    potential: Potential,
    *,
    lattice: Lattice = Lattice.FCC,
    a: float | None = None,
    directions: Directions = DISLOCATION_AXES,
    size: tuple[int, int] | None = None,
    atomistic: np.ndarray | float | Callable[[np.ndarray], np.ndarray] = 11.0,
    blend_width: float = 8.0,
    remove: np.ndarray | None = None,
    **geometry_options: Any,
) -> SlabSetup:
    """Build a slab periodic along z (one period thick) with a coupled geometry.

    Parameters
    ----------
    potential : Potential
        Single-species potential.
    lattice : Lattice
        FCC, BCC or SC.
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
    symbol = potential.species[0]
    if a is None:
        a = cubic_lattice_constant(potential, lattice, directions)
    radius = float(atomistic) if not callable(atomistic) and np.ndim(atomistic) == 0 else None
    smallest = None
    if radius is not None:
        smallest = minimum_slab_size(potential, lattice, a, directions, radius, blend_width,
                                     geometry_options.get("strain_margin", 0.1))
    if size is None:
        if smallest is None:
            raise CouplingError("give size= for an atomistic region that is a mask or a function")
        size = smallest
    crystal = cubic_crystal(lattice, symbol, a, directions=directions, size=(size[0], size[1], 1),
                            pbc=(False, False, True))
    if remove is not None:
        if callable(atomistic):
            raise CouplingError("remove= needs a radius or mask atomistic region")
        if np.ndim(atomistic) != 0:
            atomistic = np.delete(np.asarray(atomistic, bool), remove)
        del crystal[list(np.atleast_1d(remove))]  # type: ignore[no-untyped-call]  # unannotated in ase
    try:
        geometry = build_geometry(crystal, atomistic, cutoff=potential.cutoff, manybody=potential.is_manybody,
                                  lattice=lattice_basis(crystal.positions[:, :2]), blend_width=blend_width,
                                  **geometry_options)
    except PaddingDoesNotFitError as exc:
        hint = "" if smallest is None else f"; a {smallest[0]} x {smallest[1]} slab fits (leave size out to get it)"
        raise PaddingDoesNotFitError(f"{exc}{hint}") from None
    material = CauchyBorn(oriented_primitive_cell(lattice, symbol, a, directions), potential)
    return SlabSetup(crystal, geometry, material, potential, float(a))


def minimum_slab_size(potential: Potential, lattice: Lattice, a: float, directions: Directions, radius: float,
                      blend_width: float, strain_margin: float = 0.1) -> tuple[int, int]:
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

    Returns
    -------
    (int, int)
    """
    cell = cubic_crystal(lattice, potential.species[0], a, directions=directions)
    lengths = np.diag(np.asarray(cell.cell))[:2]
    depth = (2.0 if potential.is_manybody else 1.0) * potential.cutoff * (1.0 + strain_margin)
    half = radius + blend_width + depth + 0.5 * lengths
    return int(np.ceil(2.0 * half[0] / lengths[0])), int(np.ceil(2.0 * half[1] / lengths[1]))


def cubic_lattice_constant(potential: Potential, lattice: Lattice, directions: Directions = DISLOCATION_AXES) -> float:
    """Cubic lattice constant (Angstrom) at which the Cauchy-Born stress of the potential's
    first species in ``lattice`` vanishes (searched from :func:`lattice_constant_guess`)."""
    symbol = potential.species[0]
    return equilibrium_lattice_constant(lambda x: oriented_primitive_cell(lattice, symbol, x, directions), potential,
                                        lattice_constant_guess(symbol, lattice))
