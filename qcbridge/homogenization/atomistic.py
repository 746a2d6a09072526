"""Finite-temperature elastic constants of a cubic crystal from LAMMPS, with error bars, as
phase data for periodic homogenization.

The stress-strain method at constant volume (Clavier et al. 2017):

1. Zero pressure at T. At T = 0 the lattice constant a0 is the root of LAMMPS's static
   pressure of the perfect crystal (its Cauchy-Born pressure). At T > 0 an NPT run (Langevin
   thermostat, isotropic Berendsen barostat at zero pressure, from the perfect crystal at a0
   with velocities drawn at 2T, which equipartition halves) gives the mean volume <V> and
   a(T) = a0 (<V> / V0)^(1/3).
2. For each Voigt strain J and h = +-``strain``, the mean cell is deformed by F = I + eps with
   eps_kk = h for a normal strain and eps_km = eps_mk = h / 2 for a shear (engineering shear
   strain h). At T > 0 the crystal is equilibrated in that cell at constant volume and
   temperature (NVT), then the time-averaged Cauchy stress <sigma> is sampled: the full
   (kinetic + virial) stress, LAMMPS's pressure tensor with the sign flipped, rotated back
   from LAMMPS's box frame. At T = 0 the atoms are relaxed by LAMMPS's minimizer instead:
   these are the static constants of
   :func:`~qcbridge.engines.elastic.elastic_constants_by_stress_differences`.
3. Central differences, Voigt order xx yy zz yz xz xy::

       C_IJ = (<sigma_I>(+h e_J) - <sigma_I>(-h e_J)) / (2 h).

   At zero pressure these stress-strain coefficients are the isothermal elastic constants.

Error bars. The +h and -h runs of a column share every random number (initial velocities
and Langevin forces: common random numbers). The shared Langevin noise keeps the two
trajectories close, so their stress difference fluctuates far less than either stress
(for Al at 300 K about ten times less). The standard error is that of the difference series
itself, from ``blocks`` contiguous block averages (Flyvbjerg & Petersen 1989)::

    d_b = (sigma_b(+h) - sigma_b(-h)) / (2 h),    C = mean_b d_b,
    se = std_b(d_b) / sqrt(B),

which holds however strongly the two runs are correlated, provided a block is longer than the
correlation time of the stress (a few hundred fs in a metal at room temperature). The
uncertainty of a(T) is reported but not propagated into the errors of C.

References: C. Clavier et al., Mol. Simul. 43, 1413 (2017); H. Flyvbjerg and H. G. Petersen,
J. Chem. Phys. 91, 461 (1989); H. J. C. Berendsen et al., J. Chem. Phys. 81, 3684 (1984).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms, units

from ..engines.instance import GLOBAL, VECTOR
from ..engines.lammps import LammpsEngine
from ..engines.thermostat import initial_velocities, langevin_nvt
from ..errors import ConvergenceError, HomogenizationError, SpeciesError, StructureError
from ..potentials import Potential
from ..structures import Lattice, cell_heights, cubic_crystal
from ..tensors import VOIGT_PAIRS

log = logging.getLogger(__name__)

__all__ = ["MAX_SEED", "FiniteTemperatureElasticConstants", "block_average", "cell_repeat", "crystal_species",
           "cubic_lattice", "finite_temperature_elastic_constants", "strained_cell", "stress_from_pressure"]

#: Largest strain amplitude accepted: beyond it the central difference measures nonlinear response.
MAX_STRAIN = 0.05
#: Langevin relaxation time 1/gamma (fs).
LANGEVIN_DAMP_FS = 100.0
#: Berendsen barostat time constant (fs): the volume settles within about ten of them.
BAROSTAT_DAMP_FS = 100.0
#: Blocks shorter than this (fs) are shorter than the correlation time of the stress
#: difference in a metal at room temperature (measured for Al: a few hundred fs): the
#: standard errors come out too small, by up to a third for 50-200 fs blocks.
MIN_BLOCK_FS = 500.0
#: Time between two stress samples inside a block (fs).
SAMPLE_EVERY_FS = 10.0
#: Force tolerance (eV/A, 2-norm) of the relaxation in each strained cell at T = 0.
MIN_FTOL = 1e-10
#: Largest seed LAMMPS's Marsaglia generator accepts.
MAX_SEED = 900_000_000
#: LAMMPS pressure vector order (xx yy zz xy xz yz) -> tensor index pairs.
_LAMMPS_PAIRS = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))

#: Index arrays of the entries equal to C11, C12 and C44 in a cubic crystal.
_CUBIC_ENTRIES = (
    (np.array([0, 1, 2]), np.array([0, 1, 2])),
    (np.array([0, 0, 1, 1, 2, 2]), np.array([1, 2, 0, 2, 0, 1])),
    (np.array([3, 4, 5]), np.array([3, 4, 5])),
)


@dataclass(frozen=True)
class FiniteTemperatureElasticConstants:
    """Isothermal elastic constants of a crystal at zero pressure and temperature T.

    Attributes
    ----------
    temperature : float
        K.
    lattice_constant : float
        Cubic lattice constant at T and zero pressure (Angstrom): the mean of the NPT run,
        or the static root at T = 0.
    C : ndarray, shape (6, 6)
        Voigt stiffness in GPa, order xx yy zz yz xz xy, engineering shear strains; column J
        from the strain e_J. Not symmetrized: C_IJ and C_JI come from different runs.
    C_error : ndarray, shape (6, 6)
        Standard errors of ``C`` (GPa); zero at T = 0.
    lattice_constant_error : float
        Standard error of ``lattice_constant`` (Angstrom); zero at T = 0.
    """

    temperature: float
    lattice_constant: float
    C: np.ndarray
    C_error: np.ndarray
    lattice_constant_error: float = 0.0

    def __post_init__(self) -> None:
        for name in ("C", "C_error"):
            value = np.array(getattr(self, name), dtype=float)
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    def symmetric(self) -> np.ndarray:
        """(C + C^T) / 2 in GPa, shape (6, 6): the phase stiffness to hand to a cell problem
        (:func:`~qcbridge.homogenization.homogenize_stiffness` wants it exactly symmetric)."""
        return 0.5 * (self.C + self.C.T)

    def cubic(self) -> tuple[float, float, float]:
        """C11, C12, C44 in GPa, each the mean of its cubic-equivalent entries (3, 6 and 3)."""
        c11, c12, c44 = (float(self.C[idx].mean()) for idx in _CUBIC_ENTRIES)
        return c11, c12, c44

    def cubic_error(self) -> tuple[float, float, float]:
        """Standard errors of :meth:`cubic` (GPa), the entries' errors taken as independent."""
        e11, e12, e44 = (float(np.sqrt(np.sum(self.C_error[idx] ** 2)) / len(idx[0])) for idx in _CUBIC_ENTRIES)
        return e11, e12, e44



@dataclass(frozen=True)
class _Sampling:
    """MD schedule: steps of equilibration, then ``blocks`` blocks of ``block_steps`` steps
    whose samples, one every ``every`` steps, LAMMPS averages (``fix ave/time``)."""

    temperature: float  # K
    timestep_ps: float
    equilibration_steps: int
    blocks: int
    block_steps: int
    every: int


#: At T = 0: one sample after one step without an integrator (the atoms stay where the minimizer left them).
_STATIC = _Sampling(0.0, 0.001, 0, 1, 1, 1)


def strained_cell(cell: np.ndarray, column: int, h: float) -> np.ndarray:
    """A cell (rows are vectors, Angstrom) deformed by F = I + eps, eps the symmetric strain of
    Voigt component ``column`` (0..5, order xx yy zz yz xz xy) with engineering amplitude h:
    eps_kk = h, or eps_km = eps_mk = h / 2 for a shear."""
    k, m = VOIGT_PAIRS[column]
    F = np.eye(3)
    F[k, m] += h / 2
    F[m, k] += h / 2
    return np.asarray(cell, dtype=float) @ F.T


def block_average(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the mean of block averages, shape (B, ...) -> two (...).

    se = std(blocks, ddof=1) / sqrt(B): valid when the blocks are longer than the
    correlation time of the series (then the block means are independent)."""
    blocks = np.asarray(blocks, dtype=float)
    if len(blocks) < 2:
        return blocks.mean(axis=0), np.zeros(blocks.shape[1:])
    return blocks.mean(axis=0), blocks.std(axis=0, ddof=1) / math.sqrt(len(blocks))


def finite_temperature_elastic_constants(
    potential: Potential,
    lattice: str | Lattice,
    a: float,
    temperature: float,
    *,
    symbol: str | Sequence[str] | None = None,
    repeat: Sequence[int] = (6, 6, 6),
    strain: float = 0.005,
    equilibration_fs: float = 2000.0,
    sampling_fs: float = 10000.0,
    timestep_fs: float = 1.0,
    blocks: int = 10,
    seed: int | np.random.Generator = 0,
    progress: Callable[[str], None] | None = None,
) -> FiniteTemperatureElasticConstants:
    """Elastic constants of a cubic crystal at temperature T and zero pressure, with error bars.

    Parameters
    ----------
    potential : Potential
    lattice : str or Lattice
        ``"fcc"``, ``"bcc"``, ``"diamond"``, ``"sc"`` or a compound (``"rocksalt"``, ``"b2"``,
        ``"zincblende"``, ``"l12"``), conventional cubic cell with x, y, z along <100>.
    a : float
        Starting guess of the lattice constant (Angstrom); the zero-pressure one is found.
    temperature : float
        K; 0 gives the static constants (relaxed strained cells, errors zero).
    symbol : str or 2 str, optional
        Species; default the potential's (one, or two for a compound).
    repeat : 3 ints
        Conventional cells along x, y, z. Every cell width must be at least twice the cutoff.
    strain : float
        Strain amplitude h, 0 < h <= 0.05 (engineering shear strain for shears).
    equilibration_fs, sampling_fs : float
        Equilibration and sampling time (fs) of every run (the NPT run and each of the 12
        NVT runs); ignored at T = 0.
    timestep_fs : float
        MD time step (fs); 2 fs is fine for Al and Cu.
    blocks : int
        Block averages per run for the standard errors (>= 2; 10-20 is usual). A block should
        be longer than the correlation time of the stress difference (about 500 fs in Al at
        300 K); shorter blocks give too small error bars (a warning is logged).
    seed : int or numpy.random.Generator
        Source of every LAMMPS seed.
    progress : callable, optional
        Called with a one-line report after every run (e.g. ``print``).

    Returns
    -------
    FiniteTemperatureElasticConstants

    Raises
    ------
    HomogenizationError
        A negative or non-finite temperature, a strain outside (0, 0.05], unusable times or
        block count.
    StructureError
        An unknown lattice, a bad ``repeat`` or one too small for the potential's cutoff.
    SpeciesError
        ``symbol`` is needed (a potential with several species) or not covered.
    LammpsError
        LAMMPS failed (with its message and command).

    Examples
    --------
    >>> from qcbridge.potentials import load_potential
    >>> r = finite_temperature_elastic_constants(load_potential("Al_mm.eam.fs"), "fcc", 4.05, 300.0,
    ...                                          repeat=(4, 4, 4), timestep_fs=2.0)  # doctest: +SKIP
    >>> c11, c12, c44 = r.cubic()  # doctest: +SKIP
    """
    sampling = _check_parameters(temperature, strain, equilibration_fs, sampling_fs, timestep_fs, blocks)
    lat = cubic_lattice(lattice)
    symbols = crystal_species(potential, lat, symbol)
    size = cell_repeat(repeat)
    report = progress if progress is not None else (lambda line: None)
    rng = np.random.default_rng(seed)
    seeds = rng.integers(1, MAX_SEED, size=(7, 2), endpoint=True)  # row 0: NPT; row 1 + J: column J

    def crystal(a_: float, n: tuple[int, int, int] = size) -> Atoms:
        return cubic_crystal(lat, symbols, a_, size=n)

    t0 = time.perf_counter()
    a_T, modulus = _zero_pressure_state(crystal(float(a), (1, 1, 1)), float(a), potential)
    a_err = 0.0
    _check_width(crystal(a_T), potential, strain, size)
    if sampling is not None:
        a_T, a_err = _npt_lattice_constant(crystal(a_T), a_T, modulus, potential, sampling, seeds[0])
        _check_width(crystal(a_T), potential, strain, size)
        _say(report, f"NPT {temperature:g} K: a = {a_T:.5f} +- {a_err:.5f} A ({time.perf_counter() - t0:.1f} s)")
    reference = crystal(a_T)
    C, C_error = np.zeros((6, 6)), np.zeros((6, 6))
    for j in range(6):
        stresses = [_mean_stress(_strained(reference, j, s * strain), potential, sampling, seeds[1 + j])
                    for s in (1.0, -1.0)]
        C[:, j], C_error[:, j] = block_average((stresses[0] - stresses[1]) / (2 * strain) / units.GPa)
        _say(report, f"strain {_voigt_name(j)} ({j + 1}/6): C[:, {j}] = {' '.join(f'{c:.2f}' for c in C[:, j])} GPa"
                     f" +- {C_error[:, j].max():.2g} ({time.perf_counter() - t0:.1f} s)")
    result = FiniteTemperatureElasticConstants(float(temperature), a_T, C, C_error, a_err)
    if np.linalg.eigvalsh(result.symmetric()).min() <= 0:
        log.warning("the elastic constants at %g K are not positive definite: the crystal is unstable or melted, or "
                    "the sampling is too short", temperature)
    return result


# ---------------------------------------------------------------------------- runs
def _npt_lattice_constant(start: Atoms, a0: float, modulus: float, potential: Potential, sampling: _Sampling,
                          seeds: np.ndarray) -> tuple[float, float]:
    """Mean lattice constant and its standard error (Angstrom) of an NPT run at zero pressure
    started from the perfect crystal ``start`` with lattice constant a0; the static bulk
    modulus (eV/A^3) sets the barostat's rate."""
    with LammpsEngine(start, potential, neighbor_skin=1.0) as eng:
        nktv2p = float(eng.lmp.extract_global("nktv2p"))
        _thermostat(eng, sampling, seeds)
        eng.commands([f"fix qcb_baro all press/berendsen iso 0.0 0.0 {BAROSTAT_DAMP_FS / 1000.0!r} "
                      f"modulus {modulus * nktv2p!r} dilate all", "variable qcb_vol equal vol"])
        _equilibrate(eng, sampling)
        data = _sample(eng, ["v_qcb_vol", "c_qcb_temp"], sampling)
    volume, volume_err = block_average(data[:, 0])
    half = len(data) // 2  # the means of the two halves differ by about 2 se (one standard deviation)
    drift = data[half:, 0].mean() - data[:half, 0].mean()
    if half >= 2 and abs(drift) > 4.0 * 2.0 * volume_err:
        log.warning("the NPT volume at %g K still drifts (%.3g A^3 between the halves of the sampling): lengthen the "
                    "equilibration", sampling.temperature, drift)
    a_T = a0 * float(volume / abs(np.linalg.det(np.asarray(start.cell)))) ** (1.0 / 3.0)
    log.info("NPT at %g K: <T> = %.2f K, a = %.6f A", sampling.temperature, data[:, 1].mean(), a_T)
    return a_T, a_T * float(volume_err / volume) / 3.0


def _mean_stress(atoms: Atoms, potential: Potential, sampling: _Sampling | None, seeds: np.ndarray) -> np.ndarray:
    """Cauchy stress of a periodic cell (eV/A^3, Voigt, ASE frame), shape (B, 6): block
    averages of an NVT run, or one row for the relaxed crystal when ``sampling`` is None."""
    with LammpsEngine(atoms, potential, neighbor_skin=1.0) as eng:
        nktv2p = float(eng.lmp.extract_global("nktv2p"))
        if sampling is None:
            eng.commands(["compute qcb_temp all temp", "compute qcb_press all pressure qcb_temp",
                          "min_style cg", "min_modify line quadratic", f"minimize 0 {MIN_FTOL!r} 10000 100000"])
            fmax = float(np.abs(eng.forces()).max())
            if fmax > 1e3 * MIN_FTOL:
                raise ConvergenceError(f"LAMMPS's minimizer left forces of {fmax:.3g} eV/A in a strained cell "
                                       f"(tolerance {MIN_FTOL:g}): is the strained crystal mechanically unstable?")
            pressure = _sample(eng, [f"c_qcb_press[{i}]" for i in range(1, 7)], _STATIC)
        else:
            _thermostat(eng, sampling, seeds)
            _equilibrate(eng, sampling)
            pressure = _sample(eng, [f"c_qcb_press[{i}]" for i in range(1, 7)] + ["c_qcb_temp"], sampling)
            log.debug("NVT at %g K: <T> = %.2f K", sampling.temperature, pressure[:, 6].mean())
        return stress_from_pressure(pressure[:, :6], eng.box.rotation, nktv2p)


def _thermostat(eng: LammpsEngine, sampling: _Sampling, seeds: np.ndarray) -> None:
    """Velocities at 2T (equipartition brings a perfect crystal to T), velocity Verlet and a
    Langevin thermostat (no net force)."""
    T = sampling.temperature
    eng.commands([
        f"timestep {sampling.timestep_ps!r}",
        "compute qcb_temp all temp",
        "compute qcb_press all pressure qcb_temp",
        initial_velocities("all", T, int(seeds[0])),
        *langevin_nvt("all", T, LANGEVIN_DAMP_FS, int(seeds[1])),
    ])


def _equilibrate(eng: LammpsEngine, sampling: _Sampling) -> None:
    if sampling.equilibration_steps:
        eng.command(f"run {sampling.equilibration_steps}")


def _sample(eng: LammpsEngine, quantities: Sequence[str], sampling: _Sampling) -> np.ndarray:
    """Block averages of LAMMPS quantities (``c_...``, ``v_...``), shape (blocks, len(quantities)).

    LAMMPS averages (``fix ave/time``); Python only reads one vector per block."""
    n, every = sampling.block_steps, sampling.every
    eng.commands(["reset_timestep 0", f"fix qcb_ave all ave/time {every} {n // every} {n} {' '.join(quantities)}"])
    out = np.empty((sampling.blocks, len(quantities)))
    for b in range(sampling.blocks):
        eng.command(f"run {n}")
        out[b] = [eng.lmp.extract_fix("qcb_ave", GLOBAL, VECTOR, i) for i in range(len(quantities))]
    eng.command("unfix qcb_ave")
    return out


def stress_from_pressure(pressure: np.ndarray, rotation: np.ndarray, nktv2p: float) -> np.ndarray:
    """Cauchy stress (eV/A^3, Voigt xx yy zz yz xz xy, ASE frame) from LAMMPS pressure tensors
    (bar, order xx yy zz xy xz yz, LAMMPS frame), shape (B, 6) -> (B, 6).

    ``rotation`` takes row vectors from the ASE frame to LAMMPS's (``LammpsBox.rotation``);
    ``nktv2p`` is LAMMPS's bar per eV/A^3."""
    pressure = np.asarray(pressure, dtype=float)
    p = np.empty(pressure.shape[:-1] + (3, 3))
    for col, (i, j) in enumerate(_LAMMPS_PAIRS):
        p[..., i, j] = p[..., j, i] = pressure[..., col]
    sigma = -rotation @ p @ rotation.T / nktv2p
    rows, cols = zip(*VOIGT_PAIRS, strict=True)
    return sigma[..., list(rows), list(cols)]


def _zero_pressure_state(cell: Atoms, a_guess: float, potential: Potential, h: float = 1e-3) -> tuple[float, float]:
    """Lattice constant (Angstrom) at which LAMMPS's static pressure of a cubic crystal vanishes,
    searched by isotropic scaling of ``cell`` (built with lattice constant ``a_guess``) within
    0.7..1.4 of the guess, and the bulk modulus there (eV/A^3, central difference under +-h
    isotropic strain). Atoms stay at their sites: in a cubic crystal no inner displacement
    follows an isotropic strain."""
    from scipy.optimize import brentq

    cell0, positions0 = np.asarray(cell.cell), np.asarray(cell.positions)
    volume0 = abs(np.linalg.det(cell0))
    with LammpsEngine(cell, potential) as eng:

        def pressure(scale: float) -> float:
            eng.set_cell(cell0 * scale, positions0 * scale)
            return -float(np.mean(eng.stress(volume0 * scale**3)[:3]))

        for lo, hi in ((0.9, 1.1), (0.7, 1.4)):
            p_lo, p_hi = pressure(lo), pressure(hi)
            if np.sign(p_lo) != np.sign(p_hi):
                s0 = float(brentq(pressure, lo, hi, xtol=1e-14, rtol=1e-14))
                return a_guess * s0, -(pressure(s0 * (1 + h)) - pressure(s0 * (1 - h))) / (6.0 * h)
    raise ConvergenceError(
        f"no lattice constant between {0.7 * a_guess:.4g} and {1.4 * a_guess:.4g} A makes the pressure of this crystal "
        f"vanish with {potential.name} ({p_lo:.3g} and {p_hi:.3g} eV/A^3 at the ends): check the guess a and that "
        "the potential describes this lattice")


def _strained(reference: Atoms, column: int, h: float) -> Atoms:
    atoms = reference.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
    atoms.set_cell(strained_cell(np.asarray(reference.cell), column, h), scale_atoms=True)
    return atoms


def _say(report: Callable[[str], None], line: str) -> None:
    log.info(line)
    report(line)


def _voigt_name(column: int) -> str:
    return "".join("xyz"[i] for i in VOIGT_PAIRS[column])


# ---------------------------------------------------------------------------- input checks
def _check_parameters(temperature: float, strain: float, equilibration_fs: float, sampling_fs: float,
                      timestep_fs: float, blocks: int) -> _Sampling | None:
    """The MD schedule (None at T = 0), or :class:`HomogenizationError` naming the bad value."""
    if not (math.isfinite(temperature) and temperature >= 0):
        raise HomogenizationError(f"the temperature must be finite and >= 0 K, got {temperature}")
    if not (math.isfinite(strain) and 0 < strain <= MAX_STRAIN):
        raise HomogenizationError(f"the strain amplitude must lie in (0, {MAX_STRAIN}], got {strain}: "
                                  "0.002-0.01 is usual (smaller is noisier at T > 0, larger is nonlinear)")
    if not (math.isfinite(timestep_fs) and timestep_fs > 0):
        raise HomogenizationError(f"the time step must be positive and finite, got {timestep_fs} fs")
    if not (math.isfinite(equilibration_fs) and equilibration_fs >= 0):
        raise HomogenizationError(f"the equilibration time must be >= 0 and finite, got {equilibration_fs} fs")
    if isinstance(blocks, bool) or int(blocks) != blocks or blocks < 2:
        raise HomogenizationError(f"give at least 2 blocks (10-20 is usual) for standard errors, got {blocks}")
    every = max(1, round(SAMPLE_EVERY_FS / timestep_fs))
    block_steps = every * int((sampling_fs / timestep_fs) / (blocks * every))
    if not math.isfinite(sampling_fs) or block_steps < every:
        raise HomogenizationError(
            f"sampling {sampling_fs} fs cannot fill {blocks} blocks of samples every {every * timestep_fs:g} fs: "
            f"sample at least {blocks * every * timestep_fs:g} fs (blocks of a few hundred fs are usual)")
    if temperature == 0:
        return None
    if block_steps * timestep_fs < MIN_BLOCK_FS:
        log.warning("blocks of %g fs are shorter than the stress correlation time (~%g fs): the standard errors will "
                    "be too small; sample longer or use fewer blocks", block_steps * timestep_fs, MIN_BLOCK_FS)
    return _Sampling(float(temperature), timestep_fs / 1000.0, round(equilibration_fs / timestep_fs), int(blocks),
                     block_steps, every)


def cubic_lattice(lattice: str | Lattice) -> Lattice:
    if isinstance(lattice, Lattice):
        return lattice
    names = {m.name.lower(): m for m in Lattice}
    if not isinstance(lattice, str) or lattice.lower() not in names:
        raise StructureError(f"unknown lattice {lattice!r}; choose one of {', '.join(names)}")
    return names[lattice.lower()]


def crystal_species(potential: Potential, lattice: Lattice,
                    symbol: str | Sequence[str] | None) -> str | tuple[str, ...]:
    n = 2 if lattice.compound else 1
    if symbol is None:
        if len(potential.species) != n:
            raise SpeciesError(f"{potential.name} covers {', '.join(potential.species)}: say which species make the "
                               f"{lattice.name} crystal with symbol=")
        symbols: tuple[str, ...] = tuple(potential.species)
    else:
        symbols = (symbol,) if isinstance(symbol, str) else tuple(symbol)
    potential.check_species(symbols)
    return symbols[0] if len(symbols) == 1 else symbols


def cell_repeat(repeat: Sequence[int]) -> tuple[int, int, int]:
    r = np.asarray(repeat)
    if r.shape != (3,) or not np.issubdtype(r.dtype, np.integer) or r.min() < 1:
        raise StructureError(f"repeat must be 3 positive integers, got {repeat!r}")
    return int(r[0]), int(r[1]), int(r[2])


def _check_width(atoms: Atoms, potential: Potential, strain: float, repeat: tuple[int, int, int]) -> None:
    """Raise :class:`StructureError` when a strained cell is narrower than twice the cutoff
    (an atom would see two images of one neighbour: a finite-size artefact at T > 0)."""
    cell = np.asarray(atoms.cell)
    widths = np.array([cell_heights(strained_cell(cell, j, s * strain))
                       for j in range(6) for s in (1.0, -1.0)]).min(axis=0)
    need = 2.0 * potential.cutoff
    if widths.min() < need:
        enough = [int(math.ceil(n * need / w)) for n, w in zip(repeat, widths, strict=True)]
        raise StructureError(f"the {'x'.join(map(str, repeat))} cell is {widths.min():.3f} A wide (strained), less "
                             f"than twice the cutoff of {potential.name} ({need:.3f} A): use repeat >= "
                             f"{tuple(max(a, b) for a, b in zip(enough, repeat, strict=True))}")

