"""Voigt notation and small tensor and linear-algebra helpers shared by the engines and the continuum.

Voigt order is ASE's: xx yy zz yz xz xy. Stresses map as s_I = sigma_(ij) for the pair
(i, j) of index I; elastic constants as C_IJ = c_(ij)(kl) (no factors of 2, the
convention of tabulated elastic constants).
"""

from __future__ import annotations

import numpy as np

__all__ = ["VOIGT_PAIRS", "cubic_stiffness", "isotropic_stiffness", "min_eigenvalue_sym3", "pinv_sym", "rotate_tensor4",
           "stiffness_to_voigt", "stress_to_voigt", "voigt_to_stiffness"]

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


def rotate_tensor4(c: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """c'_ijkl = R_ia R_jb R_kc R_ld c_abcd, for one or a batch of rotations.

    Parameters
    ----------
    c : ndarray, shape (3, 3, 3, 3)
        Fourth-order tensor (any unit).
    rotation : ndarray, shape (3, 3) or (B, 3, 3)
        Orthogonal matrices R (rows: the new axes in old coordinates).

    Returns
    -------
    ndarray, shape (3, 3, 3, 3) or (B, 3, 3, 3, 3)
    """
    return np.einsum("...ia,...jb,...kc,...ld,abcd->...ijkl", rotation, rotation, rotation, rotation, c,
                     optimize=True)


def cubic_stiffness(c11: float, c12: float, c44: float) -> np.ndarray:
    """6x6 Voigt stiffness of a cubic crystal in its cube axes (unit of the constants)."""
    C = np.zeros((6, 6))
    C[:3, :3] = c12
    C[[0, 1, 2], [0, 1, 2]] = c11
    C[[3, 4, 5], [3, 4, 5]] = c44
    return C


def isotropic_stiffness(E: float, nu: float) -> np.ndarray:
    """6x6 Voigt stiffness of an isotropic solid of Young's modulus ``E`` (any unit; the result
    is in it) and Poisson's ratio ``nu``.

    Raises
    ------
    ValueError
        ``E <= 0`` or ``nu`` outside (-1, 0.5): not a stable solid.
    """
    if not E > 0 or not -1.0 < nu < 0.5:
        raise ValueError(f"an isotropic solid needs E > 0 and -1 < nu < 0.5, got E={E}, nu={nu}")
    lam, mu = E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))
    return cubic_stiffness(lam + 2 * mu, lam, mu)


def min_eigenvalue_sym3(C: np.ndarray) -> np.ndarray:
    """Smallest eigenvalue of symmetric 3x3 matrices (B, 3, 3), closed form (Smith 1961)."""
    q = np.trace(C, axis1=1, axis2=2) / 3.0
    off = C[:, 0, 1] ** 2 + C[:, 0, 2] ** 2 + C[:, 1, 2] ** 2
    d = C - q[:, None, None] * np.eye(3)
    p = np.sqrt((np.einsum("bii->b", d * d) + 2.0 * off) / 6.0)
    safe = np.where(p > 0, p, 1.0)
    r = np.linalg.det(d / safe[:, None, None]) / 2.0
    phi = np.arccos(np.clip(r, -1.0, 1.0)) / 3.0
    return np.where(p > 0, q + 2.0 * p * np.cos(phi + 2.0 * np.pi / 3.0), q)


def pinv_sym(H: np.ndarray, rtol: float = 1e-10, absolute: bool = False) -> np.ndarray:
    """Batched pseudo-inverse of symmetric matrices (B, m, m).

    Inner-shift Hessians have exact zero modes when the cell is not primitive (the
    rectangular two-atom cell of a triangular lattice, say) or when a shift does not
    change any bond to first order (out-of-plane shifts of a planar lattice); those modes
    carry no force by symmetry and are left alone. ``absolute=True`` inverts abs(lambda)
    (saddle-free Newton)."""
    lam, vec = np.linalg.eigh(H)
    scale = np.abs(lam).max(axis=-1, keepdims=True)
    lam_used = np.abs(lam) if absolute else lam
    inv = np.where(np.abs(lam) > rtol * scale, 1.0 / np.where(lam_used == 0, 1.0, lam_used), 0.0)
    return np.einsum("bij,bj,bkj->bik", vec, inv, vec)
