"""Mori-Zwanzig / generalized Langevin memory kernels from trajectories.

Work in progress: correlations (FFT, sample averages) and the second-kind Volterra
inversion with block error bars, fits by exponentials and damped cosines and their
Markovian embedding (exact VACF) and an exact seeded GLE sampler are in place; LAMMPS export,
trajectory readers and the command line are not yet.
"""

from .correlations import correlation
from .kernel import KernelResult, estimate_kernel
from .embedding import KernelFit, fit_kernel
from .integrate import sample_gle
from .volterra import invert_second_kind

__all__ = ["KernelFit", "KernelResult", "correlation", "estimate_kernel", "fit_kernel", "invert_second_kind", "sample_gle"]
