"""Periodic homogenization: effective tensors of voxel images by FFT cell problems.

:mod:`.phases` checks images and phase data, :mod:`.spectral` solves one cell problem
(Moulinec–Suquet basic scheme or Fourier–Galerkin CG), :mod:`.effective` turns load cases
into the effective conductivity or stiffness.
"""

from .effective import (
    Homogenized,
    effective_conductivity,
    effective_stiffness,
    homogenize_conductivity,
    homogenize_stiffness,
)
from .spectral import CellField, Scheme, solve_cell

__all__ = [
    "CellField",
    "Homogenized",
    "Scheme",
    "effective_conductivity",
    "effective_stiffness",
    "homogenize_conductivity",
    "homogenize_stiffness",
    "solve_cell",
]
