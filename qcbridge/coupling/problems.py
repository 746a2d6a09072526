"""Defect problems solved both ways: a coupled model and the full-atomistic LAMMPS reference
on the same domain with the same boundary.

A problem fixes the crystal slab, the defect, its far field (boundary condition and
predictor) and a boundary layer held at that field (the cutoff, twice for EAM, deep). The
reference minimizes every site of the domain with LAMMPS; the coupled model holds the
nodes in the same layer. :meth:`DefectProblem.compare` measures the coupled solution
against the reference: maximum displacement error on the atomistic core, energy-norm
error over the whole domain, and the core energy (sum of per-atom energy excesses within
``core_radius`` of the defect).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from ..continuum.cauchy_born import CauchyBorn
from ..continuum.lammps_cell import LammpsCauchyBorn
from ..continuum.materials import cauchy_born_material
from ..continuum.mesh import Mesh
from ..defects import (
    DislocationDipole,
    EdgeDislocation,
    PartialsFit,
    StrohDislocation,
    disregistry,
    fit_partials,
    voigt_poisson_ratio,
)
from ..errors import CouplingError
from ..potentials.potential import Potential
from ..structures import (
    Directions,
    Lattice,
    assign_sublattices,
    cubic_crystal,
    lattice_basis,
    oriented_primitive_cell,
)
from .boundary import Boundary, DisplacementField, HomogeneousDeformation
from .builders import DISLOCATION_AXES, cubic_lattice_constant
from .geometry import CoupledGeometry, Region, build_geometry
from .methods import CouplingMethod
from .model import QCModel
from .reference import (
    AtomisticReference,
    atom_energies,
    boundary_layer,
    energy_norm,
    relax_reference,
    site_displacements,
)

__all__ = ["LOMER_AXES", "SCREW_AXES", "DefectProblem", "EdgeDislocationProblem", "LomerDipoleProblem",
           "ScrewDislocationProblem", "VacancyProblem", "layer_width"]


def layer_width(potential: Potential) -> float:
    """Depth (A) of the boundary layer held at a problem's far field: 1.1 cutoffs, twice that
    for EAM-type potentials."""
    return (2.0 if potential.is_manybody else 1.0) * 1.1 * potential.cutoff


@dataclass
class DefectProblem:
    """Common part: crystal (with the defect), far field, boundary layer, material.

    Attributes
    ----------
    potential : Potential
    crystal : ase.Atoms
        All sites of the domain (slab periodic along z), defect included.
    centre : ndarray, shape (2,)
        Defect position in the plane (Angstrom).
    boundary : Boundary
    material : CauchyBorn or LammpsCauchyBorn
    a : float
        Lattice constant (Angstrom).
    e_bulk : float
        Energy per atom of the perfect crystal (eV).
    """

    potential: Potential
    crystal: Atoms
    centre: np.ndarray
    boundary: Boundary
    material: CauchyBorn | LammpsCauchyBorn
    a: float
    e_bulk: float
    _full_mesh: Mesh | None = field(default=None, repr=False)

    @property
    def layer(self) -> np.ndarray:
        """Sites held at the far field (within 2.2 cutoffs of the outer boundary for EAM)."""
        return boundary_layer(self.crystal.positions, layer_width(self.potential))

    def atomistic(self, radius: float) -> Callable[[np.ndarray], np.ndarray]:
        """Atomistic region: sites within ``radius`` (A) of the defect."""
        c = np.asarray(self.centre)
        return lambda X: np.linalg.norm(X[:, :2] - c, axis=1) <= radius

    def region(self, radius: float | np.ndarray) -> Callable[[np.ndarray], np.ndarray] | np.ndarray:
        """The atomistic region: a disc of ``radius`` (A) around the defect, or a mask over sites."""
        return self.atomistic(float(radius)) if np.ndim(radius) == 0 else np.asarray(radius, dtype=bool)

    def geometry(self, radius: float | np.ndarray, *, blend_width: float = 8.0,
                 **geometry_options: Any) -> CoupledGeometry:
        """Coupled geometry with an atomistic disc of ``radius`` (A) around the defect (or a
        mask over sites). A multilattice (diamond) gets its mesh on the Bravais sublattice of
        the material's cell, the other sublattices as extra degrees of freedom or inner-shifted
        padding atoms."""
        X = self.crystal.positions
        sublattice = self.sublattice_of(X)  # all 0 for a simple lattice
        return build_geometry(self.crystal, self.region(radius), cutoff=self.potential.cutoff,
                              manybody=self.potential.is_manybody, lattice=lattice_basis(X[sublattice == 0, :2]),
                              blend_width=blend_width, sublattice=sublattice, **geometry_options)

    def sublattice_of(self, X: np.ndarray) -> np.ndarray:
        """Basis atom of the material's cell (index into its inner shifts) of each lattice
        site X (n, 3; Angstrom), as the geometry labels the crystal's sites; all 0 for a
        simple lattice.

        Raises
        ------
        StructureError
            A point that is no site of the crystal's lattice.
        """
        X = np.asarray(X, dtype=float).reshape(-1, 3)
        if self.material.nbasis == 1:
            return np.zeros(len(X), dtype=np.int64)
        cell = Atoms(positions=self.material.basis, cell=self.material.cell, pbc=True)
        return assign_sublattices(np.vstack([self.crystal.positions[:1], X]), cell)[1:]

    def model(self, radius: float | np.ndarray, method: CouplingMethod | str = "bqcf", *, blend_width: float = 8.0,
              comm: Any = None, **geometry_options: Any) -> QCModel:
        """Coupled model with an atomistic disc of ``radius`` around the defect, or a mask over
        sites (LAMMPS on the MPI communicator ``comm`` if given: see
        :class:`~qcbridge.coupling.model.QCModel`)."""
        return self.model_on(self.geometry(radius, blend_width=blend_width, **geometry_options), method, comm=comm)

    def model_on(self, geometry: CoupledGeometry, method: CouplingMethod | str = "bqcf", *,
                 comm: Any = None) -> QCModel:
        """Coupled model of the problem on a given geometry, the boundary layer held at the far field."""
        return QCModel(geometry, self.potential, self.material, method, self.boundary,
                       fixed=np.flatnonzero(self.layer[geometry.node_site]), comm=comm)

    def reference(self, ftol: float = 1e-6) -> AtomisticReference:
        """Full-atomistic LAMMPS minimum of the same domain and boundary layer."""
        return relax_reference(self.crystal, self.potential, self.boundary, self.layer, ftol=ftol)

    def compare(self, model: QCModel, u: np.ndarray, ref: AtomisticReference, core_radius: float = 10.0) -> dict:
        """Errors of a coupled solution against the reference (Angstrom, eV)."""
        X = self.crystal.positions
        u_sites = site_displacements(model, u)
        du = X + u_sites - ref.positions
        g = model.geometry
        core = g.region == Region.CORE
        if self._full_mesh is None:
            self._full_mesh = Mesh.from_points(X[:, :2], thickness=float(self.crystal.cell[2, 2]))
        near = np.linalg.norm(X[:, :2] - self.centre, axis=1) <= core_radius
        e_atoms = atom_energies(model, u)
        e_sites = np.full(len(X), np.nan)
        e_sites[g.atom_site] = e_atoms
        return {
            "max_error_core": float(np.abs(du[core]).max()),
            "energy_norm_error": energy_norm(self.crystal, du, mesh=self._full_mesh),
            "core_energy": float(np.sum(e_sites[near] - self.e_bulk)),
            "core_energy_reference": float(np.sum(ref.energies[near] - self.e_bulk)),
            "u_sites": u_sites,
            "atom_energies": e_atoms,
        }


def _slab(potential: Potential, lattice: Lattice, directions: Directions,
          size: tuple[int, int]) -> tuple[Atoms, CauchyBorn | LammpsCauchyBorn, float, float]:
    symbol = potential.species[0]
    a = cubic_lattice_constant(potential, lattice, directions)
    crystal = cubic_crystal(lattice, symbol, a, directions=directions, size=(size[0], size[1], 1),
                            pbc=(False, False, True))
    cb = cauchy_born_material(oriented_primitive_cell(lattice, symbol, a, directions), potential)
    e_bulk = float(cb.energy_density(np.eye(3))) * abs(np.linalg.det(cb.cell)) / cb.nbasis
    return crystal, cb, a, e_bulk


@dataclass
class EdgeDislocationProblem(DefectProblem):
    """An edge dislocation (line z, Burgers vector a/2[110] along x, glide plane (-111)) in
    the middle of a slab; far field anisotropic (Stroh, of the Cauchy-Born elastic
    constants), or with ``isotropic=True`` isotropic with the Voigt-average Poisson ratio.

    Extra attributes: ``dislocation`` (:class:`StrohDislocation` or :class:`EdgeDislocation`),
    ``plane_spacing`` (A).
    """

    dislocation: StrohDislocation | EdgeDislocation | None = None
    plane_spacing: float = 0.0

    @classmethod
    def build(cls, potential: Potential, size: tuple[int, int] = (60, 24), *, lattice: Lattice = Lattice.FCC,
              directions: Directions = DISLOCATION_AXES, isotropic: bool = False) -> EdgeDislocationProblem:
        crystal, cb, a, e_bulk = _slab(potential, lattice, directions, size)
        X = crystal.positions
        ys = np.unique(np.round(X[:, 1], 6))
        spacing = float(np.min(np.diff(ys)))
        mid = 0.5 * (X.min(axis=0) + X.max(axis=0))
        k = np.argmin(np.linalg.norm(X[:, :2] - mid[:2], axis=1))
        core = (float(X[k, 0] + 0.3), float(X[k, 1] + 0.5 * spacing))  # between planes, off the sites
        C = cb.elastic_constants()
        disl: StrohDislocation | EdgeDislocation
        if isotropic:
            disl = EdgeDislocation(a / np.sqrt(2), voigt_poisson_ratio(C), core)
        else:
            disl = StrohDislocation.of(C, [a / np.sqrt(2), 0.0, 0.0], core)
        return cls(potential, crystal, np.array(core), DisplacementField(**disl.fields), cb, a, e_bulk,
                   dislocation=disl, plane_spacing=spacing)

    def partials(self, u_sites: np.ndarray) -> PartialsFit:
        """The two Shockley partials (positions, widths, errors in A) from a fit of the
        disregistry of site displacements ``u_sites``."""
        disl = self.dislocation
        if disl is None:
            raise CouplingError("this problem holds no dislocation: build it with EdgeDislocationProblem.build")
        x, d = disregistry(self.crystal.positions, u_sites, disl.core, self.plane_spacing)
        return fit_partials(x, d, disl.b, disl.core[0])


@dataclass
class VacancyProblem(DefectProblem):
    """A vacancy row along z in the middle of a slab; the far field is the perfect lattice
    (zero displacement) held on the boundary layer."""

    @classmethod
    def build(cls, potential: Potential, size: tuple[int, int] = (40, 16), *, lattice: Lattice = Lattice.FCC,
              directions: Directions = DISLOCATION_AXES) -> VacancyProblem:
        crystal, cb, a, e_bulk = _slab(potential, lattice, directions, size)
        X = crystal.positions
        mid = 0.5 * (X.min(axis=0) + X.max(axis=0))
        k = int(np.argmin(np.linalg.norm(X[:, :2] - mid[:2], axis=1)))
        centre = X[k, :2].copy()
        del crystal[k]  # type: ignore[no-untyped-call]  # unannotated in ase
        return cls(potential, crystal, centre, HomogeneousDeformation(np.eye(3)), cb, a, e_bulk)


#: Slab axes of a bcc screw dislocation: x [-1-12], y [1-10] (its {110} glide plane's normal),
#: z [111] (the line and the Burgers vector).
SCREW_AXES: Directions = ((-1, -1, 2), (1, -1, 0), (1, 1, 1))


@dataclass
class ScrewDislocationProblem(DefectProblem):
    """A 1/2<111> screw dislocation along z in a bcc slab (``SCREW_AXES``), with the
    anisotropic (Stroh) field of the Cauchy-Born constants, its core at the centre of a
    triangle of <111> atomic columns next to the slab's middle.

    Attributes beyond :class:`DefectProblem`'s: ``dislocation`` (:class:`StrohDislocation`)
    and ``core_columns`` (one site of each of the three columns around the core, (3,)).
    """

    dislocation: StrohDislocation | None = None
    core_columns: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.int64))

    @classmethod
    def build(cls, potential: Potential, size: tuple[int, int] = (12, 20), *,
              directions: Directions = SCREW_AXES) -> ScrewDislocationProblem:
        crystal, cb, a, e_bulk = _slab(potential, Lattice.BCC, directions, size)
        X = crystal.positions
        column, first = np.unique(np.round(X[:, :2], 6), axis=0, return_index=True)
        mid = 0.5 * (X.min(axis=0) + X.max(axis=0))[:2]
        # the three columns nearest the middle that are mutual nearest neighbours
        near = np.argsort(np.linalg.norm(column - mid, axis=1))[:12]
        d = np.linalg.norm(column[near, None] - column[None, near], axis=-1)
        nn = np.min(d[d > 1e-6])
        triangles = [(i, j, k) for i in range(12) for j in range(i + 1, 12) for k in range(j + 1, 12)
                     if max(d[i, j], d[j, k], d[i, k]) < nn * 1.01]
        best = min(triangles, key=lambda t: float(np.linalg.norm(column[near[list(t)]].mean(axis=0) - mid)))
        corner = near[list(best)]
        core = tuple(float(c) for c in column[corner].mean(axis=0))
        disl = StrohDislocation.of(cb.elastic_constants(), [0.0, 0.0, a * np.sqrt(3) / 2], (core[0], core[1]))
        return cls(potential, crystal, np.array(core), DisplacementField(**disl.fields), cb, a, e_bulk,
                   dislocation=disl, core_columns=first[corner])

    def core_differential_displacements(self, u_sites: np.ndarray) -> np.ndarray:
        """Differential displacements u_z(j) - u_z(i) of the three column pairs around the core
        (i -> j counter-clockwise), in units of b, each wrapped into (-1/2, 1/2]: 1/3 each for
        the anisotropic elastic field, and for a compact relaxed core still near 1/3."""
        disl = self.dislocation
        if disl is None:
            raise CouplingError("this problem holds no dislocation: build it with ScrewDislocationProblem.build")
        X = self.crystal.positions[self.core_columns, :2]
        order = np.argsort(np.arctan2(X[:, 1] - self.centre[1], X[:, 0] - self.centre[0]))
        cols = self.core_columns[order]
        uz = u_sites[cols, 2]
        dd = (np.roll(uz, -1) - uz) / disl.b
        return dd - np.ceil(dd - 0.5)


#: Slab axes of the Lomer dipole: x [1-10] (the Burgers vector a/2[1-10]), y [001] (the
#: glide-plane normal), z [-1-10] (the line).
LOMER_AXES: Directions = ((1, -1, 0), (0, 0, 1), (-1, -1, 0))


@dataclass
class LomerDipoleProblem(DefectProblem):
    """A dipole of Lomer dislocations (a/2[1-10] on (001), line [110]) in an fcc slab, the
    MultiBench problem: +b and -b ``separation`` A apart on one (001) plane near the middle,
    with their anisotropic (Stroh) fields; ``centre`` is the dipole's midpoint.

    Attributes beyond :class:`DefectProblem`'s: ``dipole`` (:class:`DislocationDipole`).
    """

    dipole: DislocationDipole | None = None

    @classmethod
    def build(cls, potential: Potential, size: tuple[int, int] = (56, 40), *, separation: float = 30.0,
              lattice: Lattice = Lattice.FCC) -> LomerDipoleProblem:
        crystal, cb, a, e_bulk = _slab(potential, lattice, LOMER_AXES, size)
        X = crystal.positions
        mid = 0.5 * (X.min(axis=0) + X.max(axis=0))
        ys = np.unique(np.round(X[:, 1], 6))
        j = int(np.clip(np.searchsorted(ys, mid[1]), 1, len(ys) - 1))
        y = 0.5 * (ys[j - 1] + ys[j])  # between two (001) planes
        xs = np.unique(np.round(X[:, 0], 6))
        h = float(np.min(np.diff(xs)))

        def between(x: float) -> float:  # half-way between two columns of sites
            k = int(np.clip(np.searchsorted(xs, x), 1, len(xs) - 1))
            return float(0.5 * (xs[k - 1] + xs[k]))

        x1, x2 = between(mid[0] - 0.5 * separation), between(mid[0] + 0.5 * separation)
        if x2 - x1 < 2 * h:
            raise CouplingError(f"a dipole separation of {separation:g} A is below two column spacings ({2 * h:.3g} A)")
        dipole = DislocationDipole.of(cb.elastic_constants(), [a / np.sqrt(2), 0.0, 0.0], y, x1, x2)
        return cls(potential, crystal, np.array([0.5 * (x1 + x2), y]), DisplacementField(**dipole.fields), cb, a,
                   e_bulk, dipole=dipole)
