"""The sampling step of a kernel estimate. Data: the exact generalized Langevin process with
Gamma(t) = A exp(-t / tau), A / m = 400 / tau^2 (a stiff kernel: the particle rings at 20 / tau),
sampled without time-discretisation error through its Markovian embedding (m dv/dt = z,
dz = (-A v - z / tau) dt + noise; the transition over dt is the matrix exponential). A dump
every 0.01 tau has Gamma(0) dt^2 / m = 0.04, one every 0.001 tau has 4e-4."""

import warnings

import numpy as np
import pytest
from scipy.linalg import cholesky, expm

from qcbridge.errors import DiscretisationWarning, KernelError
from qcbridge.memory import estimate_kernel
from qcbridge.memory.refinement import refine_lags, refinement_factor, stiffness

M, TAU, A = 1.0, 1.0, 400.0
DRIFT = np.array([[0.0, 1.0 / M], [-A, -1.0 / TAU]])
COVARIANCE = np.diag([1.0 / M, A])  # kT = 1: <v^2> = kT / m, <z^2> = kT A


def exact_gamma(t):
    return A * np.exp(-t / TAU)


@pytest.fixture(scope="module")
def fine():
    """Velocities and forces of 64 independent particles, 40,001 frames 0.001 tau apart."""
    dt, n, cols = 0.001, 40001, 64
    E = expm(DRIFT * dt)
    L = cholesky(COVARIANCE - E @ COVARIANCE @ E.T, lower=True)
    rng = np.random.default_rng(0)
    X = np.empty((n, 2, cols))
    X[0] = cholesky(COVARIANCE, lower=True) @ rng.standard_normal((2, cols))
    for k in range(1, n):
        X[k] = E @ X[k - 1] + L @ rng.standard_normal((2, cols))
    return dt, X[:, 0], X[:, 1]


def max_error(result):
    return np.abs(result.gamma - exact_gamma(result.t)).max() / A


def test_a_coarse_dump_gives_the_kernel_as_accurately_as_a_fine_one(fine):
    dt, v, f = fine
    finely = estimate_kernel(v, dt, mass=M, force=f, max_time=2.0)
    coarse = estimate_kernel(v[::10], 10 * dt, mass=M, force=f[::10], max_time=2.0)
    assert coarse.refine == 20 and finely.refine == 2
    assert max_error(coarse) < 1.5 * max_error(finely)
    assert max_error(finely) < 0.06  # the statistical error of this much data
    assert coarse.discretisation_error < 0.01 * A
    assert coarse.integral[-1] == pytest.approx(finely.integral[-1], rel=0.03)


def test_an_unrefined_coarse_inversion_is_warned_about_with_its_error(fine):
    dt, v, f = fine
    with pytest.warns(DiscretisationWarning, match=r"Gamma\(0\) dt\^2 / m is 0.04") as record:
        plain = estimate_kernel(v[::10], 10 * dt, mass=M, force=f[::10], max_time=2.0, refine=1)
    actual = max_error(plain)
    assert actual > 0.3  # the trapezoid rule at this step: the integral of Gamma is lost
    estimated = plain.discretisation_error / A
    assert actual / 1.5 < estimated < 1.5 * actual
    assert f"{100 * estimated:.0f} %" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscretisationWarning)  # refined automatically: no warning
        estimate_kernel(v[::10], 10 * dt, mass=M, force=f[::10], max_time=2.0)


def test_refinement_pieces():
    series = np.cos(0.3 * np.arange(40))
    fine = refine_lags(series, 4)
    assert fine.shape == (157,) and np.array_equal(fine[::4], series)
    assert np.abs(fine - np.cos(0.3 * np.arange(157) / 4)).max() < 5e-4  # O(h^4), h = 0.3 rad per lag
    assert refinement_factor(0.04) == 20 and refinement_factor(4e-4) == 2 and refinement_factor(1e-6) == 1
    assert refinement_factor(100.0) == 32  # capped: the Richardson estimate then tells the rest
    c_vv = np.cos(20.0 * 0.01 * np.arange(5))
    assert stiffness(c_vv, 0.01) == pytest.approx(0.04, rel=0.01)  # from the curvature of <v v>
    with pytest.raises(KernelError, match="refine must be an integer >= 1"):
        estimate_kernel(np.random.default_rng(1).normal(size=(200, 4)), 0.1, mass=1.0, refine=0)
