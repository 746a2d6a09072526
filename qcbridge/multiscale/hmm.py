r"""Heterogeneous multiscale method: a continuum solve whose stresses come from LAMMPS bursts.

The macro model is the project's finite-element continuum (:class:`~qcbridge.continuum.
ContinuumModel`); the constitutive law it lacks, the first Piola stress P(F) of the crystal at
temperature T, is supplied at every element (one quadrature point per linear simplex) by a
:class:`~qcbridge.multiscale.bursts.StressBurst` (E, Engquist, Li, Ren & Vanden-Eijnden 2007,
Commun. Comput. Phys. 2, 367). Elements with the same F (within ``tol_F``) share one burst, and
bursts of one macro iteration run through :func:`~qcbridge.multiscale.executors.run_bursts` on
any executor.

The macro equations f(u) = 0 (f: nodal forces from the burst stresses) are solved by a
preconditioned fixed point,

.. math::  K_0 \, \delta u = f(u_k), \qquad u_{k+1} = u_k + \delta u,

with :math:`K_0` the stiffness of a preconditioning material (the Cauchy-Born crystal) at the
start, factorized once. At T = 0 the bursts are the Cauchy-Born stress and the fixed point
converges to the Cauchy-Born continuum solution; at T > 0 it converges linearly until the
residual reaches the noise of the burst stresses.

The reaction on a set of nodes is linear in the element stresses,
:math:`R_i = \sum_e V_e \sum_J P^e_{iJ} s_{eJ}` with :math:`s_{eJ} = \sum_{a} \partial N_a /
\partial X_J` over the set's nodes in element e, so its standard error follows from the
bursts' errors. The bursts of a :class:`~qcbridge.multiscale.bursts.StressBurst` share their
random numbers (common random numbers), so the errors of nearby F are almost perfectly
correlated and are summed as such:
:math:`\sigma^2(R_i) = \sum_J \big(\sum_e V_e s_{eJ} \sigma(P^e_{iJ})\big)^2`. For a uniform
state this is one burst's error times the area the reaction acts on; summing the elements in
quadrature, as for independent bursts, would understate it by the square root of the number
of elements.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import scipy.sparse.linalg as spla

from ..continuum.assembly import ContinuumModel, Material
from ..continuum.mesh import Mesh
from ..errors import ConvergenceError, MultiscaleError
from .bursts import BurstResult, StressBurst
from .executors import run_bursts

__all__ = ["BurstMaterial", "HMMResult", "hmm_solve"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Call:
    """One burst at a given temperature (picklable, for process and cluster executors)."""

    burst: StressBurst
    temperature: float

    def __call__(self, F: np.ndarray) -> BurstResult:
        return self.burst(F, self.temperature)


class BurstMaterial:
    """A material whose stress comes from stress bursts and whose tangent from another material.

    Parameters
    ----------
    burst : StressBurst
        The microscopic model (a LAMMPS cell of the crystal).
    temperature : float
        K.
    preconditioner : Material
        Gives the tangent (e.g. the :class:`~qcbridge.continuum.CauchyBorn` crystal of the same
        potential).
    executor : concurrent.futures.Executor, optional
        Where the bursts of one evaluation run (default: this process).
    tol_F : float
        Deformation gradients closer than this (max norm) share a burst.
    reuse_within : float
        Interpolation between cached F: an F within this distance (max norm) of a burst already
        run takes that burst's values corrected by the preconditioner's change,
        ``P(F) = P_b + P_0(F) - P_0(F_b)`` (and likewise W), with the burst's error, instead of a
        burst of its own. The correction is exact where the bursts and the preconditioner differ
        by a constant (at T = 0 with the Cauchy-Born preconditioner: exactly) and otherwise errs by
        about ``|C_T - C_0| |F - F_b|`` (C_T the tangent at T). Default 0: every distinct F gets
        its own burst.

    The material keeps the results itself rather than relying on the burst's own cache: with a
    process or cluster executor, each worker holds a copy of the burst and its cache.
    """

    def __init__(self, burst: StressBurst, temperature: float, preconditioner: Material, *,
                 executor: Executor | None = None, tol_F: float = 1e-10, reuse_within: float = 0.0):
        if not (np.isfinite(reuse_within) and reuse_within >= 0):
            raise MultiscaleError(f"reuse_within must be finite and >= 0, got {reuse_within}")
        self.call = _Call(burst, float(temperature))
        self.preconditioner = preconditioner
        self.executor = executor
        self.tol_F = tol_F
        self.reuse_within = float(reuse_within)
        self.bursts_run = 0
        self.reused = 0  # evaluations answered by a corrected nearby burst
        self._results: dict[tuple[float, ...], BurstResult] = {}
        self.last_error: np.ndarray | None = None  # standard errors of P at the last evaluation

    def _key(self, F: np.ndarray) -> tuple[float, ...]:
        return tuple(np.round(F.ravel() / self.tol_F).astype(np.int64).tolist())

    def energy_and_stress(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """W (mean potential energy per reference volume, eV/A^3) and P (eV/A^3) of a batch of F."""
        F = np.asarray(F, dtype=float)
        keys = [self._key(f) for f in F]
        missing = np.array([k not in self._results for k in keys], dtype=bool)
        anchors = self._anchors(F, missing)  # a cached burst to correct, per F, or None
        todo = {keys[i]: F[i] for i in np.flatnonzero(missing) if anchors[i] is None}
        if todo:
            results = run_bursts(self.call, list(todo.values()), executor=self.executor)
            self._results.update(zip(todo, results, strict=True))
            self.bursts_run += len(todo)
        found = [self._results[k] if b is None else b for k, b in zip(keys, anchors, strict=True)]
        W = np.array([r.energy for r in found])
        P = np.array([r.piola for r in found])
        self.last_error = np.array([r.piola_error for r in found])
        near = np.array([i for i, b in enumerate(anchors) if b is not None], dtype=int)
        if len(near):
            F_b = np.array([found[i].F for i in near])
            W0, P0 = self.preconditioner.energy_and_stress(np.concatenate([F[near], F_b]))
            W[near] += W0[: len(near)] - W0[len(near):]
            P[near] += P0[: len(near)] - P0[len(near):]
            self.reused += len(near)
        return W, P

    def _anchors(self, F: np.ndarray, missing: np.ndarray) -> list[BurstResult | None]:
        """For each F without its own burst, the nearest cached burst within ``reuse_within``;
        None otherwise."""
        anchors: list[BurstResult | None] = [None] * len(F)
        if self.reuse_within == 0 or not self._results or not missing.any():
            return anchors
        cached = list(self._results.values())
        rows = np.flatnonzero(missing)
        d = np.abs(F[rows, None] - np.array([r.F for r in cached])[None]).max(axis=(2, 3))  # (missing, cached)
        nearest = d.argmin(axis=1)
        for row, j, distance in zip(rows, nearest, d[np.arange(len(rows)), nearest], strict=True):
            if distance <= self.reuse_within:
                anchors[row] = cached[j]
        return anchors

    def tangent(self, F: np.ndarray) -> np.ndarray:
        """dP/dF of the preconditioning material (eV/A^3)."""
        return self.preconditioner.tangent(F)


@dataclass(frozen=True)
class HMMResult:
    """Macro solution of a heterogeneous multiscale run.

    Attributes
    ----------
    u : ndarray, shape (n_nodes, 3)
        Nodal displacements (Angstrom).
    reaction, reaction_error : ndarray, shape (3,)
        Force on the reaction nodes (eV/Angstrom) and its standard error from the bursts'.
    iterations : int
    residuals : ndarray
        Largest free-node force after each iteration (eV/Angstrom).
    bursts : int
        Bursts run (distinct F).
    """

    u: np.ndarray
    reaction: np.ndarray
    reaction_error: np.ndarray
    iterations: int
    residuals: np.ndarray
    bursts: int


def reaction_operator(mesh: Mesh, nodes: np.ndarray) -> np.ndarray:
    """``s[e, J]``: the sum over ``nodes`` of dN_a/dX_J in element e (1/Angstrom), shape (m, dim)."""
    mask = np.zeros(mesh.n_nodes)
    mask[np.asarray(nodes)] = 1.0
    return (mesh.gradient_operator @ mask).reshape(mesh.n_elements, mesh.dim)


def hmm_solve(mesh: Mesh, material: BurstMaterial, u0: np.ndarray, fixed: np.ndarray, reaction_nodes: np.ndarray,
              *, tol: float = 1e-4, max_iter: int = 50,
              progress: Callable[[int, float], None] | None = None) -> HMMResult:
    """Solve the macro problem with burst stresses by a fixed point preconditioned by the tangent.

    Parameters
    ----------
    mesh : Mesh
        Reference configuration (Angstrom).
    material : BurstMaterial
    u0 : ndarray, shape (n_nodes, 3)
        Start; its values on fixed nodes are the Dirichlet data (Angstrom).
    fixed : ndarray of bool, shape (n_nodes,) or (n_nodes, 3)
        Prescribed nodes (all three components), or prescribed components (rollers: e.g. only
        the normal component on a symmetry plane).
    reaction_nodes : ndarray of int
        Nodes whose total force is reported (e.g. a loaded end).
    tol : float
        Largest force on a free node at convergence (eV/Angstrom); at T > 0 choose it above the
        noise of the burst forces.
    max_iter : int
    progress : callable, optional
        ``progress(iteration, residual)`` after each iteration.

    Returns
    -------
    HMMResult

    Raises
    ------
    ConvergenceError
        ``max_iter`` reached; the message gives the residual history.
    """
    u = np.array(u0, dtype=float)
    fixed = np.asarray(fixed, dtype=bool)
    if u.shape != (mesh.n_nodes, 3) or fixed.shape not in ((mesh.n_nodes,), (mesh.n_nodes, 3)):
        raise MultiscaleError(f"u0 must be ({mesh.n_nodes}, 3) and fixed ({mesh.n_nodes},) or ({mesh.n_nodes}, 3), "
                              f"got {u.shape} and {fixed.shape}")
    fixed = np.broadcast_to(fixed[:, None], u.shape) if fixed.ndim == 1 else fixed
    model = ContinuumModel(mesh, material)
    free = ~fixed.reshape(-1)
    K = model.stiffness(u)[free][:, free].tocsc()
    solve = spla.factorized(K)
    residuals = []
    for iteration in range(1, max_iter + 1):
        _, f = model.energy_forces(u)
        residuals.append(float(np.abs(f.reshape(-1)[free]).max(initial=0.0)))
        if progress is not None:
            progress(iteration, residuals[-1])
        log.info("HMM iteration %d: largest force %.3g eV/A, %d bursts", iteration, residuals[-1],
                 material.bursts_run)
        if residuals[-1] < tol:
            break
        u.reshape(-1)[free] += solve(f.reshape(-1)[free])
    else:
        raise ConvergenceError(f"HMM did not reach {tol:g} eV/A in {max_iter} iterations; residuals "
                               f"{', '.join(f'{r:.2g}' for r in residuals[-5:])}: loosen tol to the burst noise")
    s = reaction_operator(mesh, reaction_nodes)
    V = mesh.volumes
    reaction = -f[np.asarray(reaction_nodes)].sum(axis=0)
    P_err = material.last_error if material.last_error is not None else np.zeros((mesh.n_elements, 3, 3))
    correlated = np.einsum("e,eJ,eiJ->iJ", V, s, P_err[:, :, : mesh.dim])  # (3, dim)
    error = np.sqrt((correlated**2).sum(axis=1))
    return HMMResult(u, reaction, error, len(residuals), np.array(residuals), material.bursts_run)
