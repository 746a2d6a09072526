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

import numpy as np

__all__ = ["invert_first_kind", "invert_matrix_second_kind", "invert_running_integral", "invert_second_kind"]


def _lagged_dot(history: np.ndarray, rev: np.ndarray, k: int) -> float:
    """sum_{j=1}^{k-1} history[j] * c[k - j] with rev = c[::-1] (n = len(rev))."""
    n = len(rev)
    return float(np.dot(history[1:k], rev[n - k : n - 1]))


def invert_second_kind(c_vv0: float, c_ff: np.ndarray, c_fv: np.ndarray, dt: float, mass: float = 1.0) -> np.ndarray:
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
    """
    c_ff = np.asarray(c_ff, dtype=float)
    c_fv = np.asarray(c_fv, dtype=float)
    n = len(c_ff)
    gamma = np.empty(n)
    gamma[0] = c_ff[0] / mass / c_vv0
    diag = c_vv0 + 0.5 * dt * c_fv[0] / mass
    rev = c_fv[::-1].copy()
    for k in range(1, n):
        s = 0.5 * gamma[0] * c_fv[k] + _lagged_dot(gamma, rev, k)
        gamma[k] = (c_ff[k] / mass - dt * s / mass) / diag
    return gamma


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
    """
    c_vv = np.asarray(c_vv, dtype=float)
    c_rv = np.asarray(c_rv, dtype=float)
    n = len(c_vv)
    gamma = np.empty(n)
    gamma[0] = gamma0
    rev = c_vv[::-1].copy()
    for k in range(1, n):
        s = 0.5 * gamma[0] * c_vv[k] + _lagged_dot(gamma, rev, k)
        gamma[k] = (-c_rv[k] / dt - s) / (0.5 * c_vv[0])
    return gamma


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
    """
    c_vv = np.asarray(c_vv, dtype=float)
    rhs = np.asarray(rhs, dtype=float)
    n = len(c_vv)
    if n < 3:
        raise ValueError("the running-integral inversion needs at least 3 lags")
    G = np.zeros(n)
    rev = c_vv[::-1].copy()
    for k in range(1, n):
        G[k] = (rhs[k] / dt - _lagged_dot(G, rev, k)) / (0.5 * c_vv[0])
    return np.gradient(G, dt, edge_order=2), G


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
    """
    n = len(e)
    c0_inv = np.linalg.inv(c0)
    omega = e[0] @ c0_inv
    K = np.empty_like(e)
    K[0] = (omega @ e[0] + d[0]) @ c0_inv
    lhs_inv = np.linalg.inv(c0 + 0.5 * dt * e[0])
    for k in range(1, n):
        conv = 0.5 * K[0] @ e[k] + np.einsum("jab,jbc->ac", K[1:k], e[k - 1 : 0 : -1])
        K[k] = (omega @ e[k] + d[k] - dt * conv) @ lhs_inv
    return K, omega
