"""The Cauchy-Born material of a potential: numpy where the potential has numpy evaluators,
LAMMPS on the periodic cell otherwise; and the lattice constant at which it is stress free."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ConvergenceError
from ..potentials.lammps_style import LammpsPairStyle
from ..potentials.potential import Potential
from .cauchy_born import CauchyBorn
from .lammps_cell import LammpsCauchyBorn

__all__ = ["cauchy_born_material", "equilibrium_lattice_constant"]


def cauchy_born_material(cell_atoms: Atoms, potential: Potential, **options: Any) -> CauchyBorn | LammpsCauchyBorn:
    """The Cauchy-Born material of a periodic cell: :class:`CauchyBorn` (numpy: EAM, pair,
    table, Stillinger-Weber, Tersoff) or, for any other LAMMPS pair style,
    :class:`LammpsCauchyBorn` (LAMMPS on the cell). ``options`` go to the class."""
    if isinstance(potential, LammpsPairStyle):
        return LammpsCauchyBorn(cell_atoms, potential, **options)
    return CauchyBorn(cell_atoms, potential, **options)


def equilibrium_lattice_constant(build: Callable[[float], Atoms], potential: Potential, a_guess: float) -> float:
    """Lattice constant at which a crystal's Cauchy-Born stress vanishes (isotropic scaling).

    Parameters
    ----------
    build : callable
        ``build(a)`` returns the periodic unit cell (``ase.Atoms``) for lattice constant a.
    potential : Potential
    a_guess : float
        Starting value in Angstrom; the root is searched within +-15 %.

    Returns
    -------
    float
        Lattice constant in Angstrom (pressure zero to round-off).
    """
    from scipy.optimize import brentq

    cb = cauchy_born_material(build(a_guess), potential)

    def pressure(lam: float) -> float:
        return float(np.trace(cb.first_piola(lam * np.eye(3))))

    # widen the bracket around the guess until the pressure changes sign (at most 0.5 .. 2)
    for lo, hi in ((0.85, 1.15), (0.7, 1.4), (0.5, 2.0)):
        p_lo, p_hi = pressure(lo), pressure(hi)
        if np.sign(p_lo) != np.sign(p_hi):
            return a_guess * brentq(pressure, lo, hi, xtol=1e-15, rtol=1e-15)
    raise ConvergenceError(
        f"no lattice constant between {0.5 * a_guess:.4g} and {2.0 * a_guess:.4g} A makes the Cauchy-Born pressure of "
        f"this crystal vanish with {potential.name} (trace P = {p_lo:.3g} and {p_hi:.3g} eV/A^3 at the ends); pass the "
        "lattice constant explicitly or check that the potential describes this structure"
    )
