"""Measures of a relaxed dislocation: its disregistry across the glide plane and the
positions of its partials from a fit of that profile.

The edge disregistry of a dislocation dissociated into two partials, each carrying half of
the Burgers vector's edge component, is modelled as two Peierls-Nabarro (arctan) steps,

    delta(x) = b / 2 - b / (2 pi) [arctan((x - x1) / w1) + arctan((x - x2) / w2)],

which goes from b far on the side of the cut (x -> -inf) to 0 (x -> +inf). A least-squares
fit gives x1, x2 (Angstrom) with standard errors from the fit's covariance; unlike
threshold crossings of a smoothed profile, it does not depend on where the profile is cut
off or how it is smoothed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError

__all__ = ["PartialsFit", "disregistry", "fit_partials"]


def disregistry(X: np.ndarray, u: np.ndarray, core: tuple[float, float],
                plane_spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Edge disregistry across the glide plane: delta(x) = u_x(above) - u_x(below).

    Parameters
    ----------
    X, u : ndarray, shape (n, 3)
        Reference positions and displacements (Angstrom).
    core : (x_c, y_c)
        Glide plane at y = y_c (between two atomic planes).
    plane_spacing : float
        Distance between atomic planes normal to y (Angstrom).

    Returns
    -------
    x : ndarray
        Reference x of the atoms just above the glide plane, sorted.
    delta : ndarray
        Disregistry (Angstrom) at those x.
    """
    y = X[:, 1] - core[1]
    above = (y > 0) & (y < plane_spacing)
    below = (y < 0) & (y > -plane_spacing)
    ob = np.argsort(X[below, 0])
    xb, ub = X[below, 0][ob], u[below, 0][ob]
    oa = np.argsort(X[above, 0])
    xa, ua = X[above, 0][oa], u[above, 0][oa]
    return xa, ua - np.interp(xa, xb, ub)


@dataclass(frozen=True)
class PartialsFit:
    """Result of :func:`fit_partials` (Angstrom).

    Attributes
    ----------
    positions : (float, float)
        Centres x1 < x2 of the two partials.
    widths : (float, float)
        Their half-widths w1, w2.
    errors : (float, float)
        Standard errors of x1 and x2.
    separation_error : float
        Standard error of x2 - x1 (with their covariance).
    rms : float
        Root-mean-square residual of the fit.
    """

    positions: tuple[float, float]
    widths: tuple[float, float]
    errors: tuple[float, float]
    separation_error: float
    rms: float

    @property
    def separation(self) -> float:
        """x2 - x1 (Angstrom)."""
        return self.positions[1] - self.positions[0]


def two_partial_profile(x: np.ndarray, b: float, x1: float, x2: float, w1: float, w2: float) -> np.ndarray:
    """The model disregistry (Angstrom) of two arctan steps of b/2 at x1 and x2."""
    return 0.5 * b - b / (2.0 * np.pi) * (np.arctan((x - x1) / w1) + np.arctan((x - x2) / w2))


def fit_partials(x: np.ndarray, delta: np.ndarray, b: float, centre: float, *, guess_separation: float = 10.0,
                 guess_width: float = 2.0) -> PartialsFit:
    """Fit two Peierls-Nabarro partials to an edge disregistry profile.

    Parameters
    ----------
    x, delta : ndarray, shape (n,)
        Positions along the glide direction and disregistry (Angstrom), e.g. from
        :func:`disregistry`.
    b : float
        Edge component of the full Burgers vector (Angstrom).
    centre : float
        Where the dislocation was put (Angstrom); the fit starts from partials at
        centre -+ guess_separation / 2.
    guess_separation, guess_width : float
        Starting separation and half-width (Angstrom).

    Returns
    -------
    PartialsFit

    Raises
    ------
    ConvergenceError
        The fit does not converge, or its covariance is singular (the profile does not
        resolve two partials).
    """
    from scipy.optimize import least_squares

    x = np.asarray(x, dtype=float)
    delta = np.asarray(delta, dtype=float)

    def residual(p: np.ndarray) -> np.ndarray:
        return two_partial_profile(x, b, p[0], p[1], p[2], p[3]) - delta

    p0 = np.array([centre - 0.5 * guess_separation, centre + 0.5 * guess_separation, guess_width, guess_width])
    lo = [x.min(), x.min(), 1e-3, 1e-3]
    hi = [x.max(), x.max(), np.ptp(x), np.ptp(x)]
    fit = least_squares(residual, p0, bounds=(lo, hi), x_scale=[1.0, 1.0, 1.0, 1.0])
    if not fit.success:
        raise ConvergenceError(f"the two-partial fit of the disregistry did not converge ({fit.message})")
    p = fit.x
    dof = max(len(x) - 4, 1)
    s2 = float(np.sum(fit.fun**2)) / dof
    JTJ = fit.jac.T @ fit.jac
    try:
        cov = np.linalg.inv(JTJ) * s2
    except np.linalg.LinAlgError:
        raise ConvergenceError("the disregistry does not resolve two partials (singular fit)") from None
    order = np.argsort(p[:2])
    i, j = order
    sep_var = cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1]
    return PartialsFit((float(p[i]), float(p[j])), (float(p[2 + i]), float(p[2 + j])),
                       (float(np.sqrt(cov[i, i])), float(np.sqrt(cov[j, j]))), float(np.sqrt(max(sep_var, 0.0))),
                       float(np.sqrt(np.mean(fit.fun**2))))
