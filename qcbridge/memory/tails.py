"""Long-time tails: a + b t^p fits for running integrals, friction and diffusion coefficients.

Hydrodynamic tails make the VACF and the friction kernel decay as t^-3/2 in three
dimensions, so their running integrals approach the limit as t^-1/2:
int_0^t C_vv = D + b t^-1/2. Fitting the late part of a running integral with
a + b t^-1/2 extrapolates it to t -> infinity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import cumulative_trapezoid

from ..errors import KernelError

__all__ = ["TailFit", "diffusion_coefficient", "fit_tail", "friction_coefficient"]


@dataclass(frozen=True)
class TailFit:
    """y(t) = a + b t^exponent fitted on t >= t_min (units of y, and of y times time^-exponent)."""

    a: float
    b: float
    exponent: float
    t_min: float

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.a + self.b * np.asarray(t, dtype=float) ** self.exponent


def fit_tail(t: np.ndarray, y: np.ndarray, *, t_min: float, exponent: float = -1.5) -> TailFit:
    """Linear least-squares fit of y = a + b t^exponent on the samples with t >= t_min.

    Parameters
    ----------
    t, y : ndarray, shape (n,)
        Times (> 0 where fitted) and values.
    t_min : float
        Start of the fitted tail (time).
    exponent : float
        Power of the tail (-3/2 for a hydrodynamic VACF or kernel tail, -1/2 for its
        running integral).

    Raises
    ------
    KernelError
        Arrays of different shapes, non-finite values, or fewer than three samples with
        t >= t_min > 0.
    """
    t, y = _curve(t, y)
    if not np.isfinite(t_min) or not np.isfinite(exponent):
        raise KernelError(f"t_min and exponent must be finite, got {t_min}, {exponent}")
    sel = (t >= t_min) & (t > 0)
    if sel.sum() < 3:
        raise KernelError(f"only {sel.sum()} samples at t >= {t_min:g}; the tail fit needs at least 3")
    basis = np.column_stack([np.ones(sel.sum()), t[sel] ** exponent])
    try:
        a, b = np.linalg.lstsq(basis, y[sel], rcond=None)[0]
    except np.linalg.LinAlgError as exc:
        raise KernelError(f"the tail fit failed ({exc})") from None
    if not (np.isfinite(a) and np.isfinite(b)):
        raise KernelError("the tail fit is not finite: the data overflow; rescale them")
    return TailFit(float(a), float(b), exponent, float(t_min))


def _curve(t: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(t, y) as finite 1-D float arrays of one length, else a KernelError."""
    try:
        t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise KernelError("t and the values must be arrays of numbers") from None
    if t.ndim != 1 or y.shape != t.shape:
        raise KernelError(f"t and the values must be 1-D arrays of one length, got shapes {t.shape}, {y.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise KernelError("t or the values contain NaN or infinity")
    return t, y


def diffusion_coefficient(t: np.ndarray, vacf: np.ndarray, *, t_min: float, dim: int = 1) -> float:
    """Self-diffusion coefficient D from a VACF per Cartesian component: the running integral
    int_0^t C_vv extrapolated by a + b t^-1/2 fitted on t >= t_min.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Lags (time), starting at 0.
    vacf : ndarray, shape (n,)
        <v_x(t) v_x(0)> (velocity^2), one component (``dim = 1``) or the sum of ``dim``.
    t_min : float
        Start of the fitted tail (time).
    dim : int
        Number of components summed in ``vacf``.

    Returns
    -------
    float
        D in length^2 / time.

    Raises
    ------
    KernelError
        See :func:`fit_tail`; also ``dim`` < 1.
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise KernelError(f"dim must be a positive integer, got {dim!r}")
    t, vacf = _curve(t, vacf)
    if len(t) < 2:
        raise KernelError("the VACF needs at least two lags")
    running = cumulative_trapezoid(vacf, t, initial=0.0)
    return fit_tail(t, running, t_min=t_min, exponent=-0.5).a / dim


def friction_coefficient(t: np.ndarray, integral: np.ndarray, *, t_min: float) -> float:
    """Friction coefficient gamma = int_0^inf Gamma from the running integral, extrapolated by
    a + b t^-1/2 fitted on t >= t_min (mass / time)."""
    return fit_tail(t, integral, t_min=t_min, exponent=-0.5).a
