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


def hmm_at_100_K(executor):
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
    result = hmm_solve(mesh, BurstMaterial(burst, 100.0, cb, executor=executor), u0, left | right,
                       np.flatnonzero(right), tol=0.05, max_iter=10)
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
