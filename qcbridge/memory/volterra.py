"""Memory kernels from correlation functions by Volterra inversion.

Generalized Langevin equation of a coarse variable with velocity v, mass m and total
instantaneous force F (free particle, no mean force):

    m dv/dt = -int_0^t Gamma(s) v(t - s) ds + R(t),    <R(t) v(0)> = 0.

Multiplying by v(0) and averaging gives the first-kind equation
int_0^t Gamma(s) C_vv(t - s) ds = -C_Fv(t); its time derivative with stationarity
(dC_vv/dt = C_Fv / m, dC_Fv/dt = -C_FF / m) gives the second-kind equation used here,

    Gamma(t) C_vv(0) = C_FF(t) / m - (1/m) int_0^t Gamma(s) C_Fv(t - s) ds,

which needs neither accelerations nor derivatives of data. The trapezoid rule makes the
scheme O(dt^2).
"""

from __future__ import annotations

import numpy as np

__all__ = ["invert_second_kind"]


def invert_second_kind(c_vv0: float, c_ff: np.ndarray, c_fv: np.ndarray, dt: float, mass: float = 1.0) -> np.ndarray:
    """Solve the second-kind Volterra equation for Gamma on the lag grid k dt.

    Parameters
    ----------
    c_vv0 : float
        <v v> at lag 0 (velocity^2).
    c_ff : ndarray, shape (n,)
        <F(t) F(0)> (force^2).
    c_fv : ndarray, shape (n,)
        <F(t) v(0)> (force * velocity).
    dt : float
        Lag spacing (time).
    mass : float

    Returns
    -------
    ndarray, shape (n,)
        Gamma(k dt) in mass / time^2.
    """
    c_ff = np.asarray(c_ff, dtype=float)
    c_fv = np.asarray(c_fv, dtype=float)
    n = len(c_ff)
    gamma = np.empty(n)
    diag = c_vv0 + 0.5 * dt * c_fv[0] / mass
    gamma[0] = c_ff[0] / mass / diag
    rev = c_fv[::-1].copy()  # rev[n - 1 - j] = c_fv[j]
    for k in range(1, n):
        # trapezoid: 1/2 G_0 C_k + sum_{j=1}^{k-1} G_j C_{k-j} + 1/2 G_k C_0
        s = 0.5 * gamma[0] * c_fv[k] + np.dot(gamma[1:k], rev[n - k : n - 1])
        gamma[k] = (c_ff[k] / mass - dt * s / mass) / diag
    return gamma
