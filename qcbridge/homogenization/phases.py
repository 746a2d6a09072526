"""Phase images and phase data of a periodic cell: validation and Mandel notation.

A cell is a voxel image ``phases`` of integer labels, shape ``(n1, n2)`` or ``(n1, n2, n3)``,
periodic in every direction, with cubic voxels. Label ``p`` refers to entry ``p`` of the
phase data: a conductivity (a scalar or a symmetric ``(d, d)`` tensor) or a stiffness in
Voigt form, ``(3, 3)`` in 2D plane strain (order xx yy xy) or ``(6, 6)`` in 3D (order
xx yy zz yz xz xy), with engineering shear strains, the convention of tabulated elastic
constants.

Internally the solvers use Mandel notation: symmetric tensors as vectors whose shear
components carry a factor sqrt(2), so that the Euclidean product of two Mandel vectors is
the double contraction of the tensors, and a stiffness is the symmetric matrix
``C_M = W C_V W`` with ``W = diag(1, ..., sqrt 2, ...)``. Units are the caller's: the effective
tensor comes back in the unit of the phase data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..errors import PhaseDataError, PhaseMapError

__all__ = ["MANDEL_PAIRS", "check_phases", "conductivity_cell", "conductivity_tensors", "mandel_weights",
           "stiffness_cell", "stiffness_mandel", "stiffness_voigt"]

#: Tensor index pairs of the Mandel (and Voigt) components in 2D and 3D.
MANDEL_PAIRS: dict[int, tuple[tuple[int, int], ...]] = {
    2: ((0, 0), (1, 1), (0, 1)),
    3: ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)),
}


def mandel_weights(dim: int) -> np.ndarray:
    """``W``: 1 on the normal components, sqrt(2) on the shear ones; shape ``(3,)`` or ``(6,)``."""
    return np.array([1.0 if i == j else np.sqrt(2.0) for i, j in MANDEL_PAIRS[dim]])


def check_phases(phases: ArrayLike, n_phases: int) -> np.ndarray:
    """The phase image as an ``intp`` array, checked against the number of phase data.

    Parameters
    ----------
    phases : array_like of int, shape (n1, n2) or (n1, n2, n3)
        Phase label of every voxel.
    n_phases : int
        Number of phase data given (conductivities or stiffnesses).

    Returns
    -------
    ndarray of intp, same shape

    Raises
    ------
    PhaseMapError
        The image is not 2D or 3D, not integer, or holds labels without data.
    """
    image = np.asarray(phases)
    if image.ndim not in (2, 3):
        raise PhaseMapError(f"the phase image must be 2D (n1, n2) or 3D (n1, n2, n3), got shape {image.shape}")
    if min(image.shape) < 2:
        raise PhaseMapError(f"the phase image needs at least 2 voxels along every axis, got shape {image.shape}")
    if image.dtype == bool:
        image = image.astype(np.intp)
    if not np.issubdtype(image.dtype, np.integer):
        if not np.issubdtype(image.dtype, np.floating) or not np.all(np.isfinite(image)) \
                or np.any(image != np.round(image)):
            raise PhaseMapError(f"the phase image must hold integer labels, got dtype {image.dtype} "
                                "with non-integer values")
    if image.size and (image.min() < 0 or image.max() >= n_phases):
        bad = np.unique(image[(image < 0) | (image >= n_phases)])
        raise PhaseMapError(f"the image holds phase label(s) {bad.tolist()[:10]} but phase data were given for "
                            f"labels 0..{n_phases - 1} only: give one value per label "
                            f"({np.count_nonzero(np.isin(image, bad))} of {image.size} voxels uncovered)")
    image = image.astype(np.intp)
    return image


def _image_dim(phases: ArrayLike) -> int:
    ndim = np.ndim(phases)
    return ndim if ndim in (2, 3) else 3  # check_phases, called next, names a bad dimension


def conductivity_cell(phases: ArrayLike, values: Sequence[float | ArrayLike]) -> tuple[np.ndarray, np.ndarray]:
    """Checked phase image and conductivity tensors ``(P, d, d)`` of a conductivity cell problem
    (:func:`check_phases`, :func:`conductivity_tensors`; the data are checked first)."""
    matrices = conductivity_tensors(values, _image_dim(phases))
    return check_phases(phases, len(matrices)), matrices


def stiffness_cell(phases: ArrayLike, stiffness: Sequence[ArrayLike]) -> tuple[np.ndarray, np.ndarray]:
    """Checked phase image and Mandel stiffnesses ``(P, m, m)`` of an elastic cell problem
    (:func:`check_phases`, :func:`stiffness_mandel`; the data are checked first)."""
    matrices = stiffness_mandel(stiffness, _image_dim(phases))
    return check_phases(phases, len(matrices)), matrices


def conductivity_tensors(values: Sequence[float | ArrayLike], dim: int) -> np.ndarray:
    """Phase conductivities as symmetric positive-definite tensors, shape ``(P, d, d)``.

    Parameters
    ----------
    values : sequence of float or (d, d) array_like
        One per phase: a scalar (isotropic) or a symmetric tensor.
    dim : int
        2 or 3.

    Raises
    ------
    PhaseDataError
        A value of the wrong shape, non-finite, not symmetric or not positive definite.
    """
    _check_sequence(values, 2, "conductivities")
    out = np.empty((len(values), dim, dim))
    for p, value in enumerate(values):
        k = _real(value, f"phase {p} conductivity")
        if k.ndim == 0:
            k = k * np.eye(dim)
        if k.shape != (dim, dim):
            raise PhaseDataError(f"phase {p}: a conductivity is a scalar or a ({dim}, {dim}) tensor in {dim}D, "
                                 f"got shape {k.shape}")
        out[p] = _symmetric_positive(k, f"phase {p} conductivity")
    return out


def stiffness_mandel(stiffness: Sequence[ArrayLike], dim: int) -> np.ndarray:
    """Phase stiffnesses in Mandel form, ``(P, 3, 3)`` in 2D or ``(P, 6, 6)`` in 3D.

    Parameters
    ----------
    stiffness : sequence of array_like
        One Voigt matrix per phase: 3x3 (xx yy xy, plane strain) in 2D, 6x6 in 3D.
    dim : int
        2 or 3.

    Raises
    ------
    PhaseDataError
        A matrix of the wrong size, non-finite, not symmetric or not positive definite.
    """
    m = 3 if dim == 2 else 6
    _check_sequence(stiffness, 1, "Voigt stiffness matrices")
    if np.ndim(stiffness[0]) != 2:
        raise PhaseDataError("give a sequence of Voigt stiffness matrices, one per phase label (a single matrix "
                             "goes in a list: [C])")
    w = mandel_weights(dim)
    out = np.empty((len(stiffness), m, m))
    for p, value in enumerate(stiffness):
        c = _real(value, f"phase {p} stiffness")
        if c.shape != (m, m):
            order = "xx yy xy (plane strain)" if dim == 2 else "xx yy zz yz xz xy"
            raise PhaseDataError(f"phase {p}: a {dim}D stiffness is a {m}x{m} Voigt matrix in the order {order}, "
                                 f"got shape {c.shape}")
        out[p] = _symmetric_positive(w[:, None] * c * w[None, :], f"phase {p} stiffness")
    return out


def stiffness_voigt(mandel: np.ndarray) -> np.ndarray:
    """Voigt matrix (engineering shear strains) of a Mandel stiffness, ``(m, m)`` or ``(P, m, m)``."""
    if mandel.shape[-2:] not in ((3, 3), (6, 6)):
        raise PhaseDataError(f"a Mandel stiffness is 3x3 (2D) or 6x6 (3D), got shape {mandel.shape}")
    w = mandel_weights(2 if mandel.shape[-1] == 3 else 3)
    return mandel / w[:, None] / w[None, :]


def _check_sequence(values: object, bad_ndim: int, what: str) -> None:
    if isinstance(values, np.ndarray):
        bad = values.ndim in (0, bad_ndim) or len(values) == 0
    else:
        bad = not isinstance(values, Sequence) or isinstance(values, str) or len(values) == 0
    if bad:
        raise PhaseDataError(f"give a sequence of {what}, one per phase label, got {type(values).__name__}")


def _real(value: object, what: str) -> np.ndarray:
    try:
        out = np.asarray(value)
        if np.iscomplexobj(out):
            raise TypeError("complex")
        return out.astype(float)
    except (TypeError, ValueError) as exc:
        raise PhaseDataError(f"{what} is not a real number or array ({value!r})") from exc


def _symmetric_positive(a: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(a)):
        raise PhaseDataError(f"{what} has non-finite entries")
    scale = np.abs(a).max()
    if np.abs(a - a.T).max() > 1e-10 * max(scale, 1e-300):
        raise PhaseDataError(f"{what} is not symmetric (largest asymmetry {np.abs(a - a.T).max():.3g})")
    lowest = np.linalg.eigvalsh(a).min()
    if lowest <= 1e-12 * scale:
        form = ", in Mandel form" if "stiffness" in what else ""
        raise PhaseDataError(f"{what} is not positive definite (smallest eigenvalue {lowest:.4g}{form}): "
                             "a void or a mechanically unstable phase has no finite effective tensor; "
                             "model a void as a very compliant phase")
    return 0.5 * (a + a.T)
