"""Finite-temperature elastic constants from LAMMPS (qcbridge.homogenization.atomistic).

At T = 0 the function must reproduce the static constants of the same LAMMPS potential
(:func:`elastic_constants_by_stress_differences`, relaxed strained cells), at T -> 0 the MD
path must approach them, at 300 K EAM Al softens and keeps its cubic symmetry within the
error bars, and the error bars shrink as 1/sqrt(sampling time).

Potentials: Al_jnp.eam (Jacobsen, Norskov & Puska 1987; cutoff 6 A, so a 4x4x4 cell of 256
atoms is wide enough) for the MD runs, Al_mm.eam.fs (Mendelev) and Si.sw for the static
limit. Si (diamond, a multilattice) checks that the atoms are relaxed inside every strained
cell: its unrelaxed C44 is about twice the relaxed one.
"""

import numpy as np
import pytest
from ase import units

from qcbridge.engines import LammpsEngine
from qcbridge.engines.elastic import elastic_constants_by_stress_differences
from qcbridge.errors import HomogenizationError, SpeciesError, StructureError
from qcbridge.homogenization.atomistic import (
    FiniteTemperatureElasticConstants,
    block_average,
    finite_temperature_elastic_constants,
    strained_cell,
    stress_from_pressure,
)
from qcbridge.potentials import load_potential
from qcbridge.structures import Lattice, cubic_crystal

#: Fast MD settings: 2 fs steps, short runs (blocks of 200 fs: the error bars are somewhat
#: too small, hence the generous multiples of them in the assertions).
FAST = {"repeat": (4, 4, 4), "timestep_fs": 2.0, "equilibration_fs": 1000.0, "sampling_fs": 2000.0, "blocks": 10}
#: Near-zero temperature: tiny noise, so very short runs suffice.
COLD = {"repeat": (4, 4, 4), "timestep_fs": 2.0, "equilibration_fs": 200.0, "sampling_fs": 400.0, "blocks": 4}

C11, C12, C44 = (
    (np.array([0, 1, 2]), np.array([0, 1, 2])),
    (np.array([0, 0, 1, 1, 2, 2]), np.array([1, 2, 0, 2, 0, 1])),
    (np.array([3, 4, 5]), np.array([3, 4, 5])),
)
ZERO = np.ones((6, 6), dtype=bool)
for _rows, _cols in (C11, C12, C44):
    ZERO[_rows, _cols] = False


@pytest.fixture(scope="module")
def al():
    return load_potential("Al_jnp.eam")


@pytest.fixture(scope="module")
def al_static(al):
    return finite_temperature_elastic_constants(al, "fcc", 4.0, 0.0, repeat=(4, 4, 4))


@pytest.fixture(scope="module")
def al_cold(al):
    return finite_temperature_elastic_constants(al, "fcc", 4.0, 2.0, **COLD)


@pytest.fixture(scope="module")
def al_300(al):
    lines = []
    result = finite_temperature_elastic_constants(al, "fcc", 4.0, 300.0, seed=2024, progress=lines.append, **FAST)
    return result, lines


# ------------------------------------------------------------------ T = 0: the static constants
@pytest.mark.parametrize("name, lattice, a, repeat", [("Al_mm.eam.fs", "fcc", 4.05, (4, 4, 4)),
                                                      ("Si.sw", "diamond", 5.43, (2, 2, 2))])
def test_zero_temperature_gives_the_static_constants(name, lattice, a, repeat):
    pot = load_potential(name)
    lines = []
    r = finite_temperature_elastic_constants(pot, lattice, a, 0.0, repeat=repeat, strain=0.005, progress=lines.append)
    unit = cubic_crystal(Lattice[lattice.upper()], pot.species[0], r.lattice_constant)
    reference = elastic_constants_by_stress_differences(unit, pot, strain=0.005, relax=True) / units.GPa
    assert np.abs(r.C - reference).max() <= 1e-6 * np.abs(reference).max()
    assert np.all(r.C_error == 0.0) and r.lattice_constant_error == 0.0 and r.temperature == 0.0
    assert len(lines) == 6
    with LammpsEngine(unit, pot) as eng:  # the lattice constant is the zero-pressure one
        assert np.abs(eng.stress(unit.get_volume())[:3]).max() / units.GPa < 1e-9
    if name == "Si.sw":  # relaxed C44 (56.4 GPa for SW Si) is far below the unrelaxed one
        unrelaxed = elastic_constants_by_stress_differences(unit, pot, strain=0.005) / units.GPa
        assert r.cubic()[2] == pytest.approx(56.4, abs=0.1) and unrelaxed[3, 3] > 1.5 * r.cubic()[2]


def test_static_constants_tend_to_the_small_strain_limit(al, al_static):
    """The central difference at h = 0.005 differs from the h = 1e-3 one by O(h^2) only."""
    unit = cubic_crystal(Lattice.FCC, "Al", al_static.lattice_constant)
    small = elastic_constants_by_stress_differences(unit, al, strain=1e-3) / units.GPa
    assert np.abs(al_static.C - small).max() < 0.01 * np.abs(small).max()


# ------------------------------------------------------------------ T > 0
def test_molecular_dynamics_tends_to_the_static_constants_as_t_goes_to_zero(al_static, al_cold):
    """At 2 K the MD path (thermostat, pressure tensor with kinetic part, LAMMPS box rotation,
    bar -> GPa, sign) gives the static constants up to thermal corrections of ~0.1 %."""
    scale = np.abs(al_static.C).max()
    assert np.abs(al_cold.C - al_static.C).max() < 3e-3 * scale
    assert np.all(al_cold.C_error > 0) and np.all(al_cold.C_error < 1e-3 * scale)
    assert al_cold.lattice_constant == pytest.approx(al_static.lattice_constant, rel=2e-4)


def test_seeds_make_runs_reproducible(al, al_cold):
    again = finite_temperature_elastic_constants(al, "fcc", 4.0, 2.0, seed=np.random.default_rng(0), **COLD)
    np.testing.assert_array_equal(again.C, al_cold.C)
    other = finite_temperature_elastic_constants(al, "fcc", 4.0, 2.0, seed=1, **COLD)
    assert not np.array_equal(other.C, al_cold.C)


def test_300_K_constants_are_cubic_within_error_bars(al_300):
    r, lines = al_300
    C, err = r.C, r.C_error
    assert np.all(np.isfinite(C)) and np.all(err > 0) and np.all(err < 1.0)
    for rows, cols in (C11, C12, C44):
        group = C[rows, cols]
        assert np.all(np.abs(group - group.mean()) < 5 * np.hypot(err[rows, cols], err[rows, cols].mean()))
    assert np.all(np.abs(C[ZERO]) < 5 * err[ZERO])
    assert np.all(np.linalg.eigvalsh(r.symmetric()) > 0)
    assert len(lines) == 7 and lines[0].startswith("NPT")


def test_eam_al_softens_and_expands_at_300_K(al_static, al_300):
    r, _ = al_300
    (c11, c12, c44), (e11, e12, e44) = r.cubic(), r.cubic_error()
    s11, s12, s44 = al_static.cubic()
    assert c11 < s11 - 10 * e11 and c12 < s12 - 10 * e12 and c44 < s44 - 10 * e44
    assert 0.8 < c11 / s11 < 1.0 and 0.8 < c44 / s44 < 1.0
    assert r.lattice_constant > al_static.lattice_constant + 5 * r.lattice_constant_error


@pytest.mark.slow
def test_error_bars_shrink_as_one_over_root_sampling_time(al):
    """Errors for sampling t and 4 t (the same 10 blocks, 400 fs and 1.6 ps long): ratio ~ 2."""
    settings = {"repeat": (4, 4, 4), "timestep_fs": 2.0, "equilibration_fs": 2000.0, "blocks": 10}
    short = finite_temperature_elastic_constants(al, "fcc", 4.0, 300.0, sampling_fs=4000.0, seed=5, **settings)
    long = finite_temperature_elastic_constants(al, "fcc", 4.0, 300.0, sampling_fs=16000.0, seed=6, **settings)
    ratio = short.C_error.mean() / long.C_error.mean()
    assert 1.4 < ratio < 3.0, ratio
    # both runs measure the same constants
    assert np.all(np.abs(short.C - long.C) < 5 * np.hypot(short.C_error, long.C_error) + 0.3)


@pytest.mark.slow
def test_copper_softens_at_300_K():
    """Mishin's Cu (2001): C11, C12, C44 = 170.2, 122.9, 76.2 GPa statically (h = 0.005)."""
    cu = load_potential("Cu_mishin1.eam.alloy")
    static = finite_temperature_elastic_constants(cu, "fcc", 3.615, 0.0, repeat=(4, 4, 4))
    hot = finite_temperature_elastic_constants(cu, "fcc", 3.615, 300.0, repeat=(4, 4, 4), timestep_fs=2.0,
                                               equilibration_fs=2000.0, sampling_fs=8000.0, blocks=10)
    assert static.cubic() == pytest.approx((170.2, 122.9, 76.2), abs=0.1)
    for hot_c, cold_c, e in zip(hot.cubic(), static.cubic(), hot.cubic_error(), strict=True):
        assert hot_c < cold_c - 3 * e


# ------------------------------------------------------------------ pure helpers
def test_strained_cell_uses_engineering_shear_strain():
    cell = np.diag([2.0, 3.0, 4.0])
    np.testing.assert_allclose(strained_cell(cell, 0, 0.01), np.diag([2.02, 3.0, 4.0]))
    sheared = strained_cell(cell, 5, 0.01)  # xy: eps_xy = eps_yx = h / 2
    np.testing.assert_allclose(sheared, [[2.0, 0.01, 0.0], [0.015, 3.0, 0.0], [0.0, 0.0, 4.0]])


def test_stress_from_pressure_flips_sign_reorders_and_rotates():
    nktv2p = 1.6021765e6
    p = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]) * nktv2p  # LAMMPS: xx yy zz xy xz yz
    np.testing.assert_allclose(stress_from_pressure(p, np.eye(3), nktv2p), [[-1.0, -2.0, -3.0, -6.0, -5.0, -4.0]])
    R = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # x_lammps = x_ase R: ASE x is LAMMPS -y
    sigma = stress_from_pressure(np.array([[1.0, 2.0, 0.0, 0.0, 0.0, 0.0]]) * nktv2p, R, nktv2p)
    np.testing.assert_allclose(sigma, [[-2.0, -1.0, 0.0, 0.0, 0.0, 0.0]], atol=1e-15)


def test_stress_from_pressure_agrees_with_the_engine_in_a_rotated_triclinic_box(al):
    """A compressed, doubly sheared cell: LAMMPS's box frame is rotated against ASE's by a few
    degrees and the stress is far from hydrostatic, so a wrong rotation would show."""
    atoms = cubic_crystal(Lattice.FCC, "Al", 3.9, size=(4, 4, 4))
    atoms.set_cell(strained_cell(strained_cell(np.asarray(atoms.cell), 5, 0.05), 3, -0.04), scale_atoms=True)
    with LammpsEngine(atoms, al) as eng:
        eng.command("compute test_p all pressure NULL virial")
        expected = eng.stress(atoms.get_volume())
        assert not np.allclose(eng.box.rotation, np.eye(3), atol=1e-2)
        pressure = np.array(eng.lmp.numpy.extract_compute("test_p", 0, 1))[None, :]
        got = stress_from_pressure(pressure, eng.box.rotation, float(eng.lmp.extract_global("nktv2p")))
    assert np.abs(got[0] - expected).max() < 1e-12 * np.abs(expected).max()
    assert np.abs(expected[3:]).min() > 1e-3  # shear stresses present


def test_block_average():
    mean, se = block_average(np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]]))
    np.testing.assert_allclose(mean, [3.0, 2.0])
    np.testing.assert_allclose(se, [2.0 / np.sqrt(3.0), 0.0])


def test_cubic_averages_equivalent_entries():
    C = np.zeros((6, 6))
    C[C11], C[C12], C[C44] = [100.0, 102.0, 104.0], 60.0, [30.0, 31.0, 32.0]
    err = np.full((6, 6), 0.3)
    r = FiniteTemperatureElasticConstants(300.0, 4.0, C, err)
    assert r.cubic() == pytest.approx((102.0, 60.0, 31.0))
    assert r.cubic_error() == pytest.approx((0.3 / np.sqrt(3), 0.3 / np.sqrt(6), 0.3 / np.sqrt(3)))
    with pytest.raises(ValueError):
        r.C[0, 0] = 1.0  # read-only


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"temperature": -1.0}, HomogenizationError, "temperature"),
    ({"temperature": float("nan")}, HomogenizationError, "temperature"),
    ({"strain": 0.0}, HomogenizationError, "strain"),
    ({"strain": -0.01}, HomogenizationError, "strain"),
    ({"strain": 0.06}, HomogenizationError, "strain"),
    ({"blocks": 1}, HomogenizationError, "blocks"),
    ({"sampling_fs": 10.0}, HomogenizationError, "sampling"),
    ({"timestep_fs": 0.0}, HomogenizationError, "time step"),
    ({"lattice": "hcp"}, StructureError, "unknown lattice 'hcp'; choose one of fcc, bcc"),
    ({"repeat": (4, 4)}, StructureError, "repeat"),
    ({"repeat": (3, 4, 4)}, StructureError, r"twice the cutoff .* repeat >= \(4, 4, 4\)"),
    ({"symbol": "Cu"}, SpeciesError, "Cu"),
])
def test_bad_input_raises_named_errors(al, kwargs, error, match):
    args = {"potential": al, "lattice": "fcc", "a": 4.0, "temperature": 300.0, **FAST, **kwargs}
    with pytest.raises(error, match=match):
        finite_temperature_elastic_constants(**args)


def test_a_potential_with_several_species_needs_a_symbol():
    with pytest.raises(SpeciesError, match="symbol="):
        finite_temperature_elastic_constants(load_potential("AlCu.eam.alloy"), "fcc", 4.05, 0.0)
