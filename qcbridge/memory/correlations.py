"""Time correlation functions by zero-padded FFT, averaged over independent samples.

For stationary signals a(t), b(t) sampled at n frames, the estimator

    C_ab(k dt) = < a(t + k dt) b(t) > = 1/(n - k) sum_t a_{t+k} b_t

is computed for all lags at once with an FFT of length >= 2n (zero padding removes the
circular wrap-around), for every sample column, then averaged over the columns. The columns
are transformed in chunks whose spectra take about ``CHUNK_BYTES``, so the memory beyond the
data and the result is bounded whatever the number of samples.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import fft

from ..errors import KernelError
from .checks import as_samples, as_vector_samples

__all__ = ["CHUNK_BYTES", "as_samples", "as_vector_samples", "correlation", "correlation_matrix", "lagged_sums"]

#: Memory for the spectra of one chunk of sample columns (bytes).
CHUNK_BYTES = 64 * 2**20


def correlation(a: np.ndarray, b: np.ndarray, max_lag: int, *, per_sample: bool = False) -> np.ndarray:
    """Cross-correlation C_ab(k) = <a(t+k) b(t)> for k = 0..max_lag.

    Parameters
    ----------
    a, b : ndarray, shape (n_frames,) or (n_frames, n_samples)
        Signals; columns are independent samples of the same process.
    max_lag : int
        Largest lag in frames (< n_frames).
    per_sample : bool
        Return one correlation per column, shape (max_lag + 1, n_samples), instead of
        their average.

    Returns
    -------
    ndarray, shape (max_lag + 1,) or (max_lag + 1, n_samples)
        In the product of the units of a and b.

    Raises
    ------
    KernelError
        Shapes differ, non-finite input, a lag out of range, or products that overflow.
    """
    same = a is b  # an autocorrelation transforms its signal once
    a = as_samples(a, "a")
    b = a if same else as_samples(b, "b")
    if a.shape != b.shape:
        raise KernelError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    c = _lagged(a, b, max_lag, lambda fa, fb: fa * np.conj(fb))
    return c if per_sample else c.mean(axis=1)


def _lagged(a: np.ndarray, b: np.ndarray, max_lag: int,
            product: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """sum_t a_{t+k} b_t / (n - k) for k = 0..max_lag along axis 0, by zero-padded FFT;
    ``product(fa, fb)`` combines the two spectra (e.g. an outer product for vectors)."""
    n = a.shape[0]
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or not 0 <= max_lag < n:
        raise KernelError(f"max_lag must be an integer in [0, {n - 1}] for {n} frames, got {max_lag!r}")
    c = lagged_sums(a, b, max_lag, product)
    if not np.all(np.isfinite(c)):
        raise KernelError("the correlation overflows double precision: express the data in units where its "
                          "values are of order one")
    c /= (n - np.arange(max_lag + 1)).reshape((-1,) + (1,) * (c.ndim - 1))
    return c


def lagged_sums(a: np.ndarray, b: np.ndarray, max_lag: int,
                product: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Un-normalised lagged products S(k) = sum_t a_{t+k} b_t, k = 0..max_lag, per column.

    Lags beyond the data (k >= n_frames) are zero. Columns are transformed in chunks whose
    spectra take about :data:`CHUNK_BYTES`.

    Parameters
    ----------
    a, b : ndarray, shape (n_frames, n_samples, ...)
    max_lag : int
    product : callable, optional
        Combines the spectra (default ``fa * conj(fb)``).

    Returns
    -------
    ndarray, shape (max_lag + 1, n_samples, ...)
    """
    product = (lambda fa, fb: fa * np.conj(fb)) if product is None else product
    n = a.shape[0]
    size = fft.next_fast_len(2 * max(n, 1))
    # columns in chunks: the spectra of a whole trajectory (frames x samples, complex, padded)
    # would take several times the trajectory's own memory; a chunk keeps them near CHUNK_BYTES
    per_column = 16 * (size // 2 + 1) * int(np.prod(a.shape[2:], dtype=np.int64))
    step = max(1, CHUNK_BYTES // max(per_column, 1))
    parts = []
    same = a is b  # an autocorrelation: one transform
    with np.errstate(over="ignore", invalid="ignore"):
        for j in range(0, a.shape[1] if a.ndim > 1 else 1, step):
            cols = slice(j, j + step) if a.ndim > 1 else slice(None)
            fa = fft.rfft(a[:, cols], size, axis=0)
            fb = fa if same else fft.rfft(b[:, cols], size, axis=0)
            parts.append(fft.irfft(product(fa, fb), size, axis=0)[: max_lag + 1])
    c = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    if c.shape[0] < max_lag + 1:  # lags beyond the data
        c = np.concatenate([c, np.zeros((max_lag + 1 - c.shape[0],) + c.shape[1:])])
    if n <= max_lag:
        c[n:] = 0.0  # the padded transform leaves round-off there
    return c


def correlation_matrix(a: np.ndarray, b: np.ndarray, max_lag: int, *, per_sample: bool = False) -> np.ndarray:
    """Matrix cross-correlation C_ab(k) = <a(t+k) b(t)^T> of vector signals.

    Parameters
    ----------
    a, b : ndarray, shape (n_frames, n_samples, dim)
        Vector signals; the sample axis holds independent samples.
    max_lag : int
        Largest lag in frames.
    per_sample : bool
        Keep the sample axis.

    Returns
    -------
    ndarray, shape (max_lag + 1, dim, dim) or (max_lag + 1, n_samples, dim, dim)
        In the product of the units of a and b.
    """
    same = a is b
    a = as_vector_samples(a, "a")
    b = a if same else as_vector_samples(b, "b")
    if a.shape != b.shape:
        raise KernelError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    c = _lagged(a, b, max_lag, lambda fa, fb: fa[..., :, None] * np.conj(fb[..., None, :]))
    return c if per_sample else c.mean(axis=1)
