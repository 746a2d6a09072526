"""Interatomic potentials: descriptions for LAMMPS and the registry of known files."""

from .lammps_style import LammpsPairStyle, lammps_potential
from .manybody import StillingerWeber, Tersoff, ThreeBodyPotential
from .potential import EAMPotential, LennardJones, Morse, Potential, TabulatedPair
from .registry import known_potentials, load_potential, potential_directories
from .threebody import ThreeBodyFunctions, evaluate_threebody, threebody_functions

__all__ = [
    "Potential",
    "EAMPotential",
    "LennardJones",
    "Morse",
    "TabulatedPair",
    "ThreeBodyPotential",
    "StillingerWeber",
    "Tersoff",
    "LammpsPairStyle",
    "lammps_potential",
    "ThreeBodyFunctions",
    "threebody_functions",
    "evaluate_threebody",
    "load_potential",
    "known_potentials",
    "potential_directories",
]
