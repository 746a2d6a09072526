"""Quasicontinuum coupling of LAMMPS atoms to Cauchy-Born elements.

geometry (:func:`build_geometry`) -> model (:class:`QCModel` with a boundary condition
and a coupling method) -> forces / energy -> solvers (:mod:`qcbridge.solvers`).
"""

from .boundary import Boundary, DisplacementField, FreeSurface, HomogeneousDeformation
from .geometry import CoupledGeometry, Region, build_geometry, lattice_basis
from .methods import BQCE, BQCF, METHODS, QCE, QCF, CouplingMethod, GhostForceCorrection, method_from_name
from .model import QCCalculator, QCModel, QCOptimizable

__all__ = [
    "BQCE", "BQCF", "Boundary", "CoupledGeometry", "CouplingMethod", "DisplacementField", "FreeSurface",
    "GhostForceCorrection", "HomogeneousDeformation", "METHODS", "QCCalculator", "QCE", "QCF", "QCModel",
    "QCOptimizable", "Region", "build_geometry", "lattice_basis", "method_from_name",
]
