r"""Closed-form effective properties and bounds: references for the cell solvers.

- **Laminates** (exact): layers normal to axis ``a`` keep the tangential field and the normal
  flux continuous. For conductivity the normal component is the harmonic mean and the
  tangential ones the arithmetic mean (for isotropic layers). For elasticity, with the Voigt
  components split into N (the tractions on the layer planes, continuous) and T (the in-plane
  strains, continuous): ``C*_NN = <C_NN^-1>^-1``, ``C*_NT = C*_NN <C_NN^-1 C_NT>``,
  ``C*_TT = <C_TT - C_TN C_NN^-1 C_NT> + <C_TN C_NN^-1> C*_NN <C_NN^-1 C_NT>``
  (Milton, *The Theory of Composites*, 2002, ch. 9).
- **Checkerboard** (exact, Dykhne 1970 / Keller 1964): ``sqrt(k1 k2)`` for the 2D
  two-phase checkerboard.
- **Hashin–Shtrikman bounds** for isotropic two-phase composites of given volume fractions
  (Hashin & Shtrikman 1962/1963): conductivity in ``d`` dimensions; bulk and shear moduli in 3D.
- **Dilute and Maxwell–Garnett estimates**: the first-order term in the inclusion volume
  fraction ``f`` of spherical (circular in 2D) inclusions, and Rayleigh's formula for a
  square array of cylinders, ``k*/k1 = 1 + 2 b f / (1 - b f - 0.3058 b^2 f^4)``,
  ``b = (k2 - k1) / (k2 + k1)`` (Rayleigh 1892; Perrins, McKenzie & McPhedran 1979).

Units are those of the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..errors import PhaseDataError

__all__ = ["checkerboard_conductivity", "dilute_bulk_modulus", "hashin_shtrikman_conductivity",
           "hashin_shtrikman_moduli", "laminate_conductivity", "laminate_stiffness", "rayleigh_square_array"]


def _fractions(fractions: ArrayLike, count: int) -> np.ndarray:
    f = np.asarray(fractions, dtype=float)
    if f.shape != (count,) or np.any(f < 0) or not np.isclose(f.sum(), 1.0):
        raise PhaseDataError(f"give {count} non-negative volume fractions summing to 1, got {f.tolist()}")
    return f


def laminate_conductivity(values: Sequence[ArrayLike], fractions: ArrayLike, axis: int) -> np.ndarray:
    """Exact effective conductivity of a laminate with layers normal to ``axis``.

    Parameters
    ----------
    values : sequence of (d, d) array_like or float
        Conductivity of each layer material (scalars need ``d`` from a tensor entry; pass
        tensors to fix the dimension).
    fractions : array_like, shape (P,)
        Volume fractions, summing to 1.
    axis : int
        Normal of the layers.

    Returns
    -------
    ndarray, shape (d, d)
    """
    k = np.array([np.asarray(v, dtype=float) for v in values])
    if k.ndim != 3:
        raise PhaseDataError("give the layer conductivities as (d, d) tensors")
    return _laminate(k, _fractions(fractions, len(k)), [axis])


def laminate_stiffness(stiffness: Sequence[ArrayLike], fractions: ArrayLike, axis: int) -> np.ndarray:
    """Exact effective Voigt stiffness of a laminate with layers normal to ``axis``.

    Parameters
    ----------
    stiffness : sequence of array_like
        Voigt stiffness of each layer material: 3x3 (xx yy xy, plane strain) or 6x6
        (xx yy zz yz xz xy), engineering shear strains.
    fractions : array_like, shape (P,)
        Volume fractions, summing to 1.
    axis : int
        Normal of the layers (0, 1 or 2).

    Returns
    -------
    ndarray
        Voigt stiffness, same shape as the inputs.
    """
    c = np.array([np.asarray(v, dtype=float) for v in stiffness])
    pairs = ((0, 0), (1, 1), (0, 1)) if c.shape[-1] == 3 else ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
    normal = [i for i, pair in enumerate(pairs) if axis in pair]
    return _laminate(c, _fractions(fractions, len(c)), normal)


def _laminate(c: np.ndarray, f: np.ndarray, normal: list[int]) -> np.ndarray:
    """Laminate formula for matrices ``c`` (P, m, m) whose components ``normal`` carry the
    continuous flux and the others the continuous field."""
    m = c.shape[-1]
    tangent = [i for i in range(m) if i not in normal]

    def block(a: np.ndarray, rows: list[int], cols: list[int]) -> np.ndarray:
        return a[..., rows, :][..., :, cols]

    def avg(a: np.ndarray) -> np.ndarray:
        return np.einsum("p,p...->...", f, a)

    cnn_inv = np.linalg.inv(block(c, normal, normal))
    cnt, ctn = block(c, normal, tangent), block(c, tangent, normal)
    star_nn = np.linalg.inv(avg(cnn_inv))
    a_nt = avg(cnn_inv @ cnt)
    a_tn = avg(ctn @ cnn_inv)
    out = np.zeros((m, m))
    out[np.ix_(normal, normal)] = star_nn
    out[np.ix_(normal, tangent)] = star_nn @ a_nt
    out[np.ix_(tangent, normal)] = a_tn @ star_nn
    out[np.ix_(tangent, tangent)] = avg(block(c, tangent, tangent) - ctn @ cnn_inv @ cnt) + a_tn @ star_nn @ a_nt
    return out


def checkerboard_conductivity(k1: float, k2: float) -> float:
    """Exact effective conductivity ``sqrt(k1 k2)`` of the 2D two-phase checkerboard."""
    return float(np.sqrt(k1 * k2))


def hashin_shtrikman_conductivity(k1: float, k2: float, f2: float, dim: int) -> tuple[float, float]:
    """Hashin–Shtrikman bounds on the conductivity of an isotropic two-phase composite.

    Parameters
    ----------
    k1, k2 : float
        Phase conductivities.
    f2 : float
        Volume fraction of phase 2.
    dim : int
        2 or 3.

    Returns
    -------
    (lower, upper) : tuple of float
    """
    lo, hi = sorted((k1, k2))
    f_hi = f2 if k2 >= k1 else 1.0 - f2

    def bound(ref: float, other: float, f_other: float) -> float:
        return ref + f_other / (1.0 / (other - ref) + (1.0 - f_other) / (dim * ref)) if other != ref else ref

    return bound(lo, hi, f_hi), bound(hi, lo, 1.0 - f_hi)


def hashin_shtrikman_moduli(K1: float, G1: float, K2: float, G2: float, f2: float
                            ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Hashin–Shtrikman bounds on the bulk and shear moduli of an isotropic 3D two-phase composite.

    Valid for well-ordered phases (the stiffer phase has both the larger K and the larger G).

    Returns
    -------
    ((K_lower, K_upper), (G_lower, G_upper)) : tuple
    """
    (Ks, Gs, fs), (Kh, Gh, fh) = sorted([(K1, G1, 1.0 - f2), (K2, G2, f2)])
    if Gh < Gs:
        raise PhaseDataError("Hashin–Shtrikman moduli bounds here need well-ordered phases (larger K and larger G)")

    def bulk(K: float, G: float, Ko: float, fo: float) -> float:
        return K + fo / (1.0 / (Ko - K) + 3.0 * (1.0 - fo) / (3.0 * K + 4.0 * G)) if Ko != K else K

    def shear(K: float, G: float, Go: float, fo: float) -> float:
        return G + fo / (1.0 / (Go - G) + 6.0 * (1.0 - fo) * (K + 2.0 * G) / (5.0 * G * (3.0 * K + 4.0 * G))) \
            if Go != G else G

    return (bulk(Ks, Gs, Kh, fh), bulk(Kh, Gh, Ks, fs)), (shear(Ks, Gs, Gh, fh), shear(Kh, Gh, Gs, fs))


def dilute_bulk_modulus(K1: float, G1: float, K2: float, f2: float) -> float:
    """Bulk modulus of a matrix (K1, G1) with a dilute fraction ``f2`` of spherical inclusions
    of bulk modulus K2, to first order in ``f2`` (Eshelby)."""
    return K1 + f2 * (K2 - K1) * (3.0 * K1 + 4.0 * G1) / (3.0 * K2 + 4.0 * G1)


def rayleigh_square_array(k1: float, k2: float, f2: float) -> float:
    """Conductivity of a square array of circular cylinders (k2, area fraction ``f2``) in a
    matrix (k1), Rayleigh's formula to order ``f2**4`` (in-plane, isotropic)."""
    b = (k2 - k1) / (k2 + k1)
    return k1 * (1.0 + 2.0 * b * f2 / (1.0 - b * f2 - 0.3058 * b**2 * f2**4))
