"""Numpy evaluators of the functions that make up a potential.

Pair potentials: phi(r). EAM: phi_ab(r), the density rho_{a->b}(r) that an atom of
species a puts at an atom of species b, and the embedding energy F_b(rho). Every function
returns its value and first and second derivatives, vectorized over any array shape, in
eV and Angstrom. Tabulated EAM functions follow LAMMPS's own interpolation
(:mod:`qcbridge.potentials.splines`), so they agree with ``pair_style eam*`` to round-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np

from ..errors import PotentialError, PotentialFileError
from .eam_files import FUNCFL_Z2R, read_eam
from .potential import EAMPotential, LennardJones, Morse, Potential, TabulatedPair
from .splines import CubicTable, resample_funcfl

__all__ = ["PairFunctions", "EAMFunctions", "TablePairFunctions", "numpy_functions"]

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

    is_eam: ClassVar[Literal[False]] = False

    def _raw(self, r: np.ndarray) -> Triple:
        if self.kind == "lj":
            eps, sig = self.params
            s6 = (sig / r) ** 6
            s12 = s6 * s6
            return 4 * eps * (s12 - s6), 4 * eps * (-12 * s12 + 6 * s6) / r, 4 * eps * (156 * s12 - 42 * s6) / r**2
        d0, alpha, r0 = self.params
        e = np.exp(-alpha * (r - r0))
        return (d0 * (e * e - 2 * e), d0 * (-2 * alpha * e * e + 2 * alpha * e),
                d0 * (4 * alpha**2 * e * e - 2 * alpha**2 * e))

    def pair(self, r: np.ndarray, a: np.ndarray | None = None, b: np.ndarray | None = None,
             derivatives: int = 2) -> tuple[np.ndarray, ...]:
        """phi(r), phi'(r), phi''(r) in eV, eV/A, eV/A^2 (zero beyond the cutoff)."""
        r = np.asarray(r, dtype=float)
        inside = r < self.cutoff
        rr = np.where(inside, r, self.cutoff)
        v, d1, d2 = self._raw(rr)
        if self.shift:
            v = v - self._raw(np.array(self.cutoff))[0]
        return tuple(np.where(inside, x, 0.0) for x in (v, d1, d2)[: derivatives + 1])


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
    frho: tuple[CubicTable, ...]
    rhor: tuple[tuple[CubicTable, ...], ...]
    z2r: tuple[tuple[CubicTable, ...], ...]
    rhomax: float

    is_eam: ClassVar[Literal[True]] = True

    def pair(self, r: np.ndarray, a: np.ndarray, b: np.ndarray, derivatives: int = 2) -> tuple[np.ndarray, ...]:
        """phi_ab(r) and its first ``derivatives`` derivatives (eV, eV/A, eV/A^2)."""
        return self.bond_terms(r, a, b, derivatives)[0]

    def density(self, r: np.ndarray, a_from: np.ndarray, b_at: np.ndarray,
                derivatives: int = 2) -> tuple[np.ndarray, ...]:
        """rho_{a->b}(r) and its first ``derivatives`` derivatives (zero beyond the cutoff)."""
        return self.bond_terms(r, b_at, a_from, derivatives)[1]

    def bond_terms(self, r: np.ndarray, a: np.ndarray, b: np.ndarray,
                   derivatives: int = 2) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        """Pair term phi_ab(r) and the density at atom a from atom b, rho_{b->a}(r), with
        their derivatives, sharing the table lookup (all tables of a file share a grid).

        Returns
        -------
        (phi, phi', ...), (rho, rho', ...) -- 1 + ``derivatives`` arrays each.
        """
        r = np.asarray(r, dtype=float)
        row, p = self.z2r[0][0].locate(r)
        n = len(self.species)
        if n == 1:
            z: Sequence[np.ndarray] = self.z2r[0][0].at(row, p, derivatives)
            rho: Sequence[np.ndarray] = self.rhor[0][0].at(row, p, derivatives)
        else:
            a = np.broadcast_to(a, r.shape)
            b = np.broadcast_to(b, r.shape)
            z = [np.zeros_like(r) for _ in range(derivatives + 1)]
            rho = [np.zeros_like(r) for _ in range(derivatives + 1)]
            for i in range(n):
                for j in range(n):
                    sel = (a == i) & (b == j)
                    if sel.any():
                        for k, v in enumerate(self.z2r[i][j].at(row[sel], p[sel], derivatives)):
                            z[k][sel] = v
                        for k, v in enumerate(self.rhor[j][i].at(row[sel], p[sel], derivatives)):
                            rho[k][sel] = v
        inside = r < self.cutoff
        rinv = 1.0 / r
        phi = [z[0] * rinv]
        if derivatives >= 1:
            phi.append(z[1] * rinv - phi[0] * rinv)
        if derivatives >= 2:
            phi.append((z[2] - 2.0 * phi[1]) * rinv)
        return tuple(np.where(inside, x, 0.0) for x in phi), tuple(np.where(inside, x, 0.0) for x in rho)

    def embed(self, rho: np.ndarray, a: np.ndarray, derivatives: int = 2) -> tuple[np.ndarray, ...]:
        """F_a(rho) and derivatives in eV (per density unit); linear beyond rhomax as in LAMMPS."""
        rho = np.asarray(rho, dtype=float)
        a = np.broadcast_to(a, rho.shape)
        out = [np.empty_like(rho) for _ in range(derivatives + 1)]
        for k, table in enumerate(self.frho):
            sel = a == k
            if not sel.any():
                continue
            x = rho[sel]
            v = list(table(x, max(derivatives, 1)))
            over = x > self.rhomax
            if over.any():
                v[0] = v[0] + np.where(over, v[1] * (x - self.rhomax), 0.0)
                if derivatives >= 2:
                    v[2] = np.where(over, 0.0, v[2])
            for i in range(derivatives + 1):
                out[i][sel] = v[i]
        return tuple(out)


@dataclass(frozen=True)
class TablePairFunctions:
    """``pair_style table linear N`` as LAMMPS evaluates it (``PairTable::compute``).

    Energy e and force-over-distance f/r are each interpolated linearly in r^2 from their
    own table, so phi' = -r (f/r)(r^2) is LAMMPS's force, not exactly d phi/dr;
    phi'' = d phi'/dr of that interpolant.

    Attributes
    ----------
    species : tuple of str
    cutoff : float
    innersq, delta : float
        First tabulated r^2 and the r^2 spacing (A^2).
    e, f : ndarray, shape (N,)
        Energies (eV) and forces over distance (eV/A^2) at the table points.
    """

    species: tuple[str, ...]
    cutoff: float
    innersq: float
    delta: float
    e: np.ndarray
    f: np.ndarray

    is_eam: ClassVar[Literal[False]] = False

    def pair(self, r: np.ndarray, a: np.ndarray | None = None, b: np.ndarray | None = None,
             derivatives: int = 2) -> tuple[np.ndarray, ...]:
        """phi(r) and derivatives (eV, eV/A, eV/A^2), zero beyond the cutoff."""
        r = np.asarray(r, dtype=float)
        inside = r < self.cutoff
        rsq = r * r
        if np.any(inside & (rsq < self.innersq)):
            raise PotentialError(
                f"pair distance {np.sqrt(rsq[inside].min()):.4g} A < table inner cutoff "
                f"{np.sqrt(self.innersq):.4g} A"
            )
        invdelta = 1.0 / self.delta
        i = np.clip(((rsq - self.innersq) * invdelta).astype(np.int64), 0, len(self.e) - 2)
        rsq_i = self.innersq + i * self.delta
        fraction = (rsq - rsq_i) * invdelta
        de = self.e[i + 1] - self.e[i]
        df = self.f[i + 1] - self.f[i]
        fpair = self.f[i] + fraction * df
        out = [self.e[i] + fraction * de, -fpair * r, -fpair - 2.0 * rsq * df * invdelta]
        return tuple(np.where(inside, x, 0.0) for x in out[: derivatives + 1])


def _table_functions(pot: TabulatedPair) -> TablePairFunctions:
    from .table_files import read_table_section

    sec = read_table_section(pot.path, pot.keyword)
    n = len(sec.r)
    if not (sec.spacing == "RSQ" and n == pot.length and sec.rhi == pot.cutoff):
        raise PotentialError(
            f"{pot.name}: the numpy evaluator reproduces LAMMPS for tables listed uniformly in "
            "r^2 (RSQ) up to the cutoff with N equal to the pair_style length"
        )
    innersq = sec.rlo * sec.rlo
    delta = (pot.cutoff * pot.cutoff - innersq) / (n - 1)
    rsq = innersq + np.arange(n) * delta
    return TablePairFunctions(pot.species, pot.cutoff, innersq, delta, sec.energy, sec.force / np.sqrt(rsq))


def _eam_functions(path: str | Path, style: str) -> EAMFunctions:
    t = read_eam(path)
    n = len(t.elements)
    if style == "eam":
        # PairEAM::file2array: LAMMPS's own grid from the file's spacings
        nr = int((t.nr - 1) * t.dr / t.dr + 0.5)
        nrho = int((t.nrho - 1) * t.drho / t.drho + 0.5)
        rhomax = (t.nrho - 1) * t.drho
        if t.zr is None:  # read_eam keeps Z(r) of every funcfl file it converts
            raise PotentialFileError(path, "the funcfl tables lack Z(r)", table="Z(r)")
        f = resample_funcfl(t.frho[0], t.drho, t.drho, nrho)
        rho = resample_funcfl(t.rhor[0, 0], t.dr, t.dr, nr)
        zr = resample_funcfl(t.zr, t.dr, t.dr, nr)
        z2r = FUNCFL_Z2R * zr * zr
        frho: tuple[CubicTable, ...] = (CubicTable.from_values(f, t.drho),)
        rhor: tuple[tuple[CubicTable, ...], ...] = ((CubicTable.from_values(rho, t.dr),),)
        z2: tuple[tuple[CubicTable, ...], ...] = ((CubicTable.from_values(z2r, t.dr),),)
        return EAMFunctions(t.elements, t.cutoff, frho, rhor, z2, rhomax)
    rhomax = (t.nrho - 1) * t.drho
    frho = tuple(CubicTable.from_values(t.frho[a], t.drho) for a in range(n))
    rhor = tuple(tuple(CubicTable.from_values(t.rhor[a, b], t.dr) for b in range(n)) for a in range(n))
    z2 = tuple(tuple(CubicTable.from_values(t.z2r[a, b], t.dr) for b in range(n)) for a in range(n))
    return EAMFunctions(t.elements, t.cutoff, frho, rhor, z2, rhomax)


@lru_cache(maxsize=32)
def numpy_functions(potential: Potential) -> PairFunctions | EAMFunctions | TablePairFunctions:
    """The numpy evaluator of a potential.

    Parameters
    ----------
    potential : Potential

    Returns
    -------
    PairFunctions, EAMFunctions or TablePairFunctions

    Raises
    ------
    PotentialError
        The potential has no numpy evaluator.
    """
    if isinstance(potential, EAMPotential):
        return _eam_functions(potential.path, potential.style)
    if isinstance(potential, TabulatedPair):
        return _table_functions(potential)
    if isinstance(potential, LennardJones):
        return PairFunctions(potential.species, potential.cutoff, "lj", (potential.epsilon, potential.sigma),
                             potential.shift)
    if isinstance(potential, Morse):
        return PairFunctions(potential.species, potential.cutoff, "morse",
                             (potential.d0, potential.alpha, potential.r0), potential.shift)
    raise PotentialError(
        f"potential {potential.name!r} ({type(potential).__name__}) has no numpy evaluator; "
        "supported: EAM (eam, eam/alloy, eam/fs), LennardJones, Morse, tables (pair_style table linear)"
    )
