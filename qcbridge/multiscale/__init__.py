"""Macro-micro drivers: equation-free projective integration of coarse variables from short
bursts of a fine model (:mod:`.projective`), gap-tooth and patch dynamics of a 1D field
(:mod:`.patch`), stress bursts of LAMMPS cells for heterogeneous multiscale methods
(:mod:`.bursts`), and independent bursts on any executor (:mod:`.executors`).
"""

from .bursts import BurstResult, StressBurst, integrated_autocorrelation_time
from .executors import SerialExecutor, WarmBurst, run_bursts
from .patch import FineStep, Teeth, gap_tooth_step, heat_stepper, patch_burst
from .projective import Burst, ProjectiveMethod, projective_integrate

__all__ = [
    "Burst",
    "BurstResult",
    "FineStep",
    "ProjectiveMethod",
    "SerialExecutor",
    "StressBurst",
    "Teeth",
    "WarmBurst",
    "gap_tooth_step",
    "heat_stepper",
    "integrated_autocorrelation_time",
    "patch_burst",
    "projective_integrate",
    "run_bursts",
]
