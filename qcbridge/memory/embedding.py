"""Fits of friction kernels by exponentials and damped oscillators, and their Markovian
embedding.

A kernel is a sum of terms with c_i >= 0, g_i >= 0, w_i >= 0 of three shapes:

- exponential c e^{-g t} (w = 0), one auxiliary variable, block D = [g];
- damped cosine c e^{-g t} cos(w t), block D = [[g, w], [-w, g]];
- smooth oscillator c e^{-g t} (cos(w t) + (g/w) sin(w t)), the position autocorrelation
  of a damped oscillator, block D = [[0, -W], [W, 2 g]] with W^2 = w^2 + g^2. Its slope at
  t = 0 vanishes, as it does for the kernels of smooth (e.g. Lennard-Jones) dynamics, which
  sums of the first two shapes (slope -sum c g < 0) cannot follow.

Such a kernel is the memory of an extended Markovian system: for unit mass and temperature
the state x = (v, z) with the auxiliary variables z obeys dx = -A x dt + B dW with

    A = [[0, -s^T], [s, D]],   D = blockdiag(D_i),
    s = sqrt(c_i) on the first auxiliary variable of each term,

and B B^T = kT (A + A^T) / m: A + A^T = blockdiag(0, D_i + D_i^T) is positive
semidefinite exactly when every g_i >= 0. Eliminating z gives m dv/dt = -int K v + R with
<R(t) R(0)> = kT K(t). The velocity autocorrelation is then exact:
C_vv(t) = (kT/m) e_v^T exp(-A t) e_v. A harmonic well (frequency Omega) adds the scaled
position Omega x to the state with an antisymmetric block.

Units: a :class:`KernelFit` is the kernel per unit mass, K(t) = Gamma(t) / m (1/time^2),
which is what the embedding's drift needs. It carries the mass m and thermal energy kT of
the data it was fitted to (``KernelResult.fit`` sets them; ``fit_kernel`` takes them), so
that D = kT / (m int K), the VACF, GLE samples and LAMMPS exports need no further input;
reduced-unit users pass ``mass=1.0, kT=1.0`` explicitly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import expm
from scipy.optimize import least_squares

from ..errors import ConvergenceError, KernelError, KernelFitWarning, NotPositiveDefiniteError
from .checks import MAGNITUDE_LIMIT, check_positive

__all__ = ["INTEGRAL_WEIGHT", "MIN_RATE_SPAN", "KernelFit", "fit_kernel"]

#: Slowest decay rate a fit may use, in units of 1 / (last lag).
MIN_RATE_SPAN = 0.05
#: Default weight of the integral residual (see :func:`fit_kernel`).
INTEGRAL_WEIGHT = 1.0


def _kernel_values(c: np.ndarray, g: np.ndarray, w: np.ndarray, smooth: np.ndarray, t: ArrayLike) -> np.ndarray:
    """sum_i c_i e^{-g_i t} (cos w_i t [+ (g_i / w_i) sin w_i t for smooth terms]) at times ``t``."""
    t = np.asarray(t, dtype=float)[..., None]
    sine = np.where(smooth, g * t * np.sinc(w * t / np.pi), 0.0)  # (g/w) sin(wt)
    return np.sum(c * np.exp(-g * t) * (np.cos(w * t) + sine), axis=-1)


@dataclass(frozen=True)
class KernelFit:
    """K(t) = Gamma(t) / m, a sum of exponentials, damped cosines and smooth oscillators, with
    the mass and thermal energy of the data it describes.

    Without ``mass`` and ``kT`` the fit is a bare K(t): :meth:`diffusion`, :meth:`vacf`,
    :func:`sample_gle` and the LAMMPS exports then need them as arguments.

    Attributes
    ----------
    c, g, w : ndarray, shape (n_terms,)
        Amplitudes (1/time^2), decay rates and angular frequencies (1/time).
    smooth : ndarray of bool, shape (n_terms,), optional
        Which terms are smooth oscillators (default none).
    mass : float, optional
        Mass m of the coarse variable (amu, or the data's mass unit); Gamma = m K.
    kT : float, optional
        Thermal energy (mass * length^2 / time^2, i.e. eV for data in ASE units).
    """

    c: np.ndarray
    g: np.ndarray
    w: np.ndarray
    smooth: np.ndarray | None = None
    mass: float | None = None
    kT: float | None = None

    def __post_init__(self) -> None:
        for name in ("c", "g", "w"):
            try:
                value = np.atleast_1d(np.asarray(getattr(self, name), dtype=float))
            except (TypeError, ValueError):
                raise KernelError(f"{name} must be an array of numbers, got {getattr(self, name)!r}") from None
            object.__setattr__(self, name, value)
        sm = np.zeros(self.c.shape, bool) if self.smooth is None else np.atleast_1d(np.asarray(self.smooth, bool))
        object.__setattr__(self, "smooth", sm)
        if not (self.c.ndim == 1 and self.c.shape == self.g.shape == self.w.shape == sm.shape):
            raise KernelError(f"c, g, w and smooth must be 1-D of equal length, got shapes {self.c.shape}, "
                              f"{self.g.shape}, {self.w.shape}, {sm.shape}")
        for name in ("mass", "kT"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, check_positive(getattr(self, name), name))
        bad = np.flatnonzero((self.c < 0) | (self.g < 0) | (self.w < 0) | ~np.isfinite(self.c + self.g + self.w))
        if len(bad):
            i = bad[0]
            raise NotPositiveDefiniteError(
                f"term {i} (c = {self.c[i]:g}, g = {self.g[i]:g}, w = {self.w[i]:g}) needs finite c >= 0, g >= 0, "
                "w >= 0: otherwise the embedding drift A has A + A^T indefinite and violates fluctuation-dissipation"
            )

    @property
    def smooth_terms(self) -> np.ndarray:
        """Boolean mask of the smooth-oscillator terms, shape (n_terms,)."""
        return cast(np.ndarray, self.smooth)  # always an array after __post_init__

    def with_thermal(self, *, mass: float, kT: float) -> KernelFit:
        """A copy that carries ``mass`` and ``kT``."""
        return replace(self, mass=mass, kT=kT)

    def thermal(self, kT: float | None = None, mass: float | None = None) -> tuple[float, float]:
        """(kT, mass): the arguments where given, else the fit's own.

        Raises
        ------
        KernelError
            Neither gives kT or mass, or they are not positive and finite.
        """
        kT = self.kT if kT is None else kT
        mass = self.mass if mass is None else mass
        if kT is None or mass is None:
            missing = " and ".join(n for n, v in (("kT", kT), ("mass", mass)) if v is None)
            raise KernelError(f"this kernel fit carries no {missing}: fit a KernelResult (result.fit(...)), give "
                              f"fit_kernel(..., mass=..., kT=...), or pass {missing} here (1.0 in reduced units)")
        return check_positive(kT, "kT"), check_positive(mass, "mass")

    def integral(self) -> float:
        """int_0^inf K(t) dt (1 / time): c g / (g^2 + w^2) per term, twice that for smooth ones;
        infinite for a non-decaying, non-oscillating term (g = w = 0, c > 0)."""
        rate2 = self.g**2 + self.w**2
        flat = rate2 == 0
        if np.any(flat & (self.c > 0)):
            return float("inf")
        per_term = np.where(self.smooth_terms, 2.0, 1.0) * self.c * self.g / np.where(flat, 1.0, rate2)
        return float(np.sum(np.where(flat, 0.0, per_term)))

    def diffusion(self, kT: float | None = None, mass: float | None = None) -> float:
        """Diffusion coefficient of the free GLE particle, kT / (m int K) (length^2 / time).

        kT and mass default to the fit's own.

        Raises
        ------
        KernelError
            No kT or mass (see :meth:`thermal`), or int K = 0 (a free particle without
            friction has no finite diffusion coefficient).
        """
        kT, mass = self.thermal(kT, mass)
        integral = self.integral()
        if not integral > 0:
            raise KernelError(f"int K = {integral:g}: without friction the free particle moves ballistically and "
                              "has no finite diffusion coefficient")
        return kT / (mass * integral)

    def gamma(self, t: np.ndarray) -> np.ndarray:
        """Gamma(t) = m K(t) (mass / time^2) at times ``t``; needs the fit's mass."""
        _, mass = self.thermal(kT=1.0)
        return mass * self(t)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """K(t) (1 / time^2) at times ``t`` (any shape)."""
        return _kernel_values(self.c, self.g, self.w, self.smooth_terms, t)

    def drift(self, omega: float = 0.0) -> np.ndarray:
        """Drift matrix A of the embedding (1/time); state (Omega x, v, z) or (v, z) if omega = 0.

        Returns
        -------
        ndarray, shape (n_state, n_state)
        """
        if not np.isfinite(omega):
            raise KernelError(f"the harmonic-well frequency omega must be finite, got {omega}")
        blocks: list[np.ndarray] = []
        couple: list[np.ndarray] = []
        for c, g, w, smooth in zip(self.c, self.g, self.w, self.smooth_terms, strict=True):
            if smooth:
                big_w = np.hypot(w, g)
                blocks.append(np.array([[0.0, -big_w], [big_w, 2 * g]]))
                couple.append(np.array([np.sqrt(c), 0.0]))
            elif w == 0.0:
                blocks.append(np.array([[g]]))
                couple.append(np.array([np.sqrt(c)]))
            else:
                blocks.append(np.array([[g, w], [-w, g]]))
                couple.append(np.array([np.sqrt(c), 0.0]))
        n_aux = sum(len(b) for b in blocks)
        off = 1 if omega else 0
        A = np.zeros((off + 1 + n_aux, off + 1 + n_aux))
        k = off + 1
        for b, s in zip(blocks, couple, strict=True):
            m = len(b)
            A[k : k + m, k : k + m] = b
            A[off, k : k + m] = -s
            A[k : k + m, off] = s
            k += m
        if omega:
            A[0, 1], A[1, 0] = -omega, omega
        return A

    def vacf(self, t: np.ndarray, kT: float | None = None, mass: float | None = None,
             omega: float = 0.0) -> np.ndarray:
        """Exact velocity autocorrelation (kT/m) e_v^T exp(-A t) e_v of the embedded GLE.

        Parameters
        ----------
        t : ndarray, shape (n,)
            Lags (time).
        kT, mass : float, optional
            Default to the fit's own (see :meth:`thermal`).
        omega : float
            Harmonic-well frequency (1/time), 0 for a free particle.

        Returns
        -------
        ndarray, shape (n,)
            <v(t) v(0)> (velocity^2).
        """
        kT, mass = self.thermal(kT, mass)
        A = self.drift(omega)
        iv = 1 if omega else 0
        return np.array([kT / mass * expm(-A * ti)[iv, iv] for ti in np.atleast_1d(t)])


def _prony_start(t: np.ndarray, y: np.ndarray, n_exp: int, n_osc: int) -> np.ndarray | None:
    """(c, g, w) start from Prony's method (linear prediction on the uniform samples), or None."""
    order = n_exp + 2 * n_osc
    dt = t[1] - t[0]
    rows = len(y) - order
    if rows <= order:
        return None
    M = np.column_stack([y[order - 1 - i : order - 1 - i + rows] for i in range(order)])
    coef = np.linalg.lstsq(M, y[order:], rcond=None)[0]
    z = np.roots(np.concatenate([[1.0], -coef]))
    z = z[(np.abs(z) > 1e-12) & (np.abs(z) < 1.0)]
    if len(z) == 0:
        return None
    rate = -np.log(np.abs(z)) / dt
    freq = np.abs(np.angle(z)) / dt
    real = freq < 1e-9
    g_exp, g_osc = sorted(rate[real])[:n_exp], sorted(set(np.round(freq[~real], 12)))[:n_osc]
    if len(g_exp) < n_exp or len(g_osc) < n_osc:
        return None
    w_osc = list(g_osc)
    g_osc = [rate[~real][np.argmin(np.abs(freq[~real] - w))] for w in w_osc]
    g = np.array(list(g_exp) + list(g_osc))
    w = np.array([0.0] * n_exp + w_osc)
    basis = np.exp(-g * t[:, None]) * np.cos(w * t[:, None])
    c = np.clip(np.linalg.lstsq(basis, y, rcond=None)[0], 1e-3 * abs(y[0]), None)
    return np.concatenate([c, g, np.where(w > 0, w, 1.0)])


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise KernelError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _kernel_samples(t: ArrayLike, k: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(t, K) as finite 1-D arrays of one length with 0 <= t increasing, else a KernelError."""
    try:
        t, k = np.asarray(t, dtype=float), np.asarray(k, dtype=float)
    except (TypeError, ValueError):
        raise KernelError("t and the kernel must be arrays of numbers") from None
    if t.ndim != 1 or k.shape != t.shape or len(t) < 3:
        raise KernelError(f"t and the kernel must be 1-D arrays of one length >= 3, got shapes {t.shape}, {k.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(k))):
        raise KernelError("t or the kernel contains NaN or infinity; fit the finite part of an estimate")
    if t[0] < 0 or not np.all(np.diff(t) > 0):
        raise KernelError("the kernel's times must start at t >= 0 and increase")
    if not 1.0 / MAGNITUDE_LIMIT <= t[-1] <= MAGNITUDE_LIMIT:
        raise KernelError(f"the kernel's last time is {t[-1]:.3g}: its rates would leave double precision; "
                          "express times in units where they are of order one")
    if np.abs(k).max() > MAGNITUDE_LIMIT:
        raise KernelError(f"the kernel reaches {np.abs(k).max():.3g}: its embedding (sqrt of the amplitudes in the "
                          "drift, exponentials of it) leaves double precision; express it in units where it is of "
                          "order one")
    return t, k


def fit_kernel(t: np.ndarray, k: np.ndarray, *, n_exp: int = 1, n_osc: int = 1, n_smooth: int = 0,
               mass: float | None = None, kT: float | None = None, seed: int = 0, n_tries: int = 24,
               max_residual: float = 0.1, start: KernelFit | None = None,
               integral_weight: float = INTEGRAL_WEIGHT) -> KernelFit:
    """Least-squares fit of a kernel per unit mass K(t) = Gamma(t) / m by ``n_exp``
    exponentials, ``n_osc`` damped cosines and ``n_smooth`` smooth oscillators with positive
    amplitudes and decay rates (so the embedding is valid).

    To fit an estimate, ``KernelResult.fit(...)`` divides by the mass and keeps mass and kT.

    Decay rates are bounded below by ``MIN_RATE_SPAN / T`` (T the last lag): a slower decay
    cannot be told from the data and would make int K, and D, arbitrary. A term that ends on
    that bound is reported with a :class:`~qcbridge.errors.KernelFitWarning`.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Lags (time), 0 <= t increasing.
    k : ndarray, shape (n,)
        K(t) = Gamma(t) / m (1 / time^2).
    n_exp, n_osc, n_smooth : int
        Number of exponentials, damped cosines and smooth oscillators.
    mass, kT : float, optional
        Mass and thermal energy of the data, carried by the fit (see :class:`KernelFit`).
    seed : int
        Seed of the random restarts.
    n_tries : int
        Random restarts besides Prony's start; the best fit wins.
    max_residual : float
        Largest accepted root-mean-square misfit relative to abs(K(0)).
    start : KernelFit, optional
        A first start (its terms in this function's order: exponentials, damped cosines,
        smooth oscillators), tried before Prony's and the random ones.
    integral_weight : float
        Weight of one extra residual, the relative difference between the fit's and the data's
        int_0^T K (the same trapezoid rule on the same lags), against the root-mean-square misfit
        of the points. The integral fixes the diffusion coefficient kT / (m int K); a shape fit
        alone can miss it by orders of magnitude (many fast oscillators whose integrals nearly
        vanish). 0 turns it off.

    Returns
    -------
    KernelFit
        c in 1/time^2, g and w in 1/time.

    Raises
    ------
    KernelError
        Malformed input: arrays of different lengths, non-finite values, times not
        increasing, or term counts that are not non-negative integers (at least one term).
    NotPositiveDefiniteError
        K(0) <= 0, or the best fit with a valid embedding misses the data by more than
        ``max_residual`` (the data is not a positive-definite kernel, e.g. its integral is
        negative; or more terms are needed).
    ConvergenceError
        No restart converged.
    """
    t, gamma = _kernel_samples(t, k)
    n_exp, n_osc, n_smooth = _count(n_exp, "n_exp"), _count(n_osc, "n_osc"), _count(n_smooth, "n_smooth")
    n_tries = _count(n_tries, "n_tries")
    max_residual = check_positive(max_residual, "max_residual")
    n = n_exp + n_osc + n_smooth
    if n < 1:
        raise KernelError("fit at least one term (n_exp + n_osc + n_smooth >= 1)")
    if not gamma[0] > 0:
        raise NotPositiveDefiniteError(
            f"Gamma(0) = {gamma[0]:g} <= 0: a friction kernel is a noise autocorrelation and must be "
            "positive at t = 0; no embedding with A + A^T positive semidefinite fits it"
        )
    if np.abs(gamma).max() > 100.0 * gamma[0]:
        raise NotPositiveDefiniteError(
            f"|K(t)| reaches {np.abs(gamma).max():.3g} > 100 K(0) = {100 * gamma[0]:.3g}: an autocorrelation never "
            "exceeds its value at t = 0, so this is not a friction kernel (check the estimate, e.g. its mean-force "
            "handling, or the time origin)"
        )
    thermal = {"mass": None if mass is None else check_positive(mass, "mass"),
               "kT": None if kT is None else check_positive(kT, "kT")}
    integral_weight = float(integral_weight)
    if not (np.isfinite(integral_weight) and integral_weight >= 0):
        raise KernelError(f"integral_weight must be finite and >= 0, got {integral_weight}")
    rng = np.random.default_rng(seed)
    # fit in normalized variables (time / t_end, kernel / kernel(0)): the optimizer then
    # sees parameters of order one whatever the units
    T, y0 = t[-1], gamma[0]
    s, y = t / T, gamma / y0
    osc = np.arange(n) >= n_exp
    smooth = np.arange(n) >= n_exp + n_osc
    ds = np.diff(s)
    target = float(np.sum(0.5 * (y[1:] + y[:-1]) * ds))  # int_0^1 of the data (trapezoid)
    weight = integral_weight * np.sqrt(len(s)) / max(abs(target), 1e-12)

    def model(p: np.ndarray) -> np.ndarray:
        return _kernel_values(p[:n], p[n : 2 * n], np.where(osc, p[2 * n :], 0.0), smooth, s)

    def residual(p: np.ndarray) -> np.ndarray:
        r = model(p) - y  # the integral residual: the same trapezoid rule on the same lags
        return np.append(r, weight * float(np.sum(0.5 * (r[1:] + r[:-1]) * ds)))

    lower = np.concatenate([np.zeros(n), np.full(n, MIN_RATE_SPAN), np.zeros(n)])

    best = None
    try:
        prony = _prony_start(s, y, n_exp, n_osc) if n_smooth == 0 else None
    except (np.linalg.LinAlgError, ValueError):
        prony = None
    starts = [] if prony is None else [prony]
    if start is not None:
        if len(start.c) != n or np.any(start.smooth_terms != smooth) or np.any((start.w > 0) & ~osc):
            raise KernelError(f"the start has {len(start.c)} terms of other shapes than the {n_exp} exponentials, "
                              f"{n_osc} damped cosines and {n_smooth} smooth oscillators asked for")
        starts.insert(0, np.concatenate([start.c / y0, start.g * T, start.w * T]))
    starts += [np.concatenate([rng.uniform(0.1, 1.0, n), np.exp(rng.uniform(np.log(0.3), np.log(200.0), n)),
                               np.exp(rng.uniform(np.log(0.3), np.log(200.0), n))]) for _ in range(n_tries)]
    for p0 in starts:
        p0 = np.maximum(p0, lower)
        try:
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                res = least_squares(residual, p0, bounds=(lower, np.inf))
        except ValueError:
            continue
        if np.isfinite(res.cost) and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise ConvergenceError("the kernel fit failed for every start")
    p = best.x
    misfit = float(np.sqrt(np.mean((model(p) - y) ** 2)))
    if misfit > max_residual:
        raise NotPositiveDefiniteError(
            f"the best fit with a valid (positive-semidefinite) embedding misses the kernel by "
            f"{100 * misfit:.1f} % of Gamma(0) (limit {100 * max_residual:.0f} %): the data is not a "
            "positive-definite kernel (e.g. its integral is negative), or more terms are needed"
        )
    slow = np.flatnonzero((p[n : 2 * n] <= MIN_RATE_SPAN * (1 + 1e-6)) & (p[:n] > 1e-3))
    if len(slow):
        warnings.warn(f"{len(slow)} fitted term(s) decay at the slowest rate allowed, {MIN_RATE_SPAN:g} / T "
                      f"(T = {T:g}): the kernel has not decayed by its last lag, so int K and D depend on the fit's "
                      "tail; estimate the kernel to a larger max_time", KernelFitWarning, stacklevel=2)
    return KernelFit(p[:n] * y0, p[n : 2 * n] / T, np.where(osc, p[2 * n :], 0.0) / T, smooth, **thermal)
