"""From samples to a checked GLE: estimate, fit, compare VACFs and diffusion coefficients.

This is the pipeline behind ``qcbridge kernel`` and the memory examples: the kernel is
estimated, fitted with every split of ``n_terms`` into exponentials and damped cosines
(the best wins), and the fitted GLE is checked against the data it came from: its exact
VACF against the MD VACF, and its diffusion coefficient kT / (m int K) against the MD
value from the VACF's running integral with a t^-1/2 tail.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError, KernelError, KernelFitWarning, NotPositiveDefiniteError
from .checks import check_positive
from .correlations import correlation
from .embedding import KernelFit
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
        Fit of K = Gamma / m (1 / time^2), with the kernel's mass and kT.
    mass, kT : float
        Mass and thermal energy of the kernel (m <v^2> per component unless given).
    t_vacf, vacf_md, vacf_gle : ndarray, shape (n_vacf,)
        Lags and the MD and fitted-GLE velocity autocorrelations (velocity^2).
    vacf_deviation : float
        max abs(VACF_GLE - VACF_MD) / VACF_MD(0).
    diffusion_md : float or None
        MD diffusion coefficient per component (length^2 / time); None when not computed.
    diffusion_gle : float
        kT / (m int K) of the fit (length^2 / time).
    """

    kernel: KernelResult
    fit: KernelFit
    mass: float
    kT: float
    t_vacf: np.ndarray
    vacf_md: np.ndarray
    vacf_gle: np.ndarray
    vacf_deviation: float
    diffusion_md: float | None
    diffusion_gle: float


def best_fit(kernel: KernelResult, n_terms: int, *, seed: int = 0) -> KernelFit:
    """Fit of K(t) = Gamma(t) / m by ``n_terms`` exponentials, damped cosines and smooth
    oscillators, built one term at a time.

    The one-term fit tries each shape from Prony's and random starts. Every further step keeps the
    previous fit's terms as the start and adds one term of each shape in turn, with its rate
    started at one and at ten times the fastest rate so far, and once at a negligible amplitude
    (the previous fit itself); the lowest misfit wins, ties going to an exponential. The cost is
    therefore linear in ``n_terms`` (nine fits per added term), not a
    search over every split, and each step starts from a fit that already describes the kernel.
    Every fit matches the kernel's integral (hence its diffusion coefficient) and keeps its
    rates above the slowest the data can resolve (:func:`~qcbridge.memory.embedding.fit_kernel`).

    Returns
    -------
    KernelFit
        With the kernel's mass and kT.

    Raises
    ------
    NotPositiveDefiniteError
        The final fit misses the kernel by more than 10 % of Gamma(0) (or the data is not a
        kernel at all).
    KernelError
        ``n_terms`` is not a positive integer.
    """
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 1:
        raise KernelError(f"n_terms must be a positive integer, got {n_terms!r}")
    t, k = kernel.t, kernel.kernel_per_mass
    fit: KernelFit | None = None
    counts = (0, 0, 0)  # exponentials, damped cosines, smooth oscillators (fit_kernel's order)
    for n in range(1, n_terms + 1):
        final = n == n_terms
        candidates: list[tuple[float, int, KernelFit, tuple[int, int, int]]] = []
        errors: list[Exception] = []
        for order in range(3):
            grown = tuple(c + (i == order) for i, c in enumerate(counts))
            for start in _grown(fit, counts, order, t[-1]):
                try:
                    with warnings.catch_warnings():
                        if not final:  # a slow term in a step on the way is no news
                            warnings.simplefilter("ignore", KernelFitWarning)
                        f = kernel.fit(n_exp=grown[0], n_osc=grown[1], n_smooth=grown[2], seed=seed,
                                       n_tries=12 if start is None else 0, start=start,
                                       max_residual=0.1 if final else _ANY_RESIDUAL)
                except (NotPositiveDefiniteError, ConvergenceError) as exc:
                    errors.append(exc)
                    continue
                misfit = round(float(np.sum((f(t) - k) ** 2)) / float(np.sum(k**2)), 8)  # ties: the simpler
                candidates.append((misfit, order, f, (grown[0], grown[1], grown[2])))
        if not candidates:
            raise errors[-1]
        _, _, fit, counts = min(candidates, key=lambda x: x[:2])
    assert fit is not None  # n_terms >= 1
    return fit


#: Misfit accepted for the intermediate fits of :func:`best_fit` (only the last one is judged).
_ANY_RESIDUAL = 1e9


def _grown(fit: KernelFit | None, counts: tuple[int, int, int], shape: int, t_end: float) -> list[KernelFit | None]:
    """Starts for ``fit`` (``counts`` terms of each shape, in that order) with one more term of
    shape ``shape`` (0 exponential, 1 damped cosine, 2 smooth oscillator): None (Prony and random
    starts) for the first term, else the fit's terms with the new one, at a small amplitude, put
    after its shape's group, its rate one and ten times the fastest rate so far; and once more
    at the fastest rate with a negligible amplitude, a start that is the previous fit itself, so
    that no step ends worse than the one before (least squares only descends from its start)."""
    if fit is None:
        return [None]
    bounds = np.cumsum((0, *counts))
    fastest = max(float(np.max(np.hypot(fit.g, fit.w))), 1.0 / t_end)
    out: list[KernelFit | None] = []
    for factor, amplitude in ((1.0, 0.05), (10.0, 0.05), (1.0, 1e-4)):
        rate = factor * fastest
        at = int(bounds[shape + 1])
        c = np.insert(fit.c, at, amplitude * float(np.max(fit.c)))
        g = np.insert(fit.g, at, rate)
        w = np.insert(fit.w, at, 0.0 if shape == 0 else rate)
        smooth = np.insert(fit.smooth_terms, at, shape == 2)
        out.append(KernelFit(c, g, w, smooth))
    return out


def kernel_report(velocity: np.ndarray, force: np.ndarray | None, dt: float, *, mass: float, max_time: float,
                  n_terms: int = 3,
                  vacf_time: float | None = None, kT: float | None = None, seed: int = 0) -> KernelReport:
    """Estimate Gamma, fit it and compare the fitted GLE with the data.

    Parameters
    ----------
    velocity, force : ndarray, shape (n_frames, n_samples)
        Velocities and total forces of free (no mean force) coarse variables.
    dt : float
        Frame spacing (time).
    mass : float
        Mass of the coarse variable (amu for data in ASE units).
    max_time : float
        Largest kernel lag (time).
    n_terms : int
        Terms of the fit.
    vacf_time : float, optional
        Largest VACF lag for the diffusion coefficient (default 3 max_time); its tail
        is fitted from ``vacf_time / 3``.
    kT : float, optional
        Thermal energy (default m <v^2> per component).
    seed : int
        Seed of the fit's restarts.
    """
    kernel = estimate_kernel(velocity, dt, force=force, mass=mass, max_time=max_time, kT=kT)
    fit = best_fit(kernel, n_terms, seed=seed)
    return compare_fit(kernel, fit, velocity, dt, vacf_time=3 * max_time if vacf_time is None else vacf_time)


def compare_fit(kernel: KernelResult, fit: KernelFit, velocity: np.ndarray | None, dt: float, *, vacf_time: float,
                diffusion: bool = True, vacf_md: np.ndarray | None = None) -> KernelReport:
    """The fitted GLE against the data, at the kernel's mass and kT: exact GLE VACF against
    the MD VACF up to ``vacf_time``, and (``diffusion=True``) the MD diffusion coefficient
    from the VACF's running integral with a t^-1/2 tail fitted from ``vacf_time / 3``.

    Parameters
    ----------
    kernel : KernelResult
    fit : KernelFit
        A fit of ``kernel`` (its own mass and kT are not used: the kernel's are).
    velocity : ndarray, shape (n_frames, n_samples), or None
        The velocities the kernel was estimated from (None when ``vacf_md`` is given).
    dt : float
        Frame spacing (time).
    vacf_time : float
        Largest VACF lag (time).
    diffusion : bool
        Also compute the MD diffusion coefficient (``diffusion_md`` is None otherwise).
    vacf_md : ndarray, optional
        The MD VACF on lags k dt, already computed (e.g. streamed,
        :meth:`~.streaming.KernelAccumulator.vacf`), instead of the velocities.
    """
    dt = check_positive(dt, "dt")
    n_lag = int(round(check_positive(vacf_time, "vacf_time") / dt))
    if vacf_md is not None:
        n_lag = min(n_lag, len(vacf_md) - 1)
        vacf_md = np.asarray(vacf_md, dtype=float)[: n_lag + 1]
    elif velocity is not None:
        n_lag = min(n_lag, len(velocity) - 1)
        vacf_md = correlation(velocity, velocity, n_lag)
    else:
        raise KernelError("compare_fit needs the velocities or their VACF (vacf_md=)")
    t_vacf = np.arange(n_lag + 1) * dt
    kT, mass = kernel.kT, kernel.mass
    vacf_gle = fit.vacf(t_vacf, kT=kT, mass=mass)
    d_md = diffusion_coefficient(t_vacf, vacf_md, t_min=t_vacf[-1] / 3) if diffusion else None
    return KernelReport(kernel, fit, mass, kT, t_vacf, vacf_md, vacf_gle,
                        float(np.abs(vacf_gle - vacf_md).max() / vacf_md[0]), d_md, fit.diffusion(kT, mass))
