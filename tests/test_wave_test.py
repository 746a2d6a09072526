"""Mori-Zwanzig absorbing boundary of a harmonic chain: the exact memory of the atoms left out
lets a wave packet leave (the region then moves as the same atoms of a chain four times longer),
where a rigid wall sends everything back."""

import json

import numpy as np
from scipy.integrate import quad

from qcbridge.cli import main
from qcbridge.dynamics import chain_temperature, chain_wave_test
from qcbridge.memory.boundary import ChainBathNoise, ChainBoundary, chain_displacement_kernel


def test_kernel_is_the_static_response_of_the_half_chain():
    """int_0^inf theta = lambda(s = 0) = 1: a slowly moved end drags its neighbour along."""
    total, _ = quad(lambda t: chain_displacement_kernel(np.array([t]))[0], 0, 400, limit=2000)
    assert abs(total - 1) < 0.01  # the t^-3/2 tail beyond 400 adds about 0.003


def verlet(u, v, dt, steps, ghosts):
    """Plain velocity Verlet of a chain (m = k = 1); ``ghosts(u)`` gives the outside neighbours."""
    def force(u, g):
        p = np.concatenate([[g[0]], u, [g[1]]])
        return p[2:] - 2 * u + p[:-2]
    f = force(u, ghosts(u))
    for _ in range(steps):
        v = v + 0.5 * dt * f
        u = u + dt * v
        f = force(u, ghosts(u))
        v = v + 0.5 * dt * f
    return u, v


def test_region_with_the_memory_boundary_moves_as_part_of_a_longer_chain():
    dt, steps, n, big = 0.05, 2000, 101, 601
    j = np.arange(big) - (big - 1) / 2
    packet = np.exp(-((j / 8.0) ** 2)) * np.cos(1.2 * j)
    long_u, _ = verlet(packet, np.zeros(big), dt, steps, lambda u: (0.0, 0.0))  # far ends not reached by t = 100
    inner = slice((big - n) // 2, (big + n) // 2)
    bound = ChainBoundary(dt, memory_time=100.0, width=2)
    short_u, _ = verlet(packet[inner], np.zeros(n), dt, steps, lambda u: bound.push(u[[0, -1]]))
    assert np.abs(short_u - long_u[inner]).max() < 1e-3 * np.abs(packet).max()
    assert np.abs(long_u[inner]).max() < 0.05  # the packet has left the region


def test_wave_test_reflections_and_command():
    kernel, fixed = chain_wave_test("kernel"), chain_wave_test("fixed")
    assert kernel.reflected_energy_fraction < 1e-3 < 0.99 < fixed.reflected_energy_fraction
    assert main(["wave-test", "--boundary", "kernel", "--json"]) == 0


def test_wave_test_command_prints_json(capsys):
    assert main(["wave-test", "--system", "chain", "--boundary", "damped", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["boundary"] == "damped" and out["reflected_energy_fraction"] < 1e-3 and out["seconds_per_step"] > 0


def test_bath_noise_has_the_covariance_of_the_thermal_half_chain():
    """<R(t) R(0)> = kT (2/pi) int_0^pi cos^2(q/2) cos(2 t sin(q/2)) dq: the fluctuation the kernel's
    dissipation asks for (a kernel-free closed form of the clamped half-chain)."""
    noise = ChainBathNoise(2.0, 0.1, width=800, modes=1024, rng=7)  # repeats after t = 2048
    r = np.array([noise() for _ in range(301)])
    for lag, t in ((0, 0.0), (10, 1.0), (30, 3.0)):
        measured = np.mean(r[: len(r) - lag] * r[lag:])
        exact = 2.0 * 2 / np.pi * quad(lambda q, t=t: np.cos(q / 2) ** 2 * np.cos(2 * t * np.sin(q / 2)), 0, np.pi)[0]
        assert abs(measured - exact) < 0.06 * 2.0


def test_memory_boundary_with_its_noise_holds_the_region_at_the_bath_temperature():
    def late(initial, noise):
        runs = [chain_temperature(1.0, initial_kT=initial, noise=noise, seed=s) for s in range(3)]
        return np.mean([temp[t > 200].mean() for t, temp in runs])

    assert abs(late(0.0, True) - 1.0) < 0.1  # heated from rest
    assert abs(late(3.0, True) - 1.0) < 0.15  # cooled from 3 kT
    assert late(1.0, False) < 0.2  # without the noise the kernel drains the region
