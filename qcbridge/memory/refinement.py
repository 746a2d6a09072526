r"""The sampling step of a kernel estimate: its discretisation error, and a refined inversion.

The Volterra inversions of :mod:`.volterra` use the trapezoid rule on the lag grid of the
data, k dt. Their error grows like :math:`s = \Gamma(0)\,\Delta t^2 / m` (the squared ratio
of the step to the period of the fastest motion the kernel imposes). For an exponential
kernel :math:`\Gamma(t) = A e^{-t/\tau}` with :math:`A/m = 400/\tau^2` (exact correlations,
second kind) the largest error of Gamma is 1.0 % of Gamma(0) at s = 4e-4, 20 % at s = 0.01 and
47 % at s = 0.04, where the integral of Gamma, hence the diffusion coefficient, is lost
altogether.

The correlation functions themselves are smooth on the scale of dt when s is small (at
s = 0.04 the fastest oscillation has 31 samples per period), so the inversion is refined
instead of the data: every correlation is interpolated to the lags k dt / r by a cubic spline
(not-a-knot, error O(dt^4)), the equation is inverted on that grid, and Gamma is read back at
k dt. The refinement factor r is chosen so that the inversion's own parameter
:math:`s / r^2` stays below ``TARGET`` (1e-4, a trapezoid error near 0.3 %). In the example
above, data sampled at s = 0.04 then give Gamma to 0.4 % of Gamma(0): better than the unrefined
inversion of data sampled ten times more finely.

The discretisation error that remains is estimated by Richardson's rule for a second-order
method: the inversion is repeated with half the refinement (or, without refinement, on every
other lag), and the error of the result is about :math:`|\Gamma_r - \Gamma_{r/2}| / 3` at the
common lags.

The stiffness s comes from the data: :math:`\Gamma(0)/m = \langle F_R F \rangle(0) /
(m^2 \langle v v \rangle(0))` when forces are known, else from the curvature of the velocity
autocorrelation at 0, :math:`2 (1 - C_{vv}(\Delta t)/C_{vv}(0)) / \Delta t^2`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.interpolate import CubicSpline

from ..errors import KernelError

__all__ = ["MAX_REFINEMENT", "TARGET", "refine_lags", "refinement_factor", "richardson_error", "stiffness"]

#: Trapezoid parameter Gamma(0) (dt / r)^2 / m the refined inversion aims for.
TARGET = 1e-4
#: Largest refinement chosen automatically (the inversion costs O((r n)^2)).
MAX_REFINEMENT = 32


def stiffness(c_vv: np.ndarray, dt: float, gamma0_per_mass: float | None = None) -> float:
    """s = Gamma(0) dt^2 / m of the data (dimensionless).

    Parameters
    ----------
    c_vv : ndarray, shape (n,)
        Velocity autocorrelation on the lag grid (n >= 2).
    dt : float
        Lag spacing (time).
    gamma0_per_mass : float, optional
        Gamma(0) / m (1/time^2) when forces give it; else the curvature of c_vv at 0 is used.
    """
    if gamma0_per_mass is None:
        if len(c_vv) < 2 or not c_vv[0] > 0:
            return 0.0
        return max(0.0, 2.0 * (1.0 - float(c_vv[1] / c_vv[0])))
    return max(0.0, float(gamma0_per_mass)) * dt * dt


def refinement_factor(s: float, target: float = TARGET, max_factor: int = MAX_REFINEMENT) -> int:
    """Smallest r >= 1 with s / r^2 <= target, at most ``max_factor``."""
    if not (math.isfinite(s) and s >= 0):
        raise KernelError(f"the stiffness Gamma(0) dt^2 / m must be finite and >= 0, got {s}")
    return int(min(max_factor, max(1, math.ceil(math.sqrt(s / target)))))


def refine_lags(series: np.ndarray, factor: int) -> np.ndarray:
    """A correlation on lags k dt interpolated to lags k dt / factor (cubic spline, not-a-knot).

    Parameters
    ----------
    series : ndarray, shape (n,)
        n >= 4 values, or any n for factor 1.
    factor : int
        r >= 1.

    Returns
    -------
    ndarray, shape ((n - 1) r + 1,)
        Equal to ``series`` at every r-th entry.
    """
    if factor == 1:
        return series
    if len(series) < 4:
        raise KernelError(f"refining the inversion needs at least 4 lags, got {len(series)}: raise max_time")
    lags = np.arange(len(series), dtype=float)
    fine = CubicSpline(lags, series)(np.arange((len(series) - 1) * factor + 1) / factor)
    fine[::factor] = series  # exactly the data at the data's lags
    return fine


def richardson_error(gamma: np.ndarray, coarser: np.ndarray, ratio: float, *, every_other: bool = False) -> float:
    """Estimated largest error of a second-order result from one computed with a coarser step
    (same units as ``gamma``).

    Parameters
    ----------
    gamma : ndarray, shape (n,)
        The result on lags k dt.
    coarser : ndarray
        The same computed with an inner step ``ratio`` times larger: on the same lags (a smaller
        refinement), or, with ``every_other``, on lags 2 k dt.
    ratio : float
        Step of the coarser computation over this one's (> 1).
    every_other : bool
        ``coarser`` holds every other lag of ``gamma``'s grid.
    """
    common = gamma[::2] if every_other else gamma
    n = min(len(common), len(coarser))
    return float(np.abs(common[:n] - coarser[:n]).max() / (ratio * ratio - 1.0))
