"""Mori-Zwanzig / generalized Langevin memory kernels from trajectories.

Work in progress: correlations (FFT, sample averages) and the second-kind Volterra
inversion with block error bars are in place; fitting, embedding, LAMMPS export,
trajectory readers and the command line are not yet.
"""

from .correlations import correlation
from .kernel import KernelResult, estimate_kernel
from .volterra import invert_second_kind

__all__ = ["KernelResult", "correlation", "estimate_kernel", "invert_second_kind"]
