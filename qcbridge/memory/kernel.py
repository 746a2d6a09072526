"""Friction kernels Gamma(t) of a generalized Langevin equation estimated from samples.

See :mod:`qcbridge.memory.volterra` for the equations that are inverted. The estimate runs
in steps, one function each: input checks (:func:`_validate`), forces (given, or m dv/dt
by finite differences), the thermal energy kT = m <v^2> per component (equipartition),
the mean force F_m(x) (:func:`_mean_forces`), the correlations per sample column
(:func:`_correlations`), the Volterra inversion (:func:`_invert`) and error bars from
blocks of columns (:func:`_error_bars`).

Units: whatever the data are in, consistently; trajectories read by :mod:`qcbridge.io` are
in ASE units (Angstrom, amu, eV, ASE time), so Gamma is in eV/Angstrom^2 = amu/time^2 and kT
in eV. The :class:`KernelResult` carries m and kT, and :meth:`KernelResult.fit` hands them
to the fit (:class:`~qcbridge.memory.embedding.KernelFit`, a kernel per unit mass).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import cumulative_trapezoid

from ..errors import DiscretisationWarning, KernelError, MissingForceWarning
from .checks import (
    MAGNITUDE_LIMIT,
    as_runs,
    block_error,
    check_frame_times,
    check_magnitude,
    check_positive,
    frame_spacing,
    lag_count,
)
from .correlations import correlation
from .embedding import KernelFit, fit_kernel
from .refinement import refine_lags, refinement_factor, richardson_error, stiffness
from .volterra import invert_first_kind, invert_running_integral, invert_second_kind

__all__ = ["Inversion", "KernelResult", "estimate_kernel", "frame_spacing", "thermal_energy"]

#: Share of the kernel's largest value above which the discretisation error is warned about.
DISCRETISATION_WARN = 0.02

Runs = list[np.ndarray]
#: One array (n_frames,) or (n_frames, n_samples), or a list of such runs.
Series = ArrayLike | Sequence[ArrayLike]
#: F_m(position, force or None, kT) for flat arrays of shape (n_values, 1) (see :mod:`.mean_force`).
MeanForce = Callable[[np.ndarray, np.ndarray | None, float], ArrayLike]


class Inversion(Enum):
    """Which Volterra equation is inverted (see :mod:`qcbridge.memory.volterra`)."""

    SECOND = "second"  #: second kind, eq. (2): velocities and forces, the robust default
    FIRST = "first"  #: first kind, eq. (1): velocities and forces
    INTEGRAL = "integral"  #: running integral, eq. (3): velocities (and positions) only

    @classmethod
    def parse(cls, kind: Inversion | str) -> Inversion:
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
    """A friction kernel on a uniform lag grid, with the mass and temperature of its data.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Lags (time units of ``dt``).
    gamma : ndarray, shape (n,)
        Gamma(t) in mass / time^2 (eV/Angstrom^2 for data in ASE units).
    gamma_err : ndarray, shape (n,)
        Standard error from independent blocks of samples (or of time segments when there
        are fewer samples than blocks); infinite when there is only one block.
    c_vv : ndarray, shape (n,)
        Velocity autocorrelation of the data (velocity^2).
    integral : ndarray, shape (n,)
        Running friction integral int_0^t Gamma (mass / time).
    kind : Inversion
        The equation that was inverted.
    mass : float
        Mass m of the coarse variable (amu, or the data's mass unit).
    kT : float
        Thermal energy (mass * velocity^2: eV for data in ASE units): m <v^2> per
        component from the data, or the value given to :func:`estimate_kernel`.
    refine : int
        The inversion ran on lags dt / refine (:mod:`.refinement`).
    discretisation_error : float
        Estimated largest error of ``gamma`` from the step of the inversion (Richardson;
        mass / time^2), beside the statistical ``gamma_err``.
    """

    t: np.ndarray
    gamma: np.ndarray
    gamma_err: np.ndarray
    c_vv: np.ndarray
    integral: np.ndarray
    kind: Inversion
    mass: float
    kT: float
    refine: int = 1
    discretisation_error: float = 0.0

    def diffusion(self) -> float:
        """The kernel's own diffusion coefficient kT / int_0^T Gamma (length^2 / time), T the
        last lag: what a fit's :meth:`~qcbridge.memory.embedding.KernelFit.diffusion` is
        compared with.

        Raises
        ------
        KernelError
            int_0^T Gamma <= 0 (no finite diffusion coefficient).
        """
        if not self.integral[-1] > 0:
            raise KernelError(f"int Gamma = {self.integral[-1]:g} <= 0 to t = {self.t[-1]:g}: no finite diffusion "
                              "coefficient (estimate the kernel to a larger max_time)")
        return self.kT / float(self.integral[-1])

    @property
    def kernel_per_mass(self) -> np.ndarray:
        """K(t) = Gamma(t) / m (1 / time^2), shape (n,): what :meth:`fit` fits."""
        return self.gamma / self.mass

    def fit(self, n_exp: int = 1, n_osc: int = 1, n_smooth: int = 0, *, seed: int = 0, n_tries: int = 24,
            max_residual: float = 0.1, start: KernelFit | None = None) -> KernelFit:
        """Fit K = Gamma / m (see :func:`~qcbridge.memory.embedding.fit_kernel`); the fit keeps
        this result's mass and kT, so that its diffusion coefficient, VACF, GLE samples and
        LAMMPS exports need no further input."""
        return fit_kernel(self.t, self.kernel_per_mass, n_exp=n_exp, n_osc=n_osc, n_smooth=n_smooth,
                          mass=self.mass, kT=self.kT, seed=seed, n_tries=n_tries, max_residual=max_residual,
                          start=start)


def thermal_energy(velocity: Runs, mass: float) -> float:
    """kT = m <v^2>, the mean over every run, frame and sample (equipartition per component).

    Parameters
    ----------
    velocity : list of ndarray, shape (n_frames, n_samples)
    mass : float

    Raises
    ------
    KernelError
        kT is not positive and finite (velocities all zero, or out of range).
    """
    total = sum(_sum_of_squares(v) for v in velocity)
    kT = mass * total / sum(v.size for v in velocity)
    if not (np.isfinite(kT) and kT > 0):
        raise KernelError(f"kT = m <v^2> = {kT:g} is not positive and finite; check the mass and velocity units")
    return kT


def _sum_of_squares(v: np.ndarray, chunk: int = 1 << 22) -> float:
    """sum v^2 by numpy's pairwise summation over row blocks of about ``chunk`` values, so
    that no temporary copy of a large array is made."""
    rows = max(1, chunk // max(1, v.shape[1]))
    return sum(float(np.sum(np.square(v[i : i + rows]))) for i in range(0, len(v), rows))


@dataclass(frozen=True)
class _Data:
    """Checked input of :func:`estimate_kernel`: runs of (n_frames, n_samples) arrays."""

    velocity: Runs
    force: Runs | None  # None: not given
    position: Runs | None
    dt: float
    mass: float
    max_lag: int


def _validate(velocity: Series, dt: ArrayLike, force: Series | None, position: Series | None, mass: float,
              max_time: float | None, mean_force: MeanForce | None, kT: float | None, n_blocks: int) -> _Data:
    """Every check of :func:`estimate_kernel`'s input, in the order a user would fix them."""
    dt_value = frame_spacing(dt)
    mass = check_positive(mass, "mass")
    if kT is not None:
        check_positive(kT, "kT")
    for name, value in (("mass", mass), ("dt", dt_value)):
        if not 1.0 / MAGNITUDE_LIMIT <= value <= MAGNITUDE_LIMIT:
            raise KernelError(f"{name} = {value:g}: kernels in such units leave double precision; express the data "
                              "in units where mass and time step are of order one (amu and fs, or reduced units)")
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)) or n_blocks < 1:
        raise KernelError(f"n_blocks must be a positive integer, got {n_blocks!r}")
    vs = as_runs(velocity, "velocity")
    if vs is None:
        raise KernelError("velocity is required")
    fs = as_runs(force, "force", len(vs))
    xs = as_runs(position, "position", len(vs))
    for name, other in (("force", fs), ("position", xs)):
        for v, o in zip(vs, other or vs, strict=True):
            if v.shape != o.shape:
                raise KernelError(f"velocity and {name} shapes differ: {v.shape} vs {o.shape}; give one {name} per "
                                  "velocity value (the same frames and samples)")
    if mean_force is not None and xs is None:
        raise KernelError("a mean force needs the positions (position=...)")
    check_frame_times(dt, vs)
    n_frames = min(len(v) for v in vs)
    max_lag = lag_count(max_time, dt_value, n_frames, min_lag=2)
    check_magnitude(vs, "velocity", fluctuating=True)
    if fs is not None:
        check_magnitude(fs, "force", fluctuating=False)
    if xs is not None and mean_force is not None:
        check_magnitude(xs, "position", fluctuating=False)
    return _Data(vs, fs, xs, dt_value, mass, max_lag)


def _forces(data: _Data, kind: Inversion) -> Runs | None:
    """The given forces, or m dv/dt by finite differences (with a warning) where the
    inversion needs forces."""
    if data.force is not None or kind is Inversion.INTEGRAL:
        return data.force
    warnings.warn("no forces given: using m dv/dt from finite differences of the velocities, "
                  "accurate only when frames are much closer than the velocity decorrelation time",
                  MissingForceWarning, stacklevel=3)
    return [data.mass * np.gradient(v, data.dt, axis=0) for v in data.velocity]


def _mean_forces(mean_force: MeanForce | None, xs: Runs | None, fs: Runs | None, kT: float) -> Runs | None:
    """F_m(x) for every run, frame and sample (force units), or None for a free particle."""
    if mean_force is None or xs is None:
        return None
    flat_x = np.concatenate([x.ravel() for x in xs])[:, None]
    flat_f = None if fs is None else np.concatenate([f.ravel() for f in fs])[:, None]
    fm = np.asarray(mean_force(flat_x, flat_f, kT), dtype=float).ravel()
    if fm.shape != flat_x.shape[:1] or not np.all(np.isfinite(fm)):
        raise KernelError("the mean force must return one finite value per position value")
    split = np.cumsum([x.size for x in xs])[:-1]
    return [a.reshape(x.shape) for a, x in zip(np.split(fm, split), xs, strict=True)]


def _segments(runs: Runs, n_segments: int) -> Runs:
    """Cut every run in time into ``n_segments`` equal pieces stacked as sample columns."""
    out = []
    for r in runs:
        m = len(r) // n_segments
        out.append(np.hstack([r[i * m : (i + 1) * m] for i in range(n_segments)]))
    return out


def _empty() -> np.ndarray:
    return np.empty((0, 0))


@dataclass(frozen=True)
class _Correlations:
    """Correlations per sample column, shape (n_lags, n_columns); empty where the inversion
    does not need them."""

    vv: np.ndarray  # <v(t) v(0)>
    mv: np.ndarray = field(default_factory=_empty)  # <F_m(t) v(0)> (running integral)
    fv: np.ndarray = field(default_factory=_empty)  # <F(t) v(0)> (first and second kind)
    rf: np.ndarray = field(default_factory=_empty)  # <F_R(t) F(0)>, F_R = F - F_m
    rv: np.ndarray = field(default_factory=_empty)  # <F_R(t) v(0)> (first kind)


def _correlations(vs: Runs, fs: Runs | None, fms: Runs | None, max_lag: int, kind: Inversion,
                  n_blocks: int) -> _Correlations:
    """The correlations the inversion needs. With fewer sample columns than error blocks, the
    runs are first cut in time into segments that serve as columns."""
    n_frames = min(len(v) for v in vs)
    n_seg = 1
    if sum(v.shape[1] for v in vs) < n_blocks:
        n_seg = max(1, min(n_blocks, n_frames // (4 * (max_lag + 1))))
    if n_seg > 1:
        vs = _segments(vs, n_seg)
        fs = None if fs is None else _segments(fs, n_seg)
        fms = None if fms is None else _segments(fms, n_seg)

    def corr(a_runs: Runs, b_runs: Runs) -> np.ndarray:
        return np.hstack([correlation(a, b, max_lag, per_sample=True) for a, b in zip(a_runs, b_runs, strict=True)])

    c_vv = corr(vs, vs)
    if kind is Inversion.INTEGRAL:
        return _Correlations(c_vv, mv=np.zeros_like(c_vv) if fms is None else corr(fms, vs))
    if fs is None:
        raise KernelError("the first- and second-kind inversions need forces")
    rs = fs if fms is None else [f - m for f, m in zip(fs, fms, strict=True)]
    c_fv = corr(fs, vs)
    c_rv = c_fv if fms is None or kind is not Inversion.FIRST else corr(rs, vs)  # first kind only
    return _Correlations(c_vv, fv=c_fv, rf=corr(rs, fs), rv=c_rv)


def _invert(corr: _Correlations, cols: np.ndarray, kind: Inversion, dt: float,
            mass: float, refine: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Gamma and its running integral from the columns ``cols`` of the correlations (a
    KernelError when they are not finite), inverted on lags dt / refine and read at k dt."""
    def mean(c: np.ndarray) -> np.ndarray:
        return refine_lags(c[:, cols].mean(1), refine)

    h = dt / refine
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        cvv = mean(corr.vv)
        if kind is Inversion.INTEGRAL:  # Gamma = dG/dt on the data's lags: a finer difference amplifies noise
            rhs = mass * (cvv[0] - cvv) + cumulative_trapezoid(mean(corr.mv), dx=h, initial=0.0)
            integral = invert_running_integral(cvv, rhs, h)[1][::refine]
            return _checked(np.gradient(integral, dt, edge_order=2), integral)
        else:
            if kind is Inversion.SECOND:
                g = invert_second_kind(cvv[0], mean(corr.rf), mean(corr.fv), h, mass)
            else:
                g0 = corr.rf[0, cols].mean() / (mass * cvv[0])
                g = invert_first_kind(cvv, mean(corr.rv), g0, h)
            integral = cumulative_trapezoid(g, dx=h, initial=0.0)
    return _checked(g[::refine], integral[::refine])


def _checked(g: np.ndarray, integral: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(integral))):
        raise KernelError("Gamma or its integral overflows double precision: express the data in units where "
                          "velocities, forces, mass and time step are of order one")
    return g, integral


def _error_bars(corr: _Correlations, kind: Inversion, dt: float, mass: float, n_blocks: int,
                refine: int = 1) -> np.ndarray:
    """Standard error of Gamma from independent blocks of columns (infinite for one block)."""
    n_cols = corr.vv.shape[1]
    blocks = np.array_split(np.arange(n_cols), min(n_blocks, n_cols))
    if len(blocks) < 2:
        return np.full(corr.vv.shape[0], np.inf)
    try:
        g = np.array([_invert(corr, b, kind, dt, mass, refine)[0] for b in blocks])
    except KernelError as exc:
        raise KernelError(f"a block of samples gives no kernel ({exc}); use fewer blocks (n_blocks) or more "
                          "samples") from None
    return block_error(g)


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
            stacklevel=4,
        )


def estimate_kernel(
    velocity: Series,
    dt: ArrayLike,
    *,
    mass: float,
    force: Series | None = None,
    position: Series | None = None,
    max_time: float | None = None,
    kind: Inversion | str = Inversion.SECOND,
    mean_force: MeanForce | None = None,
    kT: float | None = None,
    n_blocks: int = 8,
    refine: int | None = None,
) -> KernelResult:
    """Estimate the friction kernel Gamma(t) of a coarse variable from trajectories.

    Parameters
    ----------
    velocity : array_like, shape (n_frames,) or (n_frames, n_samples), or list of those
        Velocities of the coarse variable; columns (and list entries, i.e. independent
        runs) are independent samples of the same process.
    dt : float or array_like of frame times
        Time between frames; an array of frame times (one per frame of every run) is
        checked for uniform spacing.
    mass : float
        Mass of the coarse variable (amu for data in ASE units; 1.0 in reduced units).
    force : array_like, same shape as ``velocity``, optional
        Total instantaneous force on the coarse variable. Without it the second- and
        first-kind inversions use m dv/dt from finite differences (with a
        MissingForceWarning); the running-integral inversion never needs it.
    position : array_like, same shape as ``velocity``, optional
        Coordinate, needed when ``mean_force`` is given.
    max_time : float, optional
        Largest lag (default: a tenth of the shortest run).
    kind : Inversion or {"second", "first", "integral"}
        Equation to invert (:class:`Inversion`).
    mean_force : LinearMori, SplinePMF or callable, optional
        Mean force F_m(x) (None: free particle).
    kT : float, optional
        Thermal energy (mass * velocity^2; default m <v^2> per component, equipartition);
        used by the mean force and carried by the result.
    n_blocks : int
        Blocks of samples for the error bars.
    refine : int, optional
        Invert on lags dt / refine, the correlations interpolated by cubic splines
        (:mod:`.refinement`); default: chosen from the data's stiffness Gamma(0) dt^2 / m so
        that the trapezoid error stays near 0.3 % (1 for finely sampled data).

    Returns
    -------
    KernelResult
        Gamma in mass / time^2 on lags k dt, with ``mass``, ``kT``, the refinement used and the
        estimated discretisation error.

    Raises
    ------
    KernelError
        Mismatched shapes or frame counts, non-finite, all-zero, constant or out-of-range
        (abs(x) > 1e100) data, non-positive mass or kT, unknown kind, missing positions for a
        mean force, too few frames for ``max_time``, or an inversion that diverges.
    NonUniformTimeStepError
        Frame times are not equally spaced.

    Warns
    -----
    DiscretisationWarning
        The estimated discretisation error exceeds 2 % of the kernel's largest value; the
        message gives the error, the data's stiffness and what to do.
    """
    kind = Inversion.parse(kind)
    if refine is not None and (isinstance(refine, bool) or not isinstance(refine, (int, np.integer)) or refine < 1):
        raise KernelError(f"refine must be an integer >= 1 (or None: automatic), got {refine!r}")
    data = _validate(velocity, dt, force, position, mass, max_time, mean_force, kT, n_blocks)
    forces = _forces(data, kind)
    kT = thermal_energy(data.velocity, data.mass) if kT is None else float(kT)
    fms = _mean_forces(mean_force, data.position, forces, kT)
    corr = _correlations(data.velocity, forces, fms, data.max_lag, kind, n_blocks)
    return kernel_from_correlations(corr, kind, data.dt, data.mass, kT, n_blocks, refine,
                                    check_forces=data.force is not None)


def kernel_from_correlations(corr: _Correlations, kind: Inversion, dt: float, mass: float, kT: float,
                             n_blocks: int, refine: int | None, *, check_forces: bool) -> KernelResult:
    """The inversion, its error estimates and the result, from correlations per sample column
    (shared by :func:`estimate_kernel` and the streamed :class:`~.streaming.KernelAccumulator`)."""
    c_vv = corr.vv.mean(axis=1)
    g0_per_mass = None if kind is Inversion.INTEGRAL else float(corr.rf[0].mean() / (mass**2 * c_vv[0]))
    s = stiffness(c_vv, dt, g0_per_mass)
    r_auto = refinement_factor(s)
    r = r_auto if refine is None else int(refine)
    everything = np.arange(corr.vv.shape[1])
    gamma, integral = _invert(corr, everything, kind, dt, mass, r)
    error = _discretisation_error(corr, everything, kind, dt, mass, r, r_auto, gamma)
    if error > DISCRETISATION_WARN * np.abs(gamma).max():
        warnings.warn(
            f"the kernel's estimated discretisation error is {100 * error / np.abs(gamma).max():.0f} % of its largest "
            f"value: the data's Gamma(0) dt^2 / m is {s:.2g} and the inversion ran on dt / {r}; sample more finely "
            "or pass a larger refine", DiscretisationWarning, stacklevel=3)
    err = _error_bars(corr, kind, dt, mass, n_blocks, r)
    if check_forces and kind is not Inversion.INTEGRAL:
        _check_forces(c_vv, corr.fv.mean(axis=1), dt, mass)
    return KernelResult(np.arange(len(c_vv)) * dt, gamma, err, c_vv, integral, kind, mass, kT, r, error)


def _discretisation_error(corr: _Correlations, cols: np.ndarray, kind: Inversion, dt: float, mass: float,
                          refine: int, refine_auto: int, gamma: np.ndarray) -> float:
    """Estimated largest error of ``gamma`` (mass / time^2): its difference from the inversion
    refined as :func:`~.refinement.refinement_factor` would (when ``refine`` is smaller), else
    Richardson's against half the refinement or, unrefined, against every other lag."""
    try:
        if refine < refine_auto:  # outside the asymptotic range: compare with the refined inversion
            return float(np.abs(gamma - _invert(corr, cols, kind, dt, mass, refine_auto)[0]).max())
        if refine > 1:
            coarser = _invert(corr, cols, kind, dt, mass, refine // 2)[0]
            return richardson_error(gamma, coarser, refine / (refine // 2))
        if len(gamma) < 3:
            return 0.0
        halved = replace(corr, **{name: getattr(corr, name)[::2] for name in ("vv", "mv", "fv", "rf", "rv")})
        return richardson_error(gamma, _invert(halved, cols, kind, 2 * dt, mass)[0], 2.0, every_other=True)
    except KernelError:  # the coarser inversion diverged: the step is far too large
        return float("inf")
