"""Simplicial meshes of reference configurations: triangles (2D slabs) and tetrahedra.

Linear (P1) elements: on element e with nodes a = 0..d, the shape functions N_a are
barycentric coordinates and their gradients are constant,
``grad N = inv([X_1 - X_0, ..., X_d - X_0])`` rows for a >= 1 and ``grad N_0 = -sum``.
The gradient operator D (sparse, (n_elements * d) x n_nodes) maps a nodal field to its
element gradients: ``(D @ u)[e * d + J] = d u / d X_J`` on element e.

2D meshes describe slabs of a 3D crystal periodic along z with period ``thickness``:
nodes carry three displacement components, element volumes are area x thickness.

Meshes built from lattice sites use :class:`scipy.spatial.Delaunay`; degenerate simplices
(flat triangles along a straight boundary, zero-volume slivers of co-spherical lattice
points) are rejected by a quality threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from ..errors import MeshError

__all__ = ["Mesh", "graded_lattice_nodes", "structured_mesh"]

#: Largest node coordinate accepted (Angstrom): beyond it a mesh is a unit mistake.
MAX_COORDINATE = 1e9


@dataclass(frozen=True, eq=False)
class Mesh:
    """Immutable simplicial mesh.

    Attributes
    ----------
    nodes : ndarray, shape (n_nodes, dim)
        Reference positions in Angstrom, dim = 2 or 3.
    elements : ndarray, shape (n_elements, dim + 1)
        Node indices, positively oriented.
    thickness : float
        z period of a 2D slab in Angstrom (ignored in 3D).
    """

    nodes: np.ndarray
    elements: np.ndarray
    thickness: float = 1.0

    def __post_init__(self) -> None:
        nodes = np.array(self.nodes, dtype=float)
        elements = np.array(self.elements, dtype=np.int64)
        dim = nodes.shape[1] if nodes.ndim == 2 else 0
        if dim not in (2, 3) or elements.ndim != 2 or elements.shape[1] != dim + 1:
            raise MeshError(f"nodes must be (n, 2|3) and elements (m, dim+1); got {nodes.shape}, {elements.shape}")
        if elements.size and (elements.min() < 0 or elements.max() >= len(nodes)):
            raise MeshError("element node index out of range")
        if not np.all(np.isfinite(nodes)):
            raise MeshError("non-finite node coordinates")
        if not (np.isfinite(self.thickness) and self.thickness > 0):
            raise MeshError(f"the thickness of a 2D mesh (its z period) must be a positive length, "
                            f"got {self.thickness}")
        if elements.size:
            _, first, counts = np.unique(np.sort(elements, axis=1), axis=0, return_index=True, return_counts=True)
            if (counts > 1).any():
                raise MeshError(f"{int((counts > 1).sum())} element(s) appear more than once, first "
                                f"{elements[first[counts > 1][0]].tolist()}")
        # orient every simplex positively
        J = _edge_matrices(nodes, elements)
        det = np.linalg.det(J)
        size = np.max(np.linalg.norm(J, axis=-1), axis=-1) ** dim
        degenerate = np.abs(det) <= 1e-10 * size
        if degenerate.any():
            bad = np.flatnonzero(degenerate)
            raise MeshError(f"{len(bad)} degenerate element(s) (zero volume): {bad[:20].tolist()}")
        flip = det < 0
        elements[flip, :2] = elements[flip, 1::-1]
        nodes.setflags(write=False)
        elements.setflags(write=False)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "elements", elements)

    # ----------------------------------------------------------- geometry
    @property
    def dim(self) -> int:
        return self.nodes.shape[1]

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_elements(self) -> int:
        return len(self.elements)

    @cached_property
    def volumes(self) -> np.ndarray:
        """Reference element volumes in A^3 (area x thickness in 2D), shape (m,)."""
        det = np.linalg.det(_edge_matrices(self.nodes, self.elements))
        v = det / (2.0 if self.dim == 2 else 6.0)
        return v * self.thickness if self.dim == 2 else v

    @cached_property
    def shape_gradients(self) -> np.ndarray:
        """Gradients of the shape functions in 1/A, shape (m, dim + 1, dim)."""
        inv = np.linalg.inv(_edge_matrices(self.nodes, self.elements))  # rows: grad N_a, a >= 1
        g = np.empty((self.n_elements, self.dim + 1, self.dim))
        g[:, 1:, :] = inv
        g[:, 0, :] = -g[:, 1:, :].sum(axis=1)
        return g

    @cached_property
    def gradient_operator(self) -> sp.csr_matrix:
        """Sparse D, shape (m * dim, n_nodes): element gradients of a nodal field."""
        m, d = self.n_elements, self.dim
        rows = (np.arange(m)[:, None, None] * d + np.arange(d)[None, None, :]).repeat(d + 1, axis=1)
        cols = np.broadcast_to(self.elements[:, :, None], rows.shape)
        return sp.csr_matrix(
            (self.shape_gradients.ravel(), (rows.ravel(), cols.ravel())), shape=(m * d, self.n_nodes)
        )

    @cached_property
    def boundary_nodes(self) -> np.ndarray:
        """Indices of nodes on the boundary (faces that belong to one element)."""
        d = self.dim
        faces = np.concatenate([np.delete(self.elements, k, axis=1) for k in range(d + 1)])
        faces = np.sort(faces, axis=1)
        uniq, count = np.unique(faces, axis=0, return_counts=True)
        return np.unique(uniq[count == 1])

    def quality(self) -> np.ndarray:
        """Shape quality in (0, 1]: volume over that of the regular simplex with the same
        mean edge length (1 for equilateral)."""
        pts = self.nodes[self.elements]
        i, j = np.triu_indices(self.dim + 1, 1)
        edges = np.linalg.norm(pts[:, i] - pts[:, j], axis=-1).mean(axis=1)
        vol = self.volumes / self.thickness if self.dim == 2 else self.volumes
        regular = edges**2 * np.sqrt(3) / 4 if self.dim == 2 else edges**3 / (6 * np.sqrt(2))
        return vol / regular

    # ------------------------------------------------------------ point location
    @cached_property
    def _locator(self) -> tuple[np.ndarray, np.ndarray, object]:
        """Element vertices, inverse edge matrices and a k-d tree of the centroids."""
        from scipy.spatial import cKDTree

        x = self.nodes[self.elements]  # (m, d+1, d)
        return x, np.linalg.inv(np.swapaxes(x[:, 1:] - x[:, :1], 1, 2)), cKDTree(x.mean(axis=1))

    def locate(self, points: np.ndarray, k: int = 24, *, extrapolate: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Element containing each point and its barycentric coordinates.

        Parameters
        ----------
        points : ndarray, shape (n, dim)
            Angstrom.
        k : int
            Candidate elements per point (nearest centroids); more are tried for points
            not found among them (long, coarse elements).
        extrapolate : bool
            A point outside the mesh gets the element it lies least outside of (largest
            smallest barycentric coordinate) and its unclipped coordinates there, instead of
            an error.

        Returns
        -------
        element : ndarray of int, shape (n,)
        bary : ndarray, shape (n, dim + 1)

        Raises
        ------
        MeshError
            A point lies outside the mesh (unless ``extrapolate``), or points have the wrong
            dimension.
        """
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != self.dim or not np.all(np.isfinite(points)):
            raise MeshError(f"points must be finite with shape (n, {self.dim}), got {points.shape}")
        x, Jinv, tree = self._locator
        element = np.full(len(points), -1, dtype=np.int64)
        bary_out = np.zeros((len(points), self.dim + 1))
        todo = np.arange(len(points))
        while len(todo):
            kk = min(k, self.n_elements)
            _, cand = tree.query(points[todo], k=kk)  # type: ignore[attr-defined]
            cand = cand.reshape(len(todo), kk)
            lam = np.einsum("pkij,pkj->pki", Jinv[cand], points[todo, None, :] - x[cand, 0])  # (n, k, d)
            bary = np.concatenate([1.0 - lam.sum(axis=2, keepdims=True), lam], axis=2)
            inside = bary.min(axis=2) >= -1e-9
            found = inside.any(axis=1)
            first = np.argmax(inside, axis=1)[found]
            element[todo[found]] = cand[found, first]
            bary_out[todo[found]] = np.clip(bary[found, first], 0.0, 1.0)
            if kk == self.n_elements and extrapolate and not found.all():
                best = np.argmax(bary.min(axis=2), axis=1)[~found]  # the element it is least outside of
                element[todo[~found]] = cand[~found, best]
                bary_out[todo[~found]] = bary[~found, best]
                found[:] = True
            todo = todo[~found]
            if len(todo) and kk == self.n_elements:
                raise MeshError(f"{len(todo)} point(s) lie outside the mesh, first at {points[todo[0]]}")
            k *= 4  # long, coarse elements: look further
        return element, bary_out

    def interpolation_matrix(self, points: np.ndarray, hosts: np.ndarray | None = None, *,
                             extrapolate: bool = False) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """Sparse P1 interpolation (n_points x n_nodes) of nodal fields at points, with the
        containing elements and barycentric coordinates (:meth:`locate`).

        ``hosts`` (n_points, dim; Angstrom), when given, are points inside the mesh whose
        elements serve ``points``: a point outside the mesh (an atom hanging off a free face)
        is extrapolated linearly from its host's element, i.e. it follows that element's
        uniform deformation, and its barycentric coordinates fall outside [0, 1]. With
        ``extrapolate`` a point outside the mesh follows the element it is least outside of
        (a multilattice's other sublattice just beyond the mesh of its Bravais sites).
        """
        if hosts is None:
            element, bary = self.locate(points, extrapolate=extrapolate)
        else:
            points = np.asarray(points, dtype=float)
            element, bary = self.locate(hosts, extrapolate=extrapolate)
            moved = np.flatnonzero(np.any(np.asarray(hosts, dtype=float) != points, axis=1))
            x, Jinv, _ = self._locator
            lam = np.einsum("pij,pj->pi", Jinv[element[moved]], points[moved] - x[element[moved], 0])
            bary[moved] = np.concatenate([1.0 - lam.sum(axis=1, keepdims=True), lam], axis=1)
        rows = np.repeat(np.arange(len(points)), self.dim + 1)
        interp = sp.csr_matrix((bary.ravel(), (rows, self.elements[element].ravel())),
                               shape=(len(points), self.n_nodes))
        interp.eliminate_zeros()
        return interp, element, bary

    # ------------------------------------------------------------ builders
    @classmethod
    def from_points(
        cls, points: np.ndarray, *, min_quality: float = 1e-3, thickness: float = 1.0, seed: int = 0
    ) -> Mesh:
        """Delaunay-type mesh of lattice sites without degenerate simplices.

        Lattice sites are full of co-circular / co-spherical sets (squares, octahedra) for
        which the Delaunay triangulation is not unique and qhull emits zero-volume slivers.
        Here the triangulation is the regular triangulation for tiny generic weights
        (the lower convex hull of the points lifted to ``|x|^2 + w``, w ~ 1e-7 h^2 drawn
        from a seeded generator): it is one of the Delaunay triangulations of the exact
        points, and a simplex with co-planar vertices cannot be a lower hull facet, so
        every element has positive volume and the mesh is conforming.

        Parameters
        ----------
        points : ndarray, shape (n, 2) or (n, 3)
            Node positions in Angstrom.
        min_quality : float
            Elements of lower :meth:`quality` raise :class:`MeshError` (slivers).
        thickness : float
            z period for 2D slabs (Angstrom).
        seed : int
            Seed of the weight generator (the mesh is deterministic for a given seed).
        """
        from scipy.spatial import ConvexHull, QhullError, cKDTree

        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] not in (2, 3) or len(points) < points.shape[1] + 1:
            raise MeshError(f"need at least dim + 1 points of dimension 2 or 3, got shape {points.shape}")
        if not np.all(np.isfinite(points)) or np.abs(points).max() > MAX_COORDINATE:
            raise MeshError(f"node coordinates must be finite and within +-{MAX_COORDINATE:g} A")
        dup = cKDTree(points).query_pairs(1e-8 * max(np.ptp(points, axis=0).max(), 1e-300), output_type="ndarray")
        if len(dup):
            raise MeshError(f"{len(dup)} pair(s) of points coincide, first {dup[0].tolist()}: remove duplicates")
        centred = points - points.mean(axis=0)
        scale = np.abs(centred).max()
        x = centred / scale
        h2 = np.min(np.sum((x[1:] - x[0]) ** 2, axis=1))
        w = np.random.default_rng(seed).uniform(0.0, 1e-7 * h2, len(x))
        lifted = np.column_stack([x, np.sum(x * x, axis=1) + w])
        try:
            hull = ConvexHull(lifted)
        except QhullError:
            raise MeshError(f"the {len(points)} points lie on a {'line' if points.shape[1] == 2 else 'plane'} (or "
                            "fewer dimensions): they span no area/volume to mesh") from None
        lower = hull.equations[:, -2] < -1e-12  # outward normal pointing down in the lift
        simplices = hull.simplices[lower]
        # flat simplices can only come from co-planar points on the hull's boundary (box
        # faces), where the lifted facets are nearly vertical; dropping them keeps the
        # triangulation conforming
        J = _edge_matrices(points, simplices)
        size = np.max(np.linalg.norm(J, axis=-1), axis=-1) ** points.shape[1]
        simplices = simplices[np.abs(np.linalg.det(J)) > 1e-10 * size]
        mesh = cls(points, simplices, thickness)
        q = mesh.quality()
        if (q < min_quality).any():
            bad = np.flatnonzero(q < min_quality)
            raise MeshError(f"{len(bad)} sliver element(s) of quality < {min_quality}: {bad[:20].tolist()}")
        unused = np.setdiff1d(np.arange(len(points)), simplices)
        if len(unused):
            raise MeshError(f"points {unused[:20].tolist()} are not vertices of the mesh (duplicates?)")
        return mesh


def _edge_matrices(nodes: np.ndarray, elements: np.ndarray) -> np.ndarray:
    """(m, d, d) matrices whose columns are the edges X_a - X_0, a = 1..d."""
    x = nodes[elements]
    return np.swapaxes(x[:, 1:] - x[:, :1], 1, 2)


def structured_mesh(n: tuple[int, ...], lengths: tuple[float, ...], *, thickness: float = 1.0) -> Mesh:
    """Structured simplicial mesh of a box [0, L_1] x ... (2 triangles per square, 6
    tetrahedra per cube, Kuhn/Freudenthal split), for tests and benchmarks."""
    dim = len(n)
    axes = [np.linspace(0.0, L, k + 1) for k, L in zip(n, lengths, strict=False)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)
    index = np.arange(grid.shape[0]).reshape(tuple(k + 1 for k in n))
    from itertools import permutations, product

    corners = {c: index[tuple(slice(ci, ci + k) for ci, k in zip(c, n, strict=True))].ravel()
               for c in product((0, 1), repeat=dim)}
    simplices = []
    for perm in permutations(range(dim)):
        path = [tuple([0] * dim)]
        for axis in perm:
            nxt = list(path[-1])
            nxt[axis] = 1
            path.append(tuple(nxt))
        simplices.append(np.stack([corners[c] for c in path], axis=1))
    return Mesh(grid, np.concatenate(simplices), thickness)


#: Added to the grading level before its floor (see :func:`graded_lattice_nodes`).
LEVEL_TOLERANCE = 1e-9


def graded_lattice_nodes(
    sites: np.ndarray, inner: np.ndarray, lattice: np.ndarray, *, growth: float = 0.25, max_factor: int = 64,
    exponent: float | None = None,
) -> np.ndarray:
    """Select lattice sites for a graded mesh.

    Every site in the fully resolved region (``inner``) is kept. Elsewhere a site is kept
    when it lies on the coarser lattice ``k * lattice`` (integer coordinates multiples of
    k), with ``k(r) = 2^floor(log2(1 + growth * r / h))`` growing with the distance r from
    the region (h: shortest lattice vector; k capped at ``max_factor``). On the faces of
    the bounding box the multiple-of-k test applies only along the face, and the corners of
    the sites' convex hull are kept, so the domain boundary stays covered; all selected nodes
    are lattice sites.

    Parameters
    ----------
    sites : ndarray, shape (n, dim)
        Lattice sites in Angstrom.
    inner : ndarray of bool, shape (n,)
        Sites of the fully resolved region.
    lattice : ndarray, shape (dim, dim)
        Rows: lattice vectors (Angstrom) such that site differences are integer (or, for
        sites off the coarse grid, non-integer) combinations of them.
    growth : float
        How fast element size grows with distance.
    max_factor : int
        Largest coarsening factor.
    exponent : float, optional
        Power-law grading instead: ``k = 2^floor(log2((1 + r / R)^exponent))`` with R the
        radius of the fully resolved region. With 1 < exponent < 2 the interpolation error
        of a defect's far field (grad^2 u ~ r^-3 for a point defect) falls as fast as the
        Cauchy-Born modelling error while the number of nodes grows like R^2: the mesh of
        a convergence study.

    Returns
    -------
    ndarray of int
        Indices of the selected sites.
    """
    from scipy.spatial import ConvexHull, Delaunay, cKDTree

    sites = np.asarray(sites, dtype=float)
    inner = np.asarray(inner, dtype=bool)
    lattice = np.asarray(lattice, dtype=float)
    if not inner.any():
        raise MeshError("the fully resolved region contains no lattice site")
    h = np.linalg.norm(lattice, axis=1).min()
    dist, _ = cKDTree(sites[inner]).query(sites)
    if exponent is None:
        level = np.log2(1.0 + growth * dist / h)
    else:
        centre = sites[inner].mean(axis=0)
        radius = max(np.linalg.norm(sites[inner] - centre, axis=1).max(), h)
        level = exponent * np.log2(1.0 + dist / radius)
    # lattice distances are often exact multiples of h, so level is often an integer: the
    # tolerance makes the floor that of exact arithmetic, not of the positions' round-off
    k = np.minimum(2 ** np.floor(level + LEVEL_TOLERANCE).astype(np.int64), max_factor)
    coords = np.linalg.solve(lattice.T, (sites - sites[inner][0]).T).T
    q = coords / k[:, None]
    multiple = np.abs(q - np.rint(q)) < 1e-6
    lo, hi = sites.min(axis=0), sites.max(axis=0)
    tol = 1e-6 * (hi - lo).max()
    on_face = (sites <= lo + tol) | (sites >= hi - tol)
    keep = inner | np.all(multiple | on_face, axis=1)
    # where rows of sites are offset (bcc seen along <100>), the bounding box's corners hold
    # no site and the kept face sites can miss the sites' hull: its corners outside the kept
    # sites' hull are kept too (rounded: round-off cannot change either hull)
    rounded = np.round(sites, 6)
    corner = ConvexHull(rounded).vertices
    outside = Delaunay(rounded[keep]).find_simplex(rounded[corner], tol=1e-9) < 0
    keep[corner[outside]] = True
    return np.flatnonzero(keep)
