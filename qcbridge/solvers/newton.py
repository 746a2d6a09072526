"""Newton methods: Jacobian-free Newton-Krylov for any problem, and Newton with the sparse
stiffness for problems that have one.

Both solve g(x) = 0 for the gradient g = -f on the free degrees of freedom, which is what
force-based coupling calls for (its forces are not the gradient of an energy).

:class:`NewtonKrylov`: the Newton step J d = -g is solved by GMRES with Jacobian-vector
products from one-sided differences, J v ~ (g(x + h v) - g(x)) / h with
h = sqrt(eps) (1 + norm(x)) / norm(v) (Knoll & Keyes, J. Comput. Phys. 193, 357 (2004)), to a
relative tolerance eta = min(eta_max, norm(g) / norm(g_0)); a backtracking line search on norm(g)
accepts the step. It stops as stagnated when norm(g) has fallen by less than a factor
``stagnation`` over ``patience`` iterations, or when no step length reduces norm(g).

:class:`Newton`: K d = f with the sparse stiffness K (direct solve), a backtracking line
search on the energy (Armijo), and a steepest-descent step where K is not positive
definite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.sparse.linalg as spla

from ..errors import InvertedElementError, SolverError
from .methods import State, Step
from .problem import DofView

log = logging.getLogger(__name__)

__all__ = ["Newton", "NewtonKrylov"]


@dataclass(frozen=True)
class NewtonKrylov:
    """Jacobian-free Newton-Krylov with a line search and a stagnation stop.

    Attributes
    ----------
    eta_max : float
        Largest relative GMRES tolerance (forcing term).
    krylov_max : int
        GMRES iterations per Newton step (each is one evaluation of the problem).
    max_backtracks : int
        Step halvings before the line search gives up.
    patience : int
        Window (iterations) of the stagnation test.
    stagnation : float
        norm(g) must fall below this fraction of its value ``patience`` iterations ago.
    """

    eta_max: float = 0.1
    krylov_max: int = 60
    max_backtracks: int = 20
    patience: int = 10
    stagnation: float = 0.9

    name: ClassVar[str] = "newton-krylov"
    exact_state: ClassVar[bool] = True

    def init(self, x: np.ndarray, e: float | None, g: np.ndarray) -> State:
        return {"g0": float(np.linalg.norm(g)), "history": np.zeros(0), "stalled": ""}

    def step(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray, state: State) -> Step:
        gnorm = float(np.linalg.norm(g))
        eta = min(self.eta_max, gnorm / max(state["g0"], 1e-300))
        xnorm = float(np.linalg.norm(x))

        def jv(v: np.ndarray) -> np.ndarray:
            vnorm = float(np.linalg.norm(v))
            if vnorm == 0.0:
                return np.zeros_like(v)
            h = np.sqrt(np.finfo(float).eps) * (1.0 + xnorm) / vnorm
            return (view.evaluate(x + h * v)[1] - g) / h

        n = len(x)
        J = spla.LinearOperator((n, n), matvec=jv, dtype=float)
        d, _ = spla.gmres(J, -g, rtol=eta, atol=0.0, restart=min(self.krylov_max, n), maxiter=1)
        alpha = 1.0
        for _ in range(self.max_backtracks + 1):
            x_new = x + alpha * d
            try:
                e_new, g_new, f_new = view.evaluate(x_new)
            except InvertedElementError:
                alpha *= 0.5
                continue
            if np.linalg.norm(g_new) <= (1.0 - 1e-4 * alpha) * gnorm:
                break
            alpha *= 0.5
        else:
            # no step length reduces |g|: stay at x, re-evaluated there
            e_new, g_new, f_new = view.evaluate(x)
            return x, e_new, g_new, f_new, {**state, "stalled": f"no step along the Newton direction reduces |g| "
                                                              f"({gnorm:.3g} eV/A)"}
        history = np.append(state["history"], np.linalg.norm(g_new))[-(self.patience + 1):]
        stalled = ""
        if len(history) > self.patience and history[-1] > self.stagnation * history[0]:
            stalled = (f"|g| fell only from {history[0]:.3g} to {history[-1]:.3g} eV/A in the last {self.patience} "
                       "iterations")
        return x_new, e_new, g_new, f_new, {"g0": state["g0"], "history": history, "stalled": stalled}


@dataclass(frozen=True)
class Newton:
    """Newton's method with the problem's sparse stiffness and an energy line search.

    The problem must provide ``stiffness(u)`` (e.g.
    :class:`~qcbridge.solvers.problem.ContinuumProblem`).

    Attributes
    ----------
    linear_solver : callable, optional
        ``x = linear_solver(K_ff, b)``; default :func:`scipy.sparse.linalg.spsolve`.
    """

    linear_solver: Callable[[Any, np.ndarray], np.ndarray] | None = None

    name: ClassVar[str] = "newton"
    exact_state: ClassVar[bool] = True

    def check(self, problem: object) -> None:
        """Raise :class:`SolverError` unless the problem has a stiffness."""
        if getattr(problem, "stiffness", None) is None:
            raise SolverError("Newton needs a problem with an energy and a stiffness (a continuum problem); "
                              "use NewtonKrylov for coupled models")

    def init(self, x: np.ndarray, e: float | None, g: np.ndarray) -> State:
        return {}

    def step(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray, state: State) -> Step:
        self.check(view.problem)
        stiffness = view.problem.stiffness  # type: ignore[attr-defined]  # checked above
        if e is None:
            raise SolverError("Newton needs a problem with an energy; use NewtonKrylov for force-only problems")
        free3 = np.repeat(view.free, 3)
        K = stiffness(view.u)[free3][:, free3]
        solve = spla.spsolve if self.linear_solver is None else self.linear_solver
        d = np.asarray(solve(K.tocsc(), -g))
        slope = float(np.dot(g, d))
        if not slope < 0:  # indefinite stiffness: not a descent direction, use the forces
            log.info("newton: stiffness not positive definite, steepest-descent step")
            d = -g
            slope = float(np.dot(g, d))
        res = float(np.abs(g).max(initial=0.0))
        alpha = 1.0
        while True:
            try:
                e_new, g_new, f_new = view.evaluate(x + alpha * d)
                if e_new is None:
                    raise SolverError("Newton needs a problem with an energy; the problem returned none at a "
                                      "trial step")
                if e_new <= e + 1e-4 * alpha * slope or alpha < 1e-8 or res < 1e-6:
                    break
            except InvertedElementError:
                if alpha < 1e-8:
                    raise
            alpha *= 0.5
        return x + alpha * d, e_new, g_new, f_new, state
