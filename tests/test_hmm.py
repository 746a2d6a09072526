"""HMM: a finite-element bar whose stresses come from LAMMPS bursts. At T = 0 it is the
Cauchy-Born continuum solution (solved independently by Newton on the Cauchy-Born material);
at finite T the same run gives identical numbers in this process, in a process pool and on a
Dask cluster, with the reaction's error bar from the bursts'."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from qcbridge import load_potential
from qcbridge.continuum.assembly import ContinuumModel
from qcbridge.continuum.materials import cauchy_born_material
from qcbridge.continuum.mesh import structured_mesh
from qcbridge.multiscale import StressBurst
from qcbridge.multiscale.hmm import BurstMaterial, hmm_solve
from qcbridge.multiscale.specimen import gripped_bar_md, gripped_bar_mesh
from qcbridge.solvers import ContinuumProblem, Newton, RelaxOptions, relax
from qcbridge.structures import Lattice, cubic_crystal

A0 = 3.98756  # Al_jnp's zero-pressure lattice constant at 0 K (A)


@pytest.fixture(scope="module")
def al():
    pot = load_potential("Al_jnp.eam")
    return pot, cauchy_born_material(cubic_crystal(Lattice.FCC, "Al", A0), pot)


def bar(stretch: float, wiggle: float = 0.0):
    """A 30 x 20 x 20 A bar, ends held, the right end pulled by ``stretch`` A."""
    mesh = structured_mesh((2, 1, 1), (30.0, 20.0, 20.0))
    x = mesh.nodes[:, 0]
    left, right = np.isclose(x, 0.0), np.isclose(x, 30.0)
    u0 = np.zeros((mesh.n_nodes, 3))
    u0[right, 0] = stretch
    u0[~(left | right), 1] = wiggle * np.sin(x[~(left | right)])
    return mesh, u0, left | right, np.flatnonzero(right)


def test_hmm_at_zero_temperature_is_the_cauchy_born_continuum_solution(al):
    pot, cb = al
    mesh, u0, fixed, right = bar(0.6, wiggle=0.05)
    newton = relax(ContinuumProblem(ContinuumModel(mesh, cb), u0, fixed), Newton(),
                   RelaxOptions(fmax=1e-11, max_steps=50))
    _, f_cb = ContinuumModel(mesh, cb).energy_forces(newton.u)
    material = BurstMaterial(StressBurst(pot, "fcc", A0, repeat=(2, 2, 2), tol_F=1e-13), 0.0, cb, tol_F=1e-13)
    result = hmm_solve(mesh, material, u0, fixed, right, tol=1e-9)
    assert np.abs(result.u - newton.u).max() < 1e-8
    assert np.allclose(result.reaction, -f_cb[right].sum(axis=0), rtol=1e-8, atol=1e-8)
    assert result.reaction[0] > 1.0 and np.all(result.reaction_error == 0.0)
    assert result.residuals[-1] < 1e-9 and result.residuals[0] > 1.0


def hmm_at_100_K(executor, reuse_within: float = 0.0):
    """A two-element-long bar at 100 K with short bursts: the free middle nodes move under burst stresses."""
    pot = load_potential("Al_jnp.eam")
    cb = cauchy_born_material(cubic_crystal(Lattice.FCC, "Al", A0), pot)
    burst = StressBurst(pot, "fcc", A0, repeat=(4, 4, 4), equilibration_fs=200.0, sampling_fs=400.0, blocks=2, seed=11)
    mesh = structured_mesh((2, 1, 1), (30.0, 20.0, 20.0))
    x = mesh.nodes[:, 0]
    left, right = np.isclose(x, 0.0), np.isclose(x, 30.0)
    u0 = np.zeros((mesh.n_nodes, 3))
    u0[right, 0] = 0.6
    u0[~(left | right), 0] = 0.2  # off equilibrium (0.3): the solve has work to do
    material = BurstMaterial(burst, 100.0, cb, executor=executor, reuse_within=reuse_within)
    result = hmm_solve(mesh, material, u0, left | right, np.flatnonzero(right), tol=0.05, max_iter=10)
    return result.u, result.reaction, result.reaction_error, result.bursts


def test_hmm_numbers_are_identical_on_every_executor_with_error_bars():
    serial = hmm_at_100_K(None)
    u, reaction, error, bursts = serial
    assert bursts > 1 and np.all(error[:1] > 0) and reaction[0] > 10 * error[0]
    middle = (u[:, 0] > 0.0) & (u[:, 0] < 0.6)
    assert middle.sum() == 4 and abs(u[middle, 0].mean() - 0.3) < 0.02  # the middle moved to about half way
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = hmm_at_100_K(pool)
    assert all(np.array_equal(a, b) for a, b in zip(serial, pooled, strict=True))
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        dasked = hmm_at_100_K(client.get_executor())
    assert all(np.array_equal(a, b) for a, b in zip(serial, dasked, strict=True))


def test_reusing_nearby_bursts_is_exact_at_zero_temperature_and_saves_bursts_at_100_K(al):
    """Interpolation between cached F: a burst's stress corrected by the Cauchy-Born change. At T = 0
    it is exact, so HMM reaches the Newton solution with the bursts of the first iteration only; at
    100 K it needs fewer bursts and its reaction stays within three combined error bars of the
    burst-per-F run's."""
    pot, cb = al
    mesh, u0, fixed, right = bar(0.6, wiggle=0.05)
    newton = relax(ContinuumProblem(ContinuumModel(mesh, cb), u0, fixed), Newton(),
                   RelaxOptions(fmax=1e-11, max_steps=50))
    burst = StressBurst(pot, "fcc", A0, repeat=(2, 2, 2), tol_F=1e-13)
    material = BurstMaterial(burst, 0.0, cb, tol_F=1e-13, reuse_within=0.05)
    result = hmm_solve(mesh, material, u0, fixed, right, tol=1e-9)
    assert np.abs(result.u - newton.u).max() < 1e-8
    distinct_start = len(np.unique(np.round(ContinuumModel(mesh, cb).deformation_gradients(u0), 12), axis=0))
    assert result.bursts == distinct_start and material.reused > 10 * result.bursts
    every = hmm_at_100_K(None)
    reused = hmm_at_100_K(None, reuse_within=0.05)
    assert reused[3] < every[3]
    # the corrected bursts sit up to 0.007 in F from their own: an interpolation error of order
    # |C_100K - C_0K| |dF| A ~ 0.06 eV/A beside the statistical one
    assert abs(reused[1][0] - every[1][0]) < 3 * np.hypot(reused[2][0], every[2][0])


def test_gripped_bar_at_zero_temperature_is_the_uniform_cauchy_born_state(al):
    """The HMM twin of the gripped MD bar (ends held, sides on rollers), started with the interior at
    rest: the fixed point reaches the uniform uniaxial strain, and the reaction is P_xx(F) times the
    cross-section."""
    pot, cb = al
    bar = gripped_bar_mesh(A0, (12, 4, 4), 0.02)
    burst = StressBurst(pot, "fcc", A0, repeat=(2, 2, 2), tol_F=1e-13)
    result = hmm_solve(bar.mesh, BurstMaterial(burst, 0.0, cb, tol_F=1e-13), bar.u0, bar.fixed, bar.right, tol=1e-9)
    assert result.residuals[0] > 1.0 and result.iterations > 3
    assert np.abs(result.u[:, 0] - 0.02 * bar.mesh.nodes[:, 0]).max() < 1e-8
    assert np.abs(result.u[:, 1:]).max() < 1e-8
    P = cb.energy_and_stress(np.diag([1.02, 1.0, 1.0])[None])[1][0]
    assert np.allclose(result.reaction, P[:, 0] * (4 * A0) ** 2, rtol=1e-9, atol=1e-9)


def test_gripped_bar_md_near_zero_temperature_gives_the_cauchy_born_reaction(al):
    """Direct MD at 1 K: the force on the grips is the static Cauchy-Born P_xx times the area (the
    thermal stress at 1 K is 0.3 % of it)."""
    pot, cb = al
    r = gripped_bar_md(pot, "fcc", A0, (12, 4, 4), strain=0.02, temperature=1.0, equilibration_fs=500.0,
                       sampling_fs=2000.0, blocks=4, seed=1)
    P = cb.energy_and_stress(np.diag([1.02, 1.0, 1.0])[None])[1][0]
    assert r.atoms == 768 and r.mobile == 512 and abs(r.temperature - 1.0) < 0.3
    assert abs(r.reaction[0] / (P[0, 0] * r.area) - 1) < 0.01
    assert np.abs(r.reaction[1:]).max() < 0.05


@pytest.mark.slow
def test_hmm_at_300_K_matches_direct_md_of_the_same_bar_within_error_bars(al):
    """A 95.7 A Al bar (24 x 4 x 4 cells) pulled by 2 % at 300 K: HMM with 20 ps bursts of 256 atoms
    against LAMMPS MD of the whole gripped bar (1,536 atoms, 40 ps). Both are far from the 0 K
    Cauchy-Born reaction: the thermal stress is -1.6 GPa."""
    pot, cb = al
    bar = gripped_bar_mesh(A0, (24, 4, 4), 0.02)
    u0 = bar.u0.copy()
    u0[:, 0] = 0.02 * bar.mesh.nodes[:, 0]
    burst = StressBurst(pot, "fcc", A0, repeat=(4, 4, 4), equilibration_fs=2000.0, sampling_fs=20000.0, blocks=10,
                        seed=3)
    hmm = hmm_solve(bar.mesh, BurstMaterial(burst, 300.0, cb), u0, bar.fixed, bar.right, tol=1e-2)
    md = gripped_bar_md(pot, "fcc", A0, (24, 4, 4), strain=0.02, temperature=300.0, sampling_fs=40000.0, seed=1)
    sigma = np.hypot(hmm.reaction_error[0], md.reaction_error[0])
    cauchy_born = cb.energy_and_stress(np.diag([1.02, 1.0, 1.0])[None])[1][0, 0, 0] * md.area
    print(f"\nHMM {hmm.reaction[0]:.3f} +- {hmm.reaction_error[0]:.3f}, MD {md.reaction[0]:.3f} +- "
          f"{md.reaction_error[0]:.3f}, 0 K Cauchy-Born {cauchy_born:.3f} eV/A")
    assert abs(hmm.reaction[0] - md.reaction[0]) < 3 * sigma
    assert cauchy_born - max(hmm.reaction[0], md.reaction[0]) > 10 * sigma
