"""Macro-micro drivers: equation-free projective integration of coarse variables from short
bursts of a fine model (:mod:`.projective`), gap-tooth and patch dynamics of a 1D field
(:mod:`.patch`), stress bursts of LAMMPS cells for heterogeneous multiscale methods
(:mod:`.bursts`), the heterogeneous multiscale method on the continuum solver with those
bursts as its constitutive law (:mod:`.hmm`), and independent bursts on any executor
(:mod:`.executors`).
"""

from .bursts import BurstResult, StressBurst, integrated_autocorrelation_time
from .executors import SerialExecutor, WarmBurst, run_bursts
from .hmm import BurstMaterial, HMMResult, hmm_solve
from .patch import FineStep, Teeth, gap_tooth_step, heat_stepper, patch_burst
from .projective import Burst, ProjectiveMethod, projective_integrate

__all__ = [
    "Burst",
    "BurstMaterial",
    "BurstResult",
    "FineStep",
    "HMMResult",
    "ProjectiveMethod",
    "SerialExecutor",
    "StressBurst",
    "Teeth",
    "WarmBurst",
    "gap_tooth_step",
    "heat_stepper",
    "hmm_solve",
    "integrated_autocorrelation_time",
    "patch_burst",
    "projective_integrate",
    "run_bursts",
]
