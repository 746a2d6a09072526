"""Apparent properties of random microstructures and the size of a representative volume.

For a cell of volume ``V`` cut from a random medium, an apparent property ``Z(V)`` varies
from realisation to realisation; its variance decreases as ``D^2(V) = K V^-alpha``. For a
medium with a finite integral range ``A`` (the volume over which the property is
correlated), ``alpha = 1`` and ``K = D^2_Z A`` with ``D^2_Z`` the point variance (for a
volume fraction, ``p (1 - p)``). ``n`` realisations of volume ``V`` give the mean to the
relative precision ``eps = 2 D(V) / (Z sqrt(n))`` (95 %), so the representative volume for
a target ``eps`` is ``V = (4 K / (n eps^2 Z^2))^(1 / alpha)`` (Kanit, Forest, Galliet, Mounoury
& Jeulin 2003, Int. J. Solids Struct. 40, 3647).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from ..errors import HomogenizationError

__all__ = ["RVEStatistics", "rve_study"]

log = logging.getLogger(__name__)

#: A random cell as the generator makes it and the apparent property takes it.
Sample = TypeVar("Sample")


@dataclass(frozen=True)
class RVEStatistics:
    """Apparent property over realisations and cell sizes, with the fitted variance law.

    Attributes
    ----------
    sizes : ndarray, shape (S,)
        Cell edge of each size, in the generator's length unit.
    volumes : ndarray, shape (S,)
        Cell volumes ``size ** dim``.
    samples : tuple of ndarray
        The apparent property of every realisation, per size.
    mean, std : ndarray, shape (S,)
        Mean and standard deviation over the realisations (``ddof=1``).
    K, alpha : float
        Fitted variance law ``std**2 = K V**-alpha`` (least squares in log-log).
    """

    sizes: np.ndarray
    volumes: np.ndarray
    samples: tuple[np.ndarray, ...]
    mean: np.ndarray
    std: np.ndarray
    K: float
    alpha: float

    def integral_range(self, point_variance: float) -> float:
        """Integral range ``K / D^2_Z`` (volume unit), meaningful when ``alpha`` is near 1."""
        return self.K / point_variance

    def rve_volume(self, precision: float, realizations: int = 1) -> float:
        """Cell volume whose ``realizations`` realisations give the mean to the relative
        ``precision`` (95 %), from the fitted variance law and the largest cell's mean."""
        z = float(self.mean[-1])
        return float((4.0 * self.K / (realizations * precision**2 * z**2)) ** (1.0 / self.alpha))


def rve_study(generate: Callable[[int, np.random.Generator], Sample], apparent: Callable[[Sample], float],
              sizes: Sequence[int], realizations: int, seed: int | np.random.Generator, *, dim: int = 3,
              progress: Callable[[int, int], None] | None = None) -> RVEStatistics:
    """Apparent property over ``realizations`` random cells of each size, and its variance law.

    Parameters
    ----------
    generate : callable
        ``generate(size, rng)`` returns one random cell of edge ``size`` (a phase image, or
        anything ``apparent`` takes: an image with its grain orientations, say).
    apparent : callable
        ``apparent(cell)`` returns the scalar apparent property (e.g. a component of the
        effective tensor, or the volume fraction).
    sizes : sequence of int
        Cell edges, increasing, at least two.
    realizations : int
        Realisations per size, at least 2.
    seed : int or numpy.random.Generator
        Source of all randomness (one child generator per realisation).
    dim : int
        Dimension of the cells: their volume is ``size ** dim``.
    progress : callable, optional
        ``progress(done, total)`` after each cell.

    Returns
    -------
    RVEStatistics
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or realizations < 2 or sorted(sizes) != sizes:
        raise HomogenizationError(f"an RVE study needs at least two increasing sizes and two realisations, got "
                                  f"sizes={sizes}, realizations={realizations}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    children = rng.spawn(len(sizes) * realizations)
    samples = []
    for k, size in enumerate(sizes):
        values = []
        for r in range(realizations):
            values.append(float(apparent(generate(size, children[k * realizations + r]))))
            if progress is not None:
                progress(k * realizations + r + 1, len(sizes) * realizations)
        samples.append(np.array(values))
    mean = np.array([s.mean() for s in samples])
    std = np.array([s.std(ddof=1) for s in samples])
    volumes = np.asarray(sizes, dtype=float) ** dim
    if np.any(std <= 0):
        raise HomogenizationError("the apparent property does not vary between realisations at some size: "
                                  "no variance law to fit (a deterministic generator?)")
    slope, intercept = np.polyfit(np.log(volumes), np.log(std**2), 1)
    log.info("RVE study: variance ~ V^%.3f", slope)
    return RVEStatistics(np.asarray(sizes, dtype=float), volumes, tuple(samples), mean, std,
                         float(np.exp(intercept)), float(-slope))
