"""A crack in the mesh plane of a slab: a traction-free slit that no element spans.

The slit is the half-line {y = y_c, x < x_tip} of the mesh plane, with y_c between two
lattice planes (the crack's faces). Every lattice site of the two face planes behind the tip
becomes a mesh node, so the elements between the faces form a strip one interplanar spacing
high; removing the strip leaves two distinct sets of face nodes, each face bounded only by
the elements on its own side, and no material (no traction) between them.

For a multilattice the faces are planes of the Bravais (mesh) sublattice. Atoms of the
other sublattices between them behind the tip (diamond's on a (111) shuffle plane, 0.78 A
below the upper face) belong to the face on their side of the crack and follow the uniform
deformation of its element there (:meth:`Slit.onto_faces`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..continuum.mesh import Mesh
from ..errors import DefectGeometryError, MeshError

__all__ = ["Slit"]

#: Distance (A) within which a site counts as lying on a plane or line.
ON_PLANE = 1e-6


@dataclass(frozen=True)
class Slit:
    """Crack y = ``y`` (A) for x < ``tip`` (A) in the mesh plane of a slab."""

    y: float
    tip: float

    def faces(self, P: np.ndarray) -> tuple[float, float]:
        """Heights (A) of the lattice planes just below and above the slit among sites P (n, 2).

        Raises
        ------
        DefectGeometryError
            The slit lies on a lattice plane, or not between two of them.
        """
        dy = P[:, 1] - self.y
        if np.abs(dy).min() < 1e-3:
            raise DefectGeometryError(f"the crack plane y = {self.y:.4f} A passes through lattice sites; put it "
                                      "between two atomic planes (half-way is the usual choice)")
        if not ((dy < 0).any() and (dy > 0).any()):
            raise DefectGeometryError(f"the crack plane y = {self.y:.4f} A is outside the domain")
        if not (P[:, 0].min() < self.tip < P[:, 0].max()):
            raise DefectGeometryError(f"the crack tip x = {self.tip:.4f} A is outside the domain "
                                      f"[{P[:, 0].min():.4f}, {P[:, 0].max():.4f}]")
        return float(P[dy < 0, 1].max()), float(P[dy > 0, 1].min())

    def face_sites(self, P: np.ndarray) -> np.ndarray:
        """Mask of the sites P (n, 2) on the two face planes (the whole width: ahead of the
        tip they carry the thin strip of elements that joins the two halves)."""
        below, above = self.faces(P)
        return (np.abs(P[:, 1] - below) < ON_PLANE) | (np.abs(P[:, 1] - above) < ON_PLANE)

    def node_sites(self, P: np.ndarray) -> np.ndarray:
        """Mask of the sites P (n, 2) that must be mesh nodes: the face sites and the corners
        (convex-hull vertices) of the sites on either side, so that each half's mesh covers
        all of its sites."""
        from scipy.spatial import ConvexHull

        below, above = self.faces(P)
        need = self.face_sites(P)
        for side in (P[:, 1] >= above - ON_PLANE, P[:, 1] <= below + ON_PLANE):
            index = np.flatnonzero(side)
            need[index[ConvexHull(np.round(P[index], 6)).vertices]] = True
        return need

    def between_faces(self, P: np.ndarray, sites: np.ndarray | None = None) -> np.ndarray:
        """Mask of the points P (n, 2) strictly between the face planes behind the tip (a
        multilattice's other sublattices can sit there); the faces are those of ``sites``
        (default P)."""
        below, above = self.faces(P if sites is None else sites)
        return (P[:, 1] > below + ON_PLANE) & (P[:, 1] < above - ON_PLANE) & (P[:, 0] < self.tip)

    def onto_faces(self, points: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Hosts of ``points`` (n, 2; Angstrom) in the slit's mesh: the points strictly between
        the face planes behind the tip (a multilattice's other sublattice hanging off a face,
        e.g. diamond's on a (111) shuffle plane) moved onto the face plane on their side of the
        crack; the others unchanged. ``sites`` are the Bravais sites that define the faces.
        The element there carries such an atom (:meth:`Mesh.interpolation_matrix`)."""
        below, above = self.faces(sites)
        hosts = np.array(points, dtype=float)
        hang = self.between_faces(hosts, sites)
        hosts[hang, 1] = np.where(hosts[hang, 1] > self.y, above, below)
        return hosts

    def mesh(self, nodes: np.ndarray, sites: np.ndarray, *, thickness: float = 1.0) -> Mesh:
        """Mesh of ``nodes`` (n, 2) with no element across the slit.

        The half-planes above and below the crack plane and the strip between the two face
        planes are triangulated apart (:meth:`Mesh.from_points` each), so the face planes are
        lines of element edges whatever the lattice (a plain Delaunay triangulation of a
        square-like lattice crosses them with diagonals); the strip's elements behind the tip
        are dropped.

        Parameters
        ----------
        nodes : ndarray, shape (n, 2)
            Node positions (A); must include every face site of ``sites`` (:meth:`face_sites`).
        sites : ndarray, shape (m, 2)
            The lattice sites that define the face planes (the Bravais sublattice).

        Raises
        ------
        MeshError
            Face sites missing from the nodes.
        """
        below, above = self.faces(sites)
        on_face = (np.abs(nodes[:, 1] - below) < ON_PLANE) | (np.abs(nodes[:, 1] - above) < ON_PLANE)
        if on_face.sum() < self.face_sites(sites).sum():
            raise MeshError("every lattice site on the crack's two face planes must be a mesh node")
        parts = []
        for part in (nodes[:, 1] >= above - ON_PLANE, nodes[:, 1] <= below + ON_PLANE, on_face):
            index = np.flatnonzero(part)
            parts.append(index[Mesh.from_points(nodes[index], thickness=thickness).elements])
        strip = parts[2]
        ahead = nodes[strip, 0].mean(axis=1) > self.tip
        return Mesh(nodes, np.concatenate([parts[0], parts[1], strip[ahead]]), thickness)
