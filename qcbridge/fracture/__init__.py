"""Fracture: crack geometry and loading in coupled models, surface energies, Griffith's
K and lattice trapping, each measured both by a coupled model and full atomistics."""

from .orientation import CrackOrientation
from .surface import surface_energy

__all__ = ["CrackOrientation", "surface_energy"]
