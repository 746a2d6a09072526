"""A LAMMPS bar's relaxing strain profile: the fine model of projective integration.

The small-amplitude decay of the bar's first harmonic is the continuum prediction from the
potential's Cauchy-Born C11 (the slow root of s^2 + s/tau_d + (c k)^2 = 0); PIRK4 reproduces
the full MD of a large-amplitude (nonlinear) profile at a fraction of the MD steps."""

import numpy as np
import pytest

from qcbridge import load_potential
from qcbridge.continuum.materials import cauchy_born_material
from qcbridge.errors import MultiscaleError
from qcbridge.multiscale import projective_integrate
from qcbridge.multiscale.damped_bar import DampedBar
from qcbridge.structures import Lattice, cubic_crystal

A0 = 3.98756  # Al_jnp's zero-pressure lattice constant at 0 K (A)
AMU = 103.642697  # eV fs^2 / A^2


@pytest.fixture(scope="module")
def pot():
    return load_potential("Al_jnp.eam")


def continuum_rate(pot, length: float, damping_fs: float) -> float:
    """Slow decay rate (1/fs) of the first harmonic: C11 by central differences of the
    Cauchy-Born stress, rho of the fcc crystal."""
    cb = cauchy_born_material(cubic_crystal(Lattice.FCC, "Al", A0), pot)
    h = 1e-5
    F = np.array([np.diag([1.0 + h, 1.0, 1.0]), np.diag([1.0 - h, 1.0, 1.0])])
    P = cb.energy_and_stress(F)[1][:, 0, 0]
    c11 = (P[0] - P[1]) / (2 * h)  # eV/A^3
    rho = 4 * 26.9815385 * AMU / A0**3
    omega = np.sqrt(c11 / rho) * 2 * np.pi / length
    return (1 - np.sqrt(1 - 4 * (omega * damping_fs) ** 2)) / (2 * damping_fs)


def test_small_profile_decays_at_the_continuum_rate_and_restrict_inverts_lift(pot):
    with DampedBar(pot, "fcc", A0, (16, 2, 2), modes=2) as bar:
        x = np.array([0.01, -0.02, 0.03, 0.005])
        assert np.allclose(bar.restrict(bar.lift(x)), x, rtol=0, atol=1e-14)
        times, coarse = bar.run(np.array([0.0, 0.0, 0.02, 0.0]), 4000.0, 200.0)
    rate = -np.polyfit(times[5:], np.log(coarse[5:, 2]), 1)[0]
    expected = continuum_rate(pot, 16 * A0, 10.0)
    assert abs(rate / expected - 1) < 0.01
    assert np.abs(coarse[:, :2]).max() < 1e-10  # a sine profile has no cosine part, ever
    assert np.abs(coarse[:, 3]).max() < 1e-3 * 0.02  # the second harmonic only from anharmonicity


def test_pirk4_follows_the_full_md_of_a_nonlinear_profile_with_fewer_steps(pot):
    x0 = np.array([0.0, 1.0])  # strain amplitude 6.6 %
    with DampedBar(pot, "fcc", A0, (24, 2, 2)) as bar:
        times, full = bar.run(x0, 12000.0, 3000.0)
        full_steps = bar.steps
        tp, xp = projective_integrate(bar.burst, x0, 12000.0, method="PIRK4", burst_time=200.0, outer_step=3000.0,
                                      lift=bar.lift, restrict=bar.restrict, healing=100.0)
        steps = bar.steps - full_steps
    assert np.array_equal(tp, times)
    assert full[-1, 1] < 0.2  # it relaxed to a fraction of the start
    assert np.abs(xp - full).max() < 5e-3  # A, over amplitudes from 1 A down
    assert full_steps / steps > 3.5


def test_damped_bar_rejects_bad_settings(pot):
    with pytest.raises(MultiscaleError, match="modes must be an integer in 1..7"):
        DampedBar(pot, "fcc", A0, (8, 2, 2), modes=8)
    with DampedBar(pot, "fcc", A0, (8, 2, 2)) as bar:
        with pytest.raises(MultiscaleError, match="whole number of 10 fs samples"):
            bar.burst(bar.lift(np.zeros(2)), 25.0)
        with pytest.raises(MultiscaleError, match="coarse state has shape"):
            bar.lift(np.zeros(3))
