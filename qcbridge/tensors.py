"""Voigt notation and small tensor helpers shared by the engines and the continuum.

Voigt order is ASE's: xx yy zz yz xz xy. Stresses map as s_I = sigma_(ij) for the pair
(i, j) of index I; elastic constants as C_IJ = c_(ij)(kl) (no factors of 2, the
convention of tabulated elastic constants).
"""

from __future__ import annotations

import numpy as np

__all__ = ["VOIGT_PAIRS", "stress_to_voigt", "stiffness_to_voigt", "voigt_to_stiffness"]

#: Index pairs of the Voigt components, order xx yy zz yz xz xy.
VOIGT_PAIRS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))

_ROWS = np.array([p[0] for p in VOIGT_PAIRS])
_COLS = np.array([p[1] for p in VOIGT_PAIRS])


def stress_to_voigt(sigma: np.ndarray) -> np.ndarray:
    """Voigt vector(s) of symmetric 3x3 tensors, shape (..., 3, 3) -> (..., 6); units kept."""
    sigma = np.asarray(sigma)
    return sigma[..., _ROWS, _COLS]


def stiffness_to_voigt(c: np.ndarray) -> np.ndarray:
    """6x6 Voigt matrix of a fourth-order tensor c_ijkl, shape (..., 3, 3, 3, 3) -> (..., 6, 6)."""
    c = np.asarray(c)
    return c[..., _ROWS[:, None], _COLS[:, None], _ROWS[None, :], _COLS[None, :]]


def voigt_to_stiffness(C: np.ndarray) -> np.ndarray:
    """Fourth-order tensor c_ijkl with minor and major symmetries from a 6x6 Voigt matrix."""
    C = np.asarray(C, dtype=float)
    index = np.empty((3, 3), dtype=int)
    for voigt, (i, j) in enumerate(VOIGT_PAIRS):  # Voigt index I of the pair (i, j)
        index[i, j] = index[j, i] = voigt
    return C[index[:, :, None, None], index[None, None, :, :]]
