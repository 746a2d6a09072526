"""Mean forces F_m(x) of a coarse coordinate, the part of the force the GLE keeps
Markovian.

A mean force is a small object with a ``__call__(position, force, kT)`` that returns
F_m(x) for every frame and sample. Two are provided: the linear Mori projection
(F_m = -kappa (x - <x>), harmonic well) and the potential of mean force from a histogram,
smoothed by a spline (or by a Fourier series for periodic coordinates such as angles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import make_smoothing_spline

from ..errors import KernelError
from .checks import check_positive

__all__ = ["LinearMori", "SplinePMF"]


@dataclass(frozen=True)
class LinearMori:
    """Linear Mori projection of the force on the coordinate: F_m = <F dx>/<dx dx> dx.

    The projection uses the data's own <F dx> (which equals -kT in equilibrium) so that no
    temperature is needed.
    """

    def __call__(self, position: np.ndarray, force: np.ndarray | None, kT: float) -> np.ndarray:
        """F_m for every frame and sample (force units).

        Parameters
        ----------
        position : ndarray, shape (n_frames, n_samples)
            Coordinate (length).
        force : ndarray or None, same shape
            Total force (force); if None, the equipartition value <F dx> = -kT is used.
        kT : float
            Thermal energy (energy), used only without forces.
        """
        dx = position - position.mean(axis=0)
        var = np.mean(dx * dx)
        if not (np.isfinite(var) and var > 0):
            raise KernelError("the coordinate does not fluctuate; no linear projection exists")
        f_dx = -check_positive(kT, "kT") if force is None else np.mean(force * dx)
        return (f_dx / var) * dx


@dataclass(frozen=True)
class SplinePMF:
    """Potential of mean force A(x) = -kT ln p(x) from a histogram of the coordinate;
    F_m = -dA/dx.

    Parameters
    ----------
    bins : int
        Histogram bins over the sampled range (or over one period).
    period : float, optional
        Period of a periodic coordinate (length or angle units); the PMF is then a
        Fourier series with ``n_harmonics`` terms, otherwise a smoothing spline
        (generalized cross-validation picks the smoothing).
    n_harmonics : int
        Fourier terms for periodic coordinates.

    Raises
    ------
    KernelError
        ``bins`` below 5 (the PMF needs five populated bins) or ``n_harmonics`` below 1.
    """

    bins: int = 60
    period: float | None = None
    n_harmonics: int = 6

    def __post_init__(self) -> None:
        for name, value, least in (("bins", self.bins, 5), ("n_harmonics", self.n_harmonics, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
                raise KernelError(f"{name} must be an integer >= {least}, got {value!r}")

    def __call__(self, position: np.ndarray, force: np.ndarray | None, kT: float) -> np.ndarray:
        """F_m(x) for every frame and sample (energy / length).

        Parameters
        ----------
        position : ndarray, shape (n_frames, n_samples)
            Coordinate (length, or angle for periodic coordinates).
        force : ndarray or None
            Not used: the PMF comes from the histogram of the coordinate.
        kT : float
            Thermal energy (energy).

        Raises
        ------
        KernelError
            Too few populated bins, or a non-positive kT.
        """
        x = np.asarray(position, dtype=float)
        kT = check_positive(kT, "kT")
        if self.period is not None:
            return self._periodic(x, kT, check_positive(self.period, "period"))
        counts, edges = np.histogram(x, bins=self.bins)
        centers = 0.5 * (edges[1:] + edges[:-1])
        keep = counts >= 5
        if keep.sum() < 5:
            raise KernelError(f"too few populated bins ({keep.sum()}) for a potential of mean force")
        pmf = -kT * np.log(counts[keep] / counts[keep].max())
        try:
            spline = make_smoothing_spline(centers[keep], pmf, w=counts[keep] / counts[keep].mean())
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise KernelError(f"the potential of mean force cannot be smoothed ({exc}); use fewer bins") from None
        inside = np.clip(x, centers[keep][0], centers[keep][-1])
        return -spline.derivative()(inside)

    def _periodic(self, x: np.ndarray, kT: float, L: float) -> np.ndarray:
        phase = 2 * np.pi * np.mod(x, L) / L
        counts, edges = np.histogram(phase, bins=self.bins, range=(0.0, 2 * np.pi))
        centers = 0.5 * (edges[1:] + edges[:-1])
        keep = counts > 0
        if keep.sum() < 2 * self.n_harmonics + 1:
            raise KernelError(
                f"{keep.sum()} populated bins cannot determine {self.n_harmonics} Fourier harmonics"
            )
        pmf = -kT * np.log(counts[keep] / counts[keep].max())
        k = np.arange(1, self.n_harmonics + 1)
        basis = np.hstack([np.ones((keep.sum(), 1)), np.cos(np.outer(centers[keep], k)),
                           np.sin(np.outer(centers[keep], k))])
        w = np.sqrt(counts[keep])
        coef = np.linalg.lstsq(basis * w[:, None], pmf * w, rcond=None)[0]
        a, b = coef[1 : 1 + len(k)], coef[1 + len(k) :]
        dphase = (2 * np.pi / L) * k
        ph = phase[..., None] * k
        dA = np.sum(dphase * (-a * np.sin(ph) + b * np.cos(ph)), axis=-1)
        return -dA
