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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm
from scipy.optimize import least_squares

from ..errors import ConvergenceError, NotPositiveDefiniteError

__all__ = ["KernelFit", "fit_kernel"]


@dataclass(frozen=True)
class KernelFit:
    """K(t) = sum of exponentials, damped cosines and smooth oscillators, per unit mass
    (Gamma / m, 1/time^2).

    Attributes
    ----------
    c, g, w : ndarray, shape (n_terms,)
        Amplitudes (1/time^2), decay rates and angular frequencies (1/time).
    smooth : ndarray of bool, shape (n_terms,), optional
        Which terms are smooth oscillators (default none).
    """

    c: np.ndarray
    g: np.ndarray
    w: np.ndarray
    smooth: np.ndarray | None = None

    def __post_init__(self):
        for name in ("c", "g", "w"):
            object.__setattr__(self, name, np.atleast_1d(np.asarray(getattr(self, name), dtype=float)))
        sm = np.zeros(self.c.shape, bool) if self.smooth is None else np.atleast_1d(np.asarray(self.smooth, bool))
        object.__setattr__(self, "smooth", sm)
        if not (self.c.shape == self.g.shape == self.w.shape == self.smooth.shape):
            raise ValueError(f"c, g, w must have equal shapes, got {self.c.shape}, {self.g.shape}, {self.w.shape}")
        bad = np.flatnonzero((self.c < 0) | (self.g < 0) | ~np.isfinite(self.c + self.g + self.w))
        if len(bad):
            i = bad[0]
            raise NotPositiveDefiniteError(
                f"term {i} (c = {self.c[i]:g}, g = {self.g[i]:g}) needs c >= 0 and g >= 0: otherwise the "
                "embedding drift A has A + A^T indefinite and violates fluctuation-dissipation"
            )

    def integral(self) -> float:
        """int_0^inf K(t) dt (1 / time): c g / (g^2 + w^2) per term, twice that for smooth ones."""
        return float(np.sum(np.where(self.smooth, 2.0, 1.0) * self.c * self.g / (self.g**2 + self.w**2)))

    def diffusion(self, kT: float = 1.0, mass: float = 1.0) -> float:
        """Diffusion coefficient of the free GLE particle, kT / (m int K) (length^2 / time)."""
        return kT / (mass * self.integral())

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)[..., None]
        sine = np.where(self.smooth, self.g * t * np.sinc(self.w * t / np.pi), 0.0)  # (g/w) sin(wt)
        return np.sum(self.c * np.exp(-self.g * t) * (np.cos(self.w * t) + sine), axis=-1)

    def drift(self, omega: float = 0.0) -> np.ndarray:
        """Drift matrix A of the embedding; state (Omega x, v, z) or (v, z) if omega = 0."""
        blocks, couple = [], []
        for c, g, w, smooth in zip(self.c, self.g, self.w, self.smooth):
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
        for b, s in zip(blocks, couple):
            m = len(b)
            A[k : k + m, k : k + m] = b
            A[off, k : k + m] = -s
            A[k : k + m, off] = s
            k += m
        if omega:
            A[0, 1], A[1, 0] = -omega, omega
        return A

    def vacf(self, t: np.ndarray, kT: float = 1.0, mass: float = 1.0, omega: float = 0.0) -> np.ndarray:
        """Exact velocity autocorrelation of the embedded GLE (velocity^2 units)."""
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


def fit_kernel(t: np.ndarray, gamma: np.ndarray, *, n_exp: int = 1, n_osc: int = 1, n_smooth: int = 0,
               seed: int = 0, n_tries: int = 24, max_residual: float = 0.1) -> KernelFit:
    """Least-squares fit of a kernel by ``n_exp`` exponentials, ``n_osc`` damped cosines and
    ``n_smooth`` smooth oscillators with positive amplitudes and decay rates (so the
    embedding is valid).

    Parameters
    ----------
    t, gamma : ndarray, shape (n,)
        Kernel samples (time, mass/time^2 per unit mass).
    n_exp, n_osc, n_smooth : int
        Number of exponentials, damped cosines and smooth oscillators.
    seed : int
        Seed of the random restarts.
    n_tries : int
        Random restarts besides Prony's start; the best fit wins.
    max_residual : float
        Largest accepted root-mean-square misfit relative to |Gamma(0)|.

    Raises
    ------
    NotPositiveDefiniteError
        Gamma(0) <= 0, or the best fit with a valid embedding misses the data by more than
        ``max_residual`` (the data is not a positive-definite kernel, e.g. its integral is
        negative; or more terms are needed).
    ConvergenceError
        No restart converged.
    """
    t = np.asarray(t, dtype=float)
    gamma = np.asarray(gamma, dtype=float)
    n = n_exp + n_osc + n_smooth
    if n < 1:
        raise ValueError("fit at least one term (n_exp + n_osc + n_smooth >= 1)")
    if not gamma[0] > 0:
        raise NotPositiveDefiniteError(
            f"Gamma(0) = {gamma[0]:g} <= 0: a friction kernel is a noise autocorrelation and must be "
            "positive at t = 0; no embedding with A + A^T positive semidefinite fits it"
        )
    rng = np.random.default_rng(seed)
    # fit in normalized variables (time / t_end, kernel / kernel(0)): the optimizer then
    # sees parameters of order one whatever the units
    T, y0 = t[-1], gamma[0]
    s, y = t / T, gamma / y0
    osc = np.arange(n) >= n_exp
    smooth = np.arange(n) >= n_exp + n_osc

    def model(p):
        return KernelFit(p[:n], p[n : 2 * n], np.where(osc, p[2 * n :], 0.0), smooth)(s)

    best = None
    prony = _prony_start(s, y, n_exp, n_osc) if n_smooth == 0 else None
    starts = [] if prony is None else [prony]
    starts += [np.concatenate([rng.uniform(0.1, 1.0, n), np.exp(rng.uniform(np.log(0.3), np.log(200.0), n)),
                               np.exp(rng.uniform(np.log(0.3), np.log(200.0), n))]) for _ in range(n_tries)]
    for p0 in starts:
        try:
            res = least_squares(lambda p: model(p) - y, p0, bounds=(0.0, np.inf))
        except ValueError:
            continue
        if best is None or res.cost < best.cost:
            best = res
    if best is None:
        raise ConvergenceError("the kernel fit failed for every start")
    p = best.x
    misfit = np.sqrt(2 * best.cost / len(t))
    if misfit > max_residual:
        raise NotPositiveDefiniteError(
            f"the best fit with a valid (positive-semidefinite) embedding misses the kernel by "
            f"{100 * misfit:.1f} % of Gamma(0) (limit {100 * max_residual:.0f} %): the data is not a "
            "positive-definite kernel (e.g. its integral is negative), or more terms are needed"
        )
    return KernelFit(p[:n] * y0, p[n : 2 * n] / T, np.where(osc, p[2 * n :], 0.0) / T, smooth)
