"""Coupling methods as strategy objects, one idea per module.

* :class:`QCE`, :class:`BQCE` (:mod:`.energy_based`): weighted site energies plus
  Cauchy-Born elements;
* :class:`GhostForceCorrection` (:mod:`.ghost_force`): QCE with the ghost forces of the
  homogeneous state removed as a dead load;
* :class:`QCF`, :class:`BQCF` (:mod:`.force_based`): blended node forces.
"""

from .base import METHODS, CouplingMethod, method_from_name
from .energy_based import BQCE, QCE
from .force_based import BQCF, QCF
from .ghost_force import GhostForceCorrection

__all__ = ["BQCE", "BQCF", "METHODS", "QCE", "QCF", "CouplingMethod", "GhostForceCorrection", "method_from_name"]

# list the built-in methods from the simplest to the most accurate, then any others
_ORDER = ("qce", "qce-gfc", "qcf", "bqce", "bqcf")
_ordered = {name: METHODS[name] for name in _ORDER} | {k: v for k, v in METHODS.items() if k not in _ORDER}
METHODS.clear()
METHODS.update(_ordered)
