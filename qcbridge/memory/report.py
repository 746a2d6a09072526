"""From samples to a checked GLE: estimate, fit, compare VACFs and diffusion coefficients.

This is the pipeline behind ``qcbridge kernel`` and the memory examples: the kernel is
estimated, fitted with every split of ``n_terms`` into exponentials and damped cosines
(the best wins), and the fitted GLE is checked against the data it came from: its exact
VACF against the MD VACF, and its diffusion coefficient kT / (m int K) against the MD
value from the VACF's running integral with a t^-1/2 tail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError, NotPositiveDefiniteError
from .correlations import correlation
from .embedding import KernelFit, fit_kernel
from .kernel import KernelResult, estimate_kernel
from .tails import diffusion_coefficient

__all__ = ["KernelReport", "best_fit", "compare_fit", "kernel_report"]


@dataclass(frozen=True)
class KernelReport:
    """Kernel, fit and their checks (time and mass units of the input).

    Attributes
    ----------
    kernel : KernelResult
        Gamma(t) (mass / time^2).
    fit : KernelFit
        Fit of Gamma / m (1 / time^2).
    mass, kT : float
        Mass and thermal energy (m <v^2> per component).
    t_vacf, vacf_md, vacf_gle : ndarray
        Lags and the MD and fitted-GLE velocity autocorrelations (velocity^2).
    vacf_deviation : float
        max |VACF_GLE - VACF_MD| / VACF_MD(0).
    diffusion_md, diffusion_gle : float
        Diffusion coefficients per component (length^2 / time).
    """

    kernel: KernelResult
    fit: KernelFit
    mass: float
    kT: float
    t_vacf: np.ndarray
    vacf_md: np.ndarray
    vacf_gle: np.ndarray
    vacf_deviation: float
    diffusion_md: float
    diffusion_gle: float


def best_fit(t: np.ndarray, k: np.ndarray, n_terms: int, *, seed: int = 0) -> KernelFit:
    """Best fit of K(t) over all splits of ``n_terms`` into exponentials, damped cosines and
    smooth oscillators (least squared misfit; ties go to the simpler split).

    Raises
    ------
    NotPositiveDefiniteError
        No split gives a valid (positive-semidefinite) fit.
    """
    fits, errors = [], []
    for n_smooth in range(n_terms + 1):
        for n_osc in range(n_terms - n_smooth + 1):
            try:
                f = fit_kernel(t, k, n_exp=n_terms - n_osc - n_smooth, n_osc=n_osc, n_smooth=n_smooth, seed=seed,
                               n_tries=12)
            except (NotPositiveDefiniteError, ConvergenceError) as exc:
                errors.append(exc)
                continue
            fits.append((round(float(np.sum((f(t) - k) ** 2)) / float(np.sum(k**2)), 8), n_osc + n_smooth, f))
    if not fits:
        raise errors[-1]
    return min(fits, key=lambda x: x[:2])[2]


def kernel_report(velocity, force, dt: float, *, mass: float, max_time: float, n_terms: int = 3,
                  vacf_time: float | None = None, seed: int = 0) -> KernelReport:
    """Estimate Gamma, fit it and compare the fitted GLE with the data.

    Parameters
    ----------
    velocity, force : ndarray, shape (n_frames, n_samples)
        Velocities and total forces of free (no mean force) coarse variables.
    dt : float
        Frame spacing (time).
    mass : float
    max_time : float
        Largest kernel lag (time).
    n_terms : int
        Terms of the fit.
    vacf_time : float, optional
        Largest VACF lag for the diffusion coefficient (default 3 max_time); its tail
        is fitted from ``vacf_time / 3``.
    seed : int
        Seed of the fit's restarts.
    """
    kernel = estimate_kernel(velocity, dt, force=force, mass=mass, max_time=max_time)
    fit = best_fit(kernel.t, kernel.gamma / mass, n_terms, seed=seed)
    return compare_fit(kernel, fit, velocity, dt, mass=mass, vacf_time=3 * max_time if vacf_time is None else vacf_time)


def compare_fit(kernel: KernelResult, fit: KernelFit, velocity, dt: float, *, mass: float, vacf_time: float,
                diffusion: bool = True) -> KernelReport:
    """The fitted GLE against the data: exact GLE VACF against the MD VACF up to
    ``vacf_time``, and (``diffusion=True``) the MD diffusion coefficient from the VACF's
    running integral with a t^-1/2 tail fitted from ``vacf_time / 3`` (NaN otherwise)."""
    n_lag = min(int(round(vacf_time / dt)), len(velocity) - 1)
    t_vacf = np.arange(n_lag + 1) * dt
    vacf_md = correlation(velocity, velocity, n_lag)
    kT = mass * vacf_md[0]
    vacf_gle = fit.vacf(t_vacf, kT=kT, mass=mass)
    d_md = diffusion_coefficient(t_vacf, vacf_md, t_min=t_vacf[-1] / 3) if diffusion else float("nan")
    return KernelReport(kernel, fit, mass, kT, t_vacf, vacf_md, vacf_gle,
                        float(np.abs(vacf_gle - vacf_md).max() / vacf_md[0]), d_md, fit.diffusion(kT, mass))
