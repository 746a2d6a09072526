"""Real FFTs over the spatial axes of fields ``(m, n1, n2[, n3])``: FFTW plans, or scipy.fft.

FFTW (through pyFFTW, a dependency) plans each transform once per image shape and runs it on
all cores: measured plans (at most ``PLANNING_SECONDS`` each) from ``MEASURE_FROM_VOXELS``
voxels up, estimated plans on one thread below. At 128^3 its measured real transforms are
two to three times faster than scipy's pocketfft on this project's 2-core machine. Where
pyFFTW cannot be imported (a platform without its wheel), scipy.fft does the same
transforms. Both normalise the inverse by ``1 / (n1 n2 n3)``, so the inverse of the forward
is the identity.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Any

import numpy as np
import scipy.fft

__all__ = ["FFTBackend", "RealFFT"]

#: Time limit of FFTW's planner per transform, seconds.
PLANNING_SECONDS = 5.0
#: Images with fewer voxels get FFTW's estimated plans (measuring would cost more than it saves)
#: and one thread (waking threads costs more than a small transform: 64^2 takes 0.1 ms on one
#: thread, 9 ms on two).
MEASURE_FROM_VOXELS = 64**3


class FFTBackend(Enum):
    """Library that runs the transforms."""

    FFTW = "fftw"
    SCIPY = "scipy"


def _fftw() -> Any:
    try:
        import pyfftw
    except ImportError:  # pragma: no cover - pyFFTW is a dependency; this is the fallback
        return None
    return pyfftw


class RealFFT:
    """Forward and inverse real FFT of ``m``-component fields on one image shape.

    Parameters
    ----------
    m : int
        Components per voxel.
    shape : tuple of int
        Image shape ``(n1, n2[, n3])``.
    workers : int
        Threads for images of ``MEASURE_FROM_VOXELS`` voxels or more (smaller ones use one);
        -1 for every core.
    backend : FFTBackend, optional
        FFTW when pyFFTW is importable, else scipy (the default); or forced.
    """

    def __init__(self, m: int, shape: tuple[int, ...], workers: int = -1, backend: FFTBackend | None = None):
        self.shape = tuple(shape)
        self.axes = tuple(range(1, len(shape) + 1))
        large = int(np.prod(shape)) >= MEASURE_FROM_VOXELS
        self.workers = (os.cpu_count() or 1 if workers == -1 else workers) if large else 1
        pyfftw = _fftw()
        self.backend = backend or (FFTBackend.FFTW if pyfftw is not None else FFTBackend.SCIPY)
        if self.backend is FFTBackend.FFTW:
            if pyfftw is None:
                raise ImportError("FFTBackend.FFTW needs pyFFTW: pip install pyfftw")
            real = pyfftw.empty_aligned((m, *shape), dtype="float64")
            spectrum = pyfftw.empty_aligned((m, *shape[:-1], shape[-1] // 2 + 1), dtype="complex128")
            effort = "FFTW_MEASURE" if large else "FFTW_ESTIMATE"
            flags = (effort, "FFTW_DESTROY_INPUT")
            self._forward = pyfftw.FFTW(real, spectrum, axes=self.axes, direction="FFTW_FORWARD", flags=flags,
                                        threads=self.workers, planning_timelimit=PLANNING_SECONDS)
            self._inverse = pyfftw.FFTW(spectrum, real, axes=self.axes, direction="FFTW_BACKWARD", flags=flags,
                                        threads=self.workers, planning_timelimit=PLANNING_SECONDS)
            self._empty = pyfftw.empty_aligned

    def forward(self, field: np.ndarray) -> np.ndarray:
        """Fourier coefficients ``(m, n1, ..., n_d // 2 + 1)`` of a real field (not modified)."""
        if self.backend is FFTBackend.SCIPY:
            return scipy.fft.rfftn(field, axes=self.axes, workers=self.workers)
        out = self._empty(self._forward.output_shape, dtype="complex128")
        self._forward(field, out)  # copies the input into the plan's buffer first
        return out

    def inverse(self, spectrum: np.ndarray) -> np.ndarray:
        """Real field ``(m, *shape)`` of Fourier coefficients (which are overwritten)."""
        if self.backend is FFTBackend.SCIPY:
            return scipy.fft.irfftn(spectrum, s=self.shape, axes=self.axes, workers=self.workers, overwrite_x=True)
        out = self._empty(self._inverse.output_shape, dtype="float64")
        self._inverse(spectrum, out)
        return out
