"""Quasicontinuum coupling of LAMMPS atoms to Cauchy-Born elements.

geometry (:func:`build_geometry`, immutable) + boundary condition -> kinematics -> a
coupling method bound once -> contributions -> one assembly -> :class:`QCModel` (energy,
node forces) -> solvers (:func:`qcbridge.solvers.relax`). The ASE face is
:mod:`.ase_adapter`.
"""

from .ase_adapter import QCCalculator, QCOptimizable
from .assembly import Assembly
from .boundary import Boundary, DisplacementField, FreeSurface, HomogeneousDeformation
from .geometry import CoupledGeometry, Region, build_geometry
from .kinematics import Kinematics
from .methods import BQCE, BQCF, METHODS, QCE, QCF, CouplingMethod, GhostForceCorrection, method_from_name
from .model import QCModel

__all__ = [
    "Assembly", "BQCE", "BQCF", "Boundary", "CoupledGeometry", "CouplingMethod", "DisplacementField", "FreeSurface",
    "GhostForceCorrection", "HomogeneousDeformation", "Kinematics", "METHODS", "QCCalculator", "QCE", "QCF",
    "QCModel", "QCOptimizable", "Region", "build_geometry", "method_from_name",
]
