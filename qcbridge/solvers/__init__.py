"""Solvers: one :func:`relax` for every problem, with methods as strategy objects and
checkpoints, trajectories and progress as observers.

problem (:class:`Problem`: a coupled model, a :class:`ContinuumProblem`) + method
(:class:`FIRE`, :class:`LBFGS`, :class:`NewtonKrylov`, :class:`Newton`,
:class:`AseOptimizer`) + :class:`RelaxOptions` + observers -> :class:`RelaxResult`.
"""

from .ase_optimizer import AseOptimizer
from .methods import FIRE, LBFGS, Method
from .newton import Newton, NewtonKrylov
from .observers import Checkpoint, PrintProgress, TrajectoryWriter
from .problem import ContinuumProblem, DofView, Problem, fingerprint
from .relax import Outcome, Progress, RelaxOptions, RelaxResult, method_from_name, relax

__all__ = [
    "AseOptimizer", "Checkpoint", "ContinuumProblem", "DofView", "FIRE", "LBFGS", "Method", "Newton", "NewtonKrylov",
    "Outcome", "PrintProgress", "Problem", "Progress", "RelaxOptions", "RelaxResult", "TrajectoryWriter",
    "fingerprint", "method_from_name", "relax",
]
