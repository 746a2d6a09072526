"""Wave test: how much of a wave packet an atomistic region's boundary sends back.

A harmonic chain (m = k = 1, omega_0 = 1; unit time 1/omega_0) of ``n_atoms`` atoms holds a
Gaussian wave packet at its centre, u_j = A exp(-((j - c)/w)^2) cos(q (j - c)), at rest: it
splits into two halves that run to the ends with the group velocity cos(q/2). Velocity Verlet
(step ``dt``) integrates it to ``t_end``, long enough for both halves to have left a perfectly
absorbing region. The reflected energy fraction is the energy then left in the region (kinetic
energy and the springs between region atoms), over the initial energy. The ends are

- ``FIXED``: atoms beyond the region held at rest (a rigid wall: everything comes back);
- ``DAMPED``: the same wall with a friction layer of ``layer`` atoms at each end,
  gamma_j = gamma_max (d_j / layer)^2, gamma_max tuned over a range (the best is reported);
- ``KERNEL``: the Mori-Zwanzig boundary, the displacement of the first atom left out from the
  exact memory kernel of the eliminated half-chain (:mod:`qcbridge.memory.boundary`).

For the damped layer the region is the chain without its layers, of the same thickness.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ..errors import KernelError
from ..memory.boundary import ChainBathNoise, ChainBoundary

__all__ = ["Boundary", "WaveTestResult", "chain_temperature", "chain_wave_test"]

#: Damping strengths (1/time) the damped layer is tuned over.
DAMPING_SCAN = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


class Boundary(Enum):
    """Ends of the atomistic region in the wave test."""

    FIXED = "fixed"
    DAMPED = "damped"
    KERNEL = "kernel"


@dataclass(frozen=True)
class WaveTestResult:
    """Outcome of :func:`chain_wave_test`.

    Attributes
    ----------
    boundary : Boundary
    reflected_energy_fraction : float
        Energy left in the region at the end over the initial energy.
    seconds_per_step : float
        Wall time of one time step (s).
    steps : int
    damping : float or None
        The tuned gamma_max of a damped layer (1/time).
    energy_left_fraction : float or None
        Energy left in the region over the initial energy, where the reflected fraction is
        measured against a reference run instead (the slab).
    """

    boundary: Boundary
    reflected_energy_fraction: float
    seconds_per_step: float
    steps: int
    damping: float | None = None
    energy_left_fraction: float | None = None


def chain_wave_test(boundary: Boundary | str, *, n_atoms: int = 201, width: float = 10.0, wavenumber: float = 1.0,
                    dt: float = 0.05, t_end: float | None = None, layer: int = 20) -> WaveTestResult:
    """Send a wave packet from the centre of a harmonic chain and measure what its ends send back.

    Parameters
    ----------
    boundary : Boundary or {"fixed", "damped", "kernel"}
    n_atoms : int
        Atoms of the region (odd: the packet sits on the middle atom).
    width, wavenumber : float
        Packet width w (lattice spacings) and carrier wavenumber q (rad per spacing, 0 < q < pi).
    dt : float
        Time step (1/omega_0).
    t_end : float, optional
        Run length; default the time for a half-packet to cross half the chain plus three
        widths, at its group velocity.
    layer : int
        Atoms of each damping layer (``DAMPED`` only).

    Returns
    -------
    WaveTestResult
    """
    try:
        kind = Boundary(boundary)
    except ValueError:
        raise KernelError(f"unknown boundary {boundary!r}; choose one of "
                          f"{', '.join(b.value for b in Boundary)}") from None
    if isinstance(n_atoms, bool) or int(n_atoms) != n_atoms or n_atoms < 21 or not 0 < wavenumber < math.pi:
        raise KernelError(f"the wave test needs n_atoms >= 21 and 0 < wavenumber < pi, got {n_atoms}, {wavenumber}")
    if not (0 < dt <= 0.2 and width > 0):
        raise KernelError(f"dt must lie in (0, 0.2] (stability: omega_max = 2) and width > 0, got {dt}, {width}")
    group = math.cos(wavenumber / 2)
    t_end = (n_atoms / 2 + 3 * width) / group if t_end is None else float(t_end)
    if kind is Boundary.DAMPED:
        runs = [_run(kind, n_atoms + 2 * layer, width, wavenumber, dt, t_end, layer, g) for g in DAMPING_SCAN]
        best = min(range(len(runs)), key=lambda i: runs[i][0])
        fraction, per_step, steps = runs[best]
        return WaveTestResult(kind, fraction, per_step, steps, DAMPING_SCAN[best])
    fraction, per_step, steps = _run(kind, n_atoms, width, wavenumber, dt, t_end, 0, 0.0)
    return WaveTestResult(kind, fraction, per_step, steps)


def _run(kind: Boundary, n: int, width: float, q: float, dt: float, t_end: float, layer: int,
         gamma_max: float) -> tuple[float, float, int]:
    """(reflected fraction, s per step, steps) of one run; the region is atoms layer .. n - layer."""
    j = np.arange(n, dtype=float)
    c = (n - 1) / 2
    u = np.exp(-(((j - c) / width) ** 2)) * np.cos(q * (j - c))
    v = np.zeros(n)
    depth = np.maximum(np.maximum(layer - j, j - (n - 1 - layer)), 0.0) / max(layer, 1)
    gamma = gamma_max * depth**2
    region = slice(layer, n - layer)
    bound = ChainBoundary(dt, memory_time=min(t_end, 200.0), width=2) if kind is Boundary.KERNEL else None
    ghosts = np.zeros(2)

    def energy(u: np.ndarray, v: np.ndarray) -> float:
        ur, vr = u[region], v[region]
        return 0.5 * float(vr @ vr) + 0.5 * float(np.sum(np.diff(ur) ** 2))

    e0 = energy(u, v)
    steps = int(round(t_end / dt))
    if bound is not None:
        ghosts = bound.push(u[[0, -1]])
    f = chain_forces(u, ghosts)
    t0 = time.perf_counter()
    for _ in range(steps):  # velocity Verlet; friction split half before, half after (exact for the layer)
        v = v * np.exp(-0.5 * gamma * dt) + 0.5 * dt * f
        u = u + dt * v
        if bound is not None:
            ghosts = bound.push(u[[0, -1]])
        f = chain_forces(u, ghosts)
        v = (v + 0.5 * dt * f) * np.exp(-0.5 * gamma * dt)
    per_step = (time.perf_counter() - t0) / steps
    return energy(u, v) / e0, per_step, steps


def chain_forces(u: np.ndarray, ghosts: np.ndarray) -> np.ndarray:
    """Forces (m = k = 1) on a chain's atoms from their neighbours, ``ghosts`` the two atoms beyond its ends."""
    padded = np.concatenate([[ghosts[0]], u, [ghosts[1]]])
    return padded[2:] - 2 * u + padded[:-2]


def chain_temperature(kT: float, *, n_atoms: int = 51, initial_kT: float = 0.0, t_end: float = 400.0,
                      dt: float = 0.05, noise: bool = True, seed: int | np.random.Generator | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Temperature of a harmonic chain region held by Mori-Zwanzig boundaries at kT (m = k = 1).

    The region starts in equilibrium at ``initial_kT`` (positions and velocities drawn from the
    fixed-end chain's Gibbs distribution); both ends carry the memory kernel and, with
    ``noise``, the thermal motion of the eliminated atoms at kT (:class:`ChainBathNoise`).

    Returns
    -------
    times : ndarray
        Time (1/omega_0) of each record.
    temperature : ndarray
        m <v^2> over the region's atoms at each time (energy).
    """
    gen = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = int(n_atoms)
    k = np.pi * np.arange(1, n + 1) / (n + 1)  # fixed-end modes of the region
    shapes = math.sqrt(2.0 / (n + 1)) * np.sin(np.outer(np.arange(1, n + 1), k))
    omega = 2 * np.sin(k / 2)
    s0 = math.sqrt(initial_kT)
    u = shapes @ (s0 / omega * gen.standard_normal(n))
    v = shapes @ (s0 * gen.standard_normal(n))
    bath = ChainBathNoise(kT, dt, width=2, rng=gen) if noise else None
    bound = ChainBoundary(dt, memory_time=min(t_end, 100.0), width=2, noise=bath)
    steps = int(round(t_end / dt))
    temperature = np.empty(steps + 1)

    def force(u: np.ndarray) -> np.ndarray:
        return chain_forces(u, bound.push(u[[0, -1]]))

    f = force(u)
    temperature[0] = float(v @ v) / n
    for i in range(steps):
        v = v + 0.5 * dt * f
        u = u + dt * v
        f = force(u)
        v = v + 0.5 * dt * f
        temperature[i + 1] = float(v @ v) / n
    return dt * np.arange(steps + 1), temperature
