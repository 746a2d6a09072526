r"""Gap-tooth and patch dynamics for a 1D field on a periodic domain.

The coarse field lives at ``N`` points ``X_i = i Dx`` of a periodic domain of length ``L``
(``Dx = L / N``). A fine model is run only in small *teeth* ``[X_i - h/2, X_i + h/2]`` of width
``h <= Dx``, each resolved by ``m`` fine cells of width ``dx = h / m``; the coarse variable is the
tooth average ``U_i``. The teeth are coupled through their boundary conditions, taken from the
quadratic ``p_i`` whose averages over teeth ``i - 1, i, i + 1`` are ``U_{i-1}, U_i, U_{i+1}``::

    p_i(x) = U_i + b_i (x - X_i) + c_i ((x - X_i)^2 - h^2 / 12),
    b_i = (U_{i+1} - U_{i-1}) / (2 Dx),    c_i = (U_{i+1} - 2 U_i + U_{i-1}) / (2 Dx^2).

*Lifting* fills tooth ``i`` with the cell averages of ``p_i`` (its average is ``U_i`` exactly); the
*boundary conditions* prescribe the macroscopic gradient at the tooth edges,
``du/dx (X_i -+ h/2) = b_i -+ c_i h``, held while the teeth run (Gear, Li & Kevrekidis 2003);
*restriction* takes the tooth averages. A **gap-tooth step** lifts, runs every tooth for a time
``dT`` and restricts. For the heat equation ``u_t = D u_xx`` with a conservative fine scheme the
tooth average changes at the rate ``D (p_i'(X_i + h/2) - p_i'(X_i - h/2)) / h = D (U_{i+1} - 2 U_i +
U_{i-1}) / Dx^2``: the gap-tooth step is the explicit Euler step of the second-order finite-difference
scheme, computed with the fine model in a fraction ``h / Dx`` of the domain (stable for
``dT <= Dx^2 / (2 D)``). Each tooth relaxes internally on the time ``h^2 / (pi^2 D)``, much shorter
than the coarse time ``Dx^2 / D``: **patch dynamics** (Samaey, Kevrekidis & Roose 2005) runs the
teeth only for a short burst and lets :func:`~qcbridge.multiscale.projective.projective_integrate`
project the tooth averages over the coarse step, saving a further factor ``burst / step`` in time.

The boundary conditions fix the gradient, so the flux at a tooth edge is that of the fine model
there: right for a homogeneous fine model; a fine model with microstructure needs buffers around
the teeth (Samaey, Roose & Kevrekidis 2006), not provided here.

References
----------
C. W. Gear, J. Li, I. G. Kevrekidis, Phys. Lett. A 316, 190 (2003);
G. Samaey, I. G. Kevrekidis, D. Roose, Multiscale Model. Simul. 4, 278 (2005);
G. Samaey, D. Roose, I. G. Kevrekidis, J. Comput. Phys. 213, 264 (2006).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import BurstError, MultiscaleError
from .projective import Burst

__all__ = ["FineStep", "Teeth", "gap_tooth_step", "heat_stepper", "patch_burst"]

#: ``fine_step(u, gradients, dt) -> u``: one step of the fine model in every tooth at once; ``u``
#: of shape (N, m) (cell averages), ``gradients`` of shape (N, 2) (du/dx at the left and right
#: tooth edges), ``dt`` the time step.
FineStep = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


def _is_int(n: object) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool)


@dataclass(frozen=True)
class Teeth:
    """Geometry of a gap-tooth scheme on the periodic domain ``[0, length)``.

    Parameters
    ----------
    length : float
        Domain length ``L``.
    n_teeth : int
        Number ``N >= 3`` of teeth, centred on ``X_i = i L / N``.
    width : float
        Tooth width ``h``, ``0 < h <= L / N`` (equal: no gaps, the fine model everywhere).
    n_fine : int
        Fine cells ``m >= 2`` per tooth.
    """

    length: float
    n_teeth: int
    width: float
    n_fine: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.length) and self.length > 0):
            raise MultiscaleError(f"length must be finite and > 0, got {self.length!r}")
        if not _is_int(self.n_teeth) or self.n_teeth < 3:
            raise MultiscaleError(f"n_teeth must be an integer >= 3, got {self.n_teeth!r}")
        if not (0 < self.width <= self.spacing * (1 + 1e-12)):
            raise MultiscaleError(f"width must lie in (0, length / n_teeth = {self.spacing:.6g}], got {self.width!r}")
        if not _is_int(self.n_fine) or self.n_fine < 2:
            raise MultiscaleError(f"n_fine must be an integer >= 2, got {self.n_fine!r}")

    @property
    def spacing(self) -> float:
        """Coarse grid spacing ``Dx = L / N``."""
        return self.length / self.n_teeth

    @property
    def fine_spacing(self) -> float:
        """Fine cell width ``dx = h / m``."""
        return self.width / self.n_fine

    @property
    def centres(self) -> np.ndarray:
        """Tooth centres ``X_i``, shape (N,)."""
        return self.spacing * np.arange(self.n_teeth)

    @property
    def offsets(self) -> np.ndarray:
        """Fine cell centres relative to their tooth centre, shape (m,)."""
        return self.fine_spacing * (np.arange(self.n_fine) + 0.5) - 0.5 * self.width

    @property
    def faces(self) -> np.ndarray:
        """Positions of the fine cell faces, shape (N, m + 1), for face-centred data."""
        return self.centres[:, None] + self.fine_spacing * np.arange(self.n_fine + 1) - 0.5 * self.width

    def interpolant(self, coarse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients ``b_i`` (gradient) and ``c_i`` (half the curvature) of the quadratic
        interpolants ``p_i``, each of shape (N,)."""
        u = self.check(coarse)
        up, um = np.roll(u, -1), np.roll(u, 1)
        return (up - um) / (2 * self.spacing), (up - 2 * u + um) / (2 * self.spacing**2)

    def lift(self, coarse: np.ndarray) -> np.ndarray:
        """Fine cell averages of the interpolants, shape (N, m); their tooth averages are ``coarse``."""
        b, c = self.interpolant(coarse)
        xi = self.offsets
        shape = xi**2 + self.fine_spacing**2 / 12 - self.width**2 / 12  # cell average of (x-X)^2 - h^2/12
        return np.asarray(coarse, dtype=float)[:, None] + b[:, None] * xi + c[:, None] * shape

    def restrict(self, fine: np.ndarray) -> np.ndarray:
        """Tooth averages, shape (N,), of cell averages of shape (N, m)."""
        return np.asarray(fine).mean(axis=-1)

    def edge_gradients(self, coarse: np.ndarray) -> np.ndarray:
        """Macroscopic gradients ``p_i'(X_i -+ h/2)`` at the left and right tooth edges, shape (N, 2)."""
        b, c = self.interpolant(coarse)
        return np.stack([b - c * self.width, b + c * self.width], axis=1)

    def check(self, coarse: np.ndarray) -> np.ndarray:
        """``coarse`` as a finite float array of shape (N,), else a MultiscaleError."""
        u = np.asarray(coarse, dtype=float)
        if u.shape != (self.n_teeth,) or not np.all(np.isfinite(u)):
            raise MultiscaleError(f"a coarse field must be a finite array of shape ({self.n_teeth},), got shape "
                                  f"{u.shape}{'' if np.all(np.isfinite(u)) else ' with NaN or infinity'}")
        return u


def heat_stepper(teeth: Teeth, diffusivity: float | np.ndarray) -> FineStep:
    """Explicit conservative finite-volume step of ``u_t = (D u_x)_x`` in every tooth.

    Interior face fluxes are ``-D (u_{j+1} - u_j) / dx``; the edge fluxes are ``-D g`` with the
    prescribed gradients ``g``, so the tooth average changes exactly by the net edge flux.

    Parameters
    ----------
    teeth : Teeth
    diffusivity : float or ndarray, shape (N, m + 1)
        ``D`` (length^2 / time), constant or at the fine cell faces (:attr:`Teeth.faces`).

    Returns
    -------
    FineStep
        Raises a MultiscaleError for ``dt > dx^2 / (2 max D)`` (unstable).
    """
    d = np.broadcast_to(np.asarray(diffusivity, dtype=float), (teeth.n_teeth, teeth.n_fine + 1))
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise MultiscaleError("diffusivity must be finite and >= 0")
    dx = teeth.fine_spacing
    limit = dx**2 / (2 * float(d.max())) if d.max() > 0 else math.inf

    def step(u: np.ndarray, gradients: np.ndarray, dt: float) -> np.ndarray:
        if dt > limit * (1 + 1e-12):
            raise MultiscaleError(f"fine time step {dt:.4g} exceeds the explicit stability limit "
                                  f"dx^2 / (2 D) = {limit:.4g}")
        grad = np.concatenate([gradients[:, :1], np.diff(u, axis=1) / dx, gradients[:, 1:]], axis=1)
        return u + dt / dx * np.diff(d * grad, axis=1)

    return step


def _run_teeth(teeth: Teeth, coarse: np.ndarray, fine_step: FineStep, duration: float, fine_dt: float,
               sample_every: int) -> tuple[np.ndarray, np.ndarray]:
    """Lift, run all teeth for ``duration`` in steps of at most ``fine_dt`` with the edge gradients of
    ``coarse``, and restrict every ``sample_every`` steps and at the end."""
    u0 = teeth.check(coarse)
    if not (math.isfinite(duration) and duration > 0 and math.isfinite(fine_dt) and fine_dt > 0):
        raise MultiscaleError(f"duration and fine_dt must be finite and > 0, got {duration!r}, {fine_dt!r}")
    n = max(1, math.ceil(duration / fine_dt - 1e-9))
    dt = duration / n
    marks = sorted(set(range(0, n, sample_every)) | {n})
    u = teeth.lift(u0)
    shape = u.shape
    gradients = teeth.edge_gradients(u0)
    times, samples = np.empty(len(marks)), np.empty((len(marks), teeth.n_teeth))
    done = 0
    for j, mark in enumerate(marks):
        for _ in range(mark - done):
            u = fine_step(u, gradients, dt)
            if np.shape(u) != shape:
                raise BurstError(f"the fine step returned shape {np.shape(u)}, expected {shape}", (u0.copy(), duration))
        done = mark
        if not np.all(np.isfinite(u)):
            raise BurstError(f"the fine field contains NaN or infinity by t = {mark * dt:.6g}", (u0.copy(), duration))
        times[j], samples[j] = mark * dt, teeth.restrict(u)
    times[-1] = duration
    return times, samples


def gap_tooth_step(teeth: Teeth, coarse: np.ndarray, fine_step: FineStep, *, duration: float,
                   fine_dt: float) -> np.ndarray:
    """One gap-tooth step: lift, run every tooth for ``duration`` with the edge gradients of
    ``coarse`` held fixed, restrict.

    Parameters
    ----------
    teeth : Teeth
    coarse : ndarray, shape (N,)
        Tooth averages ``U_i``.
    fine_step : FineStep
        Fine model, vectorized over the teeth (e.g. :func:`heat_stepper`).
    duration : float
        Gap-tooth step ``dT``.
    fine_dt : float
        Largest fine time step; ``duration`` is divided into equal steps no longer.

    Returns
    -------
    ndarray, shape (N,)
        Tooth averages after ``duration``.

    Raises
    ------
    BurstError
        The fine step returned the wrong shape or NaN; ``.inputs`` is ``(coarse, duration)``.
    """
    return _run_teeth(teeth, coarse, fine_step, duration, fine_dt, sample_every=1 << 62)[1][-1]


def patch_burst(teeth: Teeth, fine_step: FineStep, *, fine_dt: float, sample_every: int = 10) -> Burst:
    """A burst of the teeth for :func:`~qcbridge.multiscale.projective.projective_integrate`
    (patch dynamics), with the tooth averages as the coarse state (no further lift or restriction).

    Parameters
    ----------
    teeth : Teeth
    fine_step : FineStep
    fine_dt : float
        Largest fine time step.
    sample_every : int
        Fine steps between the samples a burst returns (the end of the burst is always one).

    Returns
    -------
    Burst
        ``burst(coarse, duration) -> (times, tooth averages)``: one gap-tooth step of ``duration``,
        sampled; times relative to its start, shape (k,), tooth averages of shape (k, N).
    """
    if not _is_int(sample_every) or sample_every < 1:
        raise MultiscaleError(f"sample_every must be an integer >= 1, got {sample_every!r}")

    def burst(coarse: np.ndarray, duration: float) -> tuple[np.ndarray, np.ndarray]:
        return _run_teeth(teeth, coarse, fine_step, duration, fine_dt, int(sample_every))

    return burst
