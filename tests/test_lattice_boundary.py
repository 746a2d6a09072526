"""Mori-Zwanzig matrix boundary of a crystal: force constants against LAMMPS, the discrete bath
kernel against the whole harmonic lattice, and the EAM slab wave test."""

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from ase.build import bulk

from qcbridge.engines.force_constants import pair_force_constants, stiffness_matrix
from qcbridge.engines.lammps import LammpsEngine
from qcbridge.errors import KernelError, StructureError
from qcbridge.memory.lattice_boundary import PeriodicLatticeBoundary, bath_response
from qcbridge.potentials import load_potential
from qcbridge.structures import Lattice, cubic_crystal


@pytest.fixture(scope="module")
def cu():
    pot = load_potential("Cu_u3.eam")
    return pot, pair_force_constants(pot, cubic_crystal(Lattice.FCC, "Cu", 3.615, size=(6, 6, 6)))


def test_force_constants_give_lammps_forces_on_a_one_cell_thick_slab(cu):
    pot, fc = cu
    assert np.abs(fc.blocks.sum(axis=0)).max() < 1e-9  # acoustic sum rule: a rigid shift costs nothing
    atoms = cubic_crystal(Lattice.FCC, "Cu", 3.615, size=(7, 5, 1))  # z thinner than the reach: images summed
    k = stiffness_matrix(atoms.positions, atoms.cell[:], atoms.pbc, fc)
    rng = np.random.default_rng(1)
    direction = rng.standard_normal((len(atoms), 3))
    errors = []
    with LammpsEngine(atoms, pot, min_distance=0.0) as eng:
        f0 = eng.forces()
        for h in (1e-3, 1e-4):
            eng.set_positions(atoms.positions + h * direction)
            df = eng.forces() - f0
            errors.append(np.linalg.norm(df + (k @ (h * direction).ravel()).reshape(-1, 3)) / np.linalg.norm(df))
    assert errors[1] < 1e-3
    assert errors[1] < 0.2 * errors[0]  # the misfit is the anharmonic term, shrinking with the displacement


def test_force_constants_of_a_primitive_cell_equal_those_of_a_wide_supercell(cu):
    pot, fc = cu
    small = pair_force_constants(pot, bulk("Cu", "fcc", a=3.615))  # repeated until wide enough
    assert len(small.vectors) == len(fc.vectors)
    assert np.abs(small.lookup(fc.vectors) - fc.blocks).max() < 1e-6 * np.abs(fc.blocks).max()
    with pytest.raises(StructureError, match="periodic cell"):
        pair_force_constants(pot, cubic_crystal(Lattice.FCC, "Cu", 3.615, size=(6, 6, 6), pbc=(True, True, False)))


def _spring_lattice(nx: int, ny: int) -> sp.csr_matrix:
    """Scalar lattice, periodic along y, with springs to x neighbours 1 and 2 apart and to
    diagonal neighbours; sites ordered (column, row)."""
    k = sp.lil_matrix((nx * ny, nx * ny))
    for ix in range(nx):
        for iy in range(ny):
            i = ix * ny + iy
            for dx, dy, c in ((1, 0, 1.0), (2, 0, 0.3), (0, 1, 0.7), (1, 1, 0.2), (1, -1, 0.2)):
                jx, jy = ix + dx, (iy + dy) % ny
                if jx < nx:
                    j = jx * ny + jy
                    k[i, i] += c
                    k[j, j] += c
                    k[i, j] -= c
                    k[j, i] -= c
    return k.tocsr()


def test_periodic_lattice_boundary_moves_the_region_as_the_whole_lattice():
    nx, ny, g, dt, steps = 60, 5, 2, 0.2, 150
    r0, r1 = 20, 40  # region columns
    k = _spring_lattice(nx, ny)
    rng = np.random.default_rng(3)
    u0 = np.zeros(nx * ny)
    u0[r0 * ny:r1 * ny] = rng.standard_normal((r1 - r0) * ny)  # the interface starts displaced too

    def verlet(force, u, record=None):
        v = np.zeros_like(u)
        a = force(u, 0)
        for n in range(steps):
            v = v + 0.5 * dt * a
            if record is not None:
                record(u)
            u = u + dt * v
            a = force(u, n + 1)
            v = v + 0.5 * dt * a
        return u

    whole = verlet(lambda u, n: -(k @ u), u0)[r0 * ny:r1 * ny]

    def kernel(columns_bath, columns_interface):
        bath = np.concatenate([np.arange(c * ny, (c + 1) * ny) for c in columns_bath])
        inter = np.concatenate([np.arange(c * ny, (c + 1) * ny) for c in columns_interface])
        ghost_rows = np.arange(g * ny).reshape(g, ny).T.ravel()  # (row, plane)
        theta = bath_response(k[bath][:, bath], k[bath][:, inter[::ny]], np.ones(len(bath)), dt, steps, ghost_rows)
        return PeriodicLatticeBoundary(theta.reshape(steps, ny, g, g)), bath[:g * ny]

    left, left_ghosts = kernel(range(r0 - 1, -1, -1), range(r0, r0 + g))
    right, right_ghosts = kernel(range(r1, nx), range(r1 - g, r1))
    region = np.arange(r0 * ny, r1 * ny)
    ghosts = {"u": np.zeros(2 * g * ny)}
    gi = np.concatenate([left_ghosts, right_ghosts])

    def record(u):
        cols = u.reshape(r1 - r0, ny)
        lg = left.push(cols[:g].T)  # (rows, planes)
        rg = right.push(cols[-g:].T)
        ghosts["u"] = np.concatenate([lg.T.ravel(), rg.T.ravel()])

    def force(u, n):
        full = np.zeros(nx * ny)
        full[region] = u
        full[gi] = ghosts["u"]
        return -(k @ full)[region]

    reduced = verlet(force, u0[region], record)
    assert np.abs(reduced - whole).max() < 1e-10 * np.abs(whole).max()


def test_bad_kernel_input_is_named():
    k = _spring_lattice(10, 2)
    with pytest.raises(KernelError, match="stability"):
        bath_response(k, k[:, :2], np.ones(20), 5.0, 50, np.arange(4))
    with pytest.raises(KernelError, match="shape"):
        PeriodicLatticeBoundary(np.zeros((3, 2, 2)))
    with pytest.raises(KernelError, match="interface displacements"):
        PeriodicLatticeBoundary(np.zeros((3, 2, 4, 2))).push(np.zeros((2, 3)))


def test_slab_kernel_boundary_absorbs_what_a_tuned_damping_layer_reflects():
    from qcbridge.dynamics import slab_wave_test

    small = dict(layers=16, cells_y=4, width_y=6.0)
    fixed = slab_wave_test("fixed", **small)
    damped = slab_wave_test("damped", **small)
    kernel = slab_wave_test("kernel", **small)
    assert fixed.reflected_energy_fraction > 0.9
    assert kernel.reflected_energy_fraction < 1e-4
    assert damped.reflected_energy_fraction > 10 * kernel.reflected_energy_fraction


def test_wave_test_command_runs_the_slab():
    out = subprocess.run([sys.executable, "-m", "qcbridge.cli", "wave-test", "--system", "slab", "--boundary",
                          "kernel", "--layers", "16", "--json"], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    assert r["system"] == "slab" and r["reflected_energy_fraction"] < 1e-4
    assert 0 <= r["energy_left_fraction"] < 0.2 and r["seconds_per_step"] > 0


def test_lattice_bath_noise_has_the_clamped_bath_gibbs_covariance():
    """<R R^T> = kT [K_BB^-1]_GG at any time: equipartition of the bath held at the interface."""
    from qcbridge.memory.lattice_boundary import LatticeBathNoise

    k = _spring_lattice(12, 3)
    bath = np.arange(6 * 3, 12 * 3)  # columns 6..11 (column 5 held)
    rows = np.arange(6)
    kbb = k[bath][:, bath]
    exact = 0.5 * np.linalg.inv(kbb.toarray())[np.ix_(rows, rows)]
    draws = []
    for seed in range(2000):
        noise = LatticeBathNoise(kbb, np.ones(len(bath)), rows, 0.5, 0.2, rng=seed)
        for _ in range(7):
            noise()
        draws.append(noise())
    measured = np.cov(np.array(draws).T, bias=True)
    assert np.abs(measured - exact).max() < 0.1 * np.abs(exact).max()  # 2000 draws: about 3 % per entry


def test_slab_memory_boundary_with_its_noise_brings_the_region_to_the_bath_temperature():
    from qcbridge.dynamics import SlabWaveTest

    test = SlabWaveTest(load_potential("Cu_u3.eam"), layers=16, cells_y=4)
    t, temp = test.thermal_run(30.0, 16000.0, seed=3)
    assert temp[0] == 0.0 and temp[t < 1000].mean() < 15.0  # starts at rest, heated from the faces
    assert abs(temp[t > 10000].mean() - 30.0) < 4.5  # 128 atoms: about 1 K of noise over 6 ps
