"""Elastic constants from LAMMPS by central differences of the stress."""

from __future__ import annotations

import numpy as np
from ase import Atoms

from ..potentials import Potential
from ..tensors import VOIGT_PAIRS
from .lammps import LammpsEngine

__all__ = ["elastic_constants_by_stress_differences"]


def elastic_constants_by_stress_differences(
    cell: Atoms, potential: Potential, *, strain: float = 1e-5, relax: bool = False
) -> np.ndarray:
    """6x6 Voigt elastic constants (eV/A^3) of a periodic crystal from LAMMPS stresses.

    C[:, j] = (sigma(+h e_j) - sigma(-h e_j)) / (2 h) with symmetric strains e_j
    (tensor shear h/2 + h/2), stress from LAMMPS's virial in the strained cell.

    Parameters
    ----------
    cell : ase.Atoms
        Periodic crystal in its reference state.
    potential : Potential
    strain : float
        Strain amplitude h.
    relax : bool
        Relax the atoms inside each strained cell with LAMMPS's minimizer (needed for
        multilattices).
    """
    C = np.zeros((6, 6))
    for col, (k, m) in enumerate(VOIGT_PAIRS):
        stress = []
        for s in (strain, -strain):
            eps = np.eye(3)
            eps[k, m] += s / 2
            eps[m, k] += s / 2
            at = cell.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
            at.set_cell(np.array(cell.cell) @ eps, scale_atoms=True)
            with LammpsEngine(at, potential, min_distance=0.0) as eng:
                if relax:
                    eng.commands(["min_style cg", "min_modify line quadratic", "minimize 0 1e-14 5000 50000"])
                    eng.set_positions(eng.positions())
                stress.append(eng.stress(at.get_volume()))
        C[:, col] = (stress[0] - stress[1]) / (2 * strain)
    return C
