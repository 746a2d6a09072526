"""Kernel inversions, mean forces, matrix kernels, tails and fit validity against exact results."""

import warnings

import numpy as np
import pytest
from scipy.special import j1
from test_memory import _chain_correlations

from qcbridge.errors import KernelError, MissingForceWarning, NonUniformTimeStepError, NotPositiveDefiniteError
from qcbridge.memory import (
    Inversion,
    KernelFit,
    LinearMori,
    SplinePMF,
    diffusion_coefficient,
    estimate_kernel,
    estimate_matrix_kernel,
    fit_kernel,
    fit_tail,
    friction_coefficient,
    invert_first_kind,
    invert_running_integral,
    sample_gle,
)

EXP = KernelFit(np.array([2.0]), np.array([2.0]), np.array([0.0]), mass=1.0, kT=1.0)  # K = 2 e^{-2t}


def _chain_exact(t):
    return np.where(t > 0, j1(2 * t) / np.where(t > 0, t, 1), 1.0)


def test_first_kind_and_running_integral_converge_as_dt_squared():
    dts, e1, ei = [0.2, 0.1, 0.05], [], []
    for dt in dts:
        t = np.arange(0, 10 + 1e-9, dt)
        c_vv, c_ff, c_fv = _chain_correlations(t)
        exact = _chain_exact(t)
        e1.append(np.abs(invert_first_kind(c_vv, c_fv, c_ff[0] / c_vv[0], dt) - exact).max())
        g, G = invert_running_integral(c_vv, c_vv[0] - c_vv, dt)  # velocities only
        ei.append(np.abs(g - exact).max())
        assert G[-1] == pytest.approx(1.0, abs=0.1)  # int_0^10 J1(2t)/t = 1 - O(t^-1/2) oscillation
    for errs in (e1, ei):
        assert np.polyfit(np.log(dts), np.log(errs), 1)[0] == pytest.approx(2.0, abs=0.2)


@pytest.fixture(scope="module")
def well_samples():
    """GLE particles with K = 2 e^{-2t} in a harmonic well of frequency 1 (m = kT = 1)."""
    return sample_gle(EXP, 0.05, 20000, n_samples=64, omega=1.0, rng=3, with_position=True)


@pytest.mark.parametrize("mean_force", [LinearMori(), SplinePMF(bins=40)], ids=["mori", "pmf"])
def test_mean_force_recovers_kernel_in_a_harmonic_well(well_samples, mean_force):
    x, v, f = well_samples
    res = estimate_kernel(v, 0.05, force=f, position=x, mean_force=mean_force, mass=1.0, max_time=3.0)
    exact = 2 * np.exp(-2 * res.t)
    assert np.abs(res.gamma - exact).max() < 0.05 * exact[0]


def test_ignoring_the_mean_force_gives_a_different_kernel(well_samples):
    """The control: without the mean force the harmonic spring becomes part of Gamma."""
    x, v, f = well_samples
    res = estimate_kernel(v, 0.05, force=f, mass=1.0, max_time=3.0)
    exact = 2 * np.exp(-2 * res.t)
    assert np.abs(res.gamma - exact).max() > 0.3


def test_running_integral_kind_needs_velocities_only(well_samples):
    x, v, _ = well_samples
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-force warning: forces are not used
        res = estimate_kernel(v, 0.05, position=x, mean_force=LinearMori(), kind="integral", mass=1.0, max_time=3.0)
    exact = 2 * np.exp(-2 * res.t)
    assert np.abs(res.gamma - exact).max() < 0.08 * exact[0]
    assert res.integral[-1] == pytest.approx(1 - np.exp(-6), abs=0.05)


def test_first_kind_from_samples():
    v, f = sample_gle(EXP, 0.05, 20000, n_samples=64, rng=4)
    res = estimate_kernel(v, 0.05, force=f, kind=Inversion.FIRST, mass=1.0, max_time=2.0)
    assert np.abs(res.gamma - 2 * np.exp(-2 * res.t)).max() < 0.1


def test_missing_forces_use_finite_differences_with_a_warning():
    v, f = sample_gle(EXP, 0.01, 40000, n_samples=32, rng=5)
    with pytest.warns(MissingForceWarning, match="finite differences"):
        res = estimate_kernel(v, 0.01, mass=1.0, max_time=2.0)
    assert np.abs(res.gamma - 2 * np.exp(-2 * res.t)).max() < 0.1


def test_forces_without_the_thermostat_are_flagged():
    """An ideal gas under a Langevin thermostat (Ornstein-Uhlenbeck velocities) dumped with the
    interatomic forces only (zero): the forces cannot explain the decay of <v v>."""
    ou = KernelFit(np.array([50.0]), np.array([50.0]), np.array([0.0]), mass=1.0, kT=1.0)  # ~ Markovian friction 1
    v, _ = sample_gle(ou, 0.02, 5000, n_samples=16, rng=6)
    with pytest.warns(MissingForceWarning, match="thermostat"):
        estimate_kernel(v, 0.02, force=np.zeros_like(v) + 1e-12 * v, mass=1.0, max_time=1.0)


def test_periodic_pmf_gives_the_mean_force_of_a_cosine_potential():
    L, kT = 3.0, 0.5
    rng = np.random.default_rng(7)
    x = rng.uniform(0, L, 400_000)
    U = np.cos(2 * np.pi * x / L)
    x = x[rng.uniform(size=x.size) < np.exp(-(U + 1) / kT)] + L * rng.integers(-2, 3, size=1)  # shifted image
    fm = SplinePMF(bins=60, period=L, n_harmonics=4)(x[:, None], None, kT).ravel()
    exact = 2 * np.pi / L * np.sin(2 * np.pi * x / L)
    assert np.abs(fm - exact).max() < 0.05 * np.abs(exact).max()


def test_matrix_kernel_of_mixed_processes_transforms_by_similarity():
    """Two independent GLE processes (kernels 2e^{-2t} and e^{-t/2}cos 2t + ...), observed through
    an invertible mixing M: the Mori kernel of A = M v is M diag(K1, K2) M^-1."""
    k2 = KernelFit(np.array([1.0, 0.5]), np.array([0.5, 2.0]), np.array([2.0, 0.0]), mass=1.0, kT=1.0)
    v1, f1 = sample_gle(EXP, 0.05, 20000, n_samples=48, rng=8)
    v2, f2 = sample_gle(k2, 0.05, 20000, n_samples=48, rng=9)
    M = np.array([[1.0, 0.5], [-0.3, 1.2]])
    a = np.stack([v1, v2], axis=-1) @ M.T
    da = np.stack([f1, f2], axis=-1) @ M.T
    res = estimate_matrix_kernel(a, 0.05, derivative=da, max_time=3.0)
    exact = np.array([M @ np.diag([EXP(t), k2(t)]) @ np.linalg.inv(M) for t in res.t])
    assert np.abs(res.kernel - exact).max() < 0.06 * 2.0
    assert np.abs(res.omega).max() < 0.05
    assert res.kernel.shape == (61, 2, 2)


def test_tails_and_transport_coefficients():
    t = np.linspace(0.1, 50, 2000)
    fit = fit_tail(t, 0.3 + 2.0 * t**-1.5, t_min=5.0)
    assert (fit.a, fit.b) == pytest.approx((0.3, 2.0), rel=1e-10)
    # exact VACF of K = 2e^{-2t}: D = int C_vv = 1 = kT / (m int K)
    tt = np.linspace(0, 30, 3001)
    assert diffusion_coefficient(tt, EXP.vacf(tt), t_min=10.0) == pytest.approx(1.0, abs=1e-4)
    assert EXP.diffusion() == pytest.approx(1.0)
    # running integral with a t^-1/2 approach, as a hydrodynamic t^-3/2 kernel tail gives
    G = 0.8 - 0.4 * tt[1:] ** -0.5
    assert friction_coefficient(tt[1:], G, t_min=5.0) == pytest.approx(0.8, rel=1e-10)


def test_fits_that_cannot_be_positive_semidefinite_are_refused():
    t = np.linspace(0, 10, 201)
    with pytest.raises(NotPositiveDefiniteError, match="Gamma\\(0\\)"):
        fit_kernel(t, -np.exp(-t))
    # positive at t = 0 but with a negative integral (negative zero-frequency spectrum)
    with pytest.raises(NotPositiveDefiniteError, match="misses the kernel"):
        fit_kernel(t, 2 * np.exp(-2 * t) - 1.5 * np.exp(-t), n_exp=2, n_osc=1)
    with pytest.raises(NotPositiveDefiniteError, match="A \\+ A\\^T"):
        KernelFit(np.array([1.0]), np.array([-0.5]), np.array([0.0]))


def test_bad_kind_and_irregular_frames_are_named():
    v = np.random.default_rng(0).standard_normal((200, 4))
    with pytest.raises(KernelError, match="'second', 'first', 'integral'"):
        estimate_kernel(v, 0.1, force=v, mass=1.0, kind="third")
    times = np.arange(200) * 0.1
    times[50:] += 0.05
    with pytest.raises(NonUniformTimeStepError, match="frame 49"):
        estimate_kernel(v, times, force=v, mass=1.0)
    with pytest.raises(KernelError, match="positions"):
        estimate_kernel(v, 0.1, force=v, mass=1.0, mean_force=LinearMori())
