"""Macro-micro drivers: equation-free projective integration of coarse variables from short
bursts of a fine model (:mod:`.projective`), gap-tooth and patch dynamics of a 1D field
(:mod:`.patch`), stress bursts of LAMMPS cells for heterogeneous multiscale methods
(:mod:`.bursts`), the heterogeneous multiscale method on the continuum solver with those
bursts as its constitutive law (:mod:`.hmm`), independent bursts on any executor
(:mod:`.executors`), the direct-MD twin of an HMM specimen (:mod:`.specimen`), and a LAMMPS bar
whose strain profile relaxes slowly, a fine model for projective integration (:mod:`.damped_bar`).
"""

from .bursts import BurstResult, StressBurst, integrated_autocorrelation_time
from .damped_bar import DampedBar
from .executors import SerialExecutor, WarmBurst, run_bursts
from .hmm import BurstMaterial, HMMResult, hmm_solve
from .patch import FineStep, Teeth, gap_tooth_step, heat_stepper, patch_burst
from .projective import Burst, ProjectiveMethod, projective_integrate
from .specimen import GrippedBar, GrippedBarResult, gripped_bar_md, gripped_bar_mesh

__all__ = [
    "Burst",
    "BurstMaterial",
    "BurstResult",
    "DampedBar",
    "FineStep",
    "GrippedBar",
    "GrippedBarResult",
    "HMMResult",
    "ProjectiveMethod",
    "SerialExecutor",
    "StressBurst",
    "Teeth",
    "WarmBurst",
    "gap_tooth_step",
    "gripped_bar_md",
    "gripped_bar_mesh",
    "heat_stepper",
    "hmm_solve",
    "integrated_autocorrelation_time",
    "patch_burst",
    "projective_integrate",
    "run_bursts",
]
