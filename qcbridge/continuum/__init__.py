"""The continuum: simplicial meshes, the Cauchy-Born strain energy density of a crystal,
and finite-element assembly of energies, forces and stiffness over a mesh.

mesh (:class:`Mesh`) + material (:class:`CauchyBorn`, :class:`LammpsCauchyBorn` for any
potential LAMMPS evaluates, :class:`LinearElastic`) ->
:class:`ContinuumModel` (energy, forces, stiffness of nodal displacements).
"""

from .assembly import ContinuumModel, LinearElastic
from .cauchy_born import CauchyBorn
from .hyperelastic import HyperelasticCrystal, check_deformation
from .lammps_cell import LammpsCauchyBorn
from .materials import cauchy_born_material, equilibrium_lattice_constant
from .mesh import Mesh, graded_lattice_nodes, structured_mesh

__all__ = [
    "CauchyBorn", "ContinuumModel", "HyperelasticCrystal", "LammpsCauchyBorn", "LinearElastic", "Mesh",
    "cauchy_born_material", "check_deformation", "equilibrium_lattice_constant", "graded_lattice_nodes",
    "structured_mesh",
]
