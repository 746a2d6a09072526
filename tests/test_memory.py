"""Memory-kernel estimation against exact results."""

import numpy as np
import pytest
from scipy.integrate import trapezoid
from scipy.special import j1

from qcbridge.memory import correlation, estimate_kernel, invert_second_kind


def _chain_correlations(t, n_atoms=200_000):
    """Exact end-atom correlations of a free-free harmonic chain (m = k = kT = 1) from its
    normal modes: omega_q = 2 sin(pi q / 2N), phi_q(0)^2 = (2 - delta_q0)/N cos^2(pi q / 2N).
    Before a reflection returns (t << N) the end atom sees a semi-infinite chain, whose
    friction kernel is J1(2t)/t."""
    q = np.arange(n_atoms)
    w = 2 * np.sin(np.pi * q / (2 * n_atoms))
    amp = (2.0 - (q == 0)) / n_atoms * np.cos(np.pi * q / (2 * n_atoms)) ** 2
    wt = np.outer(t, w)
    c_vv = np.cos(wt) @ amp
    c_fv = -(np.sin(wt) @ (amp * w))
    c_ff = np.cos(wt) @ (amp * w**2)
    return c_vv, c_ff, c_fv


def test_harmonic_chain_end_atom_kernel_converges_as_dt_squared():
    errs, dts = [], [0.2, 0.1, 0.05]
    for dt in dts:
        t = np.arange(0, 10 + 1e-9, dt)
        c_vv, c_ff, c_fv = _chain_correlations(t)
        g = invert_second_kind(c_vv[0], c_ff, c_fv, dt, mass=1.0)
        exact = np.where(t > 0, j1(2 * t) / np.where(t > 0, t, 1), 1.0)
        assert g[0] == pytest.approx(1.0, rel=1e-4)
        errs.append(np.abs(g - exact).max())
        if dt == 0.05:
            assert g[20] == pytest.approx(0.5767248, abs=2e-3)  # Gamma(1)
            assert trapezoid(g, t) == pytest.approx(1.0, abs=0.05)  # int Gamma -> 1 (slow tail)
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.2)


def test_exponential_kernel_round_trip_from_sampled_ensemble():
    """GLE particles with K = 2 e^{-2t} (m = kT = 1) sampled exactly through the Markovian
    embedding: the estimate from the samples is within a few % of the exact kernel and
    consistent with its own error bars."""
    from qcbridge.memory.embedding import KernelFit
    from qcbridge.memory.integrate import sample_gle

    fit = KernelFit(np.array([2.0]), np.array([2.0]), np.array([0.0]), mass=1.0, kT=1.0)
    v, f = sample_gle(fit, 0.05, 20000, n_samples=64, rng=0)
    res = estimate_kernel(v, 0.05, force=f, mass=1.0, max_time=3.0)
    exact = 2 * np.exp(-2 * res.t)
    assert np.abs(res.gamma - exact).max() < 0.05 * exact[0]
    assert np.all(res.gamma_err > 0)
    assert np.abs(res.gamma - exact).max() < 6 * res.gamma_err.max()
    # the sampled VACF follows the exact one of the embedding
    c = correlation(v, v, 60)
    assert np.abs(c - fit.vacf(np.arange(61) * 0.05)).max() < 0.03


def test_correlation_matches_direct_sum():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((500, 3)), rng.standard_normal((500, 3))
    c = correlation(a, b, 20)
    direct = [np.mean([np.mean(a[k:, s] * b[: 500 - k, s]) for s in range(3)]) for k in range(21)]
    assert np.allclose(c, direct, rtol=1e-12, atol=1e-14)


def test_bad_input_is_named():
    v = np.zeros((100, 2))
    with pytest.raises(ValueError, match="shapes differ"):
        estimate_kernel(v, 0.1, force=np.zeros((100, 3)), mass=1.0)
    with pytest.raises(ValueError, match="NaN"):
        estimate_kernel(np.full((100, 2), np.nan), 0.1, force=v, mass=1.0)
    with pytest.raises(ValueError, match="frames"):
        estimate_kernel(v, 0.1, force=v, mass=1.0, max_time=50.0)
    with pytest.raises(ValueError, match="dt"):
        estimate_kernel(v, -0.1, force=v, mass=1.0)


def test_embedding_gives_exact_vacf_of_known_kernels():
    from qcbridge.memory.embedding import KernelFit

    one = KernelFit(np.array([2.0]), np.array([2.0]), np.array([0.0]), mass=1.0, kT=1.0)  # K = 2 e^{-2t}
    t = np.linspace(0, 6, 25)
    assert np.allclose(one.vacf(t), np.exp(-t) * (np.cos(t) + np.sin(t)), atol=1e-13)
    assert one.vacf([1.0], omega=1.0)[0] == pytest.approx(0.150433, abs=5e-7)  # harmonic well
    two = KernelFit(np.array([1.0, 0.5]), np.array([0.5, 2.0]), np.array([2.0, 0.0]))
    A = two.drift()
    assert np.linalg.eigvalsh(A + A.T).min() >= -1e-14  # valid fluctuation-dissipation


def test_two_term_kernel_round_trips_through_fit_and_embedding():
    from qcbridge.memory.embedding import KernelFit, fit_kernel

    t = np.linspace(0, 15, 301)
    kernel = np.exp(-t / 2) * np.cos(2 * t) + 0.5 * np.exp(-2 * t)
    fit = fit_kernel(t, kernel, n_exp=1, n_osc=1, mass=1.0, kT=1.0, seed=1)
    assert np.abs(fit(t) - kernel).max() < 1e-6
    true = KernelFit(np.array([0.5, 1.0]), np.array([2.0, 0.5]), np.array([0.0, 2.0]), mass=1.0, kT=1.0)
    assert np.allclose(fit.vacf(t[::10]), true.vacf(t[::10]), atol=1e-6)
