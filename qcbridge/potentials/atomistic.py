"""Small atomistic calculations in numpy with the evaluators of
:mod:`qcbridge.potentials.functions` -- for checking and for the continuum side; large
systems go to LAMMPS.

EAM energy (LAMMPS convention): E = sum_i [ F_i(rho_i) + 1/2 sum_j phi_ij(r_ij) ],
rho_i = sum_j rho_{s_j -> s_i}(r_ij).
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from .functions import EAMFunctions, PairFunctions, TablePairFunctions

__all__ = ["evaluate"]


def evaluate(atoms: Atoms, functions: PairFunctions | EAMFunctions | TablePairFunctions) -> dict:
    """Energy, forces, per-atom energies and virial of a structure.

    Parameters
    ----------
    atoms : ase.Atoms
    functions : PairFunctions, EAMFunctions or TablePairFunctions

    Returns
    -------
    dict
        ``energy`` (eV), ``forces`` (N, 3) eV/A, ``energies`` (N,) eV, ``virial`` (3, 3) eV
        (W = sum over pairs of r_ij (x) f_ij; stress = -W / V).
    """
    n = len(atoms)
    symbols = atoms.get_chemical_symbols()  # type: ignore[no-untyped-call]  # unannotated in ase
    species = np.array([functions.species.index(s) for s in symbols])
    # D = r_j - r_i; neighbor_list is unannotated in ase
    i, j, d, D = neighbor_list("ijdD", atoms, functions.cutoff)  # type: ignore[no-untyped-call]
    si, sj = species[i], species[j]
    phi, dphi, _ = functions.pair(d, si, sj)
    energies = 0.5 * np.bincount(i, phi, minlength=n)
    dEdr = dphi
    if functions.is_eam:
        rho_ij, drho_ij, _ = functions.density(d, sj, si)  # density at i from j
        _, drho_ji, _ = functions.density(d, si, sj)  # density at j from i
        rho = np.bincount(i, rho_ij, minlength=n)
        F, dF, _ = functions.embed(rho, species)
        energies = energies + F
        dEdr = dEdr + dF[i] * drho_ij + dF[j] * drho_ji
    # full list: each pair appears as (i, j) and (j, i)
    fvec = (dEdr / d)[:, None] * D
    forces = np.zeros((n, 3))
    for k in range(3):
        forces[:, k] = np.bincount(i, fvec[:, k], minlength=n)
    virial = -0.5 * np.einsum("p,pa,pb->ab", dEdr / d, D, D)
    return {"energy": float(energies.sum()), "forces": forces, "energies": energies, "virial": virial}
