"""Fits of friction kernels by exponentials and damped oscillators, and their Markovian
embedding.

A kernel K(t) = sum_i c_i exp(-g_i t) cos(w_i t) (c_i > 0, g_i > 0, w_i >= 0; w_i = 0 is
an exponential term) is the memory of an extended Markovian system: for unit mass and
temperature, the state x = (v, z) with one auxiliary variable per exponential and two per
oscillator obeys dx = -A x dt + B dW with

    A = [[0, -s^T], [s, D]],   D = blockdiag(g_i, [[g_i, w_i], [-w_i, g_i]]),
    s = sqrt(c_i) on the first auxiliary variable of each term,

and B B^T = kT (A + A^T) / m: A + A^T = blockdiag(0, 2 g_i) is positive semidefinite
exactly when every g_i >= 0. Eliminating z gives m dv/dt = -int K v + R with
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
    """K(t) = sum c_i exp(-g_i t) cos(w_i t) in mass/time^2 (per unit mass).

    Attributes
    ----------
    c, g, w : ndarray, shape (n_terms,)
        Amplitudes (1/time^2), decay rates and angular frequencies (1/time).
    """

    c: np.ndarray
    g: np.ndarray
    w: np.ndarray

    def __post_init__(self):
        for name in ("c", "g", "w"):
            object.__setattr__(self, name, np.atleast_1d(np.asarray(getattr(self, name), dtype=float)))
        if not (self.c.shape == self.g.shape == self.w.shape):
            raise ValueError(f"c, g, w must have equal shapes, got {self.c.shape}, {self.g.shape}, {self.w.shape}")
        bad = np.flatnonzero((self.c < 0) | (self.g < 0) | ~np.isfinite(self.c + self.g + self.w))
        if len(bad):
            i = bad[0]
            raise NotPositiveDefiniteError(
                f"term {i} (c = {self.c[i]:g}, g = {self.g[i]:g}) needs c >= 0 and g >= 0: otherwise the "
                "embedding drift A has A + A^T indefinite and violates fluctuation-dissipation"
            )

    def integral(self) -> float:
        """int_0^inf K(t) dt = sum c g / (g^2 + w^2) (1 / time)."""
        return float(np.sum(self.c * self.g / (self.g**2 + self.w**2)))

    def diffusion(self, kT: float = 1.0, mass: float = 1.0) -> float:
        """Diffusion coefficient of the free GLE particle, kT / (m int K) (length^2 / time)."""
        return kT / (mass * self.integral())

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)[..., None]
        return np.sum(self.c * np.exp(-self.g * t) * np.cos(self.w * t), axis=-1)

    def drift(self, omega: float = 0.0) -> np.ndarray:
        """Drift matrix A of the embedding; state (Omega x, v, z) or (v, z) if omega = 0."""
        blocks, couple = [], []
        for c, g, w in zip(self.c, self.g, self.w):
            if w == 0.0:
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


def fit_kernel(t: np.ndarray, gamma: np.ndarray, *, n_exp: int = 1, n_osc: int = 1, seed: int = 0,
               n_tries: int = 8, max_residual: float = 0.1) -> KernelFit:
    """Least-squares fit of a kernel by ``n_exp`` exponentials and ``n_osc`` damped cosines
    with positive amplitudes and decay rates (so the embedding is valid).

    Parameters
    ----------
    t, gamma : ndarray, shape (n,)
        Kernel samples (time, mass/time^2 per unit mass).
    n_exp, n_osc : int
        Number of exponential and oscillating terms.
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
    n = n_exp + n_osc
    if n < 1:
        raise ValueError("fit at least one term (n_exp + n_osc >= 1)")
    if not gamma[0] > 0:
        raise NotPositiveDefiniteError(
            f"Gamma(0) = {gamma[0]:g} <= 0: a friction kernel is a noise autocorrelation and must be "
            "positive at t = 0; no embedding with A + A^T positive semidefinite fits it"
        )
    rng = np.random.default_rng(seed)
    scale_t = t[-1] / 5.0
    g0 = abs(gamma[0]) if gamma[0] != 0 else 1.0
    osc = np.arange(n) >= n_exp

    def model(p):
        c, g, w = p[:n], p[n : 2 * n], np.where(osc, p[2 * n :], 0.0)
        return np.sum(c * np.exp(-g * t[:, None]) * np.cos(w * t[:, None]), axis=1)

    best = None
    starts = [_prony_start(t, gamma, n_exp, n_osc)]
    starts += [np.concatenate([rng.uniform(0.1, 1.0, n) * g0, rng.uniform(0.2, 5.0, n) / scale_t,
                               rng.uniform(0.5, 10.0, n) / scale_t]) for _ in range(n_tries)]
    for p0 in starts:
        if p0 is None:
            continue
        try:
            res = least_squares(lambda p: model(p) - gamma, p0, bounds=(0.0, np.inf), x_scale="jac")
        except ValueError:
            continue
        if best is None or res.cost < best.cost:
            best = res
    if best is None:
        raise ConvergenceError("the kernel fit failed for every start")
    p = best.x
    misfit = np.sqrt(2 * best.cost / len(t)) / abs(gamma[0])
    if misfit > max_residual:
        raise NotPositiveDefiniteError(
            f"the best fit with a valid (positive-semidefinite) embedding misses the kernel by "
            f"{100 * misfit:.1f} % of Gamma(0) (limit {100 * max_residual:.0f} %): the data is not a "
            "positive-definite kernel (e.g. its integral is negative), or more terms are needed"
        )
    return KernelFit(p[:n], p[n : 2 * n], np.where(osc, p[2 * n :], 0.0))
