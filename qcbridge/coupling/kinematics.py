"""Where the atoms and elements of a coupled model are, for given node displacements.

A coupled geometry and a boundary condition fix, once:

* the **predictor**: the boundary field at every node (the homogeneous state for a
  homogeneous F, a dislocation's elastic field, zero for free surfaces);
* the **slip corrections** of elements crossed by a cut of the boundary field across which
  u jumps by a lattice vector (a dislocation's Burgers vector b): in such an element the
  vertices beyond the cut carry the slip s_a = side(X_a); the element's F gets the constant
  -sum_a s_a (x) grad N_a, and a point inside it moves by side(X_p) - sum_a N_a(X_p) s_a on
  top of the interpolated displacement. The continuum then sees the slipped lattice, not a
  tear.

Atom positions are x = X + I u + offset (I: the geometry's interpolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..continuum.mesh import Mesh
from ..errors import CouplingError
from .boundary import Boundary
from .geometry import CoupledGeometry, Region

__all__ = ["Kinematics", "slip_corrections"]


def slip_corrections(mesh: Mesh, node_X: np.ndarray, boundary: Boundary, point_X: np.ndarray,
                     point_element: np.ndarray, point_bary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corrections for elements crossed by a cut across which u jumps by a lattice vector.

    Parameters
    ----------
    mesh : Mesh
    node_X : ndarray, shape (n_nodes, 3)
        Reference node positions (Angstrom).
    boundary : Boundary
        Provides ``cut_elements`` and ``slip_side``.
    point_X : ndarray, shape (n_points, 3)
        Reference positions of the points (atoms) to correct.
    point_element, point_bary : ndarray
        Their elements and barycentric coordinates (:meth:`Mesh.locate`).

    Returns
    -------
    eigen_gradient : ndarray, shape (n_elements, 3, 3)
    offsets : ndarray, shape (n_points, 3)
        Angstrom.
    """
    d = mesh.dim
    Xv = node_X[mesh.elements]
    crossing = boundary.cut_elements(Xv)
    S = np.zeros(Xv.shape)
    if crossing.any():
        S[crossing] = boundary.slip_side(Xv[crossing].reshape(-1, 3)).reshape(-1, d + 1, 3)
    C = np.zeros((mesh.n_elements, 3, 3))
    C[:, :, :d] = -np.einsum("eai,eaJ->eiJ", S, mesh.shape_gradients)
    own = crossing[point_element][:, None] * boundary.slip_side(point_X)
    offsets = own - np.einsum("pa,pai->pi", point_bary, S[point_element])
    return C, offsets


@dataclass(frozen=True, eq=False)
class Kinematics:
    """A geometry under a boundary condition: predictor, slip corrections, atom positions.

    Build with :meth:`of`. For a multilattice, interpolated atoms of sublattice k > 0 sit at
    X + I u + s_k(F_e): the mesh's displacement plus the relaxed inner shift of the
    Cauchy-Born ``material`` at their element's deformation gradient F_e.

    Attributes
    ----------
    geometry : CoupledGeometry
    boundary : Boundary
    eigen_gradient : ndarray, shape (n_elements, 3, 3)
        Constant added to each element's F (non-zero only in cut elements).
    atom_offset : ndarray, shape (n_atoms, 3)
        Slip correction of each LAMMPS atom (Angstrom).
    padding_elements : ndarray of int
        Elements that hold padding atoms.
    material : object or None
        Gives ``relaxed_shifts(F)`` and ``shift_derivatives(F)`` (relaxed shifts and ds/dF) for
        multilattices.
    """

    geometry: CoupledGeometry
    boundary: Boundary
    eigen_gradient: np.ndarray
    atom_offset: np.ndarray
    padding_elements: np.ndarray
    material: Any = None

    @classmethod
    def of(cls, geometry: CoupledGeometry, boundary: Boundary, material: Any = None) -> Kinematics:
        """The kinematics of ``geometry`` under ``boundary`` (checked by ``boundary.check``).

        Raises
        ------
        CouplingError
            A multilattice geometry without a material that gives inner shifts.
        """
        boundary.check(geometry.dim)
        g = geometry
        if (g.sublattice[g.node_site] > 0).any() or len(g.shifted_atoms):
            if not (hasattr(material, "shift_derivatives") and hasattr(material, "relaxed_shifts")):
                raise CouplingError("a multilattice geometry needs the Cauchy-Born material of its primitive cell "
                                    "(its inner shifts place the atoms of the other sublattices)")
        eigen, offset = slip_corrections(g.mesh, g.reference_nodes, boundary, g.reference_atoms, g.atom_element,
                                         g.atom_bary)
        padding = g.region[g.atom_site] == Region.PADDING
        return cls(geometry, boundary, eigen, offset, np.unique(g.atom_element[padding]), material)

    def element_gradients(self, u: np.ndarray, elements: np.ndarray) -> np.ndarray:
        """F of the given elements at displacements u (mesh rows), shape (n, 3, 3)."""
        mesh = self.geometry.mesh
        d = mesh.dim
        F = np.broadcast_to(np.eye(3), (len(elements), 3, 3)).copy()
        F[:, :, :d] += np.einsum("eaJ,eai->eiJ", mesh.shape_gradients[elements], u[mesh.elements[elements]])
        return F + self.eigen_gradient[elements]

    def _shifts(self, u: np.ndarray, atom_rows: np.ndarray,
                derivative: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Inner shifts s_k(F_e) (Angstrom, (n, 3)) of the given atoms, and ds_k/dF (n, 3, 3, 3)."""
        g = self.geometry
        elems, where = np.unique(g.atom_element[atom_rows], return_inverse=True)
        F = self.element_gradients(u, elems)
        # elements with bit-identical F (all of them in a homogeneous state) relax once
        F_unique, same = np.unique(F.reshape(len(F), 9), axis=0, return_inverse=True)
        F_unique = F_unique.reshape(-1, 3, 3)
        if derivative:
            s, ds = self.material.shift_derivatives(F_unique)
        else:  # the shifts alone cost no Hessian
            s, ds = self.material.relaxed_shifts(F_unique), None
        rows, k = same.ravel()[where], g.atom_sublattice[atom_rows]
        return s[rows, k], (None if ds is None else ds[rows, k])

    def predictor(self) -> np.ndarray:
        """The boundary field at every node, shape (n_nodes, 3), Angstrom; the extra degrees
        of freedom of a multilattice get their inner shift on top, unless the field carries it."""
        g = self.geometry
        u = self.boundary.displacement(g.reference_nodes)
        m = g.n_mesh_nodes
        if len(g.node_site) > m and not self.boundary.carries_inner_shift:
            rows = np.searchsorted(g.atom_site, g.node_site[m:])
            u[m:] += self._shifts(u, rows)[0]
        return u

    def padding_stretch(self, u: np.ndarray) -> tuple[float, int]:
        """Smallest in-plane (2D) or 3D principal stretch of the elements holding padding
        atoms at displacements u, and the element where it occurs (-1 without padding).

        Padding atoms one padding depth from the resolved region must stay beyond the
        interaction range of its atoms: with depth = range (1 + margin) that holds while
        this stretch is at least 1 / (1 + margin).
        """
        elems = self.padding_elements
        if len(elems) == 0:
            return np.inf, -1
        d = self.geometry.mesh.dim
        F = self.element_gradients(u, elems)
        stretch = np.linalg.svd(F[:, :d, :d] if d == 2 else F, compute_uv=False)[:, -1]
        k = int(np.argmin(stretch))
        return float(stretch[k]), int(elems[k])

    def atom_positions(self, u: np.ndarray) -> np.ndarray:
        """Positions of the LAMMPS atoms X + I u + offset (+ inner shifts), shape (n_atoms, 3), Angstrom."""
        g = self.geometry
        x = g.reference_atoms + g.interpolation @ u + self.atom_offset
        rows = g.shifted_atoms
        if len(rows):
            x[rows] += self._shifts(u, rows)[0]
        return x

    def shift_forces(self, u: np.ndarray, forces: np.ndarray) -> np.ndarray:
        """Node forces (eV/A, (n_nodes, 3)) that forces on the shifted atoms exert through
        their inner shifts: f_a,i = sum_p f_p . ds_k/dF_iJ grad N_a,J over the elements."""
        g = self.geometry
        out = np.zeros((len(g.node_site), 3))
        rows = g.shifted_atoms
        if len(rows) == 0:
            return out
        ds = self._shifts(u, rows, derivative=True)[1]
        if ds is None:  # asked for above
            raise CouplingError("the material returned no shift derivatives")
        T = np.einsum("pm,pmiJ->piJ", forces[rows], ds)  # (p, 3, 3)
        mesh = g.mesh
        d = mesh.dim
        grad = mesh.shape_gradients[g.atom_element[rows]]  # (p, d+1, d)
        contrib = np.einsum("piJ,paJ->pai", T[:, :, :d], grad)  # (p, d+1, 3)
        np.add.at(out, mesh.elements[g.atom_element[rows]], contrib)
        return out
