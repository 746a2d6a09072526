"""Pseudo-arclength continuation of a flexible-boundary crack in (tip position, K).

Along the equilibrium branch of :class:`~.flexible.FlexibleCrack` the tip position alpha
advances while K oscillates: rising on stable stretches, falling on unstable ones, with
folds between them. For a cleaving crack a stable stretch is the crack trapped between two
columns of bonds and an unstable one a bond breaking, the maxima of K are K+ and the minima
K-; whether a branch's folds are such steps is for the bond tip (``Branch.tip``) to say (on
W (100) the first folds are not: no bond breaks). Loading K alone cannot pass a fold; the
arclength s in the scaled space can. Each step predicts along the branch's unit tangent t
and corrects with Newton-Krylov on (w, alpha, K) plus Keller's constraint t . (p - p_1) = ds,
where p = ((w, alpha) / spacing, K / k_scale). At a fold the branch turns in w (a bond
stretching) as much as in alpha and K, so w is part of the arclength; and the tangent is
the Jacobian's own ([J; t_prev] t = [0; 1]), not a secant, which near a sharp fold lies almost
across the branch and makes the corrector singular.

The stretch that holds the crack trapped at K_G ends in a fold (or a snap) each way:
:func:`trace_trapped` traces from K_G up in K to the first maximum (K+) and down to the first
minimum (K-). A single trace towards a longer crack meets the next stretch's folds after the
first maximum (on W (100) the minimum after it, 0.96 K_G, belongs to the next stretch; the
stretch through K_G reaches down to 0.73 K_G), and on a stretch that leans backwards in
alpha it meets K- first.

Long traces checkpoint every point (``checkpoint=``, a ``.npz`` file) and resume from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CheckpointError, ConvergenceError, SolverError
from .flexible import TRIAL_ERRORS, FlexibleCrack, FlexibleState

__all__ = ["Branch", "Fold", "TrappedBranch", "trace_branch", "trace_trapped", "trapped_checkpoints"]


@dataclass(frozen=True)
class Fold:
    """A turning point of K along the branch.

    Attributes
    ----------
    K : float
        eV/A^(5/2), from a parabola through the three points around it.
    alpha : float
        Tip position of the far field there (A).
    maximum : bool
        True for a maximum (K+), False for a minimum (K-).
    snap : bool
        True where the trace ended at a snap (``Branch.snapped``) instead of turning: K and
        alpha are then the last point's, within one smallest step of where the branch ends.
    """

    K: float
    alpha: float
    maximum: bool
    snap: bool = False


@dataclass
class Branch:
    """An equilibrium branch, point by point (K in eV/A^(5/2), positions in A).

    Attributes
    ----------
    alpha, K, tip : list of float
        Far-field tip, load and the tip measured from broken bonds at every point.
    iterations : list of int
        Newton iterations of each point.
    state : FlexibleState
        The last point.
    seconds : float
        Wall time of the trace.
    stopped : str or None
        Why a trace that was not ``strict`` ended before its points (None if it did not).
    snapped : bool
        The trace ended at a snap: from its last point, even the smallest step's corrector
        lands on another stretch of the branch, more than two steps away (the stretch ends,
        or turns, within the smallest step; the configuration jumps there).
    """

    alpha: list[float] = field(default_factory=list)
    K: list[float] = field(default_factory=list)
    tip: list[float] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    state: FlexibleState | None = None
    seconds: float = 0.0
    stopped: str | None = None
    snapped: bool = False

    def add(self, s: FlexibleState) -> None:
        self.alpha.append(s.alpha)
        self.K.append(s.K)
        self.tip.append(s.tip)
        self.iterations.append(s.iterations)
        self.state = s

    def folds(self) -> list[Fold]:
        """Every interior extremum of K along the branch, in order."""
        K, a = np.asarray(self.K), np.asarray(self.alpha)
        out = []
        for i in range(1, len(K) - 1):
            d1, d2 = K[i] - K[i - 1], K[i + 1] - K[i]
            if d1 * d2 >= 0 or d1 == 0:
                continue
            # parabola through the three points in the chord-length parameter
            s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(a[i - 1:i + 2]), np.diff(K[i - 1:i + 2])))])
            c = np.polyfit(s, K[i - 1:i + 2], 2)
            s_star = float(np.clip(-c[1] / (2 * c[0]), s[0], s[2])) if c[0] != 0 else s[1]
            out.append(Fold(float(np.polyval(c, s_star)), float(np.interp(s_star, s, a[i - 1:i + 2])), bool(d1 > 0)))
        return out

    @property
    def K_plus(self) -> float | None:
        """The highest maximum of K (eV/A^(5/2)), or None without one."""
        m = [f.K for f in self.folds() if f.maximum]
        return max(m) if m else None

    @property
    def K_minus(self) -> float | None:
        """The lowest minimum of K (eV/A^(5/2)), or None without one."""
        m = [f.K for f in self.folds() if not f.maximum]
        return min(m) if m else None


@dataclass(frozen=True)
class TrappedBranch:
    """The stretch of the branch that holds the crack trapped at K_G, traced from K_G up in K
    to its maximum and down in K to its minimum.

    Beyond either fold no trapped equilibrium of this tip is left: above the maximum the crack
    advances, below the minimum it heals. Tracing both ways from K_G finds the two folds of
    that one stretch, whichever way alpha moves along it.

    Attributes
    ----------
    up, down : Branch
        The traces from K_G rising and falling in K, each with K_G's equilibrium first.
    """

    up: Branch
    down: Branch

    def folds(self, label: str = "") -> tuple[Fold, Fold]:
        """K+ and K-: the first maximum of K going up and the first minimum going down; a
        trace that ended at a snap (``Branch.snapped``) before turning gives its last point
        (``Fold.snap``).

        Raises
        ------
        ConvergenceError
            A trace ended before its fold for another reason; ``label`` starts the message.
        """
        out = []
        for trace, maximum in ((self.up, True), (self.down, False)):
            fold = next((f for f in trace.folds() if f.maximum is maximum), None)
            if fold is None and trace.snapped:
                fold = Fold(trace.K[-1], trace.alpha[-1], maximum, snap=True)
            if fold is None:
                way, kind = ("up", "maximum") if maximum else ("down", "minimum")
                why = (f"it stopped before one: {trace.stopped}" if trace.stopped
                       else "trace more points")
                raise ConvergenceError(f"{label}the trace from K_G {way} in K found no {kind} of K within "
                                       f"{len(trace.K) - 1} points; {why}")
            out.append(fold)
        return out[0], out[1]

    @property
    def seconds(self) -> float:
        """Wall time of both traces (s)."""
        return self.up.seconds + self.down.seconds


def trapped_checkpoints(stem: str | Path) -> dict[str, Path]:
    """The checkpoint files of :func:`trace_trapped` with ``checkpoint=stem``, by trace
    (``"up"``, ``"down"``)."""
    return {name: Path(f"{stem}_{name}.npz") for name in ("up", "down")}


def trace_trapped(crack: FlexibleCrack, start: FlexibleState | None, *, points: int = 40,
                  ds_min: float = 5e-4, checkpoint: str | Path | None = None,
                  progress: Callable[[str], None] | None = None) -> TrappedBranch:
    """Trace the branch from K_G up in K to its first maximum and down to its first minimum.

    Parameters
    ----------
    crack : FlexibleCrack
    start : FlexibleState or None
        The equilibrium at K_G (:meth:`FlexibleCrack.find_tip`); may be None when both
        checkpoints exist.
    points : int
        Most points of each trace.
    ds_min : float
        Smallest arclength step of :func:`trace_branch` (a quarter of its default: the ends of
        a trapped stretch are sharp; with 0.002 the BQCF Si crack's upper trace stopped, its
        corrector failing, at 1.3450 K_G; with 5e-4 it resumed and turned at 1.3451 K_G).
    checkpoint : path, optional
        A stem: the traces are saved to ``<stem>_up.npz`` and ``<stem>_down.npz`` after every
        point, and resumed from there.
    progress : callable, optional
        Called with a line per point, prefixed ``[up]`` or ``[down]``.

    Returns
    -------
    TrappedBranch
        ``.folds()`` gives K+ and K- (eV/A^(5/2)).
    """
    paths = None if checkpoint is None else trapped_checkpoints(checkpoint)
    traces = {}
    for rising, name in ((True, "up"), (False, "down")):
        path = None if paths is None else paths[name]

        def say(line: str, name: str = name) -> None:
            if progress is not None:
                progress(f"[{name}] {line}")

        traces[name] = trace_branch(crack, start, points=points, checkpoint=path, progress=say, rising=rising,
                                    ds_min=ds_min, strict=False, to_fold=True)
    return TrappedBranch(traces["up"], traces["down"])


def _save(path: Path, branch: Branch, previous: FlexibleState, ds: float) -> None:
    s = branch.state
    assert s is not None
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, alpha=branch.alpha, K=branch.K, tip=branch.tip, iterations=branch.iterations,
             w=s.w, w_prev=previous.w, prev=[previous.alpha, previous.K, previous.tip], ds=ds,
             seconds=branch.seconds)
    tmp.replace(path)


def _load(path: Path, n_free: int) -> tuple[Branch, FlexibleState, float]:
    with np.load(path) as d:
        if d["w"].shape != (n_free, 3):
            raise CheckpointError(f"{path} holds a branch of {d['w'].shape[0]} free nodes, this crack has {n_free}")
        b = Branch([float(x) for x in d["alpha"]], [float(x) for x in d["K"]], [float(x) for x in d["tip"]],
                   [int(x) for x in d["iterations"]], seconds=float(d["seconds"]))
        b.state = FlexibleState(d["w"].copy(), b.alpha[-1], b.K[-1], b.tip[-1], b.iterations[-1])
        pa, pK, pt = (float(x) for x in d["prev"])
        return b, FlexibleState(d["w_prev"].copy(), pa, pK, pt), float(d["ds"])


def trace_branch(crack: FlexibleCrack, start: FlexibleState | None, *, points: int = 30, ds: float = 0.3,
                 ds_max: float = 0.5, ds_min: float = 0.002, k_scale: float | None = None,
                 corrector_iterations: int = 10, checkpoint: str | Path | None = None,
                 progress: Callable[[str], None] | None = None, rising: bool | None = None,
                 strict: bool = True, to_fold: bool = False) -> Branch:
    """Follow the equilibrium branch through ``start`` towards a longer crack (or up or down in K).

    Parameters
    ----------
    crack : FlexibleCrack
    start : FlexibleState or None
        An equilibrium (:meth:`FlexibleCrack.find_tip`); may be None when ``checkpoint``
        exists.
    points : int
        Points to add after the start.
    ds, ds_max, ds_min : float
        Arclength steps in ((w, alpha) / spacing, K / k_scale): first, largest,
        smallest before giving up. Halved when the corrector fails, when the tangent turns
        by more than 60 degrees over the step or the point lands more than 2 ds away (on
        another stretch of the branch); grown by 1.5 when it converges in four iterations
        or fewer. A turn within a step below 2 ds_min that lands within 2 ds is a sharp
        fold and is taken; where the corrector fails below 2 ds_min, a step of
        :data:`ALPHA_STEP` column spacings in alpha with K free is tried (a fold in K).
    k_scale : float, optional
        K (eV/A^(5/2)) that weighs as much as one column spacing of tip motion; default
        10 % of K_G.
    corrector_iterations : int
        Newton iterations of the corrector before the step is halved (a corrector that needs
        more is far from the branch; a smaller step is cheaper than insisting).
    checkpoint : path, optional
        ``.npz`` written after every point; an existing one is resumed.
    progress : callable, optional
        Called with a line per point.
    rising : bool, optional
        Leave the start upwards (True) or downwards (False) in K; by default the way the far
        field's tip moves ahead (a longer crack).
    strict : bool
        Raise when the continuation stops (default); otherwise return the branch so far with
        the reason in ``Branch.stopped`` (a snap of the configuration, where no step passes).
    to_fold : bool
        End at the first fold of K (one point past it) instead of after ``points`` points.

    Returns
    -------
    Branch
        With the start as its first point.

    Raises
    ------
    ConvergenceError
        The corrector failed at the smallest step (if ``strict``).
    """
    report = progress if progress is not None else (lambda line: None)
    spacing = crack.problem.spacing
    k_scale = 0.1 * crack.problem.griffith_K if k_scale is None else float(k_scale)
    if not (ds_min > 0 and ds_min <= ds <= ds_max) or k_scale <= 0:
        raise SolverError(f"need 0 < ds_min <= ds <= ds_max and k_scale > 0; got ds_min={ds_min}, ds={ds}, "
                          f"ds_max={ds_max}, k_scale={k_scale}")
    path = None if checkpoint is None else Path(checkpoint)
    n_free = int(crack.free.sum())
    t0 = time.perf_counter()
    if path is not None and path.exists():
        branch, prev, ds = _load(path, n_free)
        report(f"resumed {len(branch.K)} points from {path}")
    elif start is None:
        raise SolverError("trace_branch needs a start state, or an existing checkpoint to resume")
    else:
        branch = Branch()
        branch.add(start)
        # a second point a little further up in K: the first secant, oriented to a longer crack
        prev = start
        second = crack.solve(start, start.K + (0.1 if rising in (None, True) else -0.1) * k_scale)
        if rising is None and second.alpha < start.alpha:
            second = crack.solve(start, start.K - 0.1 * k_scale)
        branch.add(second)
    t_base = branch.seconds
    n = crack.node_dofs
    scale = np.concatenate([np.full(n + 1, spacing), [k_scale]])

    def z_of(s: FlexibleState) -> np.ndarray:
        return np.concatenate([s.w.ravel(), [s.alpha, s.K]])

    def equilibrium(z: np.ndarray) -> np.ndarray:
        f, f_alpha = crack.residual(z[:n].reshape(-1, 3), float(z[n]), float(z[n + 1]))
        return np.concatenate([-f.ravel(), [-f_alpha]])

    def tangent(z: np.ndarray, t_prev: np.ndarray) -> np.ndarray:
        """Unit tangent (scaled) of the branch at z: [J; t_prev] zdot = [0; 1], oriented as t_prev."""
        def G(zz: np.ndarray) -> np.ndarray:
            return np.append(equilibrium(zz), t_prev @ (zz / scale))

        rhs = np.zeros(len(z))
        rhs[-1] = 1.0
        zdot, _ = crack.linear_solve(G, z, G(z), rhs, 1e-4)
        t = zdot / scale
        t /= float(np.linalg.norm(t))
        return t if t @ t_prev > 0 else -t

    def accept(prev: FlexibleState, new: FlexibleState) -> None:
        branch.add(new)
        branch.seconds = t_base + time.perf_counter() - t0
        report(f"point {len(branch.K) - 1}: alpha = {new.alpha:.3f} A, K = {new.K:.5f} eV/A^2.5 "
               f"({new.K / crack.problem.griffith_K:.4f} K_G), bond tip {new.tip:.2f} A, {new.iterations} Newton "
               "iterations")
        if path is not None:
            _save(path, branch, prev, ds)

    def stop(at: FlexibleState, why: str) -> None:
        """Raise (strict) or note why the trace ends at point ``at``."""
        reason = f"the continuation stopped at alpha = {at.alpha:.3f} A, K = {at.K:.5g} eV/A^2.5: {why}"
        if strict:
            raise ConvergenceError(reason)
        branch.stopped = reason

    cur = branch.state
    assert cur is not None
    secant = (z_of(cur) - z_of(prev)) / scale
    t = tangent(z_of(cur), secant / float(np.linalg.norm(secant)))
    while len(branch.K) < points + 1 and not (to_fold and branch.folds()):
        z1 = z_of(cur)

        def F(z: np.ndarray, z1: np.ndarray = z1, t: np.ndarray = t, ds: float = ds) -> np.ndarray:
            return np.append(equilibrium(z), float(t @ ((z - z1) / scale)) - ds)

        try:
            z, its = crack.newton(F, z1 + ds * t * scale, lambda r: crack.converged(r, n), corrector_iterations)
        except (ConvergenceError, *TRIAL_ERRORS) as err:
            if ds / 2 < ds_min:
                # at a fold in K the tip is the natural parameter: one step in alpha, K free
                moved = _alpha_step(crack, cur, (1.0 if t[n] >= 0 else -1.0) * ALPHA_STEP * spacing)
                if moved is not None:
                    report(f"corrector failed at ds = {ds:.3g}; a step of {moved.alpha - cur.alpha:+.3f} A in "
                           "alpha with K free passed")
                    secant = (z_of(moved) - z1) / scale
                    prev, cur, t = cur, moved, tangent(z_of(moved), secant / float(np.linalg.norm(secant)))
                    accept(prev, cur)
                    continue
                stop(cur, f"the corrector failed at ds = {ds:.3g} ({err})")
                break
            ds /= 2
            report(f"corrector failed ({err}); ds -> {ds:.3g}")
            continue
        t_new = tangent(z, t)
        jump = float(np.linalg.norm((z - z1) / scale))
        sharp = t_new @ t < 0.5 and jump <= 2 * ds and ds / 2 < ds_min
        if (t_new @ t < 0.5 or jump > 2 * ds) and not sharp:
            # the corrector landed on another stretch of the branch (across a fold), or the
            # branch turns within the step: both call for a smaller step; a turn within the
            # smallest step that lands where it should is a sharp fold, and is taken
            if ds / 2 < ds_min:
                branch.snapped = True
                stop(cur, f"the corrector jumped {jump:.3g} for ds = {ds:.3g}")
                break
            ds /= 2
            report(f"step rejected (tangent turned by {np.degrees(np.arccos(np.clip(t_new @ t, -1, 1))):.0f} "
                   f"degrees, moved {jump:.3g} for ds {2 * ds:.3g}); ds -> {ds:.3g}")
            continue
        new = crack.state(z[:n].reshape(-1, 3), float(z[n]), float(z[n + 1]), its)
        prev, cur, t = cur, new, t_new
        if its <= 4:
            ds = min(1.5 * ds, ds_max)
        accept(prev, cur)
    branch.seconds = t_base + time.perf_counter() - t0
    return branch


#: The step in the far field's tip (in column spacings) taken with K free where the arclength
#: corrector fails at its smallest step (a fold in K whose curvature the step cannot follow).
ALPHA_STEP = 0.01


def _alpha_step(crack: FlexibleCrack, start: FlexibleState, delta: float) -> FlexibleState | None:
    """Equilibrium with the far field's tip moved by ``delta`` (A) and K free (the tip-force
    equation fixes it), from ``start``; None if Newton fails."""
    n = crack.node_dofs
    alpha = start.alpha + delta

    def F(z: np.ndarray) -> np.ndarray:
        f, f_alpha = crack.residual(z[:n].reshape(-1, 3), alpha, float(z[n]))
        return np.append(-f.ravel(), -f_alpha)

    try:
        z, its = crack.newton(F, np.append(start.w.ravel(), start.K), lambda r: crack.converged(r, n))
    except (ConvergenceError, *TRIAL_ERRORS):
        return None
    return crack.state(z[:n].reshape(-1, 3), alpha, float(z[n]), its)
