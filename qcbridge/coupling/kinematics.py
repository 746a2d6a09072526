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

import numpy as np

from ..continuum.mesh import Mesh
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

    Build with :meth:`of`.

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
    """

    geometry: CoupledGeometry
    boundary: Boundary
    eigen_gradient: np.ndarray
    atom_offset: np.ndarray
    padding_elements: np.ndarray

    @classmethod
    def of(cls, geometry: CoupledGeometry, boundary: Boundary) -> Kinematics:
        """The kinematics of ``geometry`` under ``boundary`` (checked by ``boundary.check``)."""
        boundary.check(geometry.dim)
        g = geometry
        eigen, offset = slip_corrections(g.mesh, g.reference_nodes, boundary, g.reference_atoms, g.atom_element,
                                         g.atom_bary)
        padding = g.region[g.atom_site] == Region.PADDING
        return cls(geometry, boundary, eigen, offset, np.unique(g.atom_element[padding]))

    def predictor(self) -> np.ndarray:
        """The boundary field at every node, shape (n_nodes, 3), Angstrom."""
        return self.boundary.displacement(self.geometry.reference_nodes)

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
        mesh = self.geometry.mesh
        d = mesh.dim
        grad = np.einsum("eaJ,eai->eiJ", mesh.shape_gradients[elems], u[mesh.elements[elems]])  # du_i/dX_J
        F = np.eye(3)[None, :, :d] + grad + self.eigen_gradient[elems][:, :, :d]
        stretch = np.linalg.svd(F[:, :d, :] if d == 2 else F, compute_uv=False)[:, -1]
        k = int(np.argmin(stretch))
        return float(stretch[k]), int(elems[k])

    def atom_positions(self, u: np.ndarray) -> np.ndarray:
        """Positions of the LAMMPS atoms X + I u + offset, shape (n_atoms, 3), Angstrom."""
        g = self.geometry
        return g.reference_atoms + g.interpolation @ u + self.atom_offset
