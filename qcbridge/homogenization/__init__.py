"""Periodic homogenization: effective tensors of voxel images by FFT cell problems.

:mod:`.phases` checks images and phase data, :mod:`.spectral` solves one cell problem
(Moulinec–Suquet basic scheme or Fourier–Galerkin CG), :mod:`.effective` turns load cases
into the effective conductivity or stiffness, :mod:`.fe` solves the same cell problems by
periodic finite elements (an independent check on small images), :mod:`.analytic` holds the
closed forms and bounds, :mod:`.microstructures` random periodic images, :mod:`.rve` the
statistics of apparent properties and the representative volume, and :mod:`.atomistic` the
finite-temperature elastic constants of a crystal from LAMMPS, phase data for the cells.
"""

from .atomistic import FiniteTemperatureElasticConstants, finite_temperature_elastic_constants
from .effective import (
    Homogenized,
    effective_conductivity,
    effective_stiffness,
    homogenize_conductivity,
    homogenize_stiffness,
)
from .fe import fe_effective_conductivity, fe_effective_stiffness
from .spectral import CellField, Scheme, solve_cell

__all__ = [
    "CellField",
    "FiniteTemperatureElasticConstants",
    "Homogenized",
    "Scheme",
    "effective_conductivity",
    "effective_stiffness",
    "fe_effective_conductivity",
    "fe_effective_stiffness",
    "finite_temperature_elastic_constants",
    "homogenize_conductivity",
    "homogenize_stiffness",
    "solve_cell",
]
