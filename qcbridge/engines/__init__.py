"""Engines: where atomistic energies and forces come from.

:class:`LammpsInstance` is the one way into LAMMPS (lifetime, checked commands, atom-id
mapping); :class:`LammpsEngine` holds the atoms of an ASE structure in one.
"""

from ._mpi import import_lammps, preload_mpi
from .elastic import elastic_constants_by_stress_differences
from .instance import InstanceState, LammpsInstance
from .lammps import EngineState, LammpsEngine

__all__ = [
    "EngineState", "InstanceState", "LammpsEngine", "LammpsInstance", "elastic_constants_by_stress_differences",
    "import_lammps", "preload_mpi",
]
