"""Interatomic potentials: descriptions for LAMMPS and the registry of known files."""

from .potential import EAMPotential, LennardJones, Morse, Potential, TabulatedPair
from .registry import known_potentials, load_potential, potential_directories

__all__ = [
    "Potential",
    "EAMPotential",
    "LennardJones",
    "Morse",
    "TabulatedPair",
    "load_potential",
    "known_potentials",
    "potential_directories",
]
