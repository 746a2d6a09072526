"""Friction kernels Gamma(t) of a generalized Langevin equation estimated from samples.

See :mod:`qcbridge.memory.volterra` for the equations that are inverted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import Enum

import numpy as np
from scipy.integrate import cumulative_trapezoid

from ..errors import KernelError, MissingForceWarning, NonUniformTimeStepError
from .correlations import as_samples, correlation
from .volterra import invert_first_kind, invert_running_integral, invert_second_kind

__all__ = ["Inversion", "KernelResult", "estimate_kernel", "frame_spacing"]


class Inversion(Enum):
    """Which Volterra equation is inverted (see :mod:`qcbridge.memory.volterra`)."""

    SECOND = "second"  #: second kind, eq. (2): velocities and forces, the robust default
    FIRST = "first"  #: first kind, eq. (1): velocities and forces
    INTEGRAL = "integral"  #: running integral, eq. (3): velocities (and positions) only

    @classmethod
    def parse(cls, kind: "Inversion | str") -> "Inversion":
        """The member for an Inversion or its string value; a KernelError lists the choices."""
        if isinstance(kind, cls):
            return kind
        try:
            return cls(kind)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in cls)
            raise KernelError(f"unknown kernel inversion kind {kind!r}; choose one of {choices}") from None


@dataclass(frozen=True)
class KernelResult:
    """A friction kernel on a uniform lag grid.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Lags (time units of ``dt``).
    gamma : ndarray, shape (n,)
        Gamma(t) in mass / time^2.
    gamma_err : ndarray, shape (n,)
        Standard error from independent blocks of samples (or of time segments when there
        are fewer samples than blocks).
    c_vv : ndarray, shape (n,)
        Velocity autocorrelation of the data (velocity^2).
    integral : ndarray, shape (n,)
        Running friction integral int_0^t Gamma (mass / time).
    kind : Inversion
        The equation that was inverted.
    """

    t: np.ndarray
    gamma: np.ndarray
    gamma_err: np.ndarray
    c_vv: np.ndarray
    integral: np.ndarray
    kind: Inversion


def frame_spacing(dt) -> float:
    """Time between frames from a float or from an array of frame times.

    Raises
    ------
    NonUniformTimeStepError
        Frame times are not equally spaced (relative deviation > 1e-6).
    KernelError
        dt is not positive and finite.
    """
    arr = np.asarray(dt, dtype=float)
    if arr.ndim == 1:
        steps = np.diff(arr)
        if len(steps) == 0:
            raise KernelError("need at least two frame times")
        h = float(np.median(steps))
        bad = np.flatnonzero(np.abs(steps - h) > 1e-6 * abs(h))
        if len(bad):
            raise NonUniformTimeStepError(
                f"frames are not equally spaced: step {steps[bad[0]]:g} after frame {bad[0]} "
                f"differs from the common step {h:g} ({len(bad)} irregular steps)"
            )
        arr = np.asarray(h)
    if arr.ndim != 0 or not (np.isfinite(arr) and arr > 0):
        raise KernelError(f"dt must be positive and finite, got {dt}")
    return float(arr)


def _runs(x, name: str, n_runs: int | None = None) -> list[np.ndarray] | None:
    if x is None:
        return None
    runs = list(x) if isinstance(x, (list, tuple)) else [x]
    try:
        runs = [as_samples(r, name) for r in runs]
    except ValueError as exc:
        raise KernelError(str(exc)) from None
    if n_runs is not None and len(runs) != n_runs:
        raise KernelError(f"{n_runs} velocity runs but {len(runs)} {name} runs")
    return runs


def _segments(runs: list[np.ndarray], n_segments: int) -> list[np.ndarray]:
    """Cut every run in time into ``n_segments`` equal pieces stacked as sample columns."""
    out = []
    for r in runs:
        m = len(r) // n_segments
        out.append(np.hstack([r[i * m : (i + 1) * m] for i in range(n_segments)]))
    return out


def _check_forces(c_vv: np.ndarray, c_fv: np.ndarray, dt: float, mass: float, tol: float = 0.05) -> None:
    """Warn when m (C_vv(t) - C_vv(0)) differs from int_0^t <F v(0)>: forces then miss part of
    what changes the velocities (a thermostat acting on velocities, a missing fix force)."""
    k = np.flatnonzero(c_vv < 0.5 * c_vv[0])
    kmax = int(k[0]) if len(k) else len(c_vv) - 1
    kmax = max(min(kmax, len(c_vv) - 1), 1)
    lhs = mass * (c_vv[: kmax + 1] - c_vv[0])
    rhs = cumulative_trapezoid(c_fv[: kmax + 1], dx=dt, initial=0.0)
    mismatch = np.abs(lhs - rhs).max() / (mass * c_vv[0])
    if mismatch > tol:
        warnings.warn(
            f"the forces do not account for the change of the velocities ({100 * mismatch:.0f} % of "
            "<v v> within the first decay): a thermostat acting on velocities (fix nvt, temp/*, "
            "langevin forces not in the dump) or another missing force biases the kernel; "
            "sample the kernel from NVE runs",
            MissingForceWarning,
            stacklevel=3,
        )


def estimate_kernel(
    velocity,
    dt,
    *,
    force=None,
    position=None,
    mass: float = 1.0,
    max_time: float | None = None,
    kind: Inversion | str = Inversion.SECOND,
    mean_force=None,
    kT: float | None = None,
    n_blocks: int = 8,
) -> KernelResult:
    """Estimate the friction kernel Gamma(t) of a coarse variable from trajectories.

    Parameters
    ----------
    velocity : array_like, shape (n_frames,) or (n_frames, n_samples), or list of those
        Velocities of the coarse variable; columns (and list entries, i.e. independent
        runs) are independent samples of the same process.
    dt : float or array_like of frame times
        Time between frames; an array of frame times is checked for uniform spacing.
    force : array_like, same shape as ``velocity``, optional
        Total instantaneous force on the coarse variable. Without it the second- and
        first-kind inversions use m dv/dt from finite differences (with a
        MissingForceWarning); the running-integral inversion never needs it.
    position : array_like, same shape as ``velocity``, optional
        Coordinate, needed when ``mean_force`` is given.
    mass : float
        Mass of the coarse variable.
    max_time : float, optional
        Largest lag (default: a tenth of the shortest run).
    kind : Inversion or {"second", "first", "integral"}
        Equation to invert (:class:`Inversion`).
    mean_force : LinearMori, SplinePMF or callable, optional
        Mean force F_m(x) (None: free particle).
    kT : float, optional
        Thermal energy for the mean force (default m <v^2>, equipartition).
    n_blocks : int
        Blocks of samples for the error bars.

    Returns
    -------
    KernelResult
        Gamma in mass / time^2 on lags k dt.

    Raises
    ------
    KernelError
        Mismatched shapes, non-finite data, non-positive mass, unknown kind, missing
        positions for a mean force, or too few frames for ``max_time``.
    NonUniformTimeStepError
        Frame times are not equally spaced.
    """
    kind = Inversion.parse(kind)
    dt = frame_spacing(dt)
    if not (mass > 0):
        raise KernelError(f"mass must be positive, got {mass}")
    vs = _runs(velocity, "velocity")
    fs = _runs(force, "force", len(vs))
    xs = _runs(position, "position", len(vs))
    for name, other in (("force", fs), ("position", xs)):
        for v, o in zip(vs, other or []):
            if v.shape != o.shape:
                raise KernelError(f"velocity and {name} shapes differ: {v.shape} vs {o.shape}")
    if mean_force is not None and xs is None:
        raise KernelError("a mean force needs the positions (position=...)")
    n_frames = min(len(v) for v in vs)
    max_lag = int(round((0.1 * n_frames * dt if max_time is None else max_time) / dt))
    if max_lag >= n_frames or max_lag < 2:
        raise KernelError(
            f"max_time = {max_lag * dt:g} needs more than {max_lag} frames; the shortest run has {n_frames}"
        )
    user_forces = fs is not None
    if fs is None and kind is not Inversion.INTEGRAL:
        warnings.warn("no forces given: using m dv/dt from finite differences of the velocities, "
                      "accurate only when frames are much closer than the velocity decorrelation time",
                      MissingForceWarning, stacklevel=2)
        fs = [mass * np.gradient(v, dt, axis=0) for v in vs]
    if mean_force is not None:
        kT = mass * float(np.mean([np.mean(v * v) for v in vs])) if kT is None else kT
        flat_x = np.concatenate([x.ravel() for x in xs])[:, None]
        flat_f = None if fs is None else np.concatenate([f.ravel() for f in fs])[:, None]
        fm = np.asarray(mean_force(flat_x, flat_f, kT)).ravel()
        split = np.cumsum([x.size for x in xs])[:-1]
        fms = [a.reshape(x.shape) for a, x in zip(np.split(fm, split), xs)]
    else:
        fms = None

    n_samples = sum(v.shape[1] for v in vs)
    n_seg = 1
    if n_samples < n_blocks:
        n_seg = max(1, min(n_blocks, n_frames // (4 * (max_lag + 1))))
    cut = (lambda runs: runs) if n_seg == 1 else (lambda runs: None if runs is None else _segments(runs, n_seg))
    vs_s, fs_s, fms_s = cut(vs), cut(fs), cut(fms)

    def corr(a_runs, b_runs):
        return np.hstack([correlation(a, b, max_lag, per_sample=True) for a, b in zip(a_runs, b_runs)])

    c_vv = corr(vs_s, vs_s)
    if kind is Inversion.INTEGRAL:
        c_mv = corr(fms_s, vs_s) if fms_s is not None else np.zeros_like(c_vv)
    else:
        rs_s = fs_s if fms_s is None else [f - m for f, m in zip(fs_s, fms_s)]
        c_fv = corr(fs_s, vs_s)
        c_rf = corr(rs_s, fs_s)
        c_rv = c_fv if fms_s is None or kind is not Inversion.FIRST else corr(rs_s, vs_s)  # first kind only

    def invert(cols) -> tuple[np.ndarray, np.ndarray]:
        cvv = c_vv[:, cols].mean(1)
        if kind is Inversion.INTEGRAL:
            rhs = mass * (cvv[0] - cvv) + cumulative_trapezoid(c_mv[:, cols].mean(1), dx=dt, initial=0.0)
            return invert_running_integral(cvv, rhs, dt)
        if kind is Inversion.SECOND:
            g = invert_second_kind(cvv[0], c_rf[:, cols].mean(1), c_fv[:, cols].mean(1), dt, mass)
        else:
            g0 = c_rf[0, cols].mean() / (mass * cvv[0])
            g = invert_first_kind(cvv, c_rv[:, cols].mean(1), g0, dt)
        return g, cumulative_trapezoid(g, dx=dt, initial=0.0)

    n_cols = c_vv.shape[1]
    gamma, integral = invert(np.arange(n_cols))
    blocks = np.array_split(np.arange(n_cols), min(n_blocks, n_cols))
    if len(blocks) > 1:
        g = np.array([invert(b)[0] for b in blocks])
        err = g.std(axis=0, ddof=1) / np.sqrt(len(blocks))
    else:
        err = np.full_like(gamma, np.inf)
    c_vv_mean = c_vv.mean(axis=1)
    if user_forces and kind is not Inversion.INTEGRAL:
        _check_forces(c_vv_mean, c_fv.mean(axis=1), dt, mass)
    return KernelResult(np.arange(max_lag + 1) * dt, gamma, err, c_vv_mean, integral, kind)
