"""Memory kernels from correlation functions by Volterra inversion.

Generalized Langevin equation of a coarse variable with velocity v, mass m, total
instantaneous force F and mean force F_m(x):

    m dv/dt = F_m(x) - int_0^t Gamma(s) v(t - s) ds + R(t),    <R(t) v(0)> = 0.

With F_R = F - F_m (the force that is not the mean force), multiplying by v(0) and
averaging gives the first-kind equation

    int_0^t Gamma(s) C_vv(t - s) ds = -C_{F_R v}(t).                              (1)

Differentiating (1) and using stationarity (d/dt <a(t) v(0)> = -<a(t) F(0)> / m) gives the
second-kind equation, which needs neither accelerations nor derivatives of data,

    Gamma(t) C_vv(0) = C_{F_R F}(t) / m - (1/m) int_0^t Gamma(s) C_{Fv}(t - s) ds.  (2)

Integrating the GLE once in time instead gives, for the running integral
G(t) = int_0^t Gamma, an equation that needs velocities (and positions for F_m) only,

    int_0^t G(s) C_vv(t - s) ds = m (C_vv(0) - C_vv(t)) + int_0^t C_{F_m v}(s) ds.  (3)

All three are discretized with the trapezoid rule, O(dt^2). The vector (Mori) form for
observables A(t) with C(t) = <A(t) A(0)^T>, E = <dA/dt(t) A(0)^T>, D = <dA/dt(t) dA/dt(0)^T>
and Omega = E(0) C(0)^-1 reads

    K(t) C(0) = Omega E(t) + D(t) - int_0^t K(s) E(t - s) ds.                      (4)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..errors import KernelError
from .checks import check_positive

__all__ = ["invert_first_kind", "invert_matrix_second_kind", "invert_running_integral", "invert_second_kind"]


def _series(*named: tuple[str, object], min_length: int = 1) -> list[np.ndarray]:
    """1-D finite float arrays of one common length (>= ``min_length``), else a KernelError."""
    out = []
    for name, x in named:
        try:
            a = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise KernelError(f"{name} must be an array of numbers") from None
        if a.ndim != 1 or len(a) < min_length:
            raise KernelError(f"{name} must be a 1-D array of at least {min_length} lags, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise KernelError(f"{name} contains NaN or infinity (first at lag {np.flatnonzero(~np.isfinite(a))[0]})")
        out.append(a)
    if len({len(a) for a in out}) > 1:
        raise KernelError("the correlations must have equal lengths, got "
                          + ", ".join(f"{name} {len(a)}" for (name, _), a in zip(named, out, strict=True)))
    return out


F = TypeVar("F", bound=Callable[..., Any])


def _quiet(solver: F) -> F:
    """Run a recursion without numpy overflow warnings: a diverging solution is reported by
    :func:`_finite` as a KernelError instead."""

    @functools.wraps(solver)
    def run(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return solver(*args, **kwargs)

    return run  # type: ignore[return-value]


def _finite(gamma: np.ndarray, what: str) -> np.ndarray:
    """The solution, or a KernelError if the recursion overflowed."""
    if not np.all(np.isfinite(gamma)):
        k = int(np.flatnonzero(~np.isfinite(gamma))[0])
        raise KernelError(f"the {what} inversion diverges (non-finite at lag {k}): the correlations are not those "
                          "of a stationary GLE, or the frames are too far apart for the decay of the forces; "
                          "use closer frames or a shorter max_time")
    return gamma


def _lagged_dot(history: np.ndarray, rev: np.ndarray, k: int) -> float:
    """sum_{j=1}^{k-1} history[j] * c[k - j] with rev = c[::-1] (n = len(rev))."""
    n = len(rev)
    return float(np.dot(history[1:k], rev[n - k : n - 1]))


@_quiet
def invert_second_kind(c_vv0: float, c_ff: np.ndarray, c_fv: np.ndarray, dt: float, mass: float) -> np.ndarray:
    """Solve the second-kind equation (2) for Gamma on the lag grid k dt.

    Parameters
    ----------
    c_vv0 : float
        <v v> at lag 0 (velocity^2).
    c_ff : ndarray, shape (n,)
        <F_R(t) F(0)> (force^2); <F(t) F(0)> for a free particle.
    c_fv : ndarray, shape (n,)
        <F(t) v(0)> (force * velocity), total force.
    dt : float
        Lag spacing (time).
    mass : float
        Mass of the coarse variable.

    Returns
    -------
    ndarray, shape (n,)
        Gamma(k dt) in mass / time^2.

    Raises
    ------
    KernelError
        Non-finite or mismatched correlations, c_vv0, dt or mass not positive, or a
        diverging recursion.
    """
    c_ff, c_fv = _series(("c_ff", c_ff), ("c_fv", c_fv))
    c_vv0 = check_positive(c_vv0, "<v v>(0)")
    dt, mass = check_positive(dt, "dt"), check_positive(mass, "mass")
    n = len(c_ff)
    gamma = np.empty(n)
    gamma[0] = c_ff[0] / mass / c_vv0
    diag = c_vv0 + 0.5 * dt * c_fv[0] / mass
    rev = c_fv[::-1].copy()
    for k in range(1, n):
        s = 0.5 * gamma[0] * c_fv[k] + _lagged_dot(gamma, rev, k)
        gamma[k] = (c_ff[k] / mass - dt * s / mass) / diag
    return _finite(gamma, "second-kind")


@_quiet
def invert_first_kind(c_vv: np.ndarray, c_rv: np.ndarray, gamma0: float, dt: float) -> np.ndarray:
    """Solve the first-kind equation (1) for Gamma on the lag grid k dt.

    Equation (1) carries no information at t = 0, so Gamma(0) is an input (from the
    second-kind equation at t = 0: <F_R F>(0) / (m <v v>(0))).

    Parameters
    ----------
    c_vv : ndarray, shape (n,)
        <v(t) v(0)> (velocity^2).
    c_rv : ndarray, shape (n,)
        <F_R(t) v(0)> (force * velocity).
    gamma0 : float
        Gamma(0) (mass / time^2).
    dt : float
        Lag spacing (time).

    Returns
    -------
    ndarray, shape (n,)
        Gamma(k dt) in mass / time^2.

    Raises
    ------
    KernelError
        Non-finite or mismatched correlations, <v v>(0) or dt not positive, or a diverging
        recursion.
    """
    c_vv, c_rv = _series(("c_vv", c_vv), ("c_rv", c_rv))
    check_positive(c_vv[0], "<v v>(0)")
    dt = check_positive(dt, "dt")
    if not np.isfinite(gamma0):
        raise KernelError(f"Gamma(0) must be finite, got {gamma0}")
    n = len(c_vv)
    gamma = np.empty(n)
    gamma[0] = gamma0
    rev = c_vv[::-1].copy()
    for k in range(1, n):
        s = 0.5 * gamma[0] * c_vv[k] + _lagged_dot(gamma, rev, k)
        gamma[k] = (-c_rv[k] / dt - s) / (0.5 * c_vv[0])
    return _finite(gamma, "first-kind")


@_quiet
def invert_running_integral(c_vv: np.ndarray, rhs: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Solve equation (3) for the running integral G and return Gamma = dG/dt with it.

    Parameters
    ----------
    c_vv : ndarray, shape (n,)
        <v(t) v(0)> (velocity^2).
    rhs : ndarray, shape (n,)
        Right-hand side of (3): m (C_vv(0) - C_vv(t)) + int_0^t C_{F_m v} (mass * velocity^2).
    dt : float
        Lag spacing (time).

    Returns
    -------
    gamma : ndarray, shape (n,)
        Gamma(k dt) (mass / time^2), by second-order finite differences of G.
    integral : ndarray, shape (n,)
        G(k dt) = int_0^{k dt} Gamma (mass / time).

    Raises
    ------
    KernelError
        Fewer than 3 lags, non-finite or mismatched input, <v v>(0) or dt not positive, or
        a diverging recursion.
    """
    c_vv, rhs = _series(("c_vv", c_vv), ("rhs", rhs), min_length=3)
    check_positive(c_vv[0], "<v v>(0)")
    dt = check_positive(dt, "dt")
    n = len(c_vv)
    G = np.zeros(n)
    rev = c_vv[::-1].copy()
    for k in range(1, n):
        G[k] = (rhs[k] / dt - _lagged_dot(G, rev, k)) / (0.5 * c_vv[0])
    _finite(G, "running-integral")
    return np.gradient(G, dt, edge_order=2), G


@_quiet
def invert_matrix_second_kind(c0: np.ndarray, e: np.ndarray, d: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Solve the matrix second-kind equation (4) for the Mori kernel K.

    Parameters
    ----------
    c0 : ndarray, shape (dim, dim)
        <A A^T> at lag 0.
    e : ndarray, shape (n, dim, dim)
        <dA/dt(t) A(0)^T>.
    d : ndarray, shape (n, dim, dim)
        <dA/dt(t) dA/dt(0)^T>.
    dt : float
        Lag spacing (time).

    Returns
    -------
    K : ndarray, shape (n, dim, dim)
        Memory kernel (1 / time^2 times the units of A over the units of A).
    omega : ndarray, shape (dim, dim)
        Frequency matrix Omega = E(0) C(0)^-1 (1 / time).

    Raises
    ------
    KernelError
        Mismatched shapes, non-finite input, C(0) singular or ill-conditioned (components
        that are constant or linearly dependent), or a diverging recursion.
    """
    c0, e, d = (np.asarray(a, dtype=float) for a in (c0, e, d))
    dt = check_positive(dt, "dt")
    if c0.ndim != 2 or c0.shape[0] != c0.shape[1] or e.shape != d.shape or e.shape[1:] != c0.shape or len(e) < 1:
        raise KernelError(f"need C(0) (dim, dim) and E, D (n, dim, dim); got {c0.shape}, {e.shape}, {d.shape}")
    if not (np.all(np.isfinite(c0)) and np.all(np.isfinite(e)) and np.all(np.isfinite(d))):
        raise KernelError("the correlation matrices contain NaN or infinity")
    cond = np.linalg.cond(c0)
    if not cond < 1e12:
        raise KernelError(f"C(0) = <A A^T> is singular (condition number {cond:.3g}): components of the "
                          "observable are constant or linearly dependent (e.g. a conserved total momentum); "
                          "drop the redundant components")
    n = len(e)
    c0_inv = np.linalg.inv(c0)
    omega = e[0] @ c0_inv
    K = np.empty_like(e)
    K[0] = (omega @ e[0] + d[0]) @ c0_inv
    try:
        lhs_inv = np.linalg.inv(c0 + 0.5 * dt * e[0])
    except np.linalg.LinAlgError:
        raise KernelError("C(0) + dt E(0) / 2 is singular: the frames are too far apart; use closer frames") from None
    for k in range(1, n):
        conv = 0.5 * K[0] @ e[k] + np.einsum("jab,jbc->ac", K[1:k], e[k - 1 : 0 : -1])
        K[k] = (omega @ e[k] + d[k] - dt * conv) @ lhs_inv
    return _finite(K, "matrix second-kind"), omega
