r"""Equation-free projective integration of coarse variables from short bursts of a fine model.

A fine model (molecular dynamics, kinetic Monte Carlo, a stiff ODE, the teeth of :mod:`.patch`) is
run in short *bursts*. A coarse state ``X`` (any array shape) is lifted to a fine state ``L(X)``,
the fine model is run for the burst time ``tau`` and every sample it returns is restricted back,
``R(u(t_j))``. When the fast modes relax onto a slow manifold within the *healing* time
``t_h < tau``, the restricted samples after ``t_h`` lie on a smooth slow trajectory ``X(t)``, whose
time derivative is the coarse right-hand side ``f`` that nobody wrote down. It is estimated by the
least-squares polynomial ``p`` of degree ``d`` (``fit_degree``) through the samples in
``[t_h, tau]``, differentiated at the end of the burst, ``F = p'(tau)``, or at its start, ``p'(0)``;
for smooth data the error is ``O(w^d)`` with ``w = tau - t_h``, and a degree above 1 also averages
noise. With outer step ``Dt`` and projection length ``H = Dt - tau``:

**PFE**, projective forward Euler (Gear & Kevrekidis 2003; Rico-Martinez, Gear & Kevrekidis 2004)::

    Z = R(u(tau)),    x_{n+1} = Z + H F

**PIRK2, PIRK4**, projective Runge-Kutta (after Lee & Gear 2007): the same burst, then one explicit
Runge-Kutta step of length ``H`` from its end, each further stage derivative from its own burst::

    k_1 = F,    Z_s = Z + H sum_{l<s} a_sl k_l,    k_s = p_s'(0) of a burst lifted from Z_s,
    x_{n+1} = Z + H sum_s b_s k_s

with Heun's tableau (PIRK2) or the classical fourth-order one (PIRK4). Every ``k_s`` is the slope of
the slow trajectory *at the state its stage refers to*, so for an exact slow flow ``phi`` a step is
``phi_tau`` followed by an RK step of order ``p``, and the global error is ``O(H^p)`` plus the fit
error and the lifting error of the fine model (``O(eps)`` for a lift off the slow manifold).
Taking ``k_s`` at the end of the stage bursts instead would place them ``tau`` after the RK nodes
and leave a global error ``O(tau H)``. A PIRK step costs as many bursts as the tableau has stages.

**Stability.** For the test equation ``x' = lam x``, one outer step multiplies ``x`` by a gain
``g(lam)`` computed with the actual sample times and fit weights (for exact derivatives
``g = e^{lam tau} R(lam H)``, ``R`` the stability polynomial of the tableau). Two rates are
estimated during the run and ``|g| <= 1`` is checked for both:

- the fast rate, from the transient at the start of a burst: the second divided differences of
  the restricted samples that exceed four times their median over the last third of the burst,
  at least three in a row from its start, decay like ``e^{lam_f t}``; ``lam_f`` is their
  log-linear slope. ``|g(lam_f)| <= 1`` is the gap condition: the burst damps the fast modes by
  more than the projection amplifies them (about ``|lam_f| H e^{lam_f t_h} <= 1``). A transient
  the restriction does not show, or one that decays within two samples, is not checked;
- the slow rate, the Rayleigh quotient ``<dF, dZ> / <dZ, dZ>`` of the changes of burst-end state
  and slope between outer steps: the coarse Jacobian along the motion, checked when negative
  (for real slow modes and PFE, about ``|1 + lam Dt| <= 1``). It is skipped while a fast transient
  survives a step by more than 10 % (the change between steps is then the transient's), and a
  violation counts only when it is seen in two successive steps.

A violation warns once per kind with :class:`~qcbridge.errors.StabilityWarning`, giving the rate,
the gain and the largest stable outer step. Complex slow modes are not checked.

References
----------
C. W. Gear, I. G. Kevrekidis, SIAM J. Sci. Comput. 24, 1091 (2003);
R. Rico-Martinez, C. W. Gear, I. G. Kevrekidis, J. Comput. Phys. 196, 474 (2004);
S. L. Lee, C. W. Gear, J. Comput. Appl. Math. 201, 258 (2007).
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from collections.abc import Callable
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

from ..errors import BurstError, MultiscaleError, StabilityWarning

__all__ = ["Burst", "ProjectiveMethod", "projective_integrate"]

log = logging.getLogger(__name__)

#: ``burst(state, duration) -> (times, states)``: times of shape (k,), relative to the burst start,
#: strictly increasing from >= 0 to ``duration``; states of shape ``(k, *state.shape)``.
Burst = Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray]]

#: Relative tolerance on the last burst time matching the requested duration.
_TIME_TOL = 1e-6


class ProjectiveMethod(Enum):
    """Outer integrator of :func:`projective_integrate`."""

    #: Projective forward Euler, one burst per outer step.
    PFE = "PFE"
    #: Projective Runge-Kutta with Heun's tableau, two bursts per outer step.
    PIRK2 = "PIRK2"
    #: Projective Runge-Kutta with the classical fourth-order tableau, four bursts per outer step.
    PIRK4 = "PIRK4"


#: Butcher tableaux ``(a, b)`` of the outer steps.
_TABLEAU: dict[ProjectiveMethod, tuple[np.ndarray, np.ndarray]] = {
    ProjectiveMethod.PFE: (np.zeros((1, 1)), np.array([1.0])),
    ProjectiveMethod.PIRK2: (np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([0.5, 0.5])),
    ProjectiveMethod.PIRK4: (np.array([[0.0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1.0, 0]]),
                   np.array([1.0, 2.0, 2.0, 1.0]) / 6.0),
}


def _slope_weights(t: np.ndarray, at: float, degree: int) -> np.ndarray:
    """Weights ``w`` with ``p'(at) = sum_j w_j X_j`` for the least-squares polynomial ``p`` of
    ``degree`` through the samples ``(t_j, X_j)``.

    Parameters
    ----------
    t : ndarray, shape (k,)
        Strictly increasing sample times, ``k >= degree + 1``.
    at : float
        Time of the derivative (may lie outside the samples: extrapolation).
    degree : int

    Returns
    -------
    ndarray, shape (k,)
        In 1/time.
    """
    scale = t[-1] - t[0]
    powers = np.arange(degree + 1)
    vander = ((t - t[-1]) / scale)[:, None] ** powers
    s = (at - t[-1]) / scale
    row = powers * s ** np.maximum(powers - 1, 0) / scale
    return row @ np.linalg.pinv(vander)


def _method(method: object) -> ProjectiveMethod:
    if isinstance(method, ProjectiveMethod):
        return method
    try:
        return ProjectiveMethod(method)
    except (ValueError, TypeError):
        raise MultiscaleError(f"unknown projective method {method!r}; choose one of "
                              + ", ".join(m.value for m in ProjectiveMethod)) from None


def _positive(name: str, value: object) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MultiscaleError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise MultiscaleError(f"{name} must be finite and > 0, got {value!r}")
    return v


class _Bursts:
    """Lift, run, check and restrict one burst; fit the slope of its healed part."""

    def __init__(self, burst: Burst, lift: Callable[[np.ndarray], np.ndarray] | None,
                 restrict: Callable[[np.ndarray], np.ndarray] | None, shape: tuple[int, ...],
                 healing: float, degree: int):
        self.burst, self.lift, self.restrict = burst, lift, restrict
        self.shape, self.healing, self.degree = shape, healing, degree
        self.fine_shape: tuple[int, ...] | None = None
        self.count = 0
        self._cache: dict[tuple[bytes, float], np.ndarray] = {}

    def run(self, x: np.ndarray, duration: float, fit: bool = True) -> tuple[np.ndarray, ...]:
        """Restricted samples ``times (k,), coarse (k, *shape)`` of a burst lifted from ``x`` and, if
        ``fit``, the healed ones used for the slope fit, ``times (kw,), coarse (kw, *shape)``."""
        if not np.all(np.isfinite(x)):
            raise MultiscaleError("a coarse stage state became non-finite; the outer step is probably unstable: "
                                  "shorten outer_step or lengthen burst_time")
        fine = x.copy() if self.lift is None else np.asarray(self.lift(x), dtype=float)
        if self.fine_shape is None:
            self.fine_shape = fine.shape
        if fine.shape != self.fine_shape or not np.all(np.isfinite(fine)):
            raise MultiscaleError(f"lift gave a fine state of shape {fine.shape} (first one {self.fine_shape})"
                                  f"{'' if np.all(np.isfinite(fine)) else ' with NaN or infinity'}")
        inputs = (fine.copy(), duration)
        self.count += 1
        try:
            times, states = self.burst(fine, duration)
            times, states = np.asarray(times, dtype=float), np.asarray(states, dtype=float)
        except (BurstError, MultiscaleError):  # a failed burst with its inputs, or a setting it rejects
            raise
        except Exception as exc:
            raise BurstError(f"the burst failed: {type(exc).__name__}: {exc}", inputs) from exc
        k = len(times) if times.ndim == 1 else -1
        if k < 1:
            raise BurstError(f"burst times must be a non-empty 1-D array, got shape {times.shape}", inputs)
        if states.shape != (k, *fine.shape):
            raise BurstError(f"burst states have shape {states.shape}, expected (len(times), *state.shape) = "
                             f"{(k, *fine.shape)}", inputs)
        if not np.all(np.isfinite(times)):
            raise BurstError("burst times contain NaN or infinity", inputs)
        bad = ~np.isfinite(states.reshape(k, -1)).all(axis=1)
        if bad.any():
            raise BurstError(f"burst state at t = {times[np.argmax(bad)]:.6g} contains NaN or infinity "
                             "(lost atoms, an unstable fine step?)", inputs)
        if k > 1 and np.any(np.diff(times) <= 0):
            i = int(np.argmax(np.diff(times) <= 0))
            raise BurstError(f"burst times must increase strictly; times[{i + 1}] = {times[i + 1]:.6g} "
                             f"follows {times[i]:.6g}", inputs)
        if times[0] < -_TIME_TOL * duration or abs(times[-1] - duration) > _TIME_TOL * duration:
            raise BurstError(f"burst times must be relative to the burst start and run to its duration "
                             f"{duration:.6g}; got [{times[0]:.6g}, {times[-1]:.6g}]", inputs)
        coarse = states if self.restrict is None else _restricted(self.restrict, states, self.shape)
        if not np.all(np.isfinite(coarse)):
            raise BurstError("restricted burst states contain NaN or infinity", inputs)
        if not fit:
            return times, coarse
        keep = times >= self.healing - _TIME_TOL * duration
        if keep.sum() < self.degree + 1:
            raise BurstError(f"the burst returned {int(keep.sum())} samples after the healing time "
                             f"{self.healing:.6g}; the slope fit of degree {self.degree} needs {self.degree + 1}: "
                             "return more samples, or lower healing or fit_degree", inputs)
        return times, coarse, times[keep], coarse[keep]

    def weights(self, t: np.ndarray, at: float) -> np.ndarray:
        key = (t.tobytes(), at)
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = _slope_weights(t, at, self.degree)
        return self._cache[key]


def _restricted(restrict: Callable[[np.ndarray], np.ndarray], states: np.ndarray,
                shape: tuple[int, ...]) -> np.ndarray:
    try:
        coarse = np.stack([np.asarray(restrict(s), dtype=float) for s in states])
    except ValueError as exc:
        raise MultiscaleError(f"restrict must return arrays of one shape: {exc}") from None
    if coarse.shape[1:] != shape:
        raise MultiscaleError(f"restrict returned shape {coarse.shape[1:]}, expected x0.shape = {shape}")
    return coarse


def _fast_rate(times: np.ndarray, coarse: np.ndarray) -> float | None:
    """Decay rate (< 0, 1/time) of the transient at the start of a burst, or None if none is seen."""
    k = len(times)
    if k < 6:
        return None
    x = coarse.reshape(k, -1)
    d1 = np.diff(x, axis=0) / np.diff(times)[:, None]
    size = np.abs(np.diff(d1, axis=0) / (times[2:] - times[:-2])[:, None]).max(axis=1)
    centres = (times[2:] + times[1:-1] + times[:-2]) / 3
    roundoff = 100 * np.finfo(float).eps * float(np.abs(x).max()) / float(np.diff(times).min()) ** 2
    floor = max(float(np.median(size[-max(1, len(size) // 3):])), roundoff)
    above = size > 4 * floor
    run = len(above) if above.all() else int(np.argmin(above))
    if run < 3:  # none, or one that decays faster than the sampling resolves (and is damped anyway)
        return None
    rate = float(np.polyfit(centres[:run], np.log(size[:run]), 1)[0])
    return rate if rate < 0 else None


class _Monitor:
    """Checks the gain of the outer step for the estimated slow and fast rates (module docstring)."""

    def __init__(self, method: ProjectiveMethod, tau: float):
        self.a, self.b = _TABLEAU[method]
        self.tau = tau
        self.previous: tuple[np.ndarray, np.ndarray] | None = None
        self.warned: set[str] = set()
        self.slow_unstable = False

    def gain(self, lam: float, h: float, *, tw: np.ndarray, w_end: np.ndarray, w_start: np.ndarray | None) -> float:
        """|x_{n+1} / x_n| of one outer step of length ``tau + h`` for ``x' = lam x`` sampled at ``tw``."""
        e = np.exp(lam * tw)
        z = math.exp(lam * self.tau)
        k = [float(w_end @ e)]
        s0 = 0.0 if w_start is None else float(w_start @ e)
        for s in range(1, len(self.b)):
            k.append((z + h * sum(self.a[s, j] * k[j] for j in range(s))) * s0)
        return abs(z + h * sum(self.b[s] * k[s] for s in range(len(self.b))))

    def observe(self, times: np.ndarray, coarse: np.ndarray, tw: np.ndarray, w_end: np.ndarray,
                w_start: np.ndarray | None, z: np.ndarray, slope: np.ndarray, h: float) -> None:
        gain = functools.partial(self.gain, tw=tw, w_end=w_end, w_start=w_start)
        fast = _fast_rate(times, coarse)
        g_fast = 0.0 if fast is None else gain(fast, h)
        if fast is not None:
            log.debug("fast rate %.4g 1/time, gain %.4g", fast, g_fast)
            if g_fast > 1 + 1e-9:
                self._warn("fast", fast, g_fast, h, gain)
        slow = None
        if self.previous is not None and g_fast <= 0.1:  # else the change between steps is the transient's
            dz, df = z - self.previous[0], slope - self.previous[1]
            norm = float(np.vdot(dz, dz))
            slow = float(np.vdot(df, dz)) / norm if norm > 0 else None
        self.previous = (z.copy(), slope.copy())
        g_slow = 0.0 if slow is None or slow >= 0 else gain(slow, h)
        if slow is not None:
            log.debug("slow rate %.4g 1/time, gain %.4g", slow, g_slow)
        if slow is not None and g_slow > 1 + 1e-9 and self.slow_unstable:  # twice in a row
            self._warn("slow", slow, g_slow, h, gain)
        self.slow_unstable = g_slow > 1 + 1e-9

    def _warn(self, kind: str, lam: float, g: float, h: float, gain: Callable[[float, float], float]) -> None:
        if kind in self.warned:
            return
        self.warned.add(kind)
        grid = np.linspace(0.0, h, 129)
        bad = max(1, next(i for i, x in enumerate(grid) if gain(lam, float(x)) > 1 + 1e-9))
        lo, hi = float(grid[bad - 1]), float(grid[bad])
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if gain(lam, mid) <= 1 + 1e-9 else (lo, mid)
        hint = "lengthen burst_time or healing, or shorten outer_step" if kind == "fast" else "shorten outer_step"
        warnings.warn(f"outer step {self.tau + h:.4g} is outside the stable range: one step multiplies a {kind} "
                      f"mode (rate {lam:.4g} 1/time, estimated from the bursts) by {g:.4g}; stable for "
                      f"outer_step <= {self.tau + lo:.4g} ({hint})", StabilityWarning, stacklevel=5)


def _outer_step(bursts: _Bursts, x: np.ndarray, step: float, tau: float, method: ProjectiveMethod,
                monitor: _Monitor) -> np.ndarray:
    """One projective step of length ``step > tau`` from the coarse state ``x``."""
    a, b = _TABLEAU[method]
    h = step - tau
    times, coarse, tw, xw = bursts.run(x, tau)
    w_end = bursts.weights(tw, float(tw[-1]))
    z = coarse[-1]
    k = [np.tensordot(w_end, xw, axes=1)]
    for s in range(1, len(b)):
        _, _, tws, xws = bursts.run(z + h * sum(a[s, j] * k[j] for j in range(s)), tau)
        k.append(np.tensordot(bursts.weights(tws, 0.0), xws, axes=1))
    monitor.observe(times, coarse, tw, w_end, bursts.weights(tw, 0.0) if len(b) > 1 else None, z, k[0], h)
    return z + h * sum(b[s] * k[s] for s in range(len(b)))


def projective_integrate(burst: Burst, x0: ArrayLike, t_end: float, *, method: str | ProjectiveMethod,
                         burst_time: float, outer_step: float, lift: Callable[[np.ndarray], np.ndarray] | None = None,
                         restrict: Callable[[np.ndarray], np.ndarray] | None = None, healing: float | None = None,
                         fit_degree: int = 2, progress: Callable[[int, int], object] | None = None,
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Integrate a coarse state to ``t_end`` by projective integration over bursts of a fine model.

    Parameters
    ----------
    burst : callable
        ``burst(state, duration) -> (times, states)`` runs the fine model from the fine ``state``
        for ``duration``. ``times``, shape (k,), are relative to the burst start, strictly increasing,
        from >= 0 to ``duration`` (the last sample is the end state); ``states`` has shape
        ``(k, *state.shape)``. At least ``fit_degree + 1`` samples must fall after the healing time.
    x0 : array_like
        Coarse initial state, any shape.
    t_end : float
        Final time (> 0), in the time unit of the fine model.
    method : {"PFE", "PIRK2", "PIRK4"}
        Outer integrator (see the module docstring); a :class:`ProjectiveMethod` is accepted too.
    burst_time : float
        Duration ``tau`` of every burst.
    outer_step : float
        Outer step ``Dt > burst_time``; each covers its burst and a projection over ``Dt - tau``.
        The last step is shortened to land on ``t_end``; if it is not longer than a burst, the fine
        model is simply run to ``t_end``.
    lift, restrict : callable, optional
        ``lift(coarse) -> fine state`` and ``restrict(fine) -> coarse`` (of ``x0.shape``); identity
        by default. ``restrict`` is applied to every sample of a burst.
    healing : float, optional
        Time at the start of each burst whose samples are discarded before the slope fit,
        ``0 <= healing < burst_time``; default ``burst_time / 2``.
    fit_degree : int
        Degree of the least-squares polynomial through the healed samples whose derivative is the
        coarse time derivative (1: a straight line; 2, the default, is exact for a constant
        curvature and still averages noise).
    progress : callable, optional
        ``progress(done, total)`` after every outer step.

    Returns
    -------
    times : ndarray, shape (n + 1,)
        ``0, Dt, 2 Dt, ..., t_end``.
    states : ndarray, shape (n + 1, *x0.shape)
        Coarse states at ``times``, ``states[0] = x0``.

    Raises
    ------
    MultiscaleError
        Unknown method, ``outer_step <= burst_time``, ``t_end <= 0``, non-finite ``x0``, a lift or
        restriction of the wrong shape, or a coarse state that diverged.
    BurstError
        A burst raised, or returned times or states of the wrong shape, non-finite values,
        non-increasing times or too few healed samples; ``.inputs`` is ``(state, duration)``.

    Warns
    -----
    StabilityWarning
        The estimated slow or fast rate of the fine model is amplified by an outer step.
    """
    scheme = _method(method)
    try:
        x = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        raise MultiscaleError("x0 must be an array of numbers") from None
    if not np.all(np.isfinite(x)):
        raise MultiscaleError("x0 contains NaN or infinity")
    t_end, tau, dt = (_positive(n, v) for n, v in (("t_end", t_end), ("burst_time", burst_time),
                                                   ("outer_step", outer_step)))
    if dt <= tau:
        raise MultiscaleError(f"outer_step ({dt:.6g}) must be longer than burst_time ({tau:.6g}): an outer "
                              "step covers its burst and a projection")
    heal = 0.5 * tau if healing is None else float(healing)
    if not 0 <= heal < tau:
        raise MultiscaleError(f"healing must lie in [0, burst_time = {tau:.6g}), got {healing!r}")
    if isinstance(fit_degree, bool) or not isinstance(fit_degree, (int, np.integer)) or fit_degree < 1:
        raise MultiscaleError(f"fit_degree must be an integer >= 1, got {fit_degree!r}")
    for name, f in (("burst", burst), ("lift", lift), ("restrict", restrict), ("progress", progress)):
        if f is not None and not callable(f):
            raise MultiscaleError(f"{name} must be callable, got {type(f).__name__}")

    n_steps = max(1, math.ceil(t_end / dt - 1e-9))
    times = np.append(dt * np.arange(n_steps), t_end)
    states = np.empty((n_steps + 1, *x.shape))
    states[0] = x
    bursts = _Bursts(burst, lift, restrict, x.shape, heal, int(fit_degree))
    monitor = _Monitor(scheme, tau)
    for n in range(n_steps):
        step = float(times[n + 1] - times[n])
        with np.errstate(over="ignore", invalid="ignore"):
            if step > tau * (1 + _TIME_TOL):
                x = _outer_step(bursts, x, step, tau, scheme, monitor)
            else:  # the last step, not longer than a burst: the fine model itself
                x = bursts.run(x, step, fit=False)[1][-1]
        if not np.all(np.isfinite(x)):
            raise MultiscaleError(f"the coarse state became non-finite at t = {times[n + 1]:.6g}; the outer step "
                                  "is probably unstable: shorten outer_step or lengthen burst_time")
        states[n + 1] = x
        log.debug("t = %.6g: step %d of %d, %d bursts", times[n + 1], n + 1, n_steps, bursts.count)
        if progress is not None:
            progress(n + 1, n_steps)
    log.info("%s to t = %.6g in %d outer steps, %d bursts of %.4g", scheme.value, t_end, n_steps, bursts.count, tau)
    return times, states
