"""An indentation problem: a crystal with a free surface, a rigid indenter pushed into it, and
a boundary layer held at zero displacement below and beside.

The crystal is a slab periodic along z (a cylindrical indenter along z: the 2D indentation of
the original quasicontinuum papers) or a finite block (a spherical indenter). Its frame has y
along the surface normal (h k l); the free surface is the top face (y high). z is the shortest
lattice vector in the surface (a close-packed row). Every other face is held over a boundary
layer as deep as the padding (:func:`~qcbridge.coupling.problems.layer_width`). The indenter
follows LAMMPS's ``fix indent`` law (:mod:`qcbridge.coupling.indenter`); at depth D its lowest
point is D below the unrelaxed surface plane. Every run starts from the relaxed free surface
(:mod:`qcbridge.coupling.surface`), which coupled models hold at rest. The same problem builds
a coupled model with an atomistic region around the contact that reaches the free surface,
and the full-atomistic domain that LAMMPS minimizes. Units: Angstrom, eV, eV/Angstrom^3 for the indenter stiffness.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
from ase import Atoms

from ..continuum.cauchy_born import CauchyBorn
from ..continuum.lammps_cell import LammpsCauchyBorn
from ..continuum.materials import cauchy_born_material
from ..coupling.boundary import HomogeneousDeformation
from ..coupling.builders import cubic_lattice_constant
from ..coupling.geometry import CoupledGeometry, Side, build_geometry
from ..coupling.indenter import CylindricalIndenter, FlatPunch, Indenter, SphericalIndenter
from ..coupling.model import QCModel
from ..coupling.problems import layer_width
from ..coupling.surface import SurfaceRelaxation, relax_surface
from ..errors import IndentationGeometryError
from ..potentials.potential import Potential
from ..structures import (
    Directions,
    Lattice,
    cubic_crystal,
    lattice_basis,
    lattice_period,
    miller_indices,
    normal_frame,
    oriented_primitive_cell,
)

__all__ = ["IndentationProblem", "IndenterShape", "surface_frame"]


class IndenterShape(Enum):
    """Shape of the indenter, and with it the domain: a cylinder along z or a flat punch (a
    face 2 x radius wide, infinite along z) indents a slab periodic along z (2D); a sphere
    indents a finite block (3D)."""

    CYLINDER = "cylinder"
    SPHERE = "sphere"
    PUNCH = "punch"


def surface_frame(lattice: Lattice, surface: tuple[int, int, int] | np.ndarray) -> Directions:
    """Crystal directions along x, y, z for a free surface (h k l) normal to y: z is the shortest
    lattice vector in the surface (indices up to 3; ties to the smallest indices), x = y cross z.

    Raises
    ------
    IndentationGeometryError
        Indices that are not three integers, or all zero.
    """
    n = miller_indices(surface, "the surface", IndentationGeometryError)
    candidates = [np.array(t) for t in itertools.product(range(-3, 4), repeat=3)
                  if any(t) and int(np.dot(t, n)) == 0 and np.gcd.reduce(np.abs(t)) == 1]
    z = min(candidates, key=lambda t: (lattice_period(lattice, t, 1.0), np.abs(t).sum(), tuple(-t)))
    return normal_frame(n, z)


@dataclass
class IndentationProblem:
    """A free surface indented by a rigid cylinder or sphere (see the module docstring).

    Attributes
    ----------
    potential : Potential
    lattice : Lattice
    a : float
        Lattice constant (Angstrom).
    directions : 3 x 3 ints
        Crystal directions along x, y (surface normal) and z.
    crystal : ase.Atoms
        All sites of the domain (slab periodic along z, or a finite block).
    material : CauchyBorn or LammpsCauchyBorn
        Cauchy-Born material of the same potential, in the problem's frame.
    shape : IndenterShape
    radius : float
        Indenter radius (Angstrom).
    stiffness : float
        Indenter stiffness K (eV/Angstrom^3).
    contact : ndarray, shape (3,)
        The surface point under the indenter's axis (Angstrom).
    gap : float
        Height of the indenter's lowest point above the surface at the start (Angstrom).
    surface : SurfaceRelaxation or None
        The relaxed free surface (:mod:`~qcbridge.coupling.surface`) that coupled models hold
        at rest and every run starts from; None: the bulk lattice up to the surface.
    """

    potential: Potential
    lattice: Lattice
    a: float
    directions: Directions
    crystal: Atoms
    material: CauchyBorn | LammpsCauchyBorn
    shape: IndenterShape
    radius: float
    stiffness: float
    contact: np.ndarray
    gap: float = 0.0
    surface: SurfaceRelaxation | None = None

    @classmethod
    def build(cls, potential: Potential, lattice: Lattice, surface: tuple[int, int, int], *,
              shape: IndenterShape = IndenterShape.CYLINDER, radius: float = 20.0, width: float = 200.0,
              height: float = 100.0, a: float | None = None, symbol: str | None = None, stiffness: float = 10.0,
              gap: float = 0.0, relaxed_surface: bool = True) -> IndentationProblem:
        """Indentation of the surface (h k l) of a cubic crystal.

        Parameters
        ----------
        potential : Potential
        lattice : Lattice
            FCC or BCC (the crystal's element: ``symbol``, default the potential's first).
        surface : 3 ints
            Miller indices of the free surface.
        shape : IndenterShape
        radius : float
            Indenter radius (Angstrom); a flat punch's half-width.
        width, height : float
            Extent of the domain across the surface (x, and z for a block) and below it
            (Angstrom); rounded up to whole periods.
        a : float, optional
            Lattice constant (Angstrom); default the Cauchy-Born equilibrium.
        stiffness : float
            K of the ``fix indent`` law (eV/Angstrom^3).
        gap : float
            Start height of the indenter above the surface (Angstrom).
        relaxed_surface : bool
            Relax the free surface on a periodic column (LAMMPS) and start every run from it,
            coupled models holding it at rest. Without it, a coupled model's resolved surface
            is tied to the unrelaxed continuum one: on Al (001) it sat 0.025 A too high under
            the indenter, and the load came out 21 % too high at 0.25 A and 3 % at 1 A.

        Raises
        ------
        IndentationGeometryError
            A surface that is not a lattice plane, a negative gap (the indenter would start
            inside the crystal), a non-positive radius, or a domain too small for its boundary
            layer and the indenter.
        """
        dirs = surface_frame(lattice, surface)
        if not (np.isfinite(radius) and radius > 0):
            raise IndentationGeometryError(f"the indenter radius must be positive (A), got {radius}")
        if not np.isfinite(gap) or gap < 0:
            raise IndentationGeometryError(
                f"the indenter starts inside the crystal: its lowest point is {-gap:.3g} A below the surface; "
                "start it at or above the surface (gap >= 0)")
        symbol = potential.species[0] if symbol is None else symbol
        if a is None:
            a = cubic_lattice_constant(potential, lattice, dirs, symbol)
        cell = cubic_crystal(lattice, symbol, a, directions=dirs, pbc=True)
        lengths = np.diag(np.array(cell.cell))
        layer = layer_width(potential)
        if height < 3 * layer or width < 2 * radius + 4 * layer:
            raise IndentationGeometryError(
                f"a domain {width:g} A wide and {height:g} A high is too small: the held boundary layer is "
                f"{layer:.3g} A deep and the indenter {2 * radius:g} A wide; use height >= {3 * layer:.3g} A "
                f"and width >= {2 * radius + 4 * layer:.3g} A")
        block = shape is IndenterShape.SPHERE
        size = [int(np.ceil(width / lengths[0])), int(np.ceil(height / lengths[1])),
                int(np.ceil(width / lengths[2])) if block else 1]
        crystal = cubic_crystal(lattice, symbol, a, directions=dirs, size=size, pbc=(False, False, not block))
        X = crystal.positions
        centre = 0.5 * (X.min(axis=0) + X.max(axis=0))
        contact = np.array([centre[0], X[:, 1].max(), centre[2] if block else 0.0])
        material = cauchy_born_material(oriented_primitive_cell(lattice, symbol, a, dirs), potential)
        surf = relax_surface(potential, cell) if relaxed_surface else None
        problem = cls(potential, lattice, float(a), dirs, crystal, material, shape, float(radius), float(stiffness),
                      contact, float(gap), surf)
        problem.indenter(0.0)  # validates the stiffness
        return problem

    @property
    def dim(self) -> int:
        """Mesh dimension: 2 for the slab (cylinder), 3 for the block (sphere)."""
        return 3 if self.shape is IndenterShape.SPHERE else 2

    @property
    def free_sides(self) -> tuple[Side, ...]:
        """The free surface: the top face."""
        return (Side.Y_HIGH,)

    @property
    def layer(self) -> np.ndarray:
        """Sites held at zero displacement: within the boundary-layer depth of every face but
        the free surface."""
        X = self.crystal.positions[:, : self.dim]
        lo, hi = X.min(axis=0), X.max(axis=0)
        w = layer_width(self.potential)
        near = (X - lo < w) | (hi - X < w)
        near[:, 1] = X[:, 1] - lo[1] < w  # not the free surface
        return np.asarray(near.any(axis=1))

    def rest_state(self) -> np.ndarray:
        """Displacements (Angstrom, one row per site) of the relaxed free surface, zero on the
        held layer (all zero without a surface relaxation)."""
        X = self.crystal.positions
        if self.surface is None:
            return np.zeros_like(X)
        u = self.surface.field(X, float(X[:, 1].max()))
        u[self.layer] = 0.0
        return u

    def indenter_centre(self, depth: float) -> np.ndarray:
        """Centre (sphere) or axis point (cylinder) of the indenter at ``depth`` (Angstrom), shape (3,);
        for a flat punch the point ``radius`` above the middle of its face."""
        return np.asarray(self.contact + np.array([0.0, self.radius - depth, 0.0]))

    def indenter(self, depth: float) -> Indenter:
        """The indenter with its lowest point ``depth`` (Angstrom) below the surface plane."""
        centre = self.indenter_centre(depth)
        if self.shape is IndenterShape.PUNCH:
            face = tuple(centre - np.array([0.0, self.radius, 0.0]))
            return FlatPunch(self.stiffness, point=face, normal=(0.0, -1.0, 0.0), half_width=self.radius,
                             periodic_axis=(0.0, 0.0, 1.0))
        if self.shape is IndenterShape.SPHERE:
            return SphericalIndenter(self.stiffness, center=tuple(centre), radius=self.radius)
        return CylindricalIndenter(self.stiffness, center=tuple(centre), axis=(0.0, 0.0, 1.0), radius=self.radius)

    def check_depths(self, depths: np.ndarray) -> np.ndarray:
        """Validated depths (Angstrom) of a loading path from the start (``-gap``).

        Raises
        ------
        IndentationGeometryError
            Non-finite depths, or a depth at which the indenter would reach the held boundary
            layer (the message names the first such depth and how deep the held floor is).
        """
        d = np.asarray(depths, dtype=float).ravel()
        if d.size == 0 or not np.all(np.isfinite(d)):
            raise IndentationGeometryError(f"indentation depths must be finite numbers (A), got {d.tolist()[:5]}")
        X = self.crystal.positions[self.layer]
        below = self.contact[1] - self.crystal.positions[:, 1].min() - layer_width(self.potential)  # held floor
        for depth in np.unique(d):
            if depth >= below or np.any(self.indenter(float(depth)).penetration(X)[0] > 0):
                raise IndentationGeometryError(
                    f"a depth of {depth:g} A reaches beyond the domain: the indenter would touch the held boundary "
                    f"layer ({below:.3g} A below the surface, or beside the contact); use a smaller depth or a "
                    "larger domain (height, width)")
        return d

    def atomistic(self, radius: float) -> Callable[[np.ndarray], np.ndarray]:
        """Atomistic region: sites within ``radius`` (Angstrom) of the contact point."""
        c, k = self.contact, self.dim
        return lambda X: np.linalg.norm(X[:, :k] - c[:k], axis=1) <= radius

    def geometry(self, atomistic: float | np.ndarray, *, blend_width: float = 8.0,
                 **geometry_options: Any) -> CoupledGeometry:
        """Coupled geometry: an atomistic region of radius ``atomistic`` (Angstrom) around the
        contact, or a mask over sites, reaching the free surface."""
        region = self.atomistic(float(atomistic)) if np.ndim(atomistic) == 0 else np.asarray(atomistic, bool)
        lattice = lattice_basis(self.crystal.positions[:, : self.dim])
        return build_geometry(self.crystal, region, cutoff=self.potential.cutoff,
                              manybody=self.potential.is_manybody, lattice=lattice, blend_width=blend_width,
                              free_sides=self.free_sides, **geometry_options)

    def model(self, atomistic: float | np.ndarray, method: str = "bqcf", *, blend_width: float = 8.0,
              **geometry_options: Any) -> QCModel:
        """Coupled model of the problem (held layer fixed at zero displacement)."""
        return self.model_on(self.geometry(atomistic, blend_width=blend_width, **geometry_options), method)

    def model_on(self, geometry: CoupledGeometry, method: str = "bqcf") -> QCModel:
        """Coupled model of the problem on a given geometry (from :meth:`geometry`), the held
        layer fixed at zero displacement, at rest in the relaxed surface (:meth:`rest_state`)."""
        rest = None if self.surface is None else self.rest_state()[geometry.node_site]
        return QCModel(geometry, self.potential, self.material, method, HomogeneousDeformation(np.eye(3)),
                       fixed=np.flatnonzero(self.layer[geometry.node_site]), rest=rest)

