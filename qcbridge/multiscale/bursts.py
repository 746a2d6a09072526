"""Stress bursts: the mean stress of a LAMMPS crystal deformed to F at temperature T, with
error bars, for heterogeneous multiscale methods (HMM).

A macroscopic solver asks for the stress at a deformation gradient F and temperature T; a
burst answers with a short molecular-dynamics run of a periodic cell (E & Engquist 2003):

1. The reference crystal (lattice constant a, ``repeat`` conventional cells; cell rows A,
   sites X, volume V0) is deformed homogeneously: cell A F^T, sites x = F X.
2. The atoms are relaxed at fixed cell (LAMMPS's minimizer: inner displacements of
   multilattices; nothing moves in a simple lattice).
3. At T = 0 that is all: the static Cauchy stress sigma = -W_v / V (W_v = sum r (x) f, the
   virial, V = J V0, J = det F) and energy E give the Cauchy-Born P(F) = J sigma F^-T = dW/dF
   and W(F) = E / V0 of :class:`~qcbridge.continuum.CauchyBorn` (to round-off).
4. At T > 0 velocities are drawn at 2T (equipartition halves them in a crystal), the cell
   is equilibrated at constant volume and temperature (NVT: Langevin or Nose-Hoover), then
   sampled: LAMMPS's full pressure tensor (kinetic + virial), sign flipped and rotated back
   from its box frame, and the potential energy, averaged over every step of consecutive
   windows of ``sample_every_fs``. This series x_t (n windows) gives

       <x> = mean_t x_t,    se(<x>) = std_b(x_b) / sqrt(B)

   from B contiguous block means x_b (Flyvbjerg & Petersen 1989), and the integrated
   autocorrelation time of each Cauchy stress component (Sokal 1997),

       tau = dt_w (1/2 + sum_{k=1}^{M} rho(k)),   M the smallest window with M >= 5 tau / dt_w

   (dt_w the window, rho the normalised autocovariance): var<x> ~ 2 tau var(x) / (n dt_w).
   Block errors hold when a block is several tau long (a warning is logged otherwise).
   P = J sigma F^-T is formed block by block, so its errors propagate exactly. The energy
   is the mean potential energy (not the free energy: at T > 0 the stress is not d<E>/dF).

Random numbers: every LAMMPS seed comes from ``seed`` (an int or a numpy Generator). All
bursts of one :class:`StressBurst` share the same seeds unless a call gives its own: with
these common random numbers the stress difference of nearby F (finite-difference tangents,
Newton steps of the macro solver) is far less noisy than either stress (8 times for Al at
300 K and a strain step of 0.005). The same seed and input give bit-identical results.

Results are cached by (F, T) and the sampling settings: a call whose F lies within
``tol_F`` (largest entry difference) and T within ``tol_T`` of a cached burst returns that
burst's :class:`BurstResult` object.

References: W. E and B. Engquist, Commun. Math. Sci. 1, 87 (2003); H. Flyvbjerg and
H. G. Petersen, J. Chem. Phys. 91, 461 (1989); A. D. Sokal, in *Functional Integration*
(Plenum, 1997), pp. 131-192; E. B. Tadmor and R. E. Miller, *Modeling Materials* (2011), ch. 11.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
from ase import Atoms

from ..continuum.hyperelastic import check_deformation
from ..engines.lammps import LammpsEngine
from ..engines.thermostat import initial_velocities, langevin_nvt
from ..errors import BurstError, DeformationError, EngineStateError, LammpsError, MultiscaleError, StructureError
from ..homogenization.atomistic import (
    LANGEVIN_DAMP_FS,
    MAX_SEED,
    MIN_FTOL,
    block_average,
    cell_repeat,
    crystal_species,
    cubic_lattice,
    stress_from_pressure,
)
from ..memory.correlations import correlation
from ..potentials import Potential
from ..structures import Lattice, cubic_crystal

log = logging.getLogger(__name__)

__all__ = ["BurstResult", "StressBurst", "Thermostat", "integrated_autocorrelation_time"]

#: Thermostats a burst can use.
class Thermostat(Enum):
    """NVT thermostat of a burst: ``fix langevin`` (seeded, no net force) with ``fix nve``, or
    ``fix nvt`` (Nose-Hoover chain, deterministic after the seeded velocities)."""

    LANGEVIN = "langevin"
    NOSE_HOOVER = "nose-hoover"
#: Sokal's window constant: the window M is the smallest with M >= WINDOW_C * tau.
WINDOW_C = 5.0
#: Blocks shorter than this many correlation times give standard errors that are too small.
MIN_BLOCK_TAUS = 5.0
#: Voigt index of each tensor entry (order xx yy zz yz xz xy).
_VOIGT_INDEX = np.array([[0, 5, 4], [5, 1, 3], [4, 3, 2]])


@dataclass(frozen=True)
class BurstResult:
    """The stress and energy of one burst, with standard errors.

    Attributes
    ----------
    F : ndarray, shape (3, 3)
        Deformation gradient of the cell (from the reference crystal).
    temperature : float
        Target temperature (K).
    cauchy, cauchy_error : ndarray, shape (3, 3)
        Mean Cauchy stress sigma and its standard error (eV/A^3; tension positive; errors 0 at T = 0).
    piola, piola_error : ndarray, shape (3, 3)
        Mean first Piola-Kirchhoff stress P = J sigma F^-T and its standard error (eV/A^3,
        force per reference area).
    energy, energy_error : float
        Mean potential energy per reference volume and its standard error (eV/A^3); at
        T = 0 the Cauchy-Born energy density W(F).
    correlation_time_fs : float
        Integrated autocorrelation time of the Cauchy stress (fs): the largest over the six
        independent components. 0 at T = 0.
    samples : int
        Length of the sampled series (windows of ``sample_every_fs``); 1 at T = 0.
    duration_fs : float
        Sampling time (fs), equilibration excluded; 0 at T = 0.
    measured_temperature : float
        Mean kinetic temperature of the sampling (K); 0 at T = 0.

    """

    F: np.ndarray
    temperature: float
    cauchy: np.ndarray
    cauchy_error: np.ndarray
    piola: np.ndarray
    piola_error: np.ndarray
    energy: float
    energy_error: float
    correlation_time_fs: float
    samples: int
    duration_fs: float
    measured_temperature: float

    def __post_init__(self) -> None:
        for name in ("F", "cauchy", "cauchy_error", "piola", "piola_error"):
            value = np.array(getattr(self, name), dtype=float)
            value.flags.writeable = False
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class _Schedule:
    """MD schedule in steps: equilibration, then ``blocks`` blocks of ``windows`` windows of
    ``every`` steps each."""

    timestep_fs: float
    equilibration: int
    blocks: int
    windows: int
    every: int

    @property
    def steps(self) -> int:
        return self.blocks * self.windows * self.every


#: What a cached burst must share with a call besides F and T: schedule and seeds (None at T = 0).
_Key = tuple[_Schedule | None, tuple[int, int] | None]


class StressBurst:
    """Stress bursts of one crystal and potential, cached by (F, T).

    Parameters
    ----------
    potential : Potential
    lattice : str or Lattice
        ``"fcc"``, ``"bcc"``, ``"diamond"``, ``"sc"`` or a compound (``"rocksalt"``, ``"b2"``,
        ``"zincblende"``, ``"l12"``); conventional cubic cell, x, y, z along <100>.
    a : float
        Reference lattice constant (Angstrom): F is measured from this crystal.
    symbol : str or 2 str, optional
        Species; default the potential's (one, or two for a compound).
    repeat : 3 ints
        Conventional cells along x, y, z. At T > 0 every width of the deformed cell must be
        at least twice the cutoff; at T = 0 any size gives the Cauchy-Born stress.
    timestep_fs, equilibration_fs, sampling_fs : float
        MD time step, equilibration and (default) sampling time (fs).
    blocks : int
        Block averages for the standard errors (>= 2).
    sample_every_fs : float
        Window of the sampled series (fs): every step is averaged into windows this long.
    thermostat : Thermostat or {"langevin", "nose-hoover"}
        NVT thermostat: ``fix langevin`` (no net force) with ``fix nve``, or ``fix nvt``.
    damping_fs : float
        Thermostat time constant (fs).
    tol_F : float
        Cache tolerance on F (largest entry difference).
    tol_T : float
        Cache tolerance on T (K).
    seed : int or numpy.random.Generator
        Source of the LAMMPS seeds shared by every burst (see the module docstring).

    Examples
    --------
    >>> from qcbridge import load_potential
    >>> burst = StressBurst(load_potential("Al_jnp.eam"), "fcc", 4.05, repeat=(4, 4, 4))
    >>> r = burst(np.diag([1.01, 1.0, 1.0]), 300.0)  # doctest: +SKIP
    >>> r.cauchy[0, 0], r.cauchy_error[0, 0]  # doctest: +SKIP
    """

    def __init__(
        self,
        potential: Potential,
        lattice: str | Lattice,
        a: float,
        *,
        symbol: str | Sequence[str] | None = None,
        repeat: Sequence[int] = (6, 6, 6),
        timestep_fs: float = 2.0,
        equilibration_fs: float = 2000.0,
        sampling_fs: float = 10000.0,
        blocks: int = 10,
        sample_every_fs: float = 10.0,
        thermostat: Thermostat | str = Thermostat.LANGEVIN,
        damping_fs: float = LANGEVIN_DAMP_FS,
        tol_F: float = 1e-8,
        tol_T: float = 1e-6,
        seed: int | np.random.Generator = 0,
    ):
        for name, value in (("a", a), ("timestep_fs", timestep_fs), ("sample_every_fs", sample_every_fs),
                            ("damping_fs", damping_fs)):
            if not (math.isfinite(value) and value > 0):
                error = StructureError if name == "a" else MultiscaleError
                raise error(f"{name} must be > 0 and finite, got {value}")
        for name, value in (("equilibration_fs", equilibration_fs), ("tol_F", tol_F), ("tol_T", tol_T)):
            if not (math.isfinite(value) and value >= 0):
                raise MultiscaleError(f"{name} must be >= 0 and finite, got {value}")
        if isinstance(blocks, bool) or int(blocks) != blocks or blocks < 2:
            raise MultiscaleError(f"give at least 2 blocks (10-20 is usual) for standard errors, got {blocks}")
        choices = ", ".join(t.value for t in Thermostat)
        try:
            thermostat = Thermostat(thermostat)
        except ValueError:
            raise MultiscaleError(f"unknown thermostat {thermostat!r}; choose one of {choices}") from None
        lat = cubic_lattice(lattice)
        self.potential = potential
        self.repeat = cell_repeat(repeat)
        self.reference: Atoms = cubic_crystal(lat, crystal_species(potential, lat, symbol), float(a), size=self.repeat)
        self.timestep_fs = float(timestep_fs)
        self.equilibration_fs = float(equilibration_fs)
        self.blocks = int(blocks)
        self.sample_every_fs = float(sample_every_fs)
        self.thermostat = thermostat
        self.damping_fs = float(damping_fs)
        self.tol_F, self.tol_T = float(tol_F), float(tol_T)
        self.sampling_fs = float(sampling_fs)
        self._schedule(self.sampling_fs)  # validates the default sampling now
        self.seeds = draw_seeds(seed)
        self._cache: list[tuple[_Key, BurstResult]] = []

    # ------------------------------------------------------------------ bursts
    def __call__(self, F: np.ndarray, temperature: float, *, sampling_fs: float | None = None,
                 seed: int | None = None) -> BurstResult:
        """The burst at F and T: from the cache when one lies within the tolerances.

        Parameters
        ----------
        F : array_like, shape (3, 3)
            Deformation gradient from the reference crystal.
        temperature : float
            K; 0 gives the static (Cauchy-Born) stress of the relaxed cell.
        sampling_fs : float, optional
            Sampling time of this burst (default: the instance's).
        seed : int, optional
            Seed of this burst's LAMMPS seeds (default: the instance's shared ones).

        Returns
        -------
        BurstResult

        Raises
        ------
        DeformationError
            F is not 3x3, not finite, or det F <= 0.
        MultiscaleError
            A negative or non-finite temperature, an unusable sampling time, or a cell too
            narrow for the potential at this F (T > 0).
        BurstError
            LAMMPS lost atoms, failed during the run, or returned non-finite numbers
            (``.inputs`` holds (F, T)).
        OverlappingAtomsError
            F brings atoms closer than 0.5 A.
        """
        F, T, schedule, seeds = self._inputs(F, temperature, sampling_fs, seed)
        found = self._lookup(F, T, (schedule, seeds))
        if found is not None:
            return found
        if schedule is not None:
            self._check_width(F)
        t0 = time.perf_counter()
        result = _run(self.reference, self.potential, F, T, schedule, seeds or self.seeds, self.thermostat,
                      self.damping_fs)
        log.info("burst at T = %g K, |F - I| = %.3g: %.1f s", T, np.abs(F - np.eye(3)).max(), time.perf_counter() - t0)
        self._cache.append(((schedule, seeds), result))
        return result

    def cached(self, F: np.ndarray, temperature: float, *, sampling_fs: float | None = None,
               seed: int | None = None) -> BurstResult | None:
        """The cached burst that a call with these arguments would return, or None (no LAMMPS run)."""
        F, T, schedule, seeds = self._inputs(F, temperature, sampling_fs, seed)
        return self._lookup(F, T, (schedule, seeds))

    @property
    def cache_size(self) -> int:
        """Number of cached bursts."""
        return len(self._cache)

    def cache_clear(self) -> None:
        """Forget every cached burst."""
        self._cache.clear()

    # ------------------------------------------------------------------ helpers
    def _inputs(self, F: np.ndarray, temperature: float, sampling_fs: float | None,
                seed: int | None) -> tuple[np.ndarray, float, _Schedule | None, tuple[int, int] | None]:
        """Validated F and T, and the schedule and seeds of the burst (None at T = 0, where
        neither matters): the settings a cached burst must share."""
        F = np.asarray(F, dtype=float)
        if F.shape != (3, 3):
            raise DeformationError(f"F must be a 3x3 deformation gradient, got shape {F.shape}")
        F = check_deformation(F)
        try:
            T = float(temperature)
        except (TypeError, ValueError):
            T = math.nan
        if not (math.isfinite(T) and T >= 0):
            raise MultiscaleError(f"the temperature must be finite and >= 0 K, got {temperature!r}")
        if T == 0:
            return F, T, None, None
        schedule = self._schedule(self.sampling_fs if sampling_fs is None else sampling_fs)
        return F, T, schedule, self.seeds if seed is None else draw_seeds(seed)

    def _lookup(self, F: np.ndarray, T: float, key: _Key) -> BurstResult | None:
        """The cached result nearest to F among those with the same settings within the tolerances."""
        best, distance = None, math.inf
        for k, result in self._cache:
            if k == key and abs(result.temperature - T) <= self.tol_T:
                d = float(np.abs(result.F - F).max())
                if d <= self.tol_F and d < distance:
                    best, distance = result, d
        return best

    def _schedule(self, sampling_fs: float) -> _Schedule:
        """The MD schedule of a sampling time, or :class:`MultiscaleError`."""
        dt = self.timestep_fs
        every = max(1, round(self.sample_every_fs / dt))
        windows = int(sampling_fs / (dt * every * self.blocks)) if math.isfinite(sampling_fs) else 0
        if windows < 1:
            raise MultiscaleError(f"sampling {sampling_fs} fs cannot fill {self.blocks} blocks of windows of "
                                  f"{every * dt:g} fs: sample at least {self.blocks * every * dt:g} fs (blocks of "
                                  "several hundred fs are usual)")
        return _Schedule(dt, round(self.equilibration_fs / dt), self.blocks, windows, every)

    def _check_width(self, F: np.ndarray) -> None:
        """:class:`MultiscaleError` when the deformed cell is narrower than twice the cutoff."""
        cell = np.asarray(self.reference.cell) @ F.T
        widths, need = 1.0 / np.linalg.norm(np.linalg.inv(cell), axis=0), 2.0 * self.potential.cutoff
        if widths.min() < need:
            enough = tuple(max(n, math.ceil(n * need / w)) for n, w in zip(self.repeat, widths, strict=True))
            raise MultiscaleError(f"the deformed {'x'.join(map(str, self.repeat))} cell is {widths.min():.3f} A wide, "
                                  f"less than twice the cutoff of {self.potential.name} ({need:.3f} A): use repeat "
                                  f">= {enough}")


def draw_seeds(seed: int | np.random.Generator) -> tuple[int, int]:
    """Two LAMMPS seeds (velocities, thermostat) in 1..MAX_SEED from a seed or Generator."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    s = rng.integers(1, MAX_SEED, size=2, endpoint=True)
    return int(s[0]), int(s[1])


# ---------------------------------------------------------------------------- one burst
def _run(reference: Atoms, potential: Potential, F: np.ndarray, T: float, schedule: _Schedule | None,
         seeds: tuple[int, int], thermostat: Thermostat, damping_fs: float) -> BurstResult:
    """One burst in a fresh LAMMPS instance; LAMMPS failures become :class:`BurstError`."""
    atoms = reference.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
    atoms.set_cell(np.asarray(reference.cell) @ F.T, scale_atoms=True)  # x = F X
    volume0 = abs(float(np.linalg.det(np.asarray(reference.cell))))
    inputs = (F.copy(), T)
    with tempfile.TemporaryDirectory(prefix="qcbridge-burst-") as tmp, \
            LammpsEngine(atoms, potential, neighbor_skin=1.0) as eng:
        try:
            _relax(eng, inputs)
            if schedule is None:
                sigma, energy = -eng.virial() / (volume0 * np.linalg.det(F)), eng.energy() / volume0
                if not (np.all(np.isfinite(sigma)) and math.isfinite(energy)):
                    raise BurstError(f"the static cell at F = {np.round(F, 6).tolist()} has a non-finite stress or "
                                     "energy", inputs)
                return _result(F, T, sigma[None], np.array([energy]), 0.0, 1, 0.0, 0.0)
            series = _sample(eng, T, schedule, seeds, thermostat, damping_fs, Path(tmp) / "series.txt")
        except (LammpsError, EngineStateError) as exc:
            raise BurstError(f"the burst at T = {T:g} K failed in LAMMPS ({exc}); F = {np.round(F, 6).tolist()}",
                             inputs) from exc
        rotation, nktv2p = eng.box.rotation, float(eng.lmp.extract_global("nktv2p"))
    if series.shape != (schedule.steps // schedule.every, 9) or not np.all(np.isfinite(series)):
        raise BurstError(f"the burst at T = {T:g} K returned {series.shape[0]} samples with "
                         f"{np.count_nonzero(~np.isfinite(series))} non-finite numbers: the crystal blew up (time "
                         "step too large for this F and T?)", inputs)
    voigt = stress_from_pressure(series[:, 1:7], rotation, nktv2p)  # (n, 6) Cauchy, ASE frame
    stress_blocks = voigt[:, _VOIGT_INDEX].reshape(schedule.blocks, -1, 3, 3).mean(axis=1)
    energy_blocks = (series[:, 7] / volume0).reshape(schedule.blocks, -1).mean(axis=1)
    tau = schedule.every * schedule.timestep_fs * float(integrated_autocorrelation_time(voigt).max())
    block_fs = schedule.windows * schedule.every * schedule.timestep_fs
    if block_fs < MIN_BLOCK_TAUS * tau:
        log.warning("blocks of %g fs are shorter than %g correlation times of the stress (%.0f fs): the standard "
                    "errors are too small; sample longer or use fewer blocks", block_fs, MIN_BLOCK_TAUS, tau)
    measured = float(series[:, 8].mean())
    if abs(measured - T) > 0.1 * T:
        log.warning("the burst at %g K ran at %.1f K on average: lengthen the equilibration", T, measured)
    return _result(F, T, stress_blocks, energy_blocks, tau, len(series), schedule.steps * schedule.timestep_fs,
                   measured)


def _result(F: np.ndarray, T: float, sigma_blocks: np.ndarray, energy_blocks: np.ndarray, tau: float, samples: int,
            duration: float, measured: float) -> BurstResult:
    """A :class:`BurstResult` from block means of sigma (B, 3, 3) and of the energy density (B,)."""
    piola_blocks = np.linalg.det(F) * sigma_blocks @ np.linalg.inv(F).T
    sigma, sigma_err = block_average(sigma_blocks)
    piola, piola_err = block_average(piola_blocks)
    energy, energy_err = block_average(energy_blocks)
    return BurstResult(F.copy(), T, sigma, sigma_err, piola, piola_err, float(energy), float(energy_err), tau,
                       samples, duration, measured)


def _relax(eng: LammpsEngine, inputs: tuple[np.ndarray, float]) -> None:
    """Relax the atoms at fixed cell; :class:`BurstError` if forces remain."""
    eng.commands(["min_style cg", "min_modify line quadratic", f"minimize 0 {MIN_FTOL!r} 10000 100000"])
    fmax = float(np.abs(eng.forces()).max())
    if not fmax <= 1e3 * MIN_FTOL:
        raise BurstError(f"LAMMPS's minimizer left forces of {fmax:.3g} eV/A in the deformed cell (tolerance "
                         f"{MIN_FTOL:g}): is the crystal mechanically unstable at this F?", inputs)


def _sample(eng: LammpsEngine, T: float, schedule: _Schedule, seeds: tuple[int, int], thermostat: Thermostat,
            damping_fs: float, path: Path) -> np.ndarray:
    """NVT equilibration and sampling; the series (n, 9): step, LAMMPS pressure tensor (bar,
    xx yy zz xy xz yz, LAMMPS frame), potential energy (eV), temperature (K), each the mean
    over a window of ``schedule.every`` steps."""
    fixes = ([f"fix qcb_thermostat all nvt temp {T!r} {T!r} {damping_fs / 1000.0!r}"]
             if thermostat is Thermostat.NOSE_HOOVER else langevin_nvt("all", T, damping_fs, seeds[1]))
    every = schedule.every
    eng.commands([
        f"timestep {schedule.timestep_fs / 1000.0!r}",
        "compute qcb_temp all temp",
        "compute qcb_press all pressure qcb_temp",
        "compute qcb_pe all pe",
        initial_velocities("all", T, seeds[0]),
        *fixes,
    ])
    if schedule.equilibration:
        eng.command(f"run {schedule.equilibration}")
    values = " ".join([*(f"c_qcb_press[{i}]" for i in range(1, 7)), "c_qcb_pe", "c_qcb_temp"])
    eng.commands(["reset_timestep 0",
                  f'fix qcb_series all ave/time 1 {every} {every} {values} file "{path}" format " %.17g"',
                  f"run {schedule.steps}", "unfix qcb_series"])
    series = np.loadtxt(path, ndmin=2)
    return series[series[:, 0] > 0]  # with one-step windows LAMMPS also writes step 0


# ---------------------------------------------------------------------------- statistics
def integrated_autocorrelation_time(series: np.ndarray, c: float = WINDOW_C) -> np.ndarray:
    """Integrated autocorrelation time of each column of a series, in samples.

    tau = 1/2 + sum_{k=1}^{M} rho(k), rho the normalised autocovariance (FFT estimate,
    :func:`~qcbridge.memory.correlations.correlation`) and M the smallest window with
    M >= c tau(M) (Sokal's automatic windowing); the variance of the mean of n samples is
    then about 2 tau var(x) / n. A constant column gives 0.

    Parameters
    ----------
    series : ndarray, shape (n,) or (n, m)
        n >= 2 equally spaced samples of m observables.
    c : float
        Window constant (5 is usual).

    Returns
    -------
    ndarray, shape (m,)
        Times in units of the sample spacing (1/2 for uncorrelated samples).
    """
    x = np.asarray(series, dtype=float)
    if x.ndim not in (1, 2) or len(x) < 2:
        raise MultiscaleError(f"an autocorrelation time needs a series of shape (n,) or (n, m), n >= 2; got {x.shape}")
    x = (x[:, None] if x.ndim == 1 else x) - x.mean(axis=0)
    n = len(x)
    acov = correlation(x, x, n // 2, per_sample=True)  # (n // 2 + 1, m)
    var = acov[0]
    rho = acov / np.where(var > 0, var, 1.0)
    tau = 0.5 + np.cumsum(rho[1:], axis=0)  # tau(M) for M = 1 .. n // 2
    windows = np.arange(1, len(tau) + 1)[:, None]
    done = windows >= c * tau
    pick = np.where(done.any(axis=0), np.argmax(done, axis=0), len(tau) - 1)
    return np.where(var > 0, tau[pick, np.arange(x.shape[1])], 0.0)
