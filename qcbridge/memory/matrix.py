"""Matrix Mori memory kernels of a vector of observables A(t).

dA/dt = Omega A - int_0^t K(s) A(t - s) ds + R(t), with C(t) = <A(t) A(0)^T> obeying
dC/dt = Omega C - int K C. For velocities of several atoms or coarse nodes this gives the
coupled friction kernel K(t) (per unit mass); the second-kind form (4) of
:mod:`qcbridge.memory.volterra` is inverted.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..errors import KernelError, MissingForceWarning
from .checks import as_runs, block_error, check_frame_times, check_magnitude, frame_spacing, lag_count
from .correlations import correlation_matrix
from .volterra import invert_matrix_second_kind

__all__ = ["MatrixKernelResult", "estimate_matrix_kernel"]


@dataclass(frozen=True)
class MatrixKernelResult:
    """A matrix memory kernel on a uniform lag grid.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Lags (time).
    kernel : ndarray, shape (n, dim, dim)
        K(t) (1 / time^2 for velocity observables, i.e. Gamma / m).
    kernel_err : ndarray, shape (n, dim, dim)
        Standard error over blocks of samples.
    omega : ndarray, shape (dim, dim)
        Frequency matrix (1 / time).
    c : ndarray, shape (n, dim, dim)
        Correlation matrix <A(t) A(0)^T>.
    """

    t: np.ndarray
    kernel: np.ndarray
    kernel_err: np.ndarray
    omega: np.ndarray
    c: np.ndarray


def estimate_matrix_kernel(observable: ArrayLike | Sequence[ArrayLike], dt: ArrayLike, *,
                           derivative: ArrayLike | Sequence[ArrayLike] | None = None, max_time: float | None = None,
                           n_blocks: int = 8) -> MatrixKernelResult:
    """Estimate the Mori kernel matrix K(t) of vector observables.

    Parameters
    ----------
    observable : array_like, shape (n_frames, dim) or (n_frames, n_samples, dim), or list
        A(t) (e.g. velocities of ``dim`` atoms); samples and list entries (runs) are
        independent.
    dt : float or array_like of frame times
        Time between frames.
    derivative : array_like, same shape, optional
        dA/dt (e.g. forces / masses). If missing, central finite differences of A are used
        with a MissingForceWarning.
    max_time : float, optional
        Largest lag (default a tenth of the shortest run).
    n_blocks : int
        Blocks of samples for the error bars.

    Returns
    -------
    MatrixKernelResult

    Raises
    ------
    KernelError
        Mismatched shapes or frame counts, non-finite, all-zero, constant or out-of-range
        data, too few frames, linearly dependent components (C(0) singular), or an
        inversion that diverges.
    """
    dt_value = frame_spacing(dt)
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)) or n_blocks < 1:
        raise KernelError(f"n_blocks must be a positive integer, got {n_blocks!r}")
    runs = as_runs(observable, "observable", vector=True)
    if runs is None:
        raise KernelError("observable is required")
    check_frame_times(dt, runs)
    n_frames = min(len(a) for a in runs)
    max_lag = lag_count(max_time, dt_value, n_frames, min_lag=1)
    check_magnitude(runs, "observable", fluctuating=True)
    ders = as_runs(derivative, "derivative", len(runs), vector=True)
    if ders is None:
        warnings.warn("no derivative given: using finite differences of the observable",
                      MissingForceWarning, stacklevel=2)
        ders = [np.gradient(a, dt_value, axis=0) for a in runs]
    if any(a.shape != d.shape for a, d in zip(runs, ders, strict=True)):
        raise KernelError("observable and derivative shapes differ: "
                          f"{[a.shape for a in runs]} vs {[d.shape for d in ders]}")
    check_magnitude(ders, "derivative", fluctuating=False)
    c = np.concatenate([correlation_matrix(a, a, max_lag, per_sample=True) for a in runs], axis=1)
    e = np.concatenate([correlation_matrix(d, a, max_lag, per_sample=True)
                        for a, d in zip(runs, ders, strict=True)], axis=1)
    dd = np.concatenate([correlation_matrix(d, d, max_lag, per_sample=True) for d in ders], axis=1)

    def invert(cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return invert_matrix_second_kind(c[0, cols].mean(0), e[:, cols].mean(1), dd[:, cols].mean(1), dt_value)

    K, omega = invert(np.arange(c.shape[1]))
    blocks = np.array_split(np.arange(c.shape[1]), min(n_blocks, c.shape[1]))
    if len(blocks) > 1:
        try:
            ks = np.array([invert(b)[0] for b in blocks])
        except KernelError as exc:
            raise KernelError(f"a block of samples gives no kernel ({exc}); use fewer blocks (n_blocks) or "
                              "more samples") from None
        err = block_error(ks)
    else:
        err = np.full_like(K, np.inf)
    return MatrixKernelResult(np.arange(max_lag + 1) * dt_value, K, err, omega, c.mean(axis=1))
