"""Numpy evaluators of the functions that make up a potential.

Pair potentials: phi(r). EAM: phi_ab(r), the density rho_{a->b}(r) that an atom of
species a puts at an atom of species b, and the embedding energy F_b(rho). Every function
returns its value and first and second derivatives, vectorized over any array shape, in
eV and Angstrom. Tabulated EAM functions follow LAMMPS's own interpolation
(:mod:`qcbridge.potentials.splines`), so they agree with ``pair_style eam*`` to round-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import PotentialError
from .eam_files import read_eam
from .potential import EAMPotential, LennardJones, Morse, Potential
from .splines import CubicTable, resample_funcfl

__all__ = ["PairFunctions", "EAMFunctions", "numpy_functions"]

Triple = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class PairFunctions:
    """A pair potential phi(r), shifted to zero at the cutoff if asked.

    Attributes
    ----------
    species : tuple of str
    cutoff : float
        Angstrom; phi = 0 for r >= cutoff.
    kind : str
        ``"lj"`` or ``"morse"``.
    params : tuple of float
        (epsilon, sigma) or (d0, alpha, r0).
    shift : bool
    """

    species: tuple[str, ...]
    cutoff: float
    kind: str
    params: tuple[float, ...]
    shift: bool

    is_eam = False

    def _raw(self, r: np.ndarray) -> Triple:
        if self.kind == "lj":
            eps, sig = self.params
            s6 = (sig / r) ** 6
            s12 = s6 * s6
            return 4 * eps * (s12 - s6), 4 * eps * (-12 * s12 + 6 * s6) / r, 4 * eps * (156 * s12 - 42 * s6) / r**2
        d0, alpha, r0 = self.params
        e = np.exp(-alpha * (r - r0))
        return d0 * (e * e - 2 * e), d0 * (-2 * alpha * e * e + 2 * alpha * e), d0 * (4 * alpha**2 * e * e - 2 * alpha**2 * e)

    def pair(self, r: np.ndarray, a=None, b=None) -> Triple:
        """phi(r), phi'(r), phi''(r) in eV, eV/A, eV/A^2 (zero beyond the cutoff)."""
        r = np.asarray(r, dtype=float)
        inside = r < self.cutoff
        rr = np.where(inside, r, self.cutoff)
        v, d1, d2 = self._raw(rr)
        if self.shift:
            v = v - self._raw(np.array(self.cutoff))[0]
        return np.where(inside, v, 0.0), np.where(inside, d1, 0.0), np.where(inside, d2, 0.0)


@dataclass(frozen=True)
class EAMFunctions:
    """Embedded-atom functions of a funcfl, setfl or Finnis-Sinclair file, as LAMMPS
    interpolates them.

    Attributes
    ----------
    species : tuple of str
    cutoff : float
        Angstrom.
    frho : tuple of CubicTable
        F_a(rho), one per species.
    rhor : tuple of tuple of CubicTable
        ``rhor[a][b]``: density at an atom of species b from a neighbour of species a.
    z2r : tuple of tuple of CubicTable
        r * phi_ab(r).
    rhomax : float
        Beyond it LAMMPS continues F linearly.
    """

    species: tuple[str, ...]
    cutoff: float
    frho: tuple
    rhor: tuple
    z2r: tuple
    rhomax: float

    is_eam = True

    def pair(self, r: np.ndarray, a: np.ndarray, b: np.ndarray) -> Triple:
        """phi_ab(r) and its first two derivatives (eV, eV/A, eV/A^2)."""
        z, z1, z2 = _by_species(self.z2r, r, a, b)
        r = np.asarray(r, dtype=float)
        inside = r < self.cutoff
        phi = z / r
        phi1 = z1 / r - phi / r
        phi2 = (z2 - 2.0 * phi1) / r
        return np.where(inside, phi, 0.0), np.where(inside, phi1, 0.0), np.where(inside, phi2, 0.0)

    def density(self, r: np.ndarray, a_from: np.ndarray, b_at: np.ndarray) -> Triple:
        """rho_{a->b}(r) and its first two derivatives (zero beyond the cutoff)."""
        v = _by_species(self.rhor, r, a_from, b_at)
        inside = np.asarray(r) < self.cutoff
        return tuple(np.where(inside, x, 0.0) for x in v)

    def embed(self, rho: np.ndarray, a: np.ndarray) -> Triple:
        """F_a(rho), F'_a, F''_a in eV (per density unit); linear beyond rhomax as in LAMMPS."""
        rho = np.asarray(rho, dtype=float)
        a = np.broadcast_to(a, rho.shape)
        out = [np.empty_like(rho) for _ in range(3)]
        for k, table in enumerate(self.frho):
            sel = a == k
            if sel.any():
                v, d1, d2 = table(rho[sel])
                over = rho[sel] > self.rhomax
                v = v + np.where(over, d1 * (rho[sel] - self.rhomax), 0.0)
                d2 = np.where(over, 0.0, d2)
                out[0][sel], out[1][sel], out[2][sel] = v, d1, d2
        return tuple(out)


def _by_species(tables, r, a, b) -> Triple:
    r = np.asarray(r, dtype=float)
    a = np.broadcast_to(a, r.shape)
    b = np.broadcast_to(b, r.shape)
    n = len(tables)
    if n == 1:
        return tables[0][0](r)
    out = [np.empty_like(r) for _ in range(3)]
    for i in range(n):
        for j in range(n):
            sel = (a == i) & (b == j)
            if sel.any():
                v = tables[i][j](r[sel])
                for k in range(3):
                    out[k][sel] = v[k]
    return tuple(out)


def _eam_functions(path, style: str) -> EAMFunctions:
    t = read_eam(path)
    n = len(t.elements)
    if style == "eam":
        # PairEAM::file2array: LAMMPS's own grid from the file's spacings
        nr = int((t.nr - 1) * t.dr / t.dr + 0.5)
        nrho = int((t.nrho - 1) * t.drho / t.drho + 0.5)
        rhomax = (t.nrho - 1) * t.drho
        f = resample_funcfl(t.frho[0], t.drho, t.drho, nrho)
        rho = resample_funcfl(t.rhor[0, 0], t.dr, t.dr, nr)
        zr = resample_funcfl(t.zr, t.dr, t.dr, nr)
        z2r = 27.2 * 0.529 * zr * zr
        frho = (CubicTable.from_values(f, t.drho),)
        rhor = ((CubicTable.from_values(rho, t.dr),),)
        z2 = ((CubicTable.from_values(z2r, t.dr),),)
        return EAMFunctions(t.elements, t.cutoff, frho, rhor, z2, rhomax)
    rhomax = (t.nrho - 1) * t.drho
    frho = tuple(CubicTable.from_values(t.frho[a], t.drho) for a in range(n))
    rhor = tuple(tuple(CubicTable.from_values(t.rhor[a, b], t.dr) for b in range(n)) for a in range(n))
    z2 = tuple(tuple(CubicTable.from_values(t.z2r[a, b], t.dr) for b in range(n)) for a in range(n))
    return EAMFunctions(t.elements, t.cutoff, frho, rhor, z2, rhomax)


@lru_cache(maxsize=32)
def numpy_functions(potential: Potential) -> PairFunctions | EAMFunctions:
    """The numpy evaluator of a potential.

    Parameters
    ----------
    potential : Potential

    Returns
    -------
    PairFunctions or EAMFunctions

    Raises
    ------
    PotentialError
        The potential has no numpy evaluator.
    """
    if isinstance(potential, EAMPotential):
        return _eam_functions(potential.path, potential.style)
    if isinstance(potential, LennardJones):
        return PairFunctions(potential.species, potential.cutoff, "lj", (potential.epsilon, potential.sigma), potential.shift)
    if isinstance(potential, Morse):
        return PairFunctions(potential.species, potential.cutoff, "morse",
                             (potential.d0, potential.alpha, potential.r0), potential.shift)
    raise PotentialError(
        f"potential {potential.name!r} ({type(potential).__name__}) has no numpy evaluator; "
        "supported: EAM (eam, eam/alloy, eam/fs), LennardJones, Morse"
    )
