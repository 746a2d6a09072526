"""Mori-Zwanzig / generalized Langevin memory kernels from trajectories.

estimate (:func:`estimate_kernel`, :func:`estimate_matrix_kernel`) -> fit
(:meth:`KernelResult.fit`, :func:`fit_kernel`) -> embed and integrate (:class:`KernelFit`,
:func:`sample_gle`) -> export to LAMMPS (:func:`write_fix_gle`, :func:`fix_gld_command`);
tails and transport coefficients in :mod:`.tails`; samples straight from a running LAMMPS in
:func:`sample_lammps`.

One unit convention throughout: the data's own (ASE units for trajectories read by
:mod:`qcbridge.io`: Angstrom, amu, eV, ASE time). Gamma(t) is in mass / time^2; a fit is
the kernel per unit mass K = Gamma / m (1 / time^2) and carries the mass m and the thermal
energy kT of its data (kT = m <v^2> per component unless given), which its diffusion
coefficient, VACF, GLE samples and LAMMPS exports use. There are no default masses or
temperatures: reduced-unit users pass ``mass=1.0`` (and ``kT=1.0``) explicitly. Bad input
raises a :class:`~qcbridge.errors.KernelError` that says what is wrong and what to do.
"""

from .correlations import correlation
from .embedding import KernelFit, fit_kernel
from .integrate import sample_gle
from .kernel import Inversion, KernelResult, estimate_kernel, thermal_energy
from .lammps_export import fix_gld_command, gle_a_matrix, lammps_temperature, write_fix_gle
from .matrix import MatrixKernelResult, estimate_matrix_kernel
from .mean_force import LinearMori, SplinePMF
from .sampling import sample_lammps
from .tails import diffusion_coefficient, fit_tail, friction_coefficient
from .volterra import invert_first_kind, invert_running_integral, invert_second_kind

__all__ = [
    "Inversion", "KernelFit", "KernelResult", "LinearMori", "MatrixKernelResult", "SplinePMF",
    "correlation", "diffusion_coefficient", "estimate_kernel", "estimate_matrix_kernel", "fit_kernel",
    "fit_tail", "fix_gld_command", "friction_coefficient", "gle_a_matrix", "invert_first_kind",
    "invert_running_integral", "invert_second_kind", "lammps_temperature", "sample_gle", "sample_lammps",
    "thermal_energy", "write_fix_gle",
]
