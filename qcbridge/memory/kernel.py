"""Friction kernels Gamma(t) of a generalized Langevin equation estimated from samples.

See :mod:`qcbridge.memory.volterra` for the equation that is inverted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .correlations import as_samples, correlation
from .volterra import invert_second_kind

__all__ = ["KernelResult", "estimate_kernel"]


@dataclass(frozen=True)
class KernelResult:
    """A friction kernel on a uniform lag grid.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Lags (time units of ``dt``).
    gamma : ndarray, shape (n,)
        Gamma(t) in mass / time^2.
    gamma_err : ndarray, shape (n,)
        Standard error from independent blocks of samples (NaN-free; zero when there
        is a single block).
    c_vv : ndarray, shape (n,)
        Velocity autocorrelation used.
    """

    t: np.ndarray
    gamma: np.ndarray
    gamma_err: np.ndarray
    c_vv: np.ndarray


def estimate_kernel(
    velocity,
    dt: float,
    *,
    force,
    mass: float = 1.0,
    max_time: float | None = None,
    n_blocks: int = 8,
) -> KernelResult:
    """Estimate Gamma(t) by the second-kind Volterra inversion (trapezoid rule, O(dt^2)).

    Parameters
    ----------
    velocity : array_like, shape (n_frames,) or (n_frames, n_samples), or list of those
        Velocities of the coarse variable; columns (and list entries, i.e. independent
        runs) are independent samples of the same process.
    dt : float
        Time between frames.
    force : array_like, same shape as ``velocity``
        Total instantaneous force on the coarse variable.
    mass : float
    max_time : float, optional
        Largest lag (default: a tenth of the trajectory).
    n_blocks : int
        Samples are split into this many blocks for the error bars.

    Returns
    -------
    KernelResult

    Raises
    ------
    ValueError
        Mismatched shapes, non-finite data, non-positive dt or mass, or too few frames
        for ``max_time``.
    """
    if not (dt > 0 and np.isfinite(dt)):
        raise ValueError(f"dt must be positive and finite, got {dt}")
    if not (mass > 0):
        raise ValueError(f"mass must be positive, got {mass}")
    vs = velocity if isinstance(velocity, (list, tuple)) else [velocity]
    fs = force if isinstance(force, (list, tuple)) else [force]
    if len(vs) != len(fs):
        raise ValueError(f"{len(vs)} velocity runs but {len(fs)} force runs")
    vs = [as_samples(v, "velocity") for v in vs]
    fs = [as_samples(f, "force") for f in fs]
    for v, f in zip(vs, fs):
        if v.shape != f.shape:
            raise ValueError(f"velocity and force shapes differ: {v.shape} vs {f.shape}")
    n_frames = min(v.shape[0] for v in vs)
    max_lag = int(round((0.1 * n_frames * dt if max_time is None else max_time) / dt))
    if max_lag >= n_frames or max_lag < 1:
        raise ValueError(
            f"max_time = {max_lag * dt:g} needs more than {max_lag} frames; the shortest run has {n_frames}"
        )
    # per-sample correlations of every run, stacked as columns
    c_vv = np.hstack([correlation(v, v, max_lag, per_sample=True) for v in vs])
    c_ff = np.hstack([correlation(f, f, max_lag, per_sample=True) for f in fs])
    c_fv = np.hstack([correlation(f, v, max_lag, per_sample=True) for v, f in zip(vs, fs)])

    def invert(cols) -> np.ndarray:
        return invert_second_kind(c_vv[0, cols].mean(), c_ff[:, cols].mean(1), c_fv[:, cols].mean(1), dt, mass)

    n_s = c_vv.shape[1]
    gamma = invert(np.arange(n_s))
    blocks = np.array_split(np.arange(n_s), min(n_blocks, n_s))
    if len(blocks) > 1:
        g = np.array([invert(b) for b in blocks])
        err = g.std(axis=0, ddof=1) / np.sqrt(len(blocks))
    else:
        err = np.zeros_like(gamma)
    return KernelResult(np.arange(max_lag + 1) * dt, gamma, err, c_vv.mean(axis=1))
