"""Ready-made coupled set-ups: an oriented cubic crystal slab, its coupled geometry and
the Cauchy-Born material of the same potential at the potential's own lattice constant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, reference_states

from ..continuum.cauchy_born import CauchyBorn, equilibrium_lattice_constant
from ..errors import CouplingError
from ..potentials.potential import Potential
from ..structures import Directions, Lattice, cubic_crystal, lattice_basis, oriented_primitive_cell
from .geometry import CoupledGeometry, build_geometry

__all__ = ["DISLOCATION_AXES", "SlabSetup", "slab_setup"]

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
    size: tuple[int, int] = (24, 12),
    atomistic=11.0,
    blend_width: float = 8.0,
    remove: np.ndarray | None = None,
    **geometry_options,
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
    size : (int, int)
        Periods of the oriented cell along x and y.
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
        ref = reference_states[atomic_numbers[symbol]] or {}
        guess = ref.get("a") or 4.0
        a = equilibrium_lattice_constant(lambda x: oriented_primitive_cell(lattice, symbol, x, directions),
                                         potential, guess)
    crystal = cubic_crystal(lattice, symbol, a, directions=directions, size=(size[0], size[1], 1),
                            pbc=(False, False, True))
    if remove is not None:
        if callable(atomistic):
            raise CouplingError("remove= needs a radius or mask atomistic region")
        if np.ndim(atomistic) != 0:
            atomistic = np.delete(np.asarray(atomistic, bool), remove)
        del crystal[list(np.atleast_1d(remove))]
    geometry = build_geometry(crystal, atomistic, cutoff=potential.cutoff, manybody=potential.is_manybody,
                              lattice=lattice_basis(crystal.positions[:, :2]), blend_width=blend_width,
                              **geometry_options)
    material = CauchyBorn(oriented_primitive_cell(lattice, symbol, a, directions), potential)
    return SlabSetup(crystal, geometry, material, potential, float(a))
