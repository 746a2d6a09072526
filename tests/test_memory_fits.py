"""Kernel fits of 1 ... 20 terms: built one term at a time (a number of fits linear in the terms),
each with a finite, positive diffusion coefficient that matches the kernel's own, and no rate
below what the data can resolve."""

import numpy as np
import pytest
from scipy.integrate import cumulative_trapezoid

import qcbridge.memory.kernel as kernel_module
import qcbridge.memory.report as report
from qcbridge.memory.embedding import MIN_RATE_SPAN
from qcbridge.memory.kernel import Inversion, KernelResult


def noisy_kernel() -> KernelResult:
    """Gamma / m = e^{-2t} cos 3t + 0.3 e^{-t} on 0 ... 6 with 1 % noise (m = 2, kT = 0.5)."""
    t = np.linspace(0.0, 6.0, 301)
    k = np.exp(-2 * t) * np.cos(3 * t) + 0.3 * np.exp(-t) + np.random.default_rng(3).normal(0.0, 0.01, t.shape)
    gamma = 2.0 * k
    return KernelResult(t, gamma, np.full(t.shape, 0.02), np.exp(-t), cumulative_trapezoid(gamma, t, initial=0.0),
                        Inversion.SECOND, 2.0, 0.5)


# twenty terms on a noisy kernel: one may settle on the slowest allowed rate to follow the noise's
# mean, and says so; the diffusion coefficient is what is checked
@pytest.mark.filterwarnings("ignore::qcbridge.errors.KernelFitWarning")
def test_fits_of_one_to_twenty_terms_keep_the_kernels_diffusion_coefficient(monkeypatch):
    kernel = noisy_kernel()
    d_kernel = kernel.diffusion()
    calls = []
    fit_kernel = kernel_module.fit_kernel  # KernelResult.fit calls it
    monkeypatch.setattr(kernel_module, "fit_kernel", lambda *a, **kw: calls.append(1) or fit_kernel(*a, **kw))
    for n in (1, 3, 20):
        calls.clear()
        fit = report.best_fit(kernel, n)
        assert len(fit.c) == n and len(calls) == 3 + 9 * (n - 1)  # linear in the terms
        d = fit.diffusion()
        assert np.isfinite(d) and d > 0 and abs(d / d_kernel - 1) < 0.1, (n, d / d_kernel)
        assert fit.g.min() >= MIN_RATE_SPAN / kernel.t[-1] * (1 - 1e-9)
        if n >= 2:
            assert np.sqrt(np.mean((fit(kernel.t) - kernel.kernel_per_mass) ** 2)) < 0.02  # the noise level
