"""What a solver needs from a problem, and the free degrees of freedom as one vector.

A :class:`Problem` has node displacements u (shape (n, 3), Angstrom), a mask of free
nodes, and evaluates an energy (eV, or None when the forces are not the gradient of any
energy, as in force-based coupling) and forces (eV/Angstrom, zero on prescribed nodes).
Coupled models (:class:`~qcbridge.coupling.QCModel`) are problems; a continuum model with
Dirichlet data becomes one through :class:`ContinuumProblem`.

Solvers work on x, the free components of u flattened (3 per free node), and on the
gradient g = -f restricted to them (:class:`DofView`), as ASE's optimizers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import SolverError
from ..fingerprint import fingerprint

__all__ = ["ContinuumProblem", "DofView", "Problem", "fingerprint"]


@runtime_checkable
class Problem(Protocol):
    """The interface :func:`~qcbridge.solvers.relax` relaxes."""

    @property
    def free(self) -> np.ndarray:
        """Mask of free nodes, shape (n,)."""
        ...

    def initial_guess(self) -> np.ndarray:
        """Start displacements (Angstrom), shape (n, 3)."""
        ...

    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        """Energy (eV or None) and forces (eV/Angstrom, (n, 3), zero on prescribed nodes)."""
        ...

    def fingerprint(self) -> dict[str, str]:
        """Hashes of what defines the problem (checkpoints refuse another problem's state)."""
        ...


@dataclass
class DofView:
    """The free degrees of freedom of a problem as one vector.

    Attributes
    ----------
    problem : Problem
    u : ndarray, shape (n, 3)
        Current displacements; :meth:`set_x` writes the free components.
    """

    problem: Problem
    u: np.ndarray

    def __post_init__(self) -> None:
        self.u = np.array(self.u, dtype=float)
        self.free = np.asarray(self.problem.free, dtype=bool)
        if self.u.shape != (len(self.free), 3):
            raise SolverError(f"displacements have shape {self.u.shape}, expected ({len(self.free)}, 3)")
        if not np.all(np.isfinite(self.u)):
            raise SolverError("start displacements contain NaN or infinity")

    def get_x(self) -> np.ndarray:
        """Free components, shape (3 n_free,), Angstrom."""
        return self.u[self.free].ravel().copy()

    def set_x(self, x: np.ndarray) -> None:
        self.u[self.free] = np.asarray(x).reshape(-1, 3)

    def evaluate(self, x: np.ndarray) -> tuple[float | None, np.ndarray, np.ndarray]:
        """Energy (eV or None), gradient g = -f on the free components (eV/Angstrom) and the
        full forces (n, 3) at x.

        Raises
        ------
        SolverError
            The problem returned non-finite forces (the message says where).
        """
        self.set_x(x)
        e, f = self.problem.evaluate(self.u)
        f = np.asarray(f, dtype=float)
        if not np.all(np.isfinite(f)):
            bad = np.flatnonzero(~np.isfinite(f).all(axis=1))
            raise SolverError(f"the forces on {len(bad)} node(s) are not finite (first {bad[:10].tolist()}); "
                              "the configuration left the potential's range")
        return e, -f[self.free].ravel(), f


def max_force(g: np.ndarray) -> float:
    """Largest per-node force norm of a flattened gradient (eV/Angstrom)."""
    return float(np.linalg.norm(g.reshape(-1, 3), axis=1).max(initial=0.0))


class ContinuumProblem:
    """A continuum model with Dirichlet data as a :class:`Problem` (with a stiffness).

    Parameters
    ----------
    model : ContinuumModel
    u0 : ndarray, shape (n_nodes, 3)
        Start; its values on fixed nodes are the Dirichlet data (Angstrom).
    fixed : ndarray of bool, shape (n_nodes,)
        Prescribed nodes.
    """

    def __init__(self, model: Any, u0: np.ndarray, fixed: np.ndarray):
        self.model = model
        self.u0 = np.array(u0, dtype=float)
        fixed = np.asarray(fixed, dtype=bool)
        if fixed.shape != (model.mesh.n_nodes,):
            raise SolverError(f"fixed must be a node mask of shape ({model.mesh.n_nodes},), got {fixed.shape}")
        self.free = ~fixed

    def initial_guess(self) -> np.ndarray:
        return self.u0.copy()

    def evaluate(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        e, f = self.model.energy_forces(u)
        f = f.copy()
        f[~self.free] = 0.0
        return e, f

    def stiffness(self, u: np.ndarray) -> Any:
        """Sparse Hessian (3 n, 3 n), eV/Angstrom^2."""
        return self.model.stiffness(u)

    def fingerprint(self) -> dict[str, str]:
        mesh = self.model.mesh
        return {"mesh": fingerprint(mesh.nodes, mesh.elements), "data": fingerprint(self.u0[~self.free], self.free),
                "material": fingerprint(repr(self.model.material))}
