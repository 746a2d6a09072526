"""Anisotropic linear elasticity of straight line defects: the Stroh sextic formalism.

Frame: x1 and x2 span the plane normal to the defect line (a dislocation's line or a crack's
front), x3 runs along it; for a crack, x2 is the crack plane's normal and the crack lies on
x2 = 0, x1 < 0 with its tip at the origin. In this frame (Ting, *Anisotropic Elasticity*,
1996, ch. 5-7, 11) with Q_ik = C_i1k1, R_ik = C_i1k2, T_ik = C_i2k2 the eigenproblem

    [[-T^-1 R^T, T^-1], [R T^-1 R^T - Q, -R T^-1]] (a, b) = p (a, b),   Im p > 0,

normalised to 2 a.b = 1, gives A = [a_1 a_2 a_3], B = [b_1 b_2 b_3] with A^T B + B^T A = I
and the real Barnett-Lothe tensor L = -2i B B^T. With z_a = x1 + p_a x2:

* dislocation with Burgers vector b at the origin (cut x2 = 0, x1 < 0; u jumps by b from
  below to above it): u = (1/pi) Im[A <ln z_a> B^T b]; prelogarithmic energy factor b.L b / 4 pi;
* crack tip, k = (K_II, K_I, K_III): u = sqrt(2 r / pi) Re[A <sqrt(cos t + p_a sin t)> B^-1] k,
  energy release rate G = k.L^-1 k / 2, crack opening at distance r behind the tip
  sqrt(8 r / pi) L^-1 k; for mode I, G = K_I^2 / E' with E' = 2 / (L^-1)_22.

An isotropic medium (and any medium whose p_a coincide) makes the eigenproblem degenerate.
The fields are smooth, even functions of a change d of the shear stiffness there, so they
are extrapolated to d = 0 from d = +-delta, +-2 delta (Richardson: 4/3 of the mean at delta,
-1/3 of the mean at 2 delta; error O(delta^4)); with delta = 3e-4 the p_a split by ~2e-2 and
the eigenvectors lose ~1e-12, the truncation ~1e-14.

Units: any consistent set; qcbridge passes C in eV/A^3, lengths in A and K in eV/A^(5/2)
(:data:`MPA_SQRT_M` converts from MPa sqrt(m)), so u is in A and G in eV/A^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import units
from numpy.typing import ArrayLike

from ..errors import DefectGeometryError, ElasticConstantsError
from ..tensors import rotate_tensor4, stiffness_to_voigt, voigt_to_stiffness

__all__ = [
    "MPA_SQRT_M",
    "StrohSolution",
    "crack_displacement",
    "crack_opening",
    "defect_axes",
    "dislocation_displacement",
    "dislocation_energy_factor",
    "energy_release_rate",
    "mode_one_modulus",
    "rotate_stiffness",
    "stroh_solutions",
]

#: One MPa sqrt(m) in eV / A^(5/2).
MPA_SQRT_M = 1e-3 * units.GPa * 1e5

#: Relative separation of the p_a below which the sextic is treated as degenerate.
DEGENERATE = 1e-4
#: Relative change of the shear stiffness used to split a degenerate sextic.
SPLIT = 3e-4


@dataclass(frozen=True)
class StrohSolution:
    """Eigen-solution of the sextic for one stiffness.

    Attributes
    ----------
    p : ndarray of complex, shape (3,)
        Stroh eigenvalues with Im p > 0.
    A, B : ndarray of complex, shape (3, 3)
        Columns a_a (displacement) and b_a (stress function), 2 a_a.b_a = 1.
    weight : float
        Weight of this solution in the fields (1 unless the sextic was split).
    """

    p: np.ndarray
    A: np.ndarray
    B: np.ndarray
    weight: float = 1.0

    @property
    def L(self) -> np.ndarray:
        """Barnett-Lothe tensor L = -2i B B^T (real, symmetric, positive definite; stiffness units)."""
        return np.real(-2j * self.B @ self.B.T)


def defect_axes(normal: ArrayLike, line: ArrayLike) -> np.ndarray:
    """Rows x1, x2, x3 of the defect frame in crystal coordinates: x2 along ``normal`` (the
    crack plane's or glide plane's normal), x3 along ``line`` (the front or dislocation
    line), x1 = x2 x x3 (the direction a crack advances in).

    Raises
    ------
    DefectGeometryError
        A zero vector, or a line not in the plane (not normal to ``normal``).
    """
    n, t = np.asarray(normal, dtype=float), np.asarray(line, dtype=float)
    if n.shape != (3,) or t.shape != (3,) or not (np.all(np.isfinite(n)) and np.all(np.isfinite(t))):
        raise DefectGeometryError(f"plane normal and line must be finite 3-vectors, got {n.tolist()}, {t.tolist()}")
    if np.linalg.norm(n) == 0 or np.linalg.norm(t) == 0:
        raise DefectGeometryError(f"plane normal {n.tolist()} and line {t.tolist()} must be non-zero")
    n, t = n / np.linalg.norm(n), t / np.linalg.norm(t)
    if abs(n @ t) > 1e-8:
        raise DefectGeometryError(f"the line {np.round(t, 6).tolist()} is not in the plane with normal "
                                  f"{np.round(n, 6).tolist()} (cos angle = {n @ t:.3g}); choose a direction "
                                  "normal to the plane's normal, e.g. the cross product of two in-plane vectors")
    return np.array([np.cross(n, t), n, t])


def rotate_stiffness(C: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Stiffness tensor c'_ijkl in the frame whose unit axes are the rows of ``axes``.

    Parameters
    ----------
    C : ndarray, shape (6, 6) or (3, 3, 3, 3)
        Stiffness in crystal coordinates (Voigt or full; any stress unit).
    axes : ndarray, shape (3, 3)
        Orthonormal rows (e.g. from :func:`defect_axes`).

    Returns
    -------
    ndarray, shape (3, 3, 3, 3)
    """
    c = np.asarray(C, dtype=float)
    c = voigt_to_stiffness(c) if c.shape == (6, 6) else c
    R = np.asarray(axes, dtype=float)
    if c.shape != (3, 3, 3, 3) or R.shape != (3, 3):
        raise ElasticConstantsError(f"stiffness must be 6x6 (Voigt) or 3x3x3x3, got {c.shape}; axes 3x3, got {R.shape}")
    if np.abs(R @ R.T - np.eye(3)).max() > 1e-10:
        raise DefectGeometryError("the frame's axes must be orthonormal rows")
    return rotate_tensor4(c, R)


def _check_stiffness(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, dtype=float)
    c = voigt_to_stiffness(c) if c.shape == (6, 6) else c
    if c.shape != (3, 3, 3, 3):
        raise ElasticConstantsError(f"stiffness must be 6x6 (Voigt) or 3x3x3x3, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ElasticConstantsError("stiffness has non-finite entries")
    m = c.reshape(9, 9)
    if np.abs(m - m.T).max() > 1e-8 * np.abs(m).max():
        raise ElasticConstantsError("stiffness lacks the major symmetry c_ijkl = c_klij")
    voigt = stiffness_to_voigt(c)
    lowest = np.linalg.eigvalsh(voigt).min()
    if lowest <= 1e-10 * np.abs(voigt).max():
        raise ElasticConstantsError(f"stiffness is not positive definite (smallest Voigt eigenvalue {lowest:.4g}): "
                                    "the crystal is elastically unstable with these constants")
    return c



def _sextic(c: np.ndarray, weight: float = 1.0) -> StrohSolution:
    Q, R, T = c[:, 0, :, 0], c[:, 0, :, 1], c[:, 1, :, 1]
    Ti = np.linalg.inv(T)
    N = np.block([[-Ti @ R.T, Ti], [R @ Ti @ R.T - Q, -R @ Ti]])
    p, xi = np.linalg.eig(N)
    upper = np.argsort(-p.imag)[:3]
    p, xi = p[upper], xi[:, upper]
    a, b = xi[:3], xi[3:]
    norm = np.sqrt(2.0 * np.einsum("ia,ia->a", a, b))
    return StrohSolution(p=p, A=a / norm, B=b / norm, weight=weight)


def stroh_solutions(C: np.ndarray) -> tuple[StrohSolution, ...]:
    """Solutions of the sextic for stiffness ``C`` in the defect frame: one, or four (for
    +-delta and +-2 delta of the shear stiffness, extrapolated to zero) where the p_a coincide
    (isotropy); fields are their weighted sum.

    Parameters
    ----------
    C : ndarray, shape (6, 6) or (3, 3, 3, 3)
        Stiffness in the defect frame (:func:`rotate_stiffness`).

    Raises
    ------
    ElasticConstantsError
        C is not finite, not symmetric or not positive definite.
    """
    c = _check_stiffness(C)
    sol = _sextic(c)
    gap = min(abs(sol.p[i] - sol.p[j]) for i, j in ((0, 1), (0, 2), (1, 2)))
    if gap > DEGENERATE * np.abs(sol.p).max():
        return (sol,)
    # split the degeneracy by a cubic-symmetric change of the shear stiffness (in the defect frame)
    eye = np.eye(3)
    shear = 0.5 * (np.einsum("ik,jl->ijkl", eye, eye) + np.einsum("il,jk->ijkl", eye, eye))
    delta = np.zeros((3, 3, 3, 3))
    for i, j in ((0, 1), (0, 2), (1, 2)):
        delta[i, j, i, j] = delta[j, i, j, i] = delta[i, j, j, i] = delta[j, i, i, j] = 1.0
    scale = SPLIT * np.einsum("ijkl,ijkl->", c, shear) / 9.0
    return tuple(_sextic(c + sign * m * scale * delta, w) for m, w in ((1, 2 / 3), (2, -1 / 6)) for sign in (1, -1))


def _plane(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] not in (2, 3) or not np.all(np.isfinite(x)):
        raise DefectGeometryError(f"positions must be finite, of shape (n, 2) or (n, 3), got {x.shape}")
    return x[:, 0], x[:, 1]


def dislocation_displacement(solutions: tuple[StrohSolution, ...], b: ArrayLike, x: np.ndarray) -> np.ndarray:
    """Displacement of a straight dislocation along x3 at the origin.

    Parameters
    ----------
    solutions : from :func:`stroh_solutions`
    b : ndarray, shape (3,)
        Burgers vector in the defect frame (A); u jumps by b from x2 < 0 to x2 > 0 across
        the cut x1 < 0.
    x : ndarray, shape (n, 2) or (n, 3)
        Positions relative to the core in the defect frame (A).

    Returns
    -------
    u : ndarray, shape (n, 3), A (defined up to a rigid translation).
    """
    x1, x2 = _plane(x)
    b = np.asarray(b, dtype=float).reshape(3)
    u = np.zeros((len(x1), 3))
    for s in solutions:
        z = x1[:, None] + s.p[None, :] * x2[:, None]
        u += s.weight * np.imag(np.log(z) @ (s.A * (s.B.T @ b)[None, :]).T) / np.pi
    return u


def dislocation_energy_factor(solutions: tuple[StrohSolution, ...], b: ArrayLike) -> float:
    """Prelogarithmic energy factor b.L b / 4 pi (energy per length and ln(R/r0)), in C's
    units times A^2 (eV/A with C in eV/A^3)."""
    b = np.asarray(b, dtype=float).reshape(3)
    return float(sum(s.weight * (b @ s.L @ b) for s in solutions) / (4 * np.pi))


def _k(k: ArrayLike) -> np.ndarray:
    k = np.asarray(k, dtype=float).reshape(3)
    if not np.all(np.isfinite(k)):
        raise DefectGeometryError(f"stress intensity factors must be finite, got {k.tolist()}")
    return k


def crack_displacement(solutions: tuple[StrohSolution, ...], k: ArrayLike, x: np.ndarray) -> np.ndarray:
    """Near-tip displacement of a crack on x2 = 0, x1 < 0 with its tip at the origin.

    Parameters
    ----------
    solutions : from :func:`stroh_solutions`
    k : ndarray, shape (3,)
        (K_II, K_I, K_III) in stiffness units x sqrt(length) (eV/A^(5/2)).
    x : ndarray, shape (n, 2) or (n, 3)
        Positions relative to the tip in the defect frame (A); the faces are the limits
        x2 -> 0+ (upper) and 0- (lower) at x1 < 0.

    Returns
    -------
    u : ndarray, shape (n, 3), A; zero at the tip.
    """
    x1, x2 = _plane(x)
    k = _k(k)
    r, t = np.hypot(x1, x2), np.arctan2(x2, x1)
    # atan2(+-0, negative) = +-pi keeps the two faces apart
    u = np.zeros((len(x1), 3))
    for s in solutions:
        root = np.sqrt(np.cos(t)[:, None] + s.p[None, :] * np.sin(t)[:, None])
        u += s.weight * np.sqrt(2 * r / np.pi)[:, None] * np.real(root @ (s.A * np.linalg.solve(s.B, k)[None, :]).T)
    return u


def _inverse_L(solutions: tuple[StrohSolution, ...]) -> np.ndarray:
    return np.sum([s.weight * np.linalg.inv(s.L) for s in solutions], axis=0)


def crack_opening(solutions: tuple[StrohSolution, ...], k: ArrayLike, r: np.ndarray) -> np.ndarray:
    """Opening u(upper face) - u(lower face) at distances ``r`` (A) behind the tip:
    sqrt(8 r / pi) L^-1 k, shape (n, 3), A."""
    r = np.asarray(r, dtype=float).reshape(-1)
    return np.sqrt(8 * r / np.pi)[:, None] * (_inverse_L(solutions) @ _k(k))[None, :]


def energy_release_rate(solutions: tuple[StrohSolution, ...], k: ArrayLike) -> float:
    """G = k.L^-1 k / 2 (eV/A^2 for k in eV/A^(5/2) and C in eV/A^3)."""
    k = _k(k)
    return float(0.5 * k @ _inverse_L(solutions) @ k)


def mode_one_modulus(solutions: tuple[StrohSolution, ...]) -> float:
    """E' with G = K_I^2 / E' for pure mode I: 2 / (L^-1)_22 (stiffness units)."""
    return float(2.0 / _inverse_L(solutions)[1, 1])
