"""Reading and writing: LAMMPS unit styles, LAMMPS dumps and ASE trajectories."""

from .lammps_dump import iter_lammps_dump, read_lammps_dump
from .trajectory import Selection, Trajectory, read_trajectory
from .units import LammpsUnits

__all__ = ["LammpsUnits", "Selection", "Trajectory", "iter_lammps_dump", "read_lammps_dump", "read_trajectory"]
