"""Minimizers as strategy objects over a state that a checkpoint can hold.

Every method works on the free degrees of freedom x of a :class:`~.problem.DofView` and
keeps everything it remembers between steps in a flat ``state`` dict of numpy arrays and
numbers, so that a checkpoint holds the method exactly and a resumed run repeats the
uninterrupted one bit for bit.

:class:`FIRE` and :class:`LBFGS` are ASE's algorithms (``ase.optimize.FIRE``,
``ase.optimize.LBFGS``) with their defaults, step for step and operation for operation:
the tests check that they produce ASE's iterates exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from .problem import DofView

__all__ = ["FIRE", "LBFGS", "Method", "State", "Step"]

State = dict[str, Any]
#: x, energy (eV or None), gradient on x (eV/A), full forces (n, 3), new state
Step = tuple[np.ndarray, "float | None", np.ndarray, np.ndarray, State]


class Method(Protocol):
    """A relaxation method: ``init`` once, then ``step`` until converged."""

    name: ClassVar[str]
    #: whether ``state`` is everything the method remembers (exact resume)
    exact_state: ClassVar[bool]

    def init(self, x: np.ndarray, e: float | None, g: np.ndarray) -> State:
        """State before the first step, at x with energy e and gradient g."""
        ...

    def step(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray, state: State) -> Step:
        """One iteration from x; evaluates the problem at the new point(s)."""
        ...


def _per_node_max(dx: np.ndarray) -> float:
    return float(np.linalg.norm(dx.reshape(-1, 3), axis=1).max(initial=0.0))


@dataclass(frozen=True)
class FIRE:
    """Fast inertial relaxation engine (Bitzek et al., PRL 97, 170201 (2006)), ASE's variant.

    Attributes
    ----------
    dt, maxstep, dtmax : float
        Initial time step, largest step length (Angstrom, of the whole step vector, as in
        ASE) and largest time step.
    Nmin, finc, fdec, astart, fa : numbers
        FIRE's mixing schedule (ASE's defaults).
    """

    dt: float = 0.1
    maxstep: float = 0.2
    dtmax: float = 1.0
    Nmin: int = 5
    finc: float = 1.1
    fdec: float = 0.5
    astart: float = 0.1
    fa: float = 0.99

    name: ClassVar[str] = "fire"
    exact_state: ClassVar[bool] = True

    def init(self, x: np.ndarray, e: float | None, g: np.ndarray) -> State:
        return {"vel": np.zeros(0), "dt": self.dt, "a": self.astart, "nsteps": 0}

    def step(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray, state: State) -> Step:
        gradient = -g  # ASE's FIRE calls the force "gradient"
        vel, dt, a, nsteps = state["vel"], state["dt"], state["a"], state["nsteps"]
        if vel.size == 0:
            vel = np.zeros(len(x))
        else:
            vel = vel.copy()
            vf = np.vdot(gradient, vel)
            grad2 = np.vdot(gradient, gradient)
            if vf > 0.0:
                vel = (1.0 - a) * vel + a * gradient / np.sqrt(grad2) * np.sqrt(np.vdot(vel, vel))
                if nsteps > self.Nmin:
                    dt = min(dt * self.finc, self.dtmax)
                    a *= self.fa
                nsteps += 1
            else:
                vel[:] *= 0.0
                a = self.astart
                dt *= self.fdec
                nsteps = 0
        vel += dt * gradient
        dr = dt * vel
        normdr = np.sqrt(np.vdot(dr, dr))
        if normdr > self.maxstep:
            dr = self.maxstep * dr / normdr
        x_new = x + dr
        e_new, g_new, f_new = view.evaluate(x_new)
        return x_new, e_new, g_new, f_new, {"vel": vel, "dt": dt, "a": a, "nsteps": nsteps}


@dataclass(frozen=True)
class LBFGS:
    """Limited-memory BFGS without line search (ASE's ``LBFGS`` with its defaults).

    Attributes
    ----------
    maxstep : float
        Largest displacement of any node per step (Angstrom).
    memory : int
        Number of (s, y) pairs kept.
    damping : float
        Factor on every step.
    alpha : float
        Initial Hessian guess alpha I (eV/Angstrom^2).
    """

    maxstep: float = 0.2
    memory: int = 100
    damping: float = 1.0
    alpha: float = 70.0

    name: ClassVar[str] = "lbfgs"
    exact_state: ClassVar[bool] = True

    def init(self, x: np.ndarray, e: float | None, g: np.ndarray) -> State:
        n = len(x)
        return {"iteration": 0, "s": np.zeros((0, n)), "y": np.zeros((0, n)), "rho": np.zeros(0),
                "r0": np.zeros(0), "f0": np.zeros(0)}

    def step(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray, state: State) -> Step:
        forces = -g
        it = int(state["iteration"])
        s, y, rho = list(state["s"]), list(state["y"]), list(state["rho"])
        if it > 0:
            s0 = x - state["r0"]
            s.append(s0)
            y0 = -forces - (-state["f0"])
            y.append(y0)
            rho.append(1.0 / np.dot(y0, s0))
            if it > self.memory:
                s.pop(0)
                y.pop(0)
                rho.pop(0)
        loopmax = np.min([self.memory, it])
        a = np.empty(loopmax, dtype=np.float64)
        q = (-forces).copy()
        for i in range(loopmax - 1, -1, -1):
            a[i] = rho[i] * np.dot(s[i], q)
            q -= a[i] * y[i]
        z = (1.0 / self.alpha) * q
        for i in range(loopmax):
            b = rho[i] * np.dot(y[i], z)
            z += s[i] * (a[i] - b)
        dr = -z
        longest = _per_node_max(dr)
        if longest >= self.maxstep:
            dr *= self.maxstep / longest
        dr = dr * self.damping
        x_new = x + dr
        e_new, g_new, f_new = view.evaluate(x_new)
        n = len(x)
        new_state = {"iteration": it + 1, "s": np.array(s).reshape(-1, n), "y": np.array(y).reshape(-1, n),
                     "rho": np.array(rho, dtype=float), "r0": x.copy(), "f0": forces.copy()}
        return x_new, e_new, g_new, f_new, new_state
