"""Numpy evaluators of LAMMPS's ``pair_style sw`` and ``pair_style tersoff``, equal to LAMMPS
to round-off (``PairSW::compute``, ``PairTersoff::compute`` without ``shift``).

A structure is a list of bonds b = (i -> j) with vectors x_b = r_j - r_i (j may be a periodic
image); a triplet is a pair of distinct bonds (b1 = i -> j, b2 = i -> k) with the same centre.
With r = norm(x), cos theta = x_1 . x_2 / (r_1 r_2) and parameters of the element triplet in
brackets (the pair i-j takes entry ijj, see :mod:`qcbridge.potentials.manybody`):

Stillinger-Weber (Stillinger and Weber, Phys. Rev. B 31, 5262 (1985))::

    E = sum_{i<j} phi2[ijj](r_ij) + sum_i sum_{j<k} phi3[ijk]
    phi2 = A eps (B (sigma/r)^p - (sigma/r)^q) exp(sigma / (r - a sigma))       for r^2 < cutsq[ijj]
    phi3 = lambda[ijk] eps[ijk] (cos theta_jik - costheta0[ijk])^2
           * exp(gamma sigma / (r_ij - a sigma))[ijj] * exp(gamma sigma / (r_ik - a sigma))[ikk]

Tersoff (Tersoff, Phys. Rev. B 37, 6991 (1988); 39, 5566 (1989))::

    E = sum_i sum_{j != i} [ 1/2 fc(r_ij) A exp(-lambda1 r_ij) + 1/2 b_ij fa(r_ij) ]      (params ijj)
    fa(r) = -B exp(-lambda2 r) fc(r),  fc = 1, 1/2 (1 - sin(pi/2 (r - R)/D)), 0 for r < R - D, |r - R| <= D, r > R + D
    b_ij = (1 + (beta zeta_ij)^n)^(-1/2n)   (LAMMPS's asymptotic forms for large and small beta zeta)
    zeta_ij = sum_{k != j} fc[ijk](r_ik) g[ijk](theta_jik) exp((lambda3[ijk] (r_ij - r_ik))^m[ijk])
    g(theta) = gamma (1 + c^2/d^2 - c^2 / (d^2 + (costheta0 - cos theta)^2))

Per-site energies follow LAMMPS's ``compute pe/atom``: a pair term is split equally between
its two atoms, a Stillinger-Weber three-body term in thirds among i, j and k, the Tersoff
bond-order term 1/2 b_ij fa(r_ij) equally between i and j.

Asymmetric files. LAMMPS evaluates the pair term of i and j once, with the entry of the atom
its tag rule picks (with tags t = index + 1: i takes j if t_i > t_j and t_i + t_j is odd, or
t_i < t_j and t_i + t_j is even). Where a file gives i-j other two-body parameters (entry ijj)
than j-i (entry jii), as SiC_1989.tersoff and SiC_1994.tersoff do in their last digits, the
energy depends on the numbering; the evaluators apply the same rule with site index + 1 as the
tag, so they equal LAMMPS when sites are numbered as LAMMPS numbers the atoms. The
Stillinger-Weber three-body term of j and k takes entry ijk for the j that comes first in
LAMMPS's neighbour list; where ijk and ikj differ (CdTeZnSeHgS0.sw, by up to 4e-5 eV in
lambda epsilon) the evaluator takes their mean and differs from LAMMPS by about 1e-8 relative in
the forces.

Forces and virial follow from dE/dx_b: f_i += dE/dx_b, f_j -= dE/dx_b, W = -sum_b x_b (x) dE/dx_b.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from ..errors import PotentialError, SpeciesError, StructureError
from .manybody import PARAMETER_NAMES, StillingerWeber, Tersoff, ThreeBodyParameters, sw_cutoff_squared
from .potential import Potential

__all__ = ["ThreeBodyFunctions", "StillingerWeberFunctions", "TersoffFunctions", "threebody_functions",
           "evaluate_threebody", "bond_triplets"]

#: LAMMPS's limits of the Tersoff exponential exp(arg): 1e30 above, 0 below (``PairTersoff::zeta``).
_EXP_ARG_LIMIT = 69.0776


@dataclass(frozen=True, eq=False)
class ThreeBodyFunctions(ABC):
    """A three-body potential as numpy functions of bond vectors.

    Attributes
    ----------
    species : tuple of str
        Chemical symbols; site species are indices into this tuple.
    cutoff : float
        Largest interaction distance in Angstrom.
    """

    species: tuple[str, ...]
    cutoff: float

    @abstractmethod
    def site_energies(self, x: np.ndarray, center: np.ndarray, neighbor: np.ndarray, species: np.ndarray,
                      n_sites: int) -> tuple[np.ndarray, np.ndarray]:
        """Site energies and the gradient of the total energy with respect to the bond vectors.

        Parameters
        ----------
        x : ndarray, shape (B, n_bonds, 3)
            Bond vectors in Angstrom for a batch of B configurations that share one bond list.
        center, neighbor : ndarray of int, shape (n_bonds,)
            Bond b goes from site ``center[b]`` to site ``neighbor[b]`` (the neighbour may be a
            periodic image: only the vector matters). Every ordered pair of sites within the
            cutoff must appear once per periodic image, in both directions; bonds beyond the
            cutoff contribute nothing.
        species : ndarray of int, shape (n_sites,)
            Index into :attr:`species` of each site.
        n_sites : int

        Returns
        -------
        E : ndarray, shape (B, n_sites)
            Site energies in eV (LAMMPS's per-atom energies).
        dE_dx : ndarray, shape (B, n_bonds, 3)
            Gradient of the total energy sum_s E_s with respect to each bond vector (eV/A).
        """


def _checked(functions: ThreeBodyFunctions, x: np.ndarray, center: np.ndarray, neighbor: np.ndarray,
             species: np.ndarray, n_sites: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    center = np.asarray(center, dtype=np.int64)
    neighbor = np.asarray(neighbor, dtype=np.int64)
    species = np.asarray(species, dtype=np.int64)
    nb = center.shape[0] if center.ndim == 1 else -1
    if x.ndim != 3 or x.shape[1:] != (nb, 3) or neighbor.shape != center.shape:
        raise StructureError(f"bond vectors of shape (B, n_bonds, 3) with center and neighbor of shape (n_bonds,) "
                             f"expected; got {x.shape}, {center.shape}, {neighbor.shape}")
    if species.shape != (n_sites,):
        raise StructureError(f"species must have shape (n_sites,) = ({n_sites},), got {species.shape}")
    if nb and (min(center.min(), neighbor.min()) < 0 or max(center.max(), neighbor.max()) >= n_sites):
        raise StructureError(f"bond ends must be site indices in [0, {n_sites})")
    if n_sites and (species.min() < 0 or species.max() >= len(functions.species)):
        raise SpeciesError(f"site species must be indices into {functions.species}")
    return x, center, neighbor, species


def _scatter(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """out[:, index[m]] += values[:, m]: shape (B, m, ...) -> (B, n, ...)."""
    b, m = values.shape[:2]
    tail = values.shape[2:]
    k = int(np.prod(tail, dtype=np.int64))
    flat = np.arange(b)[:, None] * n + index[None, :]
    if k > 1:
        flat = flat[..., None] * k + np.arange(k)
    out = np.bincount(flat.ravel(), values.ravel(), minlength=b * n * k)
    return out.reshape((b, n) + tail)


@lru_cache(maxsize=64)
def _triplets_cached(center_key: bytes, active_key: bytes, ordered: bool) -> tuple[np.ndarray, np.ndarray]:
    center = np.frombuffer(center_key, dtype=np.int64)
    bonds = np.flatnonzero(np.frombuffer(active_key, dtype=bool))
    if bonds.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    c = center[bonds]
    order = np.argsort(c, kind="stable")
    bonds, c = bonds[order], c[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    sizes = np.diff(np.r_[starts, c.size])
    size_of, first_of = np.repeat(sizes, sizes), np.repeat(starts, sizes)
    p = np.repeat(np.arange(c.size), size_of)
    q = np.repeat(first_of, size_of) + np.arange(p.size) - np.repeat(np.cumsum(size_of) - size_of, size_of)
    keep = p != q if ordered else p < q
    t1, t2 = bonds[p[keep]], bonds[q[keep]]
    t1.flags.writeable = False
    t2.flags.writeable = False
    return t1, t2


def bond_triplets(center: np.ndarray, active: np.ndarray | None = None, *,
                  ordered: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of distinct bonds with the same centre, as index arrays into the bond list.

    Parameters
    ----------
    center : ndarray of int, shape (n_bonds,)
        Centre site of each bond.
    active : ndarray of bool, shape (n_bonds,), optional
        Only bonds marked here take part (default all).
    ordered : bool
        Both (b1, b2) and (b2, b1) (Tersoff's loop over j != k), or only b1 < b2
        (Stillinger-Weber's loop over j < k).

    Returns
    -------
    t1, t2 : ndarray of int, shape (n_triplets,)
        Read-only; cached for the last 64 bond lists, so repeated calls with one bond list
        build them once.
    """
    center = np.ascontiguousarray(center, dtype=np.int64)
    active = np.ones(center.shape, dtype=bool) if active is None else np.ascontiguousarray(active, dtype=bool)
    return _triplets_cached(center.tobytes(), active.tobytes(), ordered)


def _pair_weights(center: np.ndarray, neighbor: np.ndarray) -> np.ndarray:
    """Share of its pair term that each bond carries: 1 for the direction LAMMPS's tag rule
    keeps, 0 for its reverse, 1/2 for the two bonds between images of one site."""
    odd = (center + neighbor) % 2 == 1
    return np.where(center == neighbor, 0.5, np.where((center > neighbor) == odd, 1.0, 0.0))


def _bonds(x: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Squared lengths, lengths and unit vectors of the bonds (a safe length of 1 outside)."""
    rsq = x[..., 0] * x[..., 0] + x[..., 1] * x[..., 1] + x[..., 2] * x[..., 2]  # as LAMMPS sums it
    r = np.sqrt(np.where(inside, rsq, 1.0))
    return rsq, r, x / r[..., None]


@dataclass(frozen=True, eq=False)
class StillingerWeberFunctions(ThreeBodyFunctions):
    """``pair_style sw`` as LAMMPS evaluates it. Pair arrays are indexed [i, j] (entry ijj),
    triplet arrays [i, j, k].

    Attributes
    ----------
    cutsq : ndarray, shape (n, n)
        Squared cutoff (A^2) of the pair and of its three-body factor.
    cut, sigma, sigma_gamma : ndarray, shape (n, n)
        a sigma, sigma and gamma sigma (A).
    c5, c6, p, q : ndarray, shape (n, n)
        phi2 = (c5 r^-p - c6 r^-q) exp(sigma / (r - cut)) in eV (LAMMPS's c5, c6).
    lambda_epsilon, costheta0 : ndarray, shape (n, n, n)
        lambda eps (eV) and cos theta0 of the three-body term.
    """

    cutsq: np.ndarray
    cut: np.ndarray
    sigma: np.ndarray
    sigma_gamma: np.ndarray
    c5: np.ndarray
    c6: np.ndarray
    p: np.ndarray
    q: np.ndarray
    lambda_epsilon: np.ndarray
    costheta0: np.ndarray

    @classmethod
    def from_parameters(cls, t: ThreeBodyParameters) -> StillingerWeberFunctions:
        """From the parameters of a ``*.sw`` file."""
        n = len(t.elements)
        i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        pair = t.values[i, j, j]  # (n, n, 11): entry ijj
        eps, sigma, a, _, gamma, _, big_a, big_b, p, q, _ = np.moveaxis(pair, -1, 0)
        return cls(t.elements, t.cutoff, cutsq=sw_cutoff_squared(pair), cut=sigma * a, sigma=sigma,
                   sigma_gamma=sigma * gamma, c5=big_a * eps * big_b * sigma**p, c6=big_a * eps * sigma**q,
                   p=p, q=q, lambda_epsilon=t["lambda"] * t["epsilon"], costheta0=t["costheta0"])

    def site_energies(self, x: np.ndarray, center: np.ndarray, neighbor: np.ndarray, species: np.ndarray,
                      n_sites: int) -> tuple[np.ndarray, np.ndarray]:
        x, center, neighbor, species = _checked(self, x, center, neighbor, species, n_sites)
        si, sj = species[center], species[neighbor]
        cutsq = self.cutsq[si, sj]
        rsq = x[..., 0] * x[..., 0] + x[..., 1] * x[..., 1] + x[..., 2] * x[..., 2]
        inside = rsq < cutsq
        rsq, r, u = _bonds(x, inside)
        cut, sigma, sg = self.cut[si, sj], self.sigma[si, sj], self.sigma_gamma[si, sj]
        rainv = 1.0 / np.where(inside, r - cut, -1.0)
        # two-body, once per pair
        rp, rq = r ** -self.p[si, sj], r ** -self.q[si, sj]
        c5, c6 = self.c5[si, sj], self.c6[si, sj]
        e2 = np.exp(sigma * rainv)
        phi = np.where(inside, (c5 * rp - c6 * rq) * e2, 0.0)
        dphi = np.where(inside, (self.q[si, sj] * c6 * rq - self.p[si, sj] * c5 * rp) / r * e2, 0.0)
        dphi = dphi - phi * sigma * rainv * rainv
        w = _pair_weights(center, neighbor)
        energies = _scatter(center, 0.5 * w * phi, n_sites) + _scatter(neighbor, 0.5 * w * phi, n_sites)
        grad = (w * dphi)[..., None] * u
        # three-body: per-bond radial factor exp(gamma sigma / (r - a sigma)) and its derivative
        f3 = np.where(inside, np.exp(sg * rainv), 0.0)
        df3 = -f3 * sg * rainv * rainv
        t1, t2 = bond_triplets(center, inside.any(axis=0), ordered=False)
        if t1.size:
            ti, tj, tk = si[t1], sj[t1], sj[t2]
            cs = np.einsum("...i,...i->...", u[:, t1], u[:, t2])
            lam1, lam2 = self.lambda_epsilon[ti, tj, tk], self.lambda_epsilon[ti, tk, tj]
            d1, d2 = cs - self.costheta0[ti, tj, tk], cs - self.costheta0[ti, tk, tj]
            ang = 0.5 * (lam1 * d1 * d1 + lam2 * d2 * d2)
            dang = lam1 * d1 + lam2 * d2
            fj, fk = f3[:, t1], f3[:, t2]
            h = ang * fj * fk
            third = h / 3.0
            energies += (_scatter(center[t1], third, n_sites) + _scatter(neighbor[t1], third, n_sites)
                         + _scatter(neighbor[t2], third, n_sites))
            u1, u2 = u[:, t1], u[:, t2]
            a1 = (ang * df3[:, t1] * fk)[..., None] * u1 + (fj * fk * dang / r[:, t1])[..., None] * (
                u2 - cs[..., None] * u1)
            a2 = (ang * df3[:, t2] * fj)[..., None] * u2 + (fj * fk * dang / r[:, t2])[..., None] * (
                u1 - cs[..., None] * u2)
            grad += _scatter(t1, a1, x.shape[1]) + _scatter(t2, a2, x.shape[1])
        return energies, grad


def _fc(r: np.ndarray, big_r: np.ndarray, big_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tersoff's cutoff function and its derivative (``ters_fc``, ``ters_fc_d``)."""
    mid = ~(r < big_r - big_d) & ~(r > big_r + big_d)
    arg = 0.5 * np.pi * (r - big_r) / np.where(big_d > 0, big_d, 1.0)
    fc = np.where(r < big_r - big_d, 1.0, np.where(mid, 0.5 * (1.0 - np.sin(arg)), 0.0))
    return fc, np.where(mid, -(0.25 * np.pi / np.where(big_d > 0, big_d, 1.0)) * np.cos(arg), 0.0)


@dataclass(frozen=True, eq=False)
class TersoffFunctions(ThreeBodyFunctions):
    """``pair_style tersoff`` (no ``shift``) as LAMMPS evaluates it.

    Attributes
    ----------
    params : dict of str to ndarray, shape (n, n, n)
        The file's parameters by name (see :data:`~qcbridge.potentials.manybody.PARAMETER_NAMES`),
        indexed [i, j, k]; pair terms of i-j use [i, j, j].
    cutsq : ndarray, shape (n, n, n)
        (R + D)^2 in A^2.
    c1, c2, c3, c4 : ndarray, shape (n, n, n)
        LAMMPS's switch points of the bond order's asymptotic forms.
    """

    params: dict[str, np.ndarray]
    cutsq: np.ndarray
    c1: np.ndarray
    c2: np.ndarray
    c3: np.ndarray
    c4: np.ndarray

    @classmethod
    def from_parameters(cls, t: ThreeBodyParameters) -> TersoffFunctions:
        """From the parameters of a ``*.tersoff`` file."""
        params = {name: t[name] for name in PARAMETER_NAMES["tersoff"]}
        positive = params["n"] > 0  # LAMMPS sets c1..c4 = 0 for n = 0
        n = np.where(positive, params["n"], 1.0)
        c1 = np.where(positive, (2.0 * n * 1.0e-16) ** (-1.0 / n), 0.0)
        c2 = np.where(positive, (2.0 * n * 1.0e-8) ** (-1.0 / n), 0.0)
        c3 = np.where(positive, 1.0 / np.where(positive, c2, 1.0), 0.0)
        c4 = np.where(positive, 1.0 / np.where(positive, c1, 1.0), 0.0)
        cut = params["R"] + params["D"]
        return cls(t.elements, t.cutoff, params, cut * cut, c1, c2, c3, c4)

    def _bond_order(self, zeta: np.ndarray, k: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        """b(zeta) and db/dzeta in LAMMPS's five branches (``ters_bij``, ``ters_bij_d``)."""
        beta, n = self.params["beta"][k], self.params["n"][k]
        tmp = beta * zeta
        with np.errstate(all="ignore"):
            tn = tmp**n
            inv_n = 1.0 / (2.0 * n)
            far, far_d = 1.0 / np.sqrt(tmp), beta * -0.5 * tmp**-1.5
            mid = (1.0 - tmp**-n * inv_n) / np.sqrt(tmp)
            mid_d = beta * (-0.5 * tmp**-1.5 * (1.0 - (1.0 + inv_n) * tmp**-n))
            small, small_d = 1.0 - tn * inv_n, -0.5 * beta * tmp ** (n - 1.0)
            general = (1.0 + tn) ** -inv_n
            general_d = -0.5 * (1.0 + tn) ** (-1.0 - inv_n) * tn / zeta
        cases = [tmp > self.c1[k], tmp > self.c2[k], tmp < self.c4[k], tmp < self.c3[k]]
        return (np.select(cases, [far, mid, np.ones_like(tmp), small], general),
                np.select(cases, [far_d, mid_d, np.zeros_like(tmp), small_d], general_d))

    def site_energies(self, x: np.ndarray, center: np.ndarray, neighbor: np.ndarray, species: np.ndarray,
                      n_sites: int) -> tuple[np.ndarray, np.ndarray]:
        x, center, neighbor, species = _checked(self, x, center, neighbor, species, n_sites)
        pr = self.params
        nb = x.shape[1]
        si, sj = species[center], species[neighbor]
        kb = (si, sj, sj)  # pair terms: entry ijj
        rsq = x[..., 0] * x[..., 0] + x[..., 1] * x[..., 1] + x[..., 2] * x[..., 2]
        inside = rsq < self.cutsq[kb]
        # a bond takes part as i-k if within the cutoff of any entry i?k
        reach = rsq < self.cutsq.max(axis=1)[si, sj]
        _, r, u = _bonds(x, inside | reach)
        fc, dfc = _fc(r, pr["R"][kb], pr["D"][kb])
        rep = pr["A"][kb] * np.exp(-pr["lambda1"][kb] * r)
        e_rep = np.where(inside, fc * rep, 0.0)
        d_rep = np.where(inside, rep * (dfc - fc * pr["lambda1"][kb]), 0.0)
        att = pr["B"][kb] * np.exp(-pr["lambda2"][kb] * r)
        fa, dfa = -att * fc, att * (pr["lambda2"][kb] * fc - dfc)
        t1, t2 = bond_triplets(center, (inside | reach).any(axis=0), ordered=True)
        zeta = np.zeros_like(r)
        if t1.size:
            k3 = (si[t1], sj[t1], sj[t2])
            valid = inside[:, t1] & (rsq[:, t2] < self.cutsq[k3])
            r1, r2, u1, u2 = r[:, t1], r[:, t2], u[:, t1], u[:, t2]
            fik, dfik = _fc(r2, pr["R"][k3], pr["D"][k3])
            cs = np.einsum("...i,...i->...", u1, u2)
            c2, d2, hc = pr["c"][k3] ** 2, pr["d"][k3] ** 2, pr["costheta0"][k3] - cs
            den = 1.0 / (d2 + hc * hc)
            g = pr["gamma"][k3] * (1.0 + c2 / d2 - c2 * den)
            dg = pr["gamma"][k3] * -2.0 * c2 * hc * den * den
            lam3, cubic = pr["lambda3"][k3], pr["m"][k3] == 3.0
            dr = r1 - r2
            arg = np.where(cubic, (lam3 * dr) ** 3, lam3 * dr)
            ex = np.where(arg > _EXP_ARG_LIMIT, 1.0e30,
                          np.where(arg < -_EXP_ARG_LIMIT, 0.0, np.exp(np.clip(arg, -_EXP_ARG_LIMIT, _EXP_ARG_LIMIT))))
            dex = np.where(cubic, 3.0 * lam3**3 * dr * dr, lam3) * ex
            zeta = _scatter(t1, np.where(valid, fik * g * ex, 0.0), nb)
        b, db = self._bond_order(zeta, kb)
        e_att = np.where(inside, 0.5 * b * fa, 0.0)
        pref = np.where(inside, 0.5 * fa * db, 0.0)  # dE/dzeta of each bond
        w = _pair_weights(center, neighbor)
        e_pair = 0.5 * (w * e_rep + e_att)  # each atom's half of both terms
        energies = _scatter(center, e_pair, n_sites) + _scatter(neighbor, e_pair, n_sites)
        grad = np.where(inside, w * d_rep + 0.5 * b * dfa, 0.0)[..., None] * u
        if t1.size:
            dz = np.where(valid, pref[:, t1], 0.0)  # dE/dzeta_ij of each triplet
            dcos1 = (u2 - cs[..., None] * u1) / r1[..., None]
            dcos2 = (u1 - cs[..., None] * u2) / r2[..., None]
            a1 = (dz * fik * dg * ex)[..., None] * dcos1 + (dz * fik * g * dex)[..., None] * u1
            a2 = (dz * g * (dfik * ex - fik * dex))[..., None] * u2 + (dz * fik * dg * ex)[..., None] * dcos2
            grad += _scatter(t1, a1, nb) + _scatter(t2, a2, nb)
        return energies, grad


@lru_cache(maxsize=32)
def threebody_functions(potential: Potential) -> ThreeBodyFunctions:
    """The numpy evaluator of a Stillinger-Weber or Tersoff potential.

    Parameters
    ----------
    potential : StillingerWeber or Tersoff
        From :func:`qcbridge.load_potential` (``*.sw``, ``*.tersoff`` files).

    Returns
    -------
    ThreeBodyFunctions
        Cached per potential.

    Raises
    ------
    PotentialError
        The potential is not a three-body potential.
    """
    if isinstance(potential, StillingerWeber):
        return StillingerWeberFunctions.from_parameters(potential.parameters())
    if isinstance(potential, Tersoff):
        return TersoffFunctions.from_parameters(potential.parameters())
    raise PotentialError(f"potential {potential.name!r} ({type(potential).__name__}) has no three-body evaluator; "
                         "supported: Stillinger-Weber (*.sw) and Tersoff (*.tersoff) files")


def evaluate_threebody(atoms: Atoms, functions: ThreeBodyFunctions) -> dict:
    """Energy, forces, per-atom energies and virial of a structure.

    Parameters
    ----------
    atoms : ase.Atoms
    functions : ThreeBodyFunctions
        From :func:`threebody_functions`.

    Returns
    -------
    dict
        ``energy`` (eV), ``forces`` (N, 3) eV/A, ``energies`` (N,) eV (LAMMPS's per-atom
        energies), ``virial`` (3, 3) eV (W = sum_i r_i (x) f_i; stress = -W / V).

    Raises
    ------
    SpeciesError
        The structure holds species the potential does not describe.

    Examples
    --------
    >>> from ase.build import bulk
    >>> from qcbridge import load_potential
    >>> f = threebody_functions(load_potential("Si.sw"))
    >>> round(evaluate_threebody(bulk("Si", "diamond", a=5.431), f)["energy"] / 2, 4)
    -4.3366
    """
    n = len(atoms)
    symbols = atoms.get_chemical_symbols()  # type: ignore[no-untyped-call]  # unannotated in ase
    missing = sorted(set(symbols) - set(functions.species))
    if missing:
        raise SpeciesError(f"the evaluator covers {', '.join(functions.species)}; not {', '.join(missing)}")
    index = {s: k for k, s in enumerate(functions.species)}
    species = np.array([index[s] for s in symbols], dtype=np.int64)
    # D = r_j - r_i, periodic images included; neighbor_list is unannotated in ase
    i, j, d = neighbor_list("ijD", atoms, functions.cutoff)  # type: ignore[no-untyped-call]
    energies, grad = functions.site_energies(d[None], i, j, species, n)
    g = grad[0]
    forces = np.stack([np.bincount(i, g[:, k], minlength=n) - np.bincount(j, g[:, k], minlength=n)
                       for k in range(3)], axis=1)
    return {"energy": float(energies[0].sum()), "forces": forces, "energies": energies[0], "virial": -d.T @ g}
