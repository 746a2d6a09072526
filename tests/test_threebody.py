"""Stillinger-Weber and Tersoff: numpy evaluators against LAMMPS run directly from its own
input (tests/lammps_reference.py), against finite differences of their own energy, and the
validation of LAMMPS's parameter files.

The LAMMPS input of the references is the one in tests/lammps_reference.py with::

    pair_style sw                                  pair_style tersoff
    pair_coeff * * <path>/Si.sw Si                 pair_coeff * * <path>/SiC.tersoff C Si
"""

import itertools

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.neighborlist import neighbor_list
from lammps_reference import run_lammps_directly

import qcbridge
from qcbridge import LammpsEngine, load_potential
from qcbridge.errors import PotentialError, PotentialFileError, SpeciesError, StructureError
from qcbridge.potentials import StillingerWeber, Tersoff, potential_directories, registry
from qcbridge.potentials.threebody import bond_triplets, evaluate_threebody, threebody_functions

_names = itertools.count()


def _random_mixture():
    atoms = bulk("Si", "diamond", a=4.9, cubic=True).repeat(2)  # between the Si and C lattice constants
    atoms.symbols = np.random.default_rng(0).choice(["Si", "C"], len(atoms))
    return atoms


STRUCTURES = {
    "Si.sw": lambda: bulk("Si", "diamond", a=5.431, cubic=True).repeat(2),
    "GaN.sw": lambda: bulk("GaN", "wurtzite", a=3.19, c=5.19).repeat((3, 3, 2)),  # hexagonal: non-orthogonal
    "Si.tersoff": lambda: bulk("Si", "diamond", a=5.431, cubic=True).repeat(2),
    "SiC.tersoff": lambda: bulk("SiC", "zincblende", a=4.36, cubic=True).repeat(2),
    "SiC.tersoff/mixture": _random_mixture,
    "Si.tersoff/primitive": lambda: bulk("Si", "diamond", a=5.431),  # 2 atoms: neighbours are images
    # Si-C and C-Si pair entries differ in their last digits: LAMMPS's tag rule picks one per pair
    "SiC_1994.tersoff/mixture": _random_mixture,
}


def _deformed(key, how, seed=1):
    atoms = STRUCTURES[key]()
    rng = np.random.default_rng(seed)
    if how == "sheared":  # random F with |F - I| = 0.1 (Frobenius, so every entry and the 2-norm <= 0.1)
        m = rng.uniform(-1.0, 1.0, (3, 3))
        atoms.set_cell(atoms.cell @ (np.eye(3) + 0.1 * m / np.linalg.norm(m)).T, scale_atoms=True)
    atoms.rattle(0.1, seed=seed)
    return atoms


@pytest.mark.parametrize("how", ["rattled", "sheared"])
@pytest.mark.parametrize("key", list(STRUCTURES))
def test_numpy_evaluator_equals_lammps(key, how, rel):
    pot = load_potential(key.split("/")[0])
    atoms = _deformed(key, how)
    ref = run_lammps_directly(atoms, pot)
    got = evaluate_threebody(atoms, threebody_functions(pot))
    assert got["energy"] == pytest.approx(ref["energy"], rel=1e-10)
    for k in ("forces", "energies", "virial"):
        assert rel(got[k], ref[k]) < 1e-10, k
    assert got["energies"].sum() == pytest.approx(got["energy"], rel=1e-12)


@pytest.mark.parametrize("key", ["Si.sw", "GaN.sw", "Si.tersoff", "SiC.tersoff/mixture"])
def test_forces_are_minus_the_energy_gradient(key):
    pot = load_potential(key.split("/")[0])
    atoms = _deformed(key, "sheared", seed=4)
    f = threebody_functions(pot)
    forces = evaluate_threebody(atoms, f)["forces"]
    h = 1e-5
    for i, k in [(0, 0), (3, 1), (7, 2), (len(atoms) - 1, 0)]:
        p = atoms.positions.copy()
        atoms.positions[i, k] = p[i, k] + h
        ep = evaluate_threebody(atoms, f)["energy"]
        atoms.positions[i, k] = p[i, k] - h
        em = evaluate_threebody(atoms, f)["energy"]
        atoms.positions = p
        assert forces[i, k] == pytest.approx(-(ep - em) / (2 * h), abs=1e-7, rel=1e-6)


def _bond_problem(key, seed):
    pot = load_potential(key.split("/")[0])
    atoms = _deformed(key, "sheared", seed=seed)
    f = threebody_functions(pot)
    i, j, d = neighbor_list("ijD", atoms, f.cutoff + 1.0)  # bonds beyond the cutoff too
    species = np.array([f.species.index(s) for s in atoms.get_chemical_symbols()])
    return f, i, j, d, species, len(atoms)


@pytest.mark.parametrize("key", ["GaN.sw", "SiC.tersoff/mixture"])
def test_bond_gradient_batch_and_extra_bonds(key):
    """dE/dx equals differences of the total energy in each bond vector; a batch equals its
    members evaluated alone; bonds beyond the cutoff change nothing."""
    f, i, j, d, species, n = _bond_problem(key, seed=5)
    rng = np.random.default_rng(6)
    batch = np.stack([d, d + rng.normal(0, 0.05, d.shape)])
    e, g = f.site_energies(batch, i, j, species, n)
    assert e.shape == (2, n) and g.shape == batch.shape
    for b in range(2):
        e1, g1 = f.site_energies(batch[b:b + 1], i, j, species, n)
        assert np.allclose(e1[0], e[b], rtol=0, atol=1e-13) and np.allclose(g1[0], g[b], rtol=0, atol=1e-12)
    near = (np.linalg.norm(batch, axis=2) < f.cutoff).any(axis=0)
    e_near, g_near = f.site_energies(batch[:, near], i[near], j[near], species, n)
    assert np.allclose(e_near, e, rtol=0, atol=1e-12) and np.allclose(g_near, g[:, near], rtol=0, atol=1e-12)
    assert not g[:, ~near].any()
    h = 1e-5
    for bond in rng.choice(np.flatnonzero(near), 6, replace=False):
        for k in range(3):
            xp, xm = batch[:1].copy(), batch[:1].copy()
            xp[0, bond, k] += h
            xm[0, bond, k] -= h
            diff = (f.site_energies(xp, i, j, species, n)[0].sum() - f.site_energies(xm, i, j, species, n)[0].sum())
            assert g[0, bond, k] == pytest.approx(diff / (2 * h), abs=2e-7, rel=1e-6)


def test_triplets_are_pairs_of_bonds_around_one_centre():
    center = np.array([2, 0, 2, 1, 2, 0])
    t1, t2 = bond_triplets(center)
    pairs = set(zip(t1.tolist(), t2.tolist(), strict=True))
    assert pairs == {(a, b) for a in range(6) for b in range(6) if a != b and center[a] == center[b]}
    u1, u2 = bond_triplets(center, np.array([1, 1, 1, 1, 0, 1], bool), ordered=False)
    assert set(zip(u1.tolist(), u2.tolist(), strict=True)) == {(0, 2), (1, 5)}
    assert bond_triplets(center)[0] is t1  # built once per bond list


def test_lammps_engine_and_calculator_take_threebody_potentials(rel):
    atoms = _deformed("Si.sw", "sheared", seed=2)
    pot = load_potential("Si.sw")
    want = evaluate_threebody(atoms, threebody_functions(pot))
    with LammpsEngine(atoms, pot) as eng:
        assert eng.energy() == pytest.approx(want["energy"], rel=1e-10)
        assert rel(eng.forces(), want["forces"]) < 1e-10
        assert rel(eng.energies(), want["energies"]) < 1e-10
        assert rel(eng.virial(), want["virial"]) < 1e-10
    sic = _random_mixture()
    sic.calc = qcbridge.LammpsCalculator(load_potential("SiC.tersoff"))
    want = evaluate_threebody(sic, threebody_functions(load_potential("SiC.tersoff")))
    assert sic.get_potential_energy() == pytest.approx(want["energy"], rel=1e-10)
    assert rel(sic.get_forces(), want["forces"]) < 1e-10
    stress = -want["virial"] / sic.get_volume()
    assert rel(sic.get_stress(voigt=False), stress) < 1e-10


def test_descriptions_and_registry():
    si = load_potential("Si.sw")
    assert isinstance(si, StillingerWeber) and si.species == ("Si",) and si.is_manybody
    assert si.cutoff == pytest.approx(2.0951 * 1.80)
    sic = load_potential("SiC.tersoff")
    assert isinstance(sic, Tersoff) and sic.species == ("C", "Si") and sic.cutoff == pytest.approx(3.0)
    assert sic.lammps_commands(["Si", "C"]) == ["pair_style tersoff", f"pair_coeff * * {sic.path} Si C"]
    gan = load_potential(str(source("GaN.sw")))  # a path works as well as a name
    assert gan.species == ("Ga", "N") and gan.cutoff == pytest.approx(2.1 * 1.6)
    assert {"Si.sw", "GaN.sw", "Si.tersoff", "SiC.tersoff"} <= set(registry.known_potentials())
    assert "is not a chemical symbol" in registry.skipped_potentials()["SiCGe.tersoff"]  # Si(B), Si(C), ...
    with pytest.raises(SpeciesError):
        sic.lammps_commands(["Ge"])
    with pytest.raises(SpeciesError):
        evaluate_threebody(bulk("Ge", "diamond", a=5.66), threebody_functions(si))
    with pytest.raises(PotentialError, match="no three-body evaluator"):
        threebody_functions(load_potential("Al_jnp.eam"))
    with pytest.raises(StructureError):
        threebody_functions(si).site_energies(np.zeros((4, 3)), [0], [1], [0, 0], 2)


def test_isolated_atoms_and_dimers():
    f = threebody_functions(load_potential("Si.tersoff"))
    lone = evaluate_threebody(Atoms("Si", positions=[[0, 0, 0]], cell=[20, 20, 20], pbc=False), f)
    assert lone["energy"] == 0.0 and not lone["forces"].any()
    e, g = f.site_energies(np.zeros((3, 0, 3)), np.zeros(0, int), np.zeros(0, int), np.zeros(2, int), 2)
    assert e.shape == (3, 2) and not e.any() and g.shape == (3, 0, 3)


# ---------------------------------------------------------------------------- bad files


def source(name):
    for d in potential_directories():
        if (d / name).is_file():
            return d / name
    raise FileNotFoundError(name)


def write(tmp_path, name, lines):
    path = tmp_path / f"v{next(_names)}_{name}"
    path.write_text("".join(lines))
    return path


def edit(name, number, old, new):
    lines = source(name).read_text().splitlines(keepends=True)
    assert old in lines[number - 1], (old, lines[number - 1])
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return lines


def test_truncated_files_are_named_with_the_line(tmp_path):
    """Si.tersoff's one entry spans lines 17-18; SiC.tersoff's last entry starts on line 40."""
    lines = source("Si.tersoff").read_text().splitlines(keepends=True)
    path = write(tmp_path, "Si.tersoff", lines[:17])
    with pytest.raises(PotentialFileError, match="ends inside this entry, after 10 of its 17 words") as info:
        load_potential(path)
    assert path.name in str(info.value) and info.value.line == 17 and info.value.table == "entry Si Si Si"
    lines = source("SiC.tersoff").read_text().splitlines(keepends=True)
    with pytest.raises(PotentialFileError, match="truncated") as info:
        load_potential(write(tmp_path, "SiC.tersoff", lines[:40] + [lines[40][:40]]))
    assert info.value.line == 40
    lines = source("Si.sw").read_text().splitlines(keepends=True)
    with pytest.raises(PotentialFileError) as info:
        load_potential(write(tmp_path, "Si.sw", lines[:17]))
    assert info.value.line == 17 and "Si.sw" in str(info.value)
    lines = source("SiC.tersoff").read_text().splitlines(keepends=True)
    with pytest.raises(PotentialFileError, match="no entry for Si C Si; every triplet of the elements C Si"):
        load_potential(write(tmp_path, "SiC.tersoff", lines[:39]))  # the last entry cut off at a line break


@pytest.mark.parametrize("name,number,old,new,fragment", [
    ("Si.sw", 18, "7.049556277", "nan", "A is 'nan'; every parameter must be finite"),
    ("Si.tersoff", 18, "95.373", "NaN", "B is 'NaN'"),
    ("SiC.tersoff", 23, "1830.8", "1e999", "A is '1e999'"),
    ("GaN.sw", 19, "1.695", "x1.695", "sigma is 'x1.695', not a number"),
    ("Si.sw", 18, "0.0 0.0", "0.0", "ends inside this entry"),  # one number short
    ("GaN.sw", 19, "0.0 0.0", "0.0 0.0 0.0", "with 1 more word(s) on it"),
    ("GaN.sw", 23, "Ga N  Ga", "Ga N  N ", "a second entry for Ga N N (the first is on line 19)"),
    ("SiC.tersoff", 28, "Si  C   C ", "Si  C   Cx", "'Cx' is not a chemical symbol"),
    ("Si.tersoff", 18, "0.2 ", "3.2 ", "D = 3.2 exceeds R = 3"),
    ("Si.tersoff", 17, "3.0 1.0", "2.0 1.0", "m is 2"),
    ("Si.tersoff", 17, "2.0417", "0.0", "d is 0"),
    ("GaN.sw", 17, "1.300", "-1.300", "sigma is -1.3; LAMMPS refuses negative values"),
    ("Si.sw", 1, "UNITS: metal", "UNITS: real", "written in units 'real'"),
])
def test_malformed_files_are_named_before_lammps(tmp_path, name, number, old, new, fragment):
    path = write(tmp_path, name, edit(name, number, old, new))
    with pytest.raises(PotentialFileError) as info:
        load_potential(path)
    msg = str(info.value)
    assert path.name in msg and fragment in msg, msg
    if "no entry" not in fragment:
        assert info.value.line is not None and f"line {info.value.line}" in msg


def test_nothing_reaches_lammps_from_a_bad_file(tmp_path):
    path = write(tmp_path, "Si.sw", edit("Si.sw", 18, "7.049556277", "nan"))
    bad = StillingerWeber("bad", ("Si",), (28.085,), 3.77, path=path)  # a description made by hand
    with pytest.raises(PotentialFileError):
        LammpsEngine(bulk("Si", "diamond", a=5.431, cubic=True), bad)
    with pytest.raises(PotentialFileError):
        threebody_functions(bad)


def test_cauchy_born_of_a_crystal_pulled_apart_has_no_energy_and_no_stress():
    """Diamond Si with Stillinger-Weber (cutoff 3.77 A) stretched until some or all bonds leave
    the cutoff -- an element across an opened crack: W and P are those of the bonds left (none
    at 3 x), and a batch mixing such F with intact ones gives each its own values."""
    from qcbridge.continuum.cauchy_born import CauchyBorn

    cb = CauchyBorn(bulk("Si", "diamond", a=5.431), load_potential("Si.sw"), start_step=0.0)
    apart = np.diag([3.0, 3.0, 3.0])
    assert cb.energy_density(apart) == 0.0 and np.all(cb.first_piola(apart) == 0.0)
    batch = np.stack([apart, np.eye(3), np.diag([1.0, 1.0, 1.7])])
    W = cb.energy_density(batch)
    assert W[0] == 0.0 and W[1] < W[2] < 0.0  # stretched by 1.7 along z, the bonds still within the cutoff
    assert W[1] == pytest.approx(cb.energy_density(np.eye(3)), rel=1e-12)
    assert np.all(np.isfinite(cb.inner_shifts(apart)))
