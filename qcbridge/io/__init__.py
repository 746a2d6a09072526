"""Reading and writing: LAMMPS unit styles, LAMMPS dumps and ASE trajectories."""

from .units import LammpsUnits
from .trajectory import Selection, Trajectory, read_trajectory
from .lammps_dump import read_lammps_dump

__all__ = ["LammpsUnits", "Selection", "Trajectory", "read_lammps_dump", "read_trajectory"]
