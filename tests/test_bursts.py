"""Stress bursts for HMM (qcbridge.multiscale.bursts).

At T = 0 a burst must give the Cauchy-Born stress and energy density of the numpy
:class:`CauchyBorn` material (an independent implementation: bond sums, not LAMMPS) for a
simple lattice (Al_jnp.eam, fcc) and a multilattice whose atoms relax inside the cell
(Si.sw, diamond). At T > 0 the stress of a diagonally stretched fcc crystal keeps its
symmetry within the error bars, approaches the static stress linearly as T -> 0 (the
thermal pressure of a harmonic crystal), both thermostats agree, and the error bars shrink
as 1/sqrt(sampling time). The autocorrelation time estimator is checked on an AR(1)
process, whose integrated time is known in closed form.

Potentials: Al_jnp.eam (cutoff 6 A: a 4x4x4 cell of 256 atoms is wide enough at T > 0).
"""

import numpy as np
import pytest
from scipy.signal import lfilter

from qcbridge.continuum import CauchyBorn
from qcbridge.errors import BurstError, DeformationError, LammpsError, MultiscaleError
from qcbridge.homogenization.atomistic import strained_cell
from qcbridge.multiscale.bursts import BurstResult, StressBurst, integrated_autocorrelation_time
from qcbridge.potentials import load_potential
from qcbridge.structures import Lattice, cubic_crystal

#: Short MD settings: 256 atoms, 2 fs steps, 5 blocks of 400 fs (a few correlation times each).
FAST = {"repeat": (4, 4, 4), "timestep_fs": 2.0, "equilibration_fs": 500.0, "sampling_fs": 2000.0, "blocks": 5}
#: The 300 K runs whose error bars the assertions use: 10 blocks of 400 fs (9 degrees of freedom,
#: so that 5 standard errors is a safe bound; over eight seeds the largest deviation was 3.3).
AT_300 = {**FAST, "sampling_fs": 4000.0, "blocks": 10}
#: A general deformation: stretch, shear and a rotation part (F is not symmetric).
F_GENERAL = np.array([[1.01, 0.03, 0.0], [0.0, 0.995, 0.01], [-0.02, 0.0, 1.004]])
#: A uniaxial stretch along x (cubic symmetry: sigma_yy = sigma_zz, no shear stress).
F_STRETCH = strained_cell(np.eye(3), 0, 0.01).T


@pytest.fixture(scope="module")
def al():
    return load_potential("Al_jnp.eam")


@pytest.fixture(scope="module")
def al_300(al):
    return StressBurst(al, "fcc", 4.05, seed=7, **AT_300)(F_STRETCH, 300.0)


def cauchy_born(pot, lattice, symbol, a, F):
    """sigma (3, 3), P (3, 3) and W of the numpy Cauchy-Born material (eV/A^3)."""
    # start_step=0: relax the inner shifts from the unshifted basis only, as LAMMPS's minimizer does
    W, P = CauchyBorn(cubic_crystal(lattice, symbol, a), pot, start_step=0.0).energy_and_stress(F)
    return P @ F.T / np.linalg.det(F), P, float(W)


# ------------------------------------------------------------------ T = 0: Cauchy-Born
@pytest.mark.parametrize("name, lattice, symbol, a, repeat", [
    ("Al_jnp.eam", Lattice.FCC, "Al", 4.05, (2, 2, 2)),
    ("Si.sw", Lattice.DIAMOND, "Si", 5.431, (2, 2, 2)),  # sheared diamond: the inner shifts relax
])
@pytest.mark.parametrize("F", [F_GENERAL, strained_cell(np.eye(3), 5, 0.04).T], ids=["general", "shear"])
def test_zero_temperature_gives_the_cauchy_born_stress(name, lattice, symbol, a, repeat, F):
    pot = load_potential(name)
    r = StressBurst(pot, lattice, a, repeat=repeat)(F, 0.0)
    sigma, P, W = cauchy_born(pot, lattice, symbol, a, F)
    scale = np.abs(sigma).max()
    assert np.abs(r.cauchy - sigma).max() <= 1e-8 * scale
    assert np.abs(r.piola - P).max() <= 1e-8 * scale
    assert r.energy == pytest.approx(W, rel=1e-10)
    assert np.allclose(r.piola, np.linalg.det(F) * r.cauchy @ np.linalg.inv(F).T, rtol=0, atol=1e-14)
    assert np.all(r.cauchy_error == 0) and np.all(r.piola_error == 0) and r.energy_error == 0
    assert (r.samples, r.duration_fs, r.correlation_time_fs) == (1, 0.0, 0.0)


def test_unrelaxed_multilattice_would_differ():
    """The Si check above is not vacuous: without relaxation the sheared stress is different."""
    pot = load_potential("Si.sw")
    F = strained_cell(np.eye(3), 5, 0.04).T
    relaxed, _, _ = cauchy_born(pot, Lattice.DIAMOND, "Si", 5.431, F)
    W, P = CauchyBorn(cubic_crystal(Lattice.DIAMOND, "Si", 5.431), pot, relax=False).energy_and_stress(F)
    assert np.abs(P @ F.T / np.linalg.det(F) - relaxed).max() > 1e-3 * np.abs(relaxed).max()


# ------------------------------------------------------------------ T > 0
def test_strained_cell_at_300_K_has_finite_stress_and_error_bars(al_300):
    r = al_300
    assert isinstance(r, BurstResult) and r.temperature == 300.0
    for x in (r.cauchy, r.cauchy_error, r.piola, r.piola_error):
        assert x.shape == (3, 3) and np.all(np.isfinite(x))
    assert np.all(r.cauchy_error > 0) and np.all(r.piola_error > 0) and r.energy_error > 0
    assert r.samples == 400 and r.duration_fs == 4000.0
    assert 10.0 < r.correlation_time_fs < 400.0  # blocks are 400 fs
    assert r.measured_temperature == pytest.approx(300.0, rel=0.03)
    # P = J sigma F^-T, block by block, so also for the means
    assert np.allclose(r.piola, np.linalg.det(F_STRETCH) * r.cauchy @ np.linalg.inv(F_STRETCH).T, atol=1e-15)
    # cubic symmetry of a stretch along x: sigma_yy = sigma_zz, no shear stress
    assert np.all(np.abs(r.cauchy - r.cauchy.T) == 0)
    assert abs(r.cauchy[1, 1] - r.cauchy[2, 2]) < 5 * np.hypot(r.cauchy_error[1, 1], r.cauchy_error[2, 2])
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.abs(r.cauchy[off]) < 5 * r.cauchy_error[off])
    # the stretch puts x in more tension than y and z, beyond the noise
    assert r.cauchy[0, 0] - r.cauchy[1, 1] > 5 * np.hypot(r.cauchy_error[0, 0], r.cauchy_error[1, 1])


def test_stress_approaches_the_static_one_linearly_as_T_goes_to_zero(al):
    """The thermal stress of a harmonic crystal at fixed volume is linear in T: the MD path
    meets the T = 0 (Cauchy-Born) limit with the same slope at 1 K and at 10 K."""
    burst = StressBurst(al, "fcc", 4.05, **{**FAST, "sampling_fs": 1000.0})
    static = burst(F_STRETCH, 0.0).cauchy
    slope_1, slope_10 = ((burst(F_STRETCH, T).cauchy - static) / T for T in (1.0, 10.0))
    diag = np.diag_indices(3)
    assert np.all(slope_1[diag] < 0)  # heating at fixed volume: compression
    assert np.abs(slope_10[diag] / slope_1[diag] - 1).max() < 0.05


def test_nose_hoover_agrees_with_langevin(al, al_300):
    r = StressBurst(al, "fcc", 4.05, thermostat="nose-hoover", seed=7, **AT_300)(F_STRETCH, 300.0)
    assert r.measured_temperature == pytest.approx(300.0, rel=0.03)
    d = np.diag(r.cauchy - al_300.cauchy)
    assert np.all(np.abs(d) < 5 * np.hypot(np.diag(r.cauchy_error), np.diag(al_300.cauchy_error)))


def test_stress_is_objective_at_finite_temperature(al):
    """sigma(Q F) = Q sigma(F) Q^T: the rotation into LAMMPS's box frame and back is right."""
    c, s = np.cos(0.3), np.sin(0.3)
    Q = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) @ np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])
    burst = StressBurst(al, "fcc", 4.05, **{**FAST, "sampling_fs": 1000.0})
    r, q = burst(F_GENERAL, 100.0), burst(Q @ F_GENERAL, 100.0)
    assert np.all(np.abs(q.cauchy - Q @ r.cauchy @ Q.T) <= 5 * np.hypot(q.cauchy_error, r.cauchy_error) + 1e-12)
    assert np.allclose(q.piola, Q @ r.piola, rtol=0, atol=5 * np.hypot(q.piola_error, r.piola_error).max())
    assert q.energy == pytest.approx(r.energy, abs=5 * np.hypot(q.energy_error, r.energy_error))


@pytest.mark.slow
def test_error_bars_shrink_as_one_over_sqrt_sampling_time(al):
    """20 blocks of 400 and 1600 fs: measured ratios 1.58-2.07 over six seeds (the short run's
    blocks, about six correlation times long, bias its error bar slightly low)."""
    burst = StressBurst(al, "fcc", 4.05, repeat=(4, 4, 4), equilibration_fs=1000.0, blocks=20, seed=3)
    short, long = (burst(F_STRETCH, 300.0, sampling_fs=t) for t in (8000.0, 32000.0))
    rms = [np.sqrt(np.mean(r.cauchy_error[np.triu_indices(3)] ** 2)) for r in (short, long)]
    assert 1.4 <= rms[0] / rms[1] <= 3.0  # 2 expected


@pytest.mark.slow
def test_common_random_numbers_make_stress_differences_quiet(al):
    """Bursts at F and F + h e_xx with the same seeds: their difference scatters far less
    over seeds than with independent seeds (measured: 8 times less)."""
    burst = StressBurst(al, "fcc", 4.05, **{**FAST, "equilibration_fs": 1000.0})
    F1 = F_STRETCH + np.diag([0.005, 0.0, 0.0])
    same, independent = [], []
    for s in range(6):
        base = burst(F_STRETCH, 300.0, seed=s).cauchy[0, 0]
        same.append(burst(F1, 300.0, seed=s).cauchy[0, 0] - base)
        independent.append(burst(F1, 300.0, seed=100 + s).cauchy[0, 0] - base)
    assert np.std(independent) > 3 * np.std(same)
    assert np.mean(same) > 0  # stretching further adds tension


# ------------------------------------------------------------------ cache and seeds
def test_cache_returns_the_same_object_within_tolerance(al):
    burst = StressBurst(al, "fcc", 4.05, repeat=(1, 1, 1), tol_F=1e-6)
    first = burst(F_GENERAL, 0.0)
    assert burst(F_GENERAL + 0.5e-6, 0.0) is first
    assert burst.cached(F_GENERAL - 0.9e-6, 0.0) is first
    assert burst.cache_size == 1
    beyond = burst(F_GENERAL + 2e-6, 0.0)
    assert beyond is not first and burst.cache_size == 2
    assert burst.cached(F_GENERAL, 1.0) is None  # another temperature
    burst.cache_clear()
    assert burst.cache_size == 0 and burst.cached(F_GENERAL, 0.0) is None


def test_cache_keeps_bursts_with_other_settings_apart(al):
    burst = StressBurst(al, "fcc", 4.05, **{**FAST, "sampling_fs": 400.0, "equilibration_fs": 100.0})
    r = burst(F_STRETCH, 50.0)
    assert burst(F_STRETCH, 50.0) is r
    assert burst.cached(F_STRETCH, 50.0, seed=1) is None
    assert burst.cached(F_STRETCH, 50.0, sampling_fs=800.0) is None
    assert burst.cached(F_STRETCH, 50.0 + 1e-3) is None


def test_same_seed_gives_identical_numbers(al):
    settings = {**FAST, "sampling_fs": 400.0, "equilibration_fs": 100.0}
    a = StressBurst(al, "fcc", 4.05, seed=11, **settings)(F_GENERAL, 100.0)
    b = StressBurst(al, "fcc", 4.05, seed=np.random.default_rng(11), **settings)(F_GENERAL, 100.0)
    c = StressBurst(al, "fcc", 4.05, seed=12, **settings)(F_GENERAL, 100.0)
    assert np.array_equal(a.cauchy, b.cauchy) and np.array_equal(a.cauchy_error, b.cauchy_error)
    assert a.energy == b.energy and a.correlation_time_fs == b.correlation_time_fs
    assert not np.array_equal(a.cauchy, c.cauchy)
    d = StressBurst(al, "fcc", 4.05, seed=12, **settings)(F_GENERAL, 100.0, seed=11)  # a call's own seed
    assert np.array_equal(a.cauchy, d.cauchy)


# ------------------------------------------------------------------ statistics
def test_autocorrelation_time_of_an_ar1_process():
    """x_t = phi x_(t-1) + noise has rho(k) = phi^k, so tau = 1/2 + phi / (1 - phi)."""
    phi = 0.8
    x = lfilter([1.0], [1.0, -phi], np.random.default_rng(0).normal(size=(100_000, 2)), axis=0)
    tau = integrated_autocorrelation_time(x)
    assert tau == pytest.approx(0.5 * (1 + phi) / (1 - phi), rel=0.1)
    white = integrated_autocorrelation_time(np.random.default_rng(1).normal(size=20_000))
    assert white == pytest.approx(0.5, abs=0.05)
    assert integrated_autocorrelation_time(np.ones((10, 2))).tolist() == [0.0, 0.0]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("F", [np.diag([1.0, 1.0, -1.0]), np.zeros((3, 3)), np.full((3, 3), np.nan), np.eye(2)],
                         ids=["inverting", "singular", "nan", "2x2"])
def test_inadmissible_F_raises_deformation_error(al, F):
    with pytest.raises(DeformationError):
        StressBurst(al, "fcc", 4.05, repeat=(1, 1, 1))(F, 0.0)


@pytest.mark.parametrize("T", [-1.0, np.nan, np.inf, "hot"])
def test_bad_temperature_raises_multiscale_error(al, T):
    with pytest.raises(MultiscaleError, match="temperature"):
        StressBurst(al, "fcc", 4.05, repeat=(1, 1, 1))(np.eye(3), T)


@pytest.mark.parametrize("option, match", [
    ({"thermostat": "berendsen"}, "langevin, nose-hoover"),
    ({"blocks": 1}, "blocks"),
    ({"sampling_fs": 10.0}, "sample at least"),
    ({"timestep_fs": 0.0}, "timestep_fs"),
    ({"equilibration_fs": -1.0}, "equilibration_fs"),
])
def test_bad_settings_raise_multiscale_error(al, option, match):
    with pytest.raises(MultiscaleError, match=match):
        StressBurst(al, "fcc", 4.05, **option)


def test_cell_too_narrow_for_the_cutoff_at_finite_temperature(al):
    burst = StressBurst(al, "fcc", 4.05, repeat=(2, 2, 2), sampling_fs=400.0)
    with pytest.raises(MultiscaleError, match=r"repeat >= \(3, 3, 3\)"):
        burst(np.eye(3), 300.0)
    assert burst(np.eye(3), 0.0).temperature == 0.0  # at T = 0 any periodic cell gives Cauchy-Born


def test_exploding_crystal_raises_burst_error_with_its_inputs(al):
    """A 50 fs step (omega dt >> 2 for Al's phonons) makes velocity Verlet diverge: atoms fly
    out of the box within a few steps and LAMMPS reports lost atoms."""
    burst = StressBurst(al, "fcc", 4.05, **{**FAST, "timestep_fs": 50.0})
    with pytest.raises(BurstError, match="Lost atoms") as info:
        burst(F_STRETCH, 300.0)
    F, T = info.value.inputs
    assert np.array_equal(F, F_STRETCH) and T == 300.0
    assert isinstance(info.value.__cause__, LammpsError)
    assert burst.cache_size == 0
