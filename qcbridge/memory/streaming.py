"""Memory kernels from trajectories streamed in chunks of frames: peak memory O(lags x samples).

:func:`~.kernel.estimate_kernel` takes whole arrays, (frames x samples) each for velocities and
forces; a long trajectory of many atoms does not fit. :class:`KernelAccumulator` takes the
frames a chunk at a time and keeps only the running sums of the lagged products per sample
column, S_ab(k) = sum_t a_{t+k} b_t, and the last ``max_lag`` frames. A new chunk X after the
kept tail T adds the products whose later frame lies in X: S([T; X]) - S(T), both by
zero-padded FFT (:func:`~.correlations.lagged_sums`). At the end, dividing by the number of
pairs, N - k, gives the same correlations as the whole arrays (to round-off) and the same
inversion, error bars and discretisation estimate (:func:`~.kernel.kernel_from_correlations`).

Free particles only (no mean force): the mean force of a coordinate needs its distribution
over the whole run before any correlation can be formed.
"""

from __future__ import annotations

import numpy as np

from ..errors import KernelError
from .checks import as_samples, check_positive, frame_spacing
from .correlations import lagged_sums
from .kernel import Inversion, KernelResult, _Correlations, kernel_from_correlations

__all__ = ["KernelAccumulator"]


class KernelAccumulator:
    """Correlations of velocity and force accumulated over chunks of frames.

    Parameters
    ----------
    max_lag : int
        Largest lag in frames (the kernel's length).
    kind : Inversion or {"second", "first", "integral"}
        The inversion :meth:`result` will run; the integral kind needs velocities only.

    Examples
    --------
    >>> acc = KernelAccumulator(200)
    >>> for v, f in chunks:  # (frames, samples) arrays, e.g. from iter_lammps_dump
    ...     acc.add(v, f)
    >>> kernel = acc.result(dt, mass=39.948)
    """

    def __init__(self, max_lag: int, kind: Inversion | str = Inversion.SECOND):
        if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 2:
            raise KernelError(f"max_lag must be an integer >= 2 (frames), got {max_lag!r}")
        self.max_lag = int(max_lag)
        self.kind = Inversion.parse(kind)
        self.frames = 0
        self._sums: dict[str, np.ndarray] = {}
        self._tail_v: np.ndarray | None = None
        self._tail_f: np.ndarray | None = None
        self._v2 = 0.0
        self._last_time: float | None = None

    def add(self, velocity: np.ndarray, force: np.ndarray | None = None, *, times: np.ndarray | None = None) -> None:
        """Add the next frames, shape (n_frames, n_samples) each (velocity and force units).

        ``times`` (one per frame, any time unit or step numbers) are checked to be equally
        spaced, across the join with the previous chunk too (NonUniformTimeStepError).
        """
        v = as_samples(velocity, "velocity")
        if times is not None:
            times = np.asarray(times, dtype=float)
            if times.shape != (len(v),):
                raise KernelError(f"give one time per frame: {len(times)} times for {len(v)} frames")
            joined = times if self._last_time is None else np.concatenate([[self._last_time], times])
            if len(joined) > 1:
                frame_spacing(joined)
            self._last_time = float(times[-1])
        needs_force = self.kind is not Inversion.INTEGRAL
        if needs_force and force is None:
            raise KernelError(f"the {self.kind.value}-kind inversion needs the forces of every chunk")
        f = as_samples(force, "force") if needs_force and force is not None else None
        if f is not None and f.shape != v.shape:
            raise KernelError(f"velocity and force chunks differ in shape: {v.shape} vs {f.shape}")
        if self._tail_v is not None and v.shape[1:] != self._tail_v.shape[1:]:
            raise KernelError(f"a chunk has {v.shape[1]} sample columns where the first had {self._tail_v.shape[1]}; "
                              "select the same atoms in every chunk")
        lag = self.max_lag
        pairs = {"vv": ("v", "v")} if f is None else {"vv": ("v", "v"), "fv": ("f", "v"), "ff": ("f", "f")}
        new: dict[str, np.ndarray] = {"v": v} if f is None else {"v": v, "f": f}
        tail = {"v": self._tail_v, "f": self._tail_f}
        blocks = {k: x if tail[k] is None else np.concatenate([tail[k], x]) for k, x in new.items()}  # one per series
        for name, (a, b) in pairs.items():
            s = lagged_sums(blocks[a], blocks[b], lag)
            ta, tb = tail[a], tail[b]
            if ta is not None and tb is not None:
                s -= lagged_sums(ta, tb, lag)  # products already counted with the previous chunks
            self._sums[name] = s if name not in self._sums else self._sums[name] + s
        self._v2 += float(np.sum(np.square(v)))
        self.frames += len(v)
        self._tail_v = blocks["v"][-lag:].copy()
        if f is not None:
            self._tail_f = blocks["f"][-lag:].copy()

    @property
    def columns(self) -> int:
        """Sample columns per frame (0 before the first chunk)."""
        return 0 if self._tail_v is None else int(self._tail_v.shape[1])

    def vacf(self) -> np.ndarray:
        """<v(t) v(0)> on lags 0 .. max_lag, averaged over the columns (velocity^2)."""
        if self.frames <= self.max_lag:
            raise KernelError(f"{self.frames} frames were added, fewer than max_lag + 1 = {self.max_lag + 1}")
        return (self._sums["vv"] / (self.frames - np.arange(self.max_lag + 1))[:, None]).mean(axis=1)

    def result(self, dt: float, *, mass: float, kT: float | None = None, n_blocks: int = 8,
               refine: int | None = None, lags: int | None = None) -> KernelResult:
        """The kernel of everything added (see :func:`~.kernel.estimate_kernel` for the arguments).

        Parameters
        ----------
        dt : float
            Time between frames (time).
        mass : float
            Mass of the coarse variable (amu for ASE units).
        kT : float, optional
            Thermal energy; default m <v^2> over every frame and column.
        n_blocks : int
            Blocks of sample columns for the error bars (at most one per column).
        refine : int, optional
            Lag refinement of the inversion (default automatic).
        lags : int, optional
            Invert only lags 0 .. ``lags`` (default max_lag), e.g. a kernel shorter than the VACF
            accumulated beside it (:meth:`vacf`).
        """
        dt = frame_spacing(dt)
        mass = check_positive(mass, "mass")
        if self.frames <= self.max_lag:
            raise KernelError(f"{self.frames} frames were added, fewer than max_lag + 1 = {self.max_lag + 1}: "
                              "add more frames or ask for a shorter kernel")
        if any(not np.all(np.isfinite(s)) for s in self._sums.values()):
            raise KernelError("the correlations overflow double precision: express the data in units where its "
                              "values are of order one")
        n = self.max_lag if lags is None else int(lags)
        if not 2 <= n <= self.max_lag:
            raise KernelError(f"lags must lie in [2, {self.max_lag}], got {lags!r}")
        count = (self.frames - np.arange(n + 1))[:, None]
        c = {name: s[: n + 1] / count for name, s in self._sums.items()}
        columns = c["vv"].shape[1]
        kT = mass * self._v2 / (self.frames * columns) if kT is None else check_positive(kT, "kT")
        if not (np.isfinite(kT) and kT > 0):
            raise KernelError(f"kT = m <v^2> = {kT:g} is not positive and finite; check the mass and velocity units")
        if self.kind is Inversion.INTEGRAL:
            corr = _Correlations(c["vv"], mv=np.zeros_like(c["vv"]))
        else:
            corr = _Correlations(c["vv"], fv=c["fv"], rf=c["ff"], rv=c["fv"])
        return kernel_from_correlations(corr, self.kind, dt, mass, kT, min(n_blocks, columns), refine,
                                        check_forces=self.kind is not Inversion.INTEGRAL)
