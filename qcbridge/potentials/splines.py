"""LAMMPS's cubic interpolation of tabulated EAM functions, reproduced in numpy.

``pair_style eam`` turns each table f_1..f_n on a uniform grid (spacing delta) into
piecewise cubics (``PairEAM::interpolate``): slopes by a five-point stencil in the
interior (one-sided at the ends), Hermite cubics between the points, evaluated as

    p = x / delta + 1,  m = clamp(int(p), 1, n - 1),  p = min(p - m, 1)
    f(x) = ((c3 p + c4) p + c5) p + c6,   f'(x) = (c0 p + c1) p + c2

with c0 = 3 c3 / delta, c1 = 2 c4 / delta, c2 = c5 / delta. Values are computed with the
same floating-point operations in the same order as LAMMPS; derivatives are those of the
same cubic written through c3, c4, c5 (fewer table gathers), equal to LAMMPS's to
round-off. The second derivative (which LAMMPS never needs) is that of the same cubic.

funcfl files are first resampled by LAMMPS onto its own grid with four-point Lagrange
interpolation (``PairEAM::file2array``); :func:`resample_funcfl` does the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CubicTable", "resample_funcfl"]


@dataclass(frozen=True)
class CubicTable:
    """A LAMMPS-style cubic spline through a uniformly tabulated function.

    Attributes
    ----------
    coeffs : ndarray, shape (n, 7)
        LAMMPS's spline coefficients c0..c6 for rows m = 1..n (stored 0-based).
    delta : float
        Grid spacing (units of the argument).
    """

    coeffs: np.ndarray
    delta: float

    @classmethod
    def from_values(cls, f: np.ndarray, delta: float) -> CubicTable:
        """Spline through ``f[k] = f(k * delta)``, k = 0..n-1 (``PairEAM::interpolate``)."""
        f = np.asarray(f, dtype=float)
        n = len(f)
        s = np.zeros((n, 7))
        s[:, 6] = f
        s[0, 5] = f[1] - f[0]
        s[1, 5] = 0.5 * (f[2] - f[0])
        s[n - 2, 5] = 0.5 * (f[n - 1] - f[n - 3])
        s[n - 1, 5] = f[n - 1] - f[n - 2]
        m = np.arange(2, n - 2)
        s[m, 5] = ((f[m - 2] - f[m + 2]) + 8.0 * (f[m + 1] - f[m - 1])) / 12.0
        m = np.arange(0, n - 1)
        s[m, 4] = 3.0 * (f[m + 1] - f[m]) - 2.0 * s[m, 5] - s[m + 1, 5]
        s[m, 3] = s[m, 5] + s[m + 1, 5] - 2.0 * (f[m + 1] - f[m])
        s[n - 1, 4] = 0.0
        s[n - 1, 3] = 0.0
        s[:, 2] = s[:, 5] / delta
        s[:, 1] = 2.0 * s[:, 4] / delta
        s[:, 0] = 3.0 * s[:, 3] / delta
        return cls(s, float(delta))

    @property
    def n(self) -> int:
        return len(self.coeffs)

    def locate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Interval index (0-based row) and local coordinate p in [0, 1] of arguments x,
        exactly as LAMMPS computes them; tables on the same grid can share them."""
        p = np.asarray(x, dtype=float) * (1.0 / self.delta) + 1.0
        m = p.astype(np.int64)
        np.clip(m, 1, self.n - 1, out=m)
        p -= m
        np.minimum(p, 1.0, out=p)
        return m - 1, p

    def at(self, row: np.ndarray, p: np.ndarray, derivatives: int = 2) -> tuple[np.ndarray, ...]:
        """Value and derivatives at located arguments (see :meth:`locate`)."""
        col = self._columns
        c3, c4, c5 = col[3][row], col[4][row], col[5][row]
        out: tuple[np.ndarray, ...] = (((c3 * p + c4) * p + c5) * p + col[6][row],)
        inv = 1.0 / self.delta
        if derivatives >= 1:  # LAMMPS's c0 p^2 + c1 p + c2 with c0 = 3 c3/delta, ...: same cubic
            out += (((3.0 * c3) * p + 2.0 * c4) * p + c5) * inv,
        if derivatives >= 2:
            out += ((6.0 * c3) * p + 2.0 * c4) * (inv * inv),
        return out

    @property
    def _columns(self) -> np.ndarray:
        cols = self.__dict__.get("_cols")
        if cols is None:
            cols = np.ascontiguousarray(self.coeffs.T)
            object.__setattr__(self, "_cols", cols)
        return cols

    def __call__(self, x: np.ndarray, derivatives: int = 2) -> tuple[np.ndarray, ...]:
        """Value and derivatives at ``x`` (any shape).

        Parameters
        ----------
        x : ndarray
            Arguments, >= 0.
        derivatives : int
            0, 1 or 2: how many derivatives to return after the value.

        Returns
        -------
        tuple of ndarray
            ``(f,)``, ``(f, f')`` or ``(f, f', f'')`` with the shape of ``x``.
        """
        return self.at(*self.locate(x), derivatives)


def resample_funcfl(values: np.ndarray, file_delta: float, delta: float, n: int) -> np.ndarray:
    """LAMMPS's four-point Lagrange resampling of a funcfl table onto its own grid.

    Parameters
    ----------
    values : ndarray, shape (n_file,)
        Table as in the file, value k at ``k * file_delta``.
    file_delta, delta : float
        Spacing of the file's grid and of the target grid.
    n : int
        Number of target points (value m at ``m * delta``).

    Returns
    -------
    ndarray, shape (n,)
    """
    f = np.concatenate([[0.0], np.asarray(values, dtype=float)])  # 1-based like LAMMPS
    n_file = len(values)
    sixth = 1.0 / 6.0
    r = np.arange(n, dtype=float) * delta
    p = r / file_delta + 1.0
    k = np.maximum(np.minimum(p.astype(np.int64), n_file - 2), 2)
    p = np.minimum(p - k, 2.0)
    cof1 = -sixth * p * (p - 1.0) * (p - 2.0)
    cof2 = 0.5 * (p * p - 1.0) * (p - 2.0)
    cof3 = -0.5 * p * (p + 1.0) * (p - 2.0)
    cof4 = sixth * p * (p * p - 1.0)
    return cof1 * f[k - 1] + cof2 * f[k] + cof3 * f[k + 1] + cof4 * f[k + 2]
