"""Mori-Zwanzig / generalized Langevin memory kernels from trajectories.

estimate (:func:`estimate_kernel`, :func:`estimate_matrix_kernel`) -> fit
(:func:`fit_kernel`) -> embed and integrate (:class:`KernelFit`, :func:`sample_gle`) ->
export to LAMMPS (:func:`write_fix_gle`, :func:`fix_gld_command`); tails and transport
coefficients in :mod:`.tails`; samples straight from a running LAMMPS in :func:`sample_lammps`.
"""

from .correlations import correlation
from .embedding import KernelFit, fit_kernel
from .integrate import sample_gle
from .kernel import Inversion, KernelResult, estimate_kernel
from .lammps_export import fix_gld_command, gle_a_matrix, write_fix_gle
from .matrix import MatrixKernelResult, estimate_matrix_kernel
from .mean_force import LinearMori, SplinePMF
from .sampling import sample_lammps
from .tails import diffusion_coefficient, fit_tail, friction_coefficient
from .volterra import invert_first_kind, invert_running_integral, invert_second_kind

__all__ = [
    "Inversion", "KernelFit", "KernelResult", "LinearMori", "MatrixKernelResult", "SplinePMF",
    "correlation", "diffusion_coefficient", "estimate_kernel", "estimate_matrix_kernel", "fit_kernel",
    "fit_tail", "fix_gld_command", "friction_coefficient", "gle_a_matrix", "invert_first_kind",
    "invert_running_integral", "invert_second_kind", "sample_gle", "sample_lammps", "write_fix_gle",
]
