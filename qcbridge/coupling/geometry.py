"""Geometry of a coupled atomistic-continuum model, derived from a reference crystal.

From the lattice sites of the whole domain and an atomistic region qcbridge derives:

* the **core** (the atomistic region), the **blending** region (sites within the blending
  width of the core; blending weight beta falls smoothly from 1 to 0 across it) and together
  the fully resolved region R, whose sites are all mesh nodes;
* the **padding**: sites outside R within the padding depth of it (the cutoff, twice for
  EAM, enlarged by a strain margin). They are atoms for LAMMPS, but not degrees of freedom:
  their displacements are interpolated from the mesh;
* a **graded mesh** whose nodes are lattice sites: all of R, and sites of coarser
  sub-lattices away from it (:func:`qcbridge.continuum.mesh.graded_lattice_nodes`);
* the sparse **interpolation** I (n_atoms x n_nodes) with u_atoms = I u_nodes, from the
  barycentric coordinates of every atom in its element.

Slabs periodic along z (the line direction of a dislocation or crack front) use a 2D mesh of
the sites' (x, y) projections with the z period as thickness; finite blocks use tetrahedra.
Region labels, repatom flags and blending weights are written to ``atoms.arrays``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from ase import Atoms
from scipy.spatial import cKDTree

from ..continuum.mesh import Mesh, graded_lattice_nodes
from ..errors import (
    CouplingError,
    NodeOffLatticeError,
    PaddingDoesNotFitError,
    ThinAtomisticRegionError,
)
from .slit import Slit

__all__ = ["Region", "Side", "CoupledGeometry", "build_geometry", "blending_weight"]


class Region(IntEnum):
    """Label of a lattice site in a coupled model (``atoms.arrays["region"]``)."""

    CONTINUUM = 0  #: represented by the mesh only (a coarse node or not represented)
    CORE = 1  #: atomistic region
    BLEND = 2  #: blending region (fully resolved, 0 < beta < 1 for blended methods)
    PADDING = 3  #: atoms interpolated from the mesh that complete the atomistic neighbourhoods


class Side(Enum):
    """A face of the domain's bounding box: (axis, -1 for the low face or +1 for the high one)."""

    X_LOW = (0, -1)
    X_HIGH = (0, 1)
    Y_LOW = (1, -1)
    Y_HIGH = (1, 1)
    Z_LOW = (2, -1)
    Z_HIGH = (2, 1)

    @property
    def axis(self) -> int:
        """0, 1 or 2 for x, y, z."""
        return int(self.value[0])

    @property
    def sign(self) -> int:
        """-1 for the low face, +1 for the high one."""
        return int(self.value[1])


def blending_weight(distance: np.ndarray, width: float, levels: int) -> np.ndarray:
    """beta(d) = 1 - (3 s^2 - 2 s^3), s = d / width, quantized to ``levels`` equal steps in
    [0, 1] (1 at the core, 0 at and beyond the width)."""
    d = np.asarray(distance, dtype=float)
    if width <= 0:
        return (d <= 0).astype(float)
    s = np.clip(d / width, 0.0, 1.0)
    beta = 1.0 - (3 * s**2 - 2 * s**3)
    return np.round(beta * (levels - 1)) / (levels - 1)


@dataclass(frozen=True, eq=False)
class CoupledGeometry:
    """Everything a coupled model needs to know about where things are.

    Attributes
    ----------
    crystal : ase.Atoms
        Reference lattice sites of the whole domain (Angstrom).
    dim : int
        Mesh dimension: 2 for slabs periodic along z, 3 for blocks.
    region : ndarray of int8, shape (n_sites,)
        :class:`Region` label of every site.
    beta : ndarray, shape (n_sites,)
        Blending weight (1 core, 0 outside core and blending region).
    node_site : ndarray of int, shape (n_nodes,)
        Site of every degree of freedom ("node"): first the ``mesh.n_nodes`` mesh nodes, then,
        for a multilattice, the resolved atoms of the other sublattices (which are degrees
        of freedom but not mesh vertices).
    atom_site : ndarray of int, shape (n_atoms,)
        Site of every atom LAMMPS simulates (R and padding).
    mesh : Mesh
        Reference mesh (Angstrom; thickness = z period for slabs) of the Bravais sublattice.
    interpolation : scipy.sparse.csr_matrix, shape (n_atoms, n_nodes)
        u_atoms = I u_nodes (plus, for padding atoms of other sublattices, their inner shift).
    padding_depth : float
        Angstrom.
    atom_element : ndarray of int, shape (n_atoms,)
        Element holding each atom.
    atom_bary : ndarray, shape (n_atoms, dim + 1)
        Barycentric coordinates of each atom in it.
    sublattice : ndarray of int, shape (n_sites,)
        Basis atom of the crystal's primitive cell each site belongs to (all 0 for a simple
        lattice); sublattice 0 carries the mesh.
    slit : Slit or None
        The crack the mesh was cut along, if any.
    """

    crystal: Atoms
    dim: int
    region: np.ndarray
    beta: np.ndarray
    node_site: np.ndarray
    atom_site: np.ndarray
    mesh: Mesh
    interpolation: sp.csr_matrix
    padding_depth: float
    atom_element: np.ndarray
    atom_bary: np.ndarray
    sublattice: np.ndarray
    slit: Slit | None = None

    def interpolate(self, points: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """P1 interpolation of the mesh at reference points (n, dim; Angstrom), with their
        elements and barycentric coordinates (:meth:`Mesh.interpolation_matrix`); points
        hanging off a slit's face follow that face's elements (:meth:`Slit.onto_faces`), and
        a multilattice's other sublattices beyond the mesh of the Bravais sites (at the domain's
        edge) the nearest element's uniform deformation."""
        return _interpolation(self.mesh, points, self.crystal.positions[:, :self.dim], self.sublattice, self.slit)

    @property
    def reference_nodes(self) -> np.ndarray:
        """Reference positions of the nodes (n_nodes, 3), Angstrom."""
        return self.crystal.positions[self.node_site]

    @property
    def reference_atoms(self) -> np.ndarray:
        """Reference positions of the LAMMPS atoms (n_atoms, 3), Angstrom."""
        return self.crystal.positions[self.atom_site]

    @property
    def n_mesh_nodes(self) -> int:
        """Number of mesh nodes (the first rows of the degrees of freedom)."""
        return self.mesh.n_nodes

    @cached_property
    def atom_sublattice(self) -> np.ndarray:
        """Sublattice of every LAMMPS atom, shape (n_atoms,)."""
        return self.sublattice[self.atom_site]

    @cached_property
    def shifted_atoms(self) -> np.ndarray:
        """LAMMPS atoms placed by the mesh plus an inner shift: interpolated (not degrees of
        freedom) atoms of sublattices other than 0."""
        return np.flatnonzero((self.atom_node < 0) & (self.atom_sublattice > 0))

    @cached_property
    def atom_node(self) -> np.ndarray:
        """Node index of every atom that is a node, -1 for interpolated (padding) atoms."""
        lookup = -np.ones(len(self.crystal), dtype=np.int64)
        lookup[self.node_site] = np.arange(len(self.node_site))
        return lookup[self.atom_site]

    @cached_property
    def boundary_nodes(self) -> np.ndarray:
        """Nodes on the outer boundary of the mesh."""
        return self.mesh.boundary_nodes

    def annotated(self) -> Atoms:
        """The crystal with ``region``, ``repatom`` (site is a node) and ``beta`` arrays,
        e.g. for extxyz."""
        atoms = self.crystal.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
        atoms.set_array("region", self.region.astype(np.int32))
        rep = np.zeros(len(atoms), dtype=bool)
        rep[self.node_site] = True
        atoms.set_array("repatom", rep)
        atoms.set_array("beta", self.beta.copy())
        return atoms


def _plane(points: np.ndarray, dim: int) -> np.ndarray:
    return points[:, :dim]


def _atomistic_mask(crystal: Atoms, atomistic: np.ndarray | float | Callable[[np.ndarray], np.ndarray],
                    dim: int) -> np.ndarray:
    X = crystal.positions
    if callable(atomistic):
        mask = np.asarray(atomistic(X), dtype=bool)
    elif np.ndim(atomistic) == 0:
        centre = 0.5 * (X.min(axis=0) + X.max(axis=0))
        mask = np.linalg.norm(_plane(X - centre, dim), axis=1) <= float(atomistic)
    else:
        mask = np.asarray(atomistic, dtype=bool)
    if mask.shape != (len(crystal),):
        raise CouplingError(f"the atomistic region must select among {len(crystal)} sites, got shape {mask.shape}")
    if not mask.any():
        raise CouplingError("the atomistic region contains no lattice site")
    return mask


def build_geometry(
    crystal: Atoms,
    atomistic: np.ndarray | float | Callable[[np.ndarray], np.ndarray],
    *,
    cutoff: float,
    manybody: bool,
    lattice: np.ndarray,
    blend_width: float = 0.0,
    levels: int = 11,
    strain_margin: float = 0.1,
    growth: float = 0.25,
    grading_exponent: float | None = None,
    nodes: np.ndarray | None = None,
    sublattice: np.ndarray | None = None,
    slit: Slit | None = None,
    free_sides: tuple[Side, ...] = (),
) -> CoupledGeometry:
    """Derive regions, padding, graded mesh and interpolation from a reference crystal.

    Parameters
    ----------
    crystal : ase.Atoms
        All lattice sites of the domain: a slab periodic along z only, or a finite block.
    atomistic : ndarray of bool, float or callable
        The atomistic region: a mask over sites, a radius (Angstrom, in the mesh plane,
        around the domain centre) or ``f(positions) -> mask``.
    cutoff : float
        Potential cutoff (Angstrom).
    manybody : bool
        EAM-type potential: the padding is twice the cutoff deep.
    lattice : ndarray, shape (dim, dim)
        Primitive in-plane (2D) or 3D lattice vectors for the graded mesh (rows, Angstrom).
    blend_width : float
        Width of the blending region (Angstrom), 0 for a sharp interface.
    levels : int
        Number of quantized blending weights in [0, 1].
    strain_margin : float
        Relative enlargement of the padding for deformed configurations.
    growth : float
        Mesh grading (larger: faster coarsening).
    grading_exponent : float, optional
        Power-law grading relative to the resolved region's radius instead
        (:func:`~qcbridge.continuum.mesh.graded_lattice_nodes`).
    nodes : ndarray, shape (n, 3), optional
        User-chosen node positions instead of the graded selection; each must be a
        lattice site (:class:`NodeOffLatticeError` otherwise).
    sublattice : ndarray of int, shape (n_sites,), optional
        For a multilattice, the basis atom of the primitive cell each site is
        (:func:`~qcbridge.structures.assign_sublattices`): the mesh is built on sublattice 0
        (the Bravais lattice, whose lattice vectors ``lattice`` must describe), resolved
        atoms of the other sublattices are extra degrees of freedom, and padding atoms of
        the other sublattices follow the mesh plus the inner shift of their element.
        Default: a simple lattice (all 0).
    slit : Slit, optional
        A crack in the mesh plane of a slab (:class:`~qcbridge.coupling.slit.Slit`): its face
        sites become nodes and no element spans it, so its faces are free surfaces of the
        continuum. Atoms interact across it as LAMMPS computes them.
    free_sides : tuple of Side
        Faces of the domain that are free surfaces of the crystal (e.g. the surface under an
        indenter): the atomistic region may reach them, since no atom beyond them needs
        padding. The surface atoms of the atomistic region relax as LAMMPS computes them; the
        elements below are Cauchy-Born, with traction-free faces.

    Raises
    ------
    CouplingError
        Unsupported periodicity or an empty atomistic region.
    ThinAtomisticRegionError
        No core site is a cutoff away from the interface.
    NodeOffLatticeError
        A given node is not on a lattice site.
    """
    pbc = tuple(bool(p) for p in crystal.pbc)
    if pbc == (False, False, True):
        dim = 2
    elif pbc == (False, False, False):
        dim = 3
    else:
        raise CouplingError(f"coupled models need a slab periodic along z only or a finite block, got pbc={pbc}")
    X = crystal.positions
    P = _plane(X, dim)
    core = _atomistic_mask(crystal, atomistic, dim)
    d_core, _ = cKDTree(P[core]).query(P)
    if (~core).any():
        depth = cKDTree(P[~core]).query(P[core])[0].max()
        if depth < cutoff:
            raise ThinAtomisticRegionError(
                f"the atomistic region is thinner than the potential's cutoff: its deepest site is {depth:.3g} A "
                f"from the interface, the cutoff is {cutoff:.3g} A; enlarge the region"
            )
    blend = (~core) & (d_core <= blend_width) if blend_width > 0 else np.zeros(len(X), bool)
    beta = np.where(core, 1.0, 0.0)
    beta[blend] = blending_weight(d_core[blend], blend_width, levels)
    resolved = core | blend
    depth = (2.0 if manybody else 1.0) * cutoff * (1.0 + strain_margin)
    d_res, _ = cKDTree(P[resolved]).query(P)
    padding = (~resolved) & (d_res <= depth)
    if not core.all():
        _check_padding_fits(P[resolved], P.min(axis=0), P.max(axis=0), depth, free_sides, dim)

    sub = np.zeros(len(X), dtype=np.int64) if sublattice is None else np.asarray(sublattice, dtype=np.int64)
    if sub.shape != (len(X),):
        raise CouplingError(f"sublattice labels must be given per site ({len(X)}), got shape {sub.shape}")
    bravais = np.flatnonzero(sub == 0)
    if nodes is None:
        mesh_site = bravais[graded_lattice_nodes(P[bravais], resolved[bravais], np.asarray(lattice, float)[:dim, :dim],
                                                 growth=growth, exponent=grading_exponent)]
    else:
        dist, mesh_site = cKDTree(X[bravais]).query(np.asarray(nodes, dtype=float))
        if dist.max() > 1e-6:
            raise NodeOffLatticeError(np.flatnonzero(dist > 1e-6), float(dist.max()))
        mesh_site = np.union1d(bravais[mesh_site], np.flatnonzero(resolved & (sub == 0)))
    if slit is not None:
        if dim != 2:
            raise CouplingError("a slit (crack) needs a slab periodic along z (a 2D mesh)")
        mesh_site = np.union1d(mesh_site, bravais[slit.node_sites(P[bravais])])
    thickness = float(crystal.cell[2, 2]) if dim == 2 else 1.0
    if slit is None:
        mesh = Mesh.from_points(P[mesh_site], thickness=thickness)
    else:
        mesh = slit.mesh(P[mesh_site], P[bravais], thickness=thickness)
    extra_site = np.flatnonzero(resolved & (sub != 0))
    node_site = np.concatenate([mesh_site, extra_site])
    atom_site = np.flatnonzero(resolved | padding)
    on_mesh, element, bary = _interpolation(mesh, P[atom_site], P, sub, slit)
    interp = _with_extra_dofs(on_mesh, atom_site, extra_site)
    region = np.full(len(X), Region.CONTINUUM, dtype=np.int8)
    region[padding] = Region.PADDING
    region[blend] = Region.BLEND
    region[core] = Region.CORE
    return CoupledGeometry(crystal, dim, region, beta, node_site, atom_site, mesh, interp, depth, element, bary, sub,
                           slit)


def _interpolation(mesh: Mesh, points: np.ndarray, sites: np.ndarray, sublattice: np.ndarray,
                   slit: Slit | None) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The mesh's interpolation at ``points`` (reference, Angstrom) of a crystal with ``sites``
    and their ``sublattice`` labels: points hanging off a slit's face take that face's
    elements, and a multilattice's other sublattices beyond the Bravais mesh extrapolate."""
    hosts = None if slit is None else slit.onto_faces(points, sites[sublattice == 0])
    return mesh.interpolation_matrix(points, hosts=hosts, extrapolate=bool(sublattice.any()))


def _check_padding_fits(resolved: np.ndarray, lo: np.ndarray, hi: np.ndarray, depth: float,
                        free_sides: tuple[Side, ...], dim: int) -> None:
    """Raise :class:`PaddingDoesNotFitError` if the resolved points come within the padding depth
    of a face of the domain that is not a free surface."""
    for side in Side:
        if side.axis >= dim or side in free_sides:
            continue
        k = side.axis
        gap = float((hi[k] - resolved[:, k]).min() if side.sign > 0 else (resolved[:, k] - lo[k]).min())
        if gap < depth:
            raise PaddingDoesNotFitError(
                f"the resolved region (core and blending) comes within {gap:.3g} A of the domain's "
                f"{side.name} face, but its padding must be {depth:.3g} A deep inside the domain; enlarge the "
                f"domain by at least {2 * (depth - gap):.3g} A across, shrink the atomistic or blending region, "
                f"or, if that face is a free surface of the crystal, pass free_sides=(Side.{side.name},)")


def _with_extra_dofs(on_mesh: sp.csr_matrix, atom_site: np.ndarray, extra_site: np.ndarray) -> sp.csr_matrix:
    """The mesh interpolation (n_atoms x n_mesh) widened by the extra degrees of freedom: an
    atom that is an extra degree of freedom follows its own row instead of the mesh."""
    n_atoms, n_mesh = on_mesh.shape
    if len(extra_site) == 0:
        return on_mesh
    extra_rows = np.searchsorted(atom_site, extra_site)  # both sorted; every extra site is an atom
    keep = np.ones(n_atoms)
    keep[extra_rows] = 0.0
    mesh_part = sp.diags(keep) @ on_mesh
    own = sp.csr_matrix((np.ones(len(extra_rows)), (extra_rows, np.arange(len(extra_rows)))),
                        shape=(n_atoms, len(extra_rows)))
    interp = sp.hstack([mesh_part, own], format="csr")
    interp.eliminate_zeros()
    return interp
