"""Checks of the input to the kernel estimators, each raising a :class:`KernelError` that says
what is wrong and what to do.

The estimators multiply samples pairwise (correlations) and divide by <v v>(0), so data
must be finite, not all zero, not constant, and of a magnitude whose squares stay well
inside double precision: the largest |value| must lie in [1e-100, 1e100].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import KernelError, NonUniformTimeStepError

__all__ = ["as_runs", "block_error", "check_frame_times", "check_magnitude", "check_positive", "frame_spacing",
           "lag_count", "largest_magnitude"]

#: Largest |value| (and smallest nonzero largest |value|) the estimators accept.
MAGNITUDE_LIMIT = 1e100


def check_positive(value: Any, name: str) -> float:
    """``value`` as a float that is finite and > 0, else a KernelError naming it."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise KernelError(f"{name} must be a positive number, got {value!r}") from None
    if not (np.isfinite(x) and x > 0):
        raise KernelError(f"{name} must be positive and finite, got {value!r}")
    return x


def frame_spacing(dt: ArrayLike) -> float:
    """Time between frames from a float or from an array of frame times.

    Raises
    ------
    NonUniformTimeStepError
        Frame times are not equally spaced (relative deviation > 1e-6).
    KernelError
        dt is not positive and finite.
    """
    try:
        arr = np.asarray(dt, dtype=float)
    except (TypeError, ValueError):
        raise KernelError(f"dt must be a time step or an array of frame times, got {dt!r}") from None
    if arr.ndim == 1:
        if not np.all(np.isfinite(arr)):
            raise KernelError(f"the frame times contain NaN or infinity (first at frame "
                              f"{np.flatnonzero(~np.isfinite(arr))[0]}); give finite times or a time step dt")
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
        raise KernelError(f"dt must be positive and finite, got {dt!r}")
    return float(arr)


def check_frame_times(dt: ArrayLike, runs: Sequence[np.ndarray]) -> None:
    """An array of frame times must have one time per frame of every run."""
    n_times = np.size(dt) if np.ndim(dt) == 1 else None
    if n_times is None:
        return
    for i, r in enumerate(runs):
        if len(r) != n_times:
            raise KernelError(f"dt holds {n_times} frame times but run {i} has {len(r)} frames: give one time per "
                              "frame, or the time step as a number for runs of different lengths")


def _as_float(x: ArrayLike, name: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise KernelError(f"{name} must be an array of numbers ({exc})") from None


def as_samples(x: ArrayLike, name: str) -> np.ndarray:
    """Validate and return a (n_frames, n_samples) float array from (n_frames,) or (n_frames, n_samples)."""
    x = _as_float(x, name)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise KernelError(f"{name} must have shape (n_frames,) or (n_frames, n_samples), got {x.shape}")
    if x.size == 0:
        raise KernelError(f"{name} is empty (shape {x.shape})")
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise KernelError(f"{name} contains NaN or infinity (first at frame {bad[0]}, sample {bad[1]}): "
                          "drop the frames after the simulation became unstable")
    return x


def as_vector_samples(x: ArrayLike, name: str) -> np.ndarray:
    """Validate and return a (n_frames, n_samples, dim) float array from (n_frames, dim) or
    (n_frames, n_samples, dim)."""
    x = _as_float(x, name)
    if x.ndim == 2:
        x = x[:, None, :]
    if x.ndim != 3:
        raise KernelError(f"{name} must have shape (n_frames, dim) or (n_frames, n_samples, dim), got {x.shape}")
    if x.size == 0:
        raise KernelError(f"{name} is empty (shape {x.shape})")
    if not np.all(np.isfinite(x)):
        raise KernelError(f"{name} contains NaN or infinity (first at frame {np.argwhere(~np.isfinite(x))[0][0]}): "
                          "drop the frames after the simulation became unstable")
    return x


def as_runs(x: ArrayLike | Sequence[ArrayLike] | None, name: str, n_runs: int | None = None, *,
            vector: bool = False) -> list[np.ndarray] | None:
    """One array or a list of runs, each validated by :func:`as_samples` (or
    :func:`as_vector_samples`); None stays None."""
    if x is None:
        return None
    runs: list[Any] = list(x) if isinstance(x, (list, tuple)) else [x]
    if not runs:
        raise KernelError(f"no {name} runs given (empty list)")
    check = as_vector_samples if vector else as_samples
    out = [check(r, name if len(runs) == 1 else f"{name} run {i}") for i, r in enumerate(runs)]
    if n_runs is not None and len(out) != n_runs:
        raise KernelError(f"{n_runs} velocity runs but {len(out)} {name} runs")
    return out


def lag_count(max_time: float | None, dt: float, n_frames: int, min_lag: int) -> int:
    """Number of lags max_time / dt (default a tenth of ``n_frames``), checked against the frames."""
    if max_time is not None:
        max_time = check_positive(max_time, "max_time")
    with np.errstate(over="ignore"):
        lags = round((0.1 * n_frames * dt if max_time is None else max_time) / dt)
    if not lags < n_frames:
        raise KernelError(f"max_time = {max_time:g} needs more than {lags:g} frames; the shortest run has {n_frames}")
    max_lag = int(lags)
    if max_lag < min_lag:
        raise KernelError(f"max_time = {max_lag * dt:g} needs more than {max_lag} frames; the shortest run has "
                          f"{n_frames} (at least {min_lag} lags are needed)")
    return max_lag


def largest_magnitude(runs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Largest |value| of every sample column and whether the column is constant, both
    concatenated over runs. Two reductions per run, no temporary copy of the data."""
    big, constant = [], []
    for r in runs:
        hi, lo = r.max(axis=0), r.min(axis=0)
        big.append(np.reshape(np.maximum(hi, -lo), -1))
        constant.append(np.reshape(hi == lo, -1))
    return np.concatenate(big), np.concatenate(constant)


def _out_of_range(name: str, value: float, which: str = "") -> KernelError:
    return KernelError(f"the largest |{name}|{which} is {value:.3g}: correlations of such values leave double "
                       "precision; express the data in units where they are of order one (e.g. Angstrom/fs, "
                       "eV/Angstrom)")


def check_magnitude(runs: Sequence[np.ndarray], name: str, *, fluctuating: bool) -> None:
    """Raise a KernelError when the data are all zero or out of the representable range and,
    for ``fluctuating`` data (velocities, observables), when a sample column is constant or
    out of range on its own."""
    big, constant = largest_magnitude(runs)
    top = float(big.max())
    if top == 0.0:
        raise KernelError(f"{name} is zero in every frame and sample: check that the right columns were read "
                          f"(a dump without {name} columns, or a selection of frozen atoms)")
    if not 1.0 / MAGNITUDE_LIMIT <= top <= MAGNITUDE_LIMIT:
        raise _out_of_range(name, top)
    if not fluctuating:
        return
    if constant.any():
        col = int(np.flatnonzero(constant)[0])
        raise KernelError(f"{name} sample {col} is constant in time ({np.count_nonzero(constant)} of "
                          f"{len(constant)} samples are): a kernel needs fluctuating data; drop frozen or "
                          "constrained atoms from the selection")
    if big.min() < 1.0 / MAGNITUDE_LIMIT:
        raise _out_of_range(name, float(big.min()), f" of sample {int(np.argmin(big))}")


def block_error(values: np.ndarray) -> np.ndarray:
    """Standard error of the mean over the first axis (independent blocks), std / sqrt(n).

    Raises
    ------
    KernelError
        The error overflows (blocks that disagree by more than ~1e154).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        err = values.std(axis=0, ddof=1) / np.sqrt(len(values))
    if not np.all(np.isfinite(err)):
        raise KernelError("the error bars overflow double precision (blocks disagree by more than 1e154): express "
                          "the data in units where its values are of order one, or check for outliers")
    return err
