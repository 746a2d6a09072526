"""Relaxation of coupled models: ASE optimizers or Newton-Krylov, with progress observers,
trajectories and checkpoints.

Energy-based and force-based models alike are relaxed through their
:class:`~qcbridge.coupling.model.QCOptimizable` (free-node displacements), so ASE's FIRE and
LBFGS run unchanged; Newton-Krylov (scipy.optimize.newton_krylov) solves f(u) = 0 directly,
which is what the non-conservative force-based methods call for. A checkpoint (``.npz``:
node displacements and the step count) is written every ``checkpoint_every`` steps and
read back by ``resume=True``, so a killed run loses at most that many steps.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from .errors import ConvergenceError

log = logging.getLogger(__name__)

__all__ = ["Optimizer", "Progress", "RelaxResult", "relax"]


class Optimizer(Enum):
    """Relaxation algorithm."""

    FIRE = "fire"
    LBFGS = "lbfgs"
    NEWTON_KRYLOV = "newton-krylov"


@dataclass(frozen=True)
class Progress:
    """What observers receive after every step.

    Attributes
    ----------
    step : int
    fmax : float
        Largest force norm on free nodes (eV/A).
    energy : float or None
        eV (None for force-based methods).
    elapsed : float
        Seconds since the start of this call.
    """

    step: int
    fmax: float
    energy: float | None
    elapsed: float


@dataclass(frozen=True)
class RelaxResult:
    """Outcome of :func:`relax`: node displacements (Angstrom), steps, final fmax (eV/A),
    energy (eV or None), converged flag and wall time (s)."""

    u: np.ndarray
    steps: int
    fmax: float
    energy: float | None
    converged: bool
    seconds: float


def _save_checkpoint(path: Path, u: np.ndarray, step: int) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, u=u, step=step)
    tmp.replace(path)  # atomic: a crash never leaves a half-written checkpoint


def relax(
    model,
    *,
    optimizer: Optimizer | str = Optimizer.FIRE,
    fmax: float = 1e-3,
    max_steps: int = 5000,
    u0: np.ndarray | None = None,
    observers: Sequence[Callable[[Progress], None]] = (),
    trajectory: str | Path | None = None,
    trajectory_every: int = 10,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 50,
    resume: bool = False,
    raise_on_failure: bool = False,
) -> RelaxResult:
    """Relax a coupled model to forces below ``fmax`` on its free nodes.

    Parameters
    ----------
    model : QCModel
    optimizer : Optimizer or str
        ``"fire"``, ``"lbfgs"`` or ``"newton-krylov"``.
    fmax : float
        Force tolerance (eV/A).
    max_steps : int
        Optimizer steps (Newton-Krylov: nonlinear iterations).
    u0 : ndarray, optional
        Start (default: the boundary condition's predictor).
    observers : callables
        Called with a :class:`Progress` after every step (e.g. to print progress).
    trajectory : path, optional
        extxyz file receiving a snapshot (regions, weights, displacements) every
        ``trajectory_every`` steps.
    checkpoint : path, optional
        ``.npz`` written every ``checkpoint_every`` steps and at the end.
    resume : bool
        Start from ``checkpoint`` if it exists.
    raise_on_failure : bool
        Raise ConvergenceError instead of returning ``converged=False``.
    """
    from ase.io import write
    from ase.optimize import FIRE, LBFGS
    from scipy.optimize import NoConvergence, newton_krylov

    optimizer = Optimizer(optimizer) if not isinstance(optimizer, Optimizer) else optimizer
    u = model.predictor() if u0 is None else np.array(u0, dtype=float)
    start_step = 0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if resume and ckpt is not None and ckpt.exists():
        data = np.load(ckpt)
        if data["u"].shape != u.shape:
            raise ValueError(f"checkpoint {ckpt} holds {data['u'].shape} displacements, the model has {u.shape}")
        u, start_step = data["u"].copy(), int(data["step"])
        log.info("resuming from %s at step %d", ckpt, start_step)
    opt_obj = model.optimizable(u)
    t0 = time.perf_counter()
    state = {"step": start_step}

    def after_step() -> None:
        state["step"] += 1
        e, f = opt_obj._eval()
        fm = float(np.linalg.norm(f, axis=1).max())
        prog = Progress(state["step"], fm, e, time.perf_counter() - t0)
        for obs in observers:
            obs(prog)
        if trajectory is not None and state["step"] % trajectory_every == 0:
            write(trajectory, model.snapshot(opt_obj.u), format="extxyz", append=True)
        if ckpt is not None and state["step"] % checkpoint_every == 0:
            _save_checkpoint(ckpt, opt_obj.u, state["step"])

    remaining = max(max_steps - start_step, 0)
    if optimizer is Optimizer.NEWTON_KRYLOV:

        def residual(x):
            opt_obj.set_x(x)
            return -opt_obj.get_gradient()

        try:
            x = newton_krylov(residual, opt_obj.get_x(), f_tol=fmax / np.sqrt(3), maxiter=max(remaining, 1),
                              callback=lambda x, r: after_step(), method="lgmres")
            opt_obj.set_x(x)
        except NoConvergence as exc:
            opt_obj.set_x(exc.args[0])
    else:
        cls = FIRE if optimizer is Optimizer.FIRE else LBFGS
        opt = cls(opt_obj, logfile=None)
        opt.attach(after_step, interval=1)
        opt.run(fmax=fmax, steps=remaining)
    e, f = opt_obj._eval()
    fm = float(np.linalg.norm(f, axis=1).max())
    converged = fm < fmax
    if ckpt is not None:
        _save_checkpoint(ckpt, opt_obj.u, state["step"])
    if trajectory is not None:
        write(trajectory, model.snapshot(opt_obj.u), format="extxyz", append=True)
    result = RelaxResult(opt_obj.u.copy(), state["step"], fm, e, converged, time.perf_counter() - t0)
    if raise_on_failure and not converged:
        raise ConvergenceError(f"{optimizer.value} stopped after {state['step']} steps with fmax = {fm:.3g} eV/A "
                               f"(tolerance {fmax:g})")
    return result
