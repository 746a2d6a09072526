"""Engines: where atomistic energies and forces come from."""

from ._mpi import import_lammps
from .elastic import elastic_constants_by_stress_differences
from .lammps import LammpsEngine, run_command

__all__ = ["LammpsEngine", "elastic_constants_by_stress_differences", "import_lammps", "run_command"]
