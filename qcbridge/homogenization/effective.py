"""Effective conductivity and stiffness of a periodic voxel image by FFT cell problems.

The effective tensor maps an imposed mean field to the mean flux: column ``I`` is the mean
flux of the cell problem with unit mean field ``e_I`` (``d`` load cases for conductivity,
3 (2D plane strain) or 6 (3D) for elasticity). Each load case is solved by
:func:`.spectral.solve_cell`; the tensor is symmetrized (its asymmetry, a measure of the
solver tolerance, is logged) and returned in the convention of the input: a ``(d, d)``
conductivity, or a Voigt stiffness with engineering shear strains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .fft import RealFFT
from .phases import conductivity_cell, stiffness_cell, stiffness_voigt
from .spectral import CellField, Projection, Scheme, project_gradient, project_strain, solve_cell, wave_directions

__all__ = ["Homogenized", "effective_conductivity", "effective_stiffness", "homogenize_conductivity",
           "homogenize_stiffness"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Homogenized:
    """Effective tensor of a cell with the convergence record of its load cases.

    Attributes
    ----------
    tensor : ndarray
        Effective conductivity ``(d, d)`` or Voigt stiffness ``(3, 3)``/``(6, 6)``, unit of the
        phase data.
    scheme : Scheme
    tol : float
        Relative equilibrium residual reached by every load case.
    iterations : tuple of int
        Iterations of each load case.
    residuals : tuple of ndarray
        Residual history of each load case.
    fields : tuple of ndarray
        Local field of each load case (Mandel, ``(m, *image.shape)``), when kept.
    """

    tensor: np.ndarray
    scheme: Scheme
    tol: float
    iterations: tuple[int, ...]
    residuals: tuple[np.ndarray, ...]
    fields: tuple[np.ndarray, ...] = ()


Progress = Callable[[int, int], None]


def _homogenize(image: np.ndarray, matrices: np.ndarray, projection: Projection, scheme: Scheme, tol: float,
                max_iter: int, keep_fields: bool, workers: int, progress: Progress | None
                ) -> tuple[np.ndarray, list[CellField]]:
    m = matrices.shape[1]
    directions = wave_directions(image.shape)
    fft = RealFFT(m, image.shape, workers)
    cases = []
    for i in range(m):
        unit = np.zeros(m)
        unit[i] = 1.0
        case = solve_cell(image, matrices, unit, projection, scheme=scheme, tol=tol,
                          max_iter=max_iter, directions=directions, fft=fft)
        cases.append(case if keep_fields else CellField(np.empty(0), case.mean_flux, case.iterations,
                                                        case.residuals))
        if progress is not None:
            progress(i + 1, m)
    tensor = np.column_stack([c.mean_flux for c in cases])
    asymmetry = np.abs(tensor - tensor.T).max() / np.abs(tensor).max()
    log.info("effective tensor: %s load cases, asymmetry %.2g", m, asymmetry)
    return 0.5 * (tensor + tensor.T), cases


def homogenize_conductivity(phases: ArrayLike, values: Sequence[float | ArrayLike], *, scheme: Scheme = Scheme.CG,
                            tol: float = 1e-8, max_iter: int = 1000, keep_fields: bool = False,
                            workers: int = -1, progress: Progress | None = None) -> Homogenized:
    """Effective conductivity of a periodic image with its convergence record.

    Parameters
    ----------
    phases : array_like of int, shape (N, N) or (N, N, N)
        Phase label of every voxel.
    values : sequence of float or (d, d) array_like
        Conductivity of each label (scalar or symmetric tensor), any unit (e.g. W/(m K)).
    scheme : Scheme
        :attr:`Scheme.CG` (default) or :attr:`Scheme.BASIC`.
    tol : float
        Relative equilibrium residual of each load case.
    max_iter : int
    keep_fields : bool
        Keep the local gradient field of each load case.
    workers : int
        FFT threads (-1: all cores).
    progress : callable, optional
        ``progress(done, total)`` after each load case.

    Returns
    -------
    Homogenized
        ``tensor`` is ``(d, d)``, in the unit of ``values``.
    """
    image, matrices = conductivity_cell(phases, values)
    tensor, cases = _homogenize(image, matrices, project_gradient, scheme, tol, max_iter, keep_fields, workers,
                                  progress)
    return Homogenized(tensor, scheme, tol, tuple(c.iterations for c in cases), tuple(c.residuals for c in cases),
                       tuple(c.field for c in cases) if keep_fields else ())


def homogenize_stiffness(phases: ArrayLike, stiffness: Sequence[ArrayLike], *, scheme: Scheme = Scheme.CG,
                         tol: float = 1e-8, max_iter: int = 1000, keep_fields: bool = False,
                         workers: int = -1, progress: Progress | None = None) -> Homogenized:
    """Effective Voigt stiffness of a periodic image with its convergence record.

    Parameters
    ----------
    phases : array_like of int, shape (N, N) or (N, N, N)
        Phase label of every voxel; 2D images are in plane strain.
    stiffness : sequence of array_like
        Voigt stiffness of each label: 3x3 (xx yy xy) in 2D, 6x6 (xx yy zz yz xz xy) in 3D,
        engineering shear strains, any unit (e.g. GPa).
    scheme, tol, max_iter, keep_fields, workers, progress
        As in :func:`homogenize_conductivity`; kept fields are Mandel strains.

    Returns
    -------
    Homogenized
        ``tensor`` is the effective Voigt stiffness, in the unit of ``stiffness``.
    """
    image, matrices = stiffness_cell(phases, stiffness)
    tensor, cases = _homogenize(image, matrices, project_strain, scheme, tol, max_iter, keep_fields, workers,
                                  progress)
    return Homogenized(stiffness_voigt(tensor), scheme, tol, tuple(c.iterations for c in cases),
                       tuple(c.residuals for c in cases), tuple(c.field for c in cases) if keep_fields else ())


def effective_conductivity(phases: ArrayLike, values: Sequence[float | ArrayLike]) -> np.ndarray:
    """Effective ``(d, d)`` conductivity of a periodic phase image (FFT, Galerkin CG, tol 1e-8).

    Parameters
    ----------
    phases : array_like of int, shape (N, N) or (N, N, N)
        Phase label of every voxel.
    values : sequence of float or (d, d) array_like
        Conductivity of each label, any unit; the result is in the same unit.

    Returns
    -------
    ndarray, shape (d, d)

    Examples
    --------
    A laminate of equal layers: the harmonic mean across, the arithmetic mean along.

    >>> import numpy as np
    >>> phases = np.zeros((8, 8), int); phases[4:] = 1
    >>> np.round(effective_conductivity(phases, [1.0, 3.0]), 6)
    array([[1.5, 0. ],
           [0. , 2. ]])
    """
    return homogenize_conductivity(phases, values).tensor


def effective_stiffness(phases: ArrayLike, stiffness: Sequence[ArrayLike]) -> np.ndarray:
    """Effective Voigt stiffness of a periodic phase image (FFT, Galerkin CG, tol 1e-8).

    Parameters
    ----------
    phases : array_like of int, shape (N, N) or (N, N, N)
        Phase label of every voxel; 2D images are in plane strain.
    stiffness : sequence of array_like
        Voigt stiffness of each label: 3x3 (xx yy xy) in 2D, 6x6 (xx yy zz yz xz xy) in 3D,
        engineering shear strains, any unit; the result is in the same unit.

    Returns
    -------
    ndarray, shape (3, 3) or (6, 6)
    """
    return homogenize_stiffness(phases, stiffness).tensor
