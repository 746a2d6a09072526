"""One entry point for relaxing any problem: :func:`relax`.

relax(problem, method, options, observers): the method (:class:`~.methods.FIRE`,
:class:`~.methods.LBFGS`, :class:`~.newton.NewtonKrylov`, :class:`~.newton.Newton`, or
any ASE optimizer through :class:`~.ase_optimizer.AseOptimizer`) steps until the largest
force on a free node is below ``options.fmax``. After every step each observer is called
with a :class:`Progress` (the ASE ``attach`` pattern); checkpoints and trajectories are
observers (:mod:`.observers`), and a checkpoint observer may hand relax a state to resume
from.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ConvergenceError, SolverError
from .methods import FIRE, LBFGS, Method, State
from .newton import Newton, NewtonKrylov
from .problem import DofView, Problem

log = logging.getLogger(__name__)

__all__ = ["Outcome", "Progress", "RelaxObserver", "RelaxOptions", "RelaxResult", "Resume", "method_from_name", "relax"]


class Outcome(Enum):
    """Why a relaxation stopped."""

    CONVERGED = "converged"
    MAX_STEPS = "max steps"
    STAGNATED = "stagnated"


@dataclass(frozen=True)
class RelaxOptions:
    """Stopping rules of :func:`relax`.

    Attributes
    ----------
    fmax : float
        Converged when the largest force norm on a free node is below this (eV/Angstrom).
    max_steps : int
        Steps of the method (Newton-Krylov: nonlinear iterations), counting the steps of
        the run a checkpoint resumes.
    raise_on_failure : bool
        Raise :class:`ConvergenceError` instead of returning an unconverged result.
    """

    fmax: float = 1e-3
    max_steps: int = 5000
    raise_on_failure: bool = False

    def __post_init__(self) -> None:
        if not (np.isfinite(self.fmax) and self.fmax > 0):
            raise SolverError(f"fmax must be a positive number of eV/A, got {self.fmax}")
        if self.max_steps < 0:
            raise SolverError(f"max_steps must be >= 0, got {self.max_steps}")


@dataclass(frozen=True)
class Progress:
    """What observers receive after every step.

    Attributes
    ----------
    step : int
        Steps taken (0 before the first).
    fmax : float
        Largest force norm on free nodes (eV/Angstrom).
    energy : float or None
        eV (None for force-based methods).
    elapsed : float
        Seconds since the start of this call.
    u : ndarray, shape (n, 3)
        Current displacements (Angstrom); observers must not modify it.
    forces : ndarray, shape (n, 3)
        Forces at u (eV/Angstrom).
    state : dict or None
        The method's state after this step (what a checkpoint stores); None when the
        method cannot expose it.
    """

    step: int
    fmax: float
    energy: float | None
    elapsed: float
    u: np.ndarray
    forces: np.ndarray
    state: State | None


@dataclass(frozen=True)
class Resume:
    """A state to resume from: displacements (Angstrom), step, the method's state (None when
    the method's state was not saved) and the energy and forces at u."""

    u: np.ndarray
    step: int
    state: State | None
    energy: float | None
    forces: np.ndarray


@runtime_checkable
class RelaxObserver(Protocol):
    """An observer with a beginning and an end (checkpoints, trajectories): ``start`` learns
    the problem, the method and the first step (non-zero when resuming); ``finish`` sees
    the last :class:`Progress`. An observer that can resume a run also has
    ``restore(problem, method) -> Resume | None``, asked before any start.
    """

    def start(self, problem: Problem, method: Method, step: int) -> None: ...

    def __call__(self, progress: Progress) -> None: ...

    def finish(self, progress: Progress) -> None: ...


@dataclass(frozen=True)
class RelaxResult:
    """Outcome of :func:`relax`.

    Attributes
    ----------
    u : ndarray, shape (n, 3)
        Displacements (Angstrom).
    steps : int
        Steps taken in all (including those of a resumed run).
    fmax : float
        Largest force on a free node at u (eV/Angstrom).
    energy : float or None
        eV.
    outcome : Outcome
    message : str
        Why it stopped, in words.
    seconds : float
        Wall time of this call.
    """

    u: np.ndarray
    steps: int
    fmax: float
    energy: float | None
    outcome: Outcome
    message: str
    seconds: float

    @property
    def converged(self) -> bool:
        return self.outcome is Outcome.CONVERGED


#: Methods by name, for command lines and configuration files.
METHODS: dict[str, Callable[[], Any]] = {"fire": FIRE, "lbfgs": LBFGS, "newton-krylov": NewtonKrylov,
                                          "newton": Newton}


def method_from_name(name: str | Any) -> Any:
    """A method object from its name (``fire``, ``lbfgs``, ``newton-krylov``, ``newton``);
    method objects pass through.

    Raises
    ------
    SolverError
        Unknown name; the message lists the choices.
    """
    if not isinstance(name, str):
        return name
    try:
        return METHODS[name.lower()]()
    except KeyError:
        raise SolverError(f"unknown relaxation method {name!r}; choose one of {', '.join(METHODS)}") from None


def _fmax(forces: np.ndarray, free: np.ndarray) -> float:
    return float(np.linalg.norm(forces[free], axis=1).max(initial=0.0))


def relax(
    problem: Problem,
    method: Method | str | None = None,
    options: RelaxOptions | None = None,
    *,
    observers: Sequence[Callable[[Progress], None]] = (),
    u0: np.ndarray | None = None,
) -> RelaxResult:
    """Relax a problem until the forces on its free nodes are below ``options.fmax``.

    Parameters
    ----------
    problem : Problem
        A coupled model (:class:`~qcbridge.coupling.QCModel`), a
        :class:`~qcbridge.solvers.ContinuumProblem`, or anything with the same interface.
    method : Method or str, optional
        Default :class:`FIRE`; ``"fire"``, ``"lbfgs"``, ``"newton-krylov"``, ``"newton"``.
    options : RelaxOptions, optional
        Tolerance and step limit (default ``RelaxOptions()``: 1e-3 eV/A, 5000 steps).
    observers : callables
        Called with a :class:`Progress` after every step; those that implement
        :class:`RelaxObserver` (e.g. :class:`~.observers.Checkpoint`,
        :class:`~.observers.TrajectoryWriter`) are also started and finished. Observers
        that can resume a run (checkpoints) are called after the others.
    u0 : ndarray, optional
        Start (default ``problem.initial_guess()``); ignored when a checkpoint resumes.

    Returns
    -------
    RelaxResult

    Raises
    ------
    ConvergenceError
        With ``options.raise_on_failure``, when it stops unconverged.
    SolverError, CheckpointError
        Bad input, a method the problem cannot use, a mismatching checkpoint.
    """
    method = FIRE() if method is None else method_from_name(method)
    options = RelaxOptions() if options is None else options
    check = getattr(method, "check", None)
    if check is not None:
        check(problem)  # a method that cannot work on this problem says so before any step
    # observers that can resume a run (checkpoints) see each step after all the others, so
    # that whatever a checkpoint covers (trajectory frames, say) has been written before it
    observers = sorted(observers, key=lambda o: hasattr(o, "restore"))
    lifecycle = [o for o in observers if isinstance(o, RelaxObserver)]
    t0 = time.perf_counter()
    resume = None
    for obs in observers:
        restore = getattr(obs, "restore", None)
        if restore is not None:
            resume = restore(problem, method) or resume
    for obs in lifecycle:
        obs.start(problem, method, 0 if resume is None else resume.step)
    u_start = problem.initial_guess() if u0 is None else u0
    view = DofView(problem, resume.u if resume is not None else u_start)
    x = view.get_x()
    if resume is not None:
        step, e, f = resume.step, resume.energy, resume.forces
        g = -f[view.free].ravel()
        state = resume.state if resume.state is not None else method.init(x, e, g)
    else:
        step = 0
        e, g, f = view.evaluate(x)
        state = method.init(x, e, g)
    outcome, message = Outcome.MAX_STEPS, f"stopped after {options.max_steps} steps"

    def report() -> Progress:
        exposed = state if getattr(method, "exact_state", False) else None
        return Progress(step, _fmax(f, view.free), e, time.perf_counter() - t0, view.u, f, exposed)

    progress = report()
    while True:
        if progress.fmax < options.fmax:
            outcome, message = Outcome.CONVERGED, f"fmax {progress.fmax:.3g} < {options.fmax:g} eV/A"
            break
        if state.get("stalled"):
            outcome, message = Outcome.STAGNATED, f"{method.name} stagnated: {state['stalled']}"
            break
        if step >= options.max_steps:
            message = f"{method.name} stopped after {step} steps with fmax = {progress.fmax:.3g} eV/A"
            break
        x, e, g, f, state = method.step(view, x, e, g, state)
        view.set_x(x)
        step += 1
        progress = report()
        for obs in observers:
            obs(progress)
    for obs in lifecycle:
        obs.finish(progress)
    log.info("relax: %s", message)
    result = RelaxResult(view.u.copy(), step, progress.fmax, e, outcome, message, time.perf_counter() - t0)
    if options.raise_on_failure and not result.converged:
        raise ConvergenceError(message)
    return result
