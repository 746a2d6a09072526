"""Preconditioners of the flexible-boundary crack's Newton-Krylov steps: approximate inverses
of the Jacobian's node block, the Hessian of the free nodes (eV/A^2).

:class:`Preconditioner` names the choice:

- ``LAPLACIAN``: a graph Laplacian of the nodes (their nearest neighbours in the plane, cut
  along the crack) times a shear stiffness: what elasticity looks like at long wavelengths, as
  in ASE's ``precon`` module. Built once, for any force field; GMRES needs more iterations
  than with ``HESSIAN`` but no Hessian is built (on the Si crack's branch 0.45-0.6 times its wall
  time, on W (100) with an EAM 0.14 times: ``benchmarks/flexible_preconditioner.py``).
- ``HESSIAN``: the force field's own Hessian by coloured finite differences
  (:func:`~qcbridge.solvers.hessian.coloured_hessian`), factorized by sparse LU and refreshed
  at the start of every Newton solve and after a step whose GMRES did not converge. Exact up to
  the difference step, so GMRES converges in a few iterations near folds too; it costs 3 x
  colours force evaluations (about 380 for Si with Stillinger-Weber) and needs a force field
  of finite reach (full atomistics).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.spatial import cKDTree

from ..errors import SolverError
from ..solvers.hessian import coloured_hessian

__all__ = ["HessianPreconditioner", "LaplacianPreconditioner", "NodePreconditioner", "Preconditioner",
           "crack_laplacian"]


class NodePreconditioner(Protocol):
    """Approximate inverse of the node block of the crack's Jacobian."""

    def update(self, u: np.ndarray) -> None:
        """Rebuild at every node's displacements u (A, (n, 3)), where that makes sense."""
        ...

    def apply(self, g: np.ndarray) -> np.ndarray:
        """Approximate inverse applied to node forces (eV/A, 3 n_free) -> A, shape (n_free, 3)."""
        ...


def crack_laplacian(positions: np.ndarray, plane_y: float, slit_tip: float, neighbours: int = 8) -> sp.csr_matrix:
    """Graph Laplacian (unit weights) of every point's ``neighbours`` nearest points in the
    xy plane, without the edges that cross the crack plane y = ``plane_y`` behind
    x = ``slit_tip`` (A). Shape (n, n)."""
    xy = np.asarray(positions, dtype=float)[:, :2]
    n = len(xy)
    _, j = cKDTree(xy).query(xy, k=min(neighbours + 1, n))
    i = np.repeat(np.arange(n), j.shape[1] - 1)
    j = j[:, 1:].ravel()
    a, b = xy[i], xy[j]
    across = ((a[:, 1] - plane_y) * (b[:, 1] - plane_y) < 0) & (np.maximum(a[:, 0], b[:, 0]) < slit_tip)
    i, j = i[~across], j[~across]
    A = sp.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)).tocsr()
    A = ((A + A.T) > 0).astype(float)
    return (sp.diags(np.asarray(A.sum(axis=1)).ravel()) - A).tocsr()


class LaplacianPreconditioner:
    """The crack's graph Laplacian over the free nodes, scaled by 0.6 times the mean shear
    modulus times the slab's thickness (eV/A^2 per unit of L)."""

    def __init__(self, X: np.ndarray, free: np.ndarray, problem: Any):
        L = crack_laplacian(X, float(problem.centre[1]), float(problem.centre[0]))[free][:, free]
        C = problem.material.elastic_constants()
        shear = float(np.mean(np.diag(C)[3:]))  # Voigt 6x6, eV/A^3
        self.stiffness = 0.6 * shear * float(problem.crystal.cell[2, 2])
        self._lu = spla.splu((L + 1e-3 * sp.identity(L.shape[0])).tocsc())

    def update(self, u: np.ndarray) -> None:
        """Nothing to rebuild: the Laplacian does not depend on the state."""

    def apply(self, g: np.ndarray) -> np.ndarray:
        return self._lu.solve(np.asarray(g, dtype=float).reshape(-1, 3)) / self.stiffness


class HessianPreconditioner:
    """Sparse LU of the free nodes' Hessian by coloured finite differences of ``forces``.

    Parameters
    ----------
    forces : callable
        ``forces(u)`` -> forces (eV/A, (n, 3)) on every node at displacements u (A, (n, 3)).
    X : ndarray, shape (n, 3)
        Reference positions (A).
    free : ndarray of bool, shape (n,)
    reach : float
        Distance (A) beyond which a node's move does not change another's force.
    """

    def __init__(self, forces: Any, X: np.ndarray, free: np.ndarray, reach: float | None):
        if reach is None or not np.isfinite(reach):
            raise SolverError("the Hessian preconditioner needs a force field of finite reach (full atomistics); "
                              "use Preconditioner.LAPLACIAN for a coupled model")
        self.forces, self.X, self.free, self.reach = forces, X, free, float(reach)
        self._lu: Any = None
        self.evaluations = 0

    def update(self, u: np.ndarray) -> None:
        """Take the Hessian at u (deformed positions decide who interacts) and factorize it."""
        def counted(v: np.ndarray) -> np.ndarray:
            self.evaluations += 1
            return np.asarray(self.forces(v))

        H = coloured_hessian(counted, u, self.X + u, self.free, self.reach).tocsc()
        try:
            self._lu = spla.splu(H)
        except RuntimeError:  # exactly singular (a free rigid motion): a tiny shift
            scale = float(np.abs(H.diagonal()).max(initial=1.0))
            self._lu = spla.splu((H + 1e-8 * scale * sp.identity(H.shape[0])).tocsc())

    def apply(self, g: np.ndarray) -> np.ndarray:
        if self._lu is None:
            raise SolverError("the Hessian preconditioner is applied before its first update")
        return self._lu.solve(np.asarray(g, dtype=float).ravel()).reshape(-1, 3)


class Preconditioner(Enum):
    """Which approximate inverse the flexible crack's GMRES uses (see the module docstring)."""

    LAPLACIAN = "laplacian"
    HESSIAN = "hessian"

    def build(self, force_field: Any, X: np.ndarray, free: np.ndarray, problem: Any) -> NodePreconditioner:
        """The preconditioner over the ``free`` nodes of ``force_field`` (reference positions X)."""
        if self is Preconditioner.HESSIAN:
            return HessianPreconditioner(force_field.forces, X, free, getattr(force_field, "reach", None))
        return LaplacianPreconditioner(X, free, problem)
