"""Surface energy of a cleavage plane: a periodic slab split at its widest gap between
atomic planes, relaxed by LAMMPS."""

from __future__ import annotations

import numpy as np

from ..engines.lammps import LammpsEngine
from ..potentials.potential import Potential
from ..structures import Lattice, Symbols, cubic_crystal
from .orientation import CrackOrientation, widest_gap

__all__ = ["surface_energy"]


def surface_energy(potential: Potential, lattice: Lattice, symbol: Symbols, a: float, orientation: CrackOrientation,
                   *, layers: int = 12, vacuum: float = 12.0, ftol: float = 1e-8) -> float:
    """Relaxed energy per area of the cleavage plane (eV/A^2).

    A cell periodic in x, y, z with the crack frame's directions, ``layers`` repeats along
    the normal, is evaluated by LAMMPS; then its atoms are shifted so that the widest gap
    between atomic planes lies at the cell's y boundary, ``vacuum`` A is added there and
    LAMMPS minimizes the atoms (``min_style cg``) at fixed cell.
    gamma = (E_slab - E_bulk) / (2 A_xz).

    Parameters
    ----------
    potential : Potential
    lattice, symbol, a
        Crystal (``cubic_crystal``); ``a`` in A.
    orientation : CrackOrientation
    layers : int
        Repeats of the oriented cell along the normal (the slab's thickness).
    vacuum : float
        Gap added between the two surfaces (A); beyond the cutoff.
    ftol : float
        LAMMPS force tolerance (eV/A).
    """
    bulk = cubic_crystal(lattice, symbol, a, directions=orientation.directions, size=(1, layers, 1), pbc=True)
    with LammpsEngine(bulk, potential) as eng:
        e_bulk = eng.energy()
    cell = np.array(bulk.cell)
    mid, _ = widest_gap(bulk.positions[:, 1], period=cell[1, 1])
    slab = bulk.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
    slab.positions[:, 1] = np.mod(slab.positions[:, 1] - mid, cell[1, 1])
    slab.cell[1, 1] = cell[1, 1] + max(vacuum, 2.0 * potential.cutoff)
    slab.wrap()
    with LammpsEngine(slab, potential) as eng:
        eng.commands(["min_style cg", f"minimize 0 {ftol} 10000 100000"])
        e_slab = eng.energy()
    area = float(np.linalg.norm(np.cross(cell[0], cell[2])))
    return (e_slab - e_bulk) / (2.0 * area)
