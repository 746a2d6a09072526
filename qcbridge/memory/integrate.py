"""Sampling the embedded GLE exactly on a time grid.

The extended state x of :meth:`KernelFit.drift` follows the Ornstein-Uhlenbeck process
dx = -A x dt + B dW with B B^T = (kT/m) (A + A^T) (velocity units). Over a step dt it is
advanced exactly: x <- Phi x + L xi with Phi = exp(-A dt), L L^T = Q,
Q = (kT/m) (I - Phi Phi^T) (the stationary covariance is (kT/m) I), xi ~ N(0, I).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from ..errors import KernelError
from .checks import check_positive
from .embedding import KernelFit

__all__ = ["sample_gle"]


def sample_gle(
    fit: KernelFit,
    dt: float,
    n_steps: int,
    *,
    n_samples: int = 1,
    kT: float | None = None,
    mass: float | None = None,
    omega: float = 0.0,
    rng: np.random.Generator | int | None = None,
    with_position: bool = False,
) -> tuple[np.ndarray, ...]:
    """Velocities and total forces of independent GLE particles, started in equilibrium.

    Parameters
    ----------
    fit : KernelFit
        The kernel per unit mass K = Gamma / m and its embedding.
    dt : float
        Time step (time units of the fit).
    n_steps : int
        Frames to return.
    n_samples : int
        Independent particles (columns).
    kT, mass : float, optional
        Thermal energy and mass; default to the fit's own (:meth:`KernelFit.thermal`).
    omega : float
        Harmonic-well frequency (1/time; 0 for a free particle).
    rng : numpy.random.Generator or int, optional
        Random generator or seed.
    with_position : bool
        Also return the position in the harmonic well (needs ``omega > 0``).

    Returns
    -------
    x : ndarray, shape (n_steps, n_samples)
        Position (length), only with ``with_position``.
    v, force : ndarray, shape (n_steps, n_samples)
        Velocity and total force m dv/dt (mean force, memory and noise together).

    Raises
    ------
    KernelError
        No kT or mass (neither given nor carried by the fit), a non-positive step or
        count, or positions asked for without a harmonic well.
    """
    kT, mass = fit.thermal(kT, mass)
    dt = check_positive(dt, "dt")
    for name, count in (("n_steps", n_steps), ("n_samples", n_samples)):
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
            raise KernelError(f"{name} must be a positive integer, got {count!r}")
    if with_position and not omega > 0:
        raise KernelError("positions are defined only in a harmonic well (omega > 0)")
    rng = np.random.default_rng(rng)
    A = fit.drift(omega)
    n = len(A)
    scale = np.sqrt(kT / mass)
    Phi = expm(-A * dt)
    Q = np.eye(n) - Phi @ Phi.T
    w, V = np.linalg.eigh(0.5 * (Q + Q.T))
    L = V * np.sqrt(np.clip(w, 0.0, None))
    iv = 1 if omega else 0
    x = rng.standard_normal((n_samples, n)) * scale
    v = np.empty((n_steps, n_samples))
    f = np.empty((n_steps, n_samples))
    pos = np.empty((n_steps, n_samples))
    for k in range(n_steps):
        pos[k] = x[:, 0] / omega if omega else 0.0
        v[k] = x[:, iv]
        f[k] = -mass * (x @ A[iv])  # m dv/dt = -m (A x)_v: mean force + memory + noise drift
        x = x @ Phi.T + (rng.standard_normal((n_samples, n)) * scale) @ L.T
    return (pos, v, f) if with_position else (v, f)
