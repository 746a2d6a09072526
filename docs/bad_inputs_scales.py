"""Bad inputs of the homogenization, macro-micro and dynamics modules (and of the memory-kernel
options added since), for the catalogue in ``docs/bad_inputs.py``: each case is (area,
description, run(tmp), error class)."""

from __future__ import annotations

import numpy as np

from qcbridge import errors
from qcbridge.tensors import cubic_stiffness


def _homogenize(phases, values, kind="conductivity", **kw):
    from qcbridge.homogenization import homogenize_conductivity, homogenize_stiffness

    solve = homogenize_conductivity if kind == "conductivity" else homogenize_stiffness
    return solve(np.asarray(phases), values, **kw)


def _no_convergence(tmp):
    from qcbridge.homogenization import Scheme
    from qcbridge.homogenization.microstructures import boolean_inclusions

    return _homogenize(boolean_inclusions(32, 2, 4.0, 0.3, 0), [1.0, 1e6], scheme=Scheme.BASIC, max_iter=50)


def _grey_picture(tmp):
    from PIL import Image

    from qcbridge.io.images import read_phase_image

    Image.fromarray((np.arange(400 * 400) % 300).reshape(400, 400).astype(np.uint16)).save(tmp / "photo.png")
    return read_phase_image(tmp / "photo.png")


CASES = [
    ("homogenization", "a phase image with label 2 but data for labels 0 and 1",
     lambda tmp: _homogenize([[0, 1], [2, 1]], [1.0, 2.0]), errors.PhaseMapError),
    ("homogenization", "a phase image of non-integer labels (0.5)",
     lambda tmp: _homogenize(np.full((4, 4), 0.5), [1.0]), errors.PhaseMapError),
    ("homogenization", "a 1D phase image", lambda tmp: _homogenize(np.zeros(8, int), [1.0]), errors.PhaseMapError),
    ("homogenization", "a cubic stiffness with C12 > C11 (not positive definite)",
     lambda tmp: _homogenize(np.zeros((4, 4, 4), int), [cubic_stiffness(100.0, 120.0, 50.0)], "elasticity"),
     errors.PhaseDataError),
    ("homogenization", "a zero conductivity (a void)", lambda tmp: _homogenize(np.zeros((4, 4), int), [0.0]),
     errors.PhaseDataError),
    ("homogenization", "a plane-strain 3x3 stiffness for a 3D image",
     lambda tmp: _homogenize(np.zeros((4, 4, 4), int), [np.eye(3)], "elasticity"), errors.PhaseDataError),
    ("homogenization", "contrast 1e6 with the basic scheme and 50 iterations", _no_convergence,
     errors.CellProblemConvergenceError),
    ("homogenization", "an unsegmented picture (300 grey levels) as a phase image", _grey_picture,
     errors.PhaseMapError),
]


def _decay(state, duration):
    times = np.linspace(0.0, duration, 11)
    return times, state[None, :] * np.exp(-times)[:, None]


def _projective(burst=_decay, **kw):
    from qcbridge.multiscale import projective_integrate

    args = {"method": "PFE", "burst_time": 0.1, "outer_step": 0.5} | kw
    return projective_integrate(burst, np.ones(2), 2.0, **args)


def _stress_burst(F, T=0.0, **kw):
    from qcbridge import load_potential
    from qcbridge.multiscale import StressBurst

    return StressBurst(load_potential("Al_jnp.eam"), "fcc", 4.05, **({"repeat": (2, 2, 2)} | kw))(np.asarray(F), T)


CASES += [
    ("multiscale", "projective integration with method 'RK45'", lambda tmp: _projective(method="RK45"),
     errors.MultiscaleError),
    ("multiscale", "an outer step shorter than the burst", lambda tmp: _projective(outer_step=0.05),
     errors.MultiscaleError),
    ("multiscale", "a burst that returns states of the wrong shape",
     lambda tmp: _projective(burst=lambda x, d: (np.linspace(0, d, 5), np.ones((5, 3)))), errors.BurstError),
    ("multiscale", "a burst that returns NaN (lost atoms)",
     lambda tmp: _projective(burst=lambda x, d: (np.linspace(0, d, 5), np.full((5, 2), np.nan))),
     errors.BurstError),
    ("multiscale", "a stress burst at det F < 0", lambda tmp: _stress_burst(np.diag([1.0, 1.0, -1.0])),
     errors.DeformationError),
    ("multiscale", "a stress burst at T = -10 K", lambda tmp: _stress_burst(np.eye(3), -10.0),
     errors.MultiscaleError),
    ("multiscale", "a stress burst with a 50 fs time step (atoms lost)",
     lambda tmp: _stress_burst(np.eye(3), 300.0, timestep_fs=50.0, equilibration_fs=500.0, sampling_fs=500.0,
                               blocks=2, repeat=(4, 4, 4)), errors.BurstError),
]



def _gripped_bar(**kw):
    from qcbridge import load_potential
    from qcbridge.multiscale import gripped_bar_md

    args = {"strain": 0.01, "temperature": 300.0, "sampling_fs": 200.0, "equilibration_fs": 0.0, "blocks": 2} | kw
    return gripped_bar_md(load_potential("Al_jnp.eam"), "fcc", 4.05, args.pop("cells", (8, 3, 3)), **args)


def _hmm_wrong_fixed(tmp):
    from qcbridge import load_potential
    from qcbridge.continuum.materials import cauchy_born_material
    from qcbridge.multiscale import BurstMaterial, StressBurst, gripped_bar_mesh, hmm_solve
    from qcbridge.structures import Lattice, cubic_crystal

    pot = load_potential("Al_jnp.eam")
    bar = gripped_bar_mesh(4.05, (8, 2, 2), 0.01)
    cb = cauchy_born_material(cubic_crystal(Lattice.FCC, "Al", 4.05), pot)
    material = BurstMaterial(StressBurst(pot, "fcc", 4.05, repeat=(2, 2, 2)), 0.0, cb)
    return hmm_solve(bar.mesh, material, bar.u0, bar.fixed[:, :2], bar.right)


def _damped_bar(modes):
    from qcbridge import load_potential
    from qcbridge.multiscale import DampedBar

    return DampedBar(load_potential("Al_jnp.eam"), "fcc", 4.05, (8, 2, 2), modes=modes)


CASES += [
    ("multiscale", "a gripped bar whose grips (1 cell, 4.05 A) are thinner than the cutoff",
     lambda tmp: _gripped_bar(grip_cells=1), errors.MultiscaleError),
    ("multiscale", "a gripped bar of 4 cells with grips of 2 cells (nothing mobile)",
     lambda tmp: _gripped_bar(cells=(4, 3, 3)), errors.MultiscaleError),
    ("multiscale", "a gripped bar compressed by 60 %", lambda tmp: _gripped_bar(strain=-0.6), errors.MultiscaleError),
    ("multiscale", "HMM with prescribed components of shape (n_nodes, 2)", _hmm_wrong_fixed, errors.MultiscaleError),
    ("multiscale", "a damped bar of 8 cells asked for 8 harmonics", lambda tmp: _damped_bar(8),
     errors.MultiscaleError),
]


def _kernel_refine(tmp):
    from qcbridge.memory import estimate_kernel

    rng = np.random.default_rng(0)
    return estimate_kernel(rng.normal(size=(500, 4)), 0.1, force=rng.normal(size=(500, 4)), mass=1.0, refine=0)


def _wave_test(boundary, **kw):
    from qcbridge.dynamics import chain_wave_test

    return chain_wave_test(boundary, **kw)


CASES += [
    ("memory", "a kernel inversion refined 0 times", _kernel_refine, errors.KernelError),
    ("dynamics", "a wave test with boundary 'absorbing'", lambda tmp: _wave_test("absorbing"), errors.KernelError),
    ("dynamics", "a wave test with a 0.5 time step (unstable)", lambda tmp: _wave_test("kernel", dt=0.5),
     errors.KernelError),
]


def _force_constants_open_cell(tmp):
    from qcbridge.engines.force_constants import pair_force_constants
    from qcbridge.potentials import load_potential
    from qcbridge.structures import Lattice, cubic_crystal

    return pair_force_constants(load_potential("Cu_u3.eam"),
                                cubic_crystal(Lattice.FCC, "Cu", 3.615, size=(6, 6, 6), pbc=(True, True, False)))


def _unstable_bath(tmp):
    import scipy.sparse as sp

    from qcbridge.memory.lattice_boundary import bath_response

    k = (sp.diags([2.0] * 10) - sp.diags([1.0] * 9, 1) - sp.diags([1.0] * 9, -1)).tocsr()
    return bath_response(k, k[:, :1], np.ones(10), 2.0, 20, np.arange(2))


def _reflection_small_domain(tmp):
    from qcbridge.coupling.builders import slab_setup
    from qcbridge.dynamics.qc_waves import interface_reflection
    from qcbridge.potentials import load_potential

    return interface_reflection(slab_setup(load_potential("Al_jnp.eam"), atomistic=11.0), t_end=3000.0)


def _short_stream(tmp):
    from qcbridge.memory.streaming import KernelAccumulator

    acc = KernelAccumulator(100)
    acc.add(np.random.default_rng(0).normal(size=(50, 4)), np.random.default_rng(1).normal(size=(50, 4)))
    return acc.result(0.1, mass=1.0)


CASES += [
    ("dynamics", "force constants of a cell that is not periodic along z", _force_constants_open_cell,
     errors.StructureError),
    ("dynamics", "a bath kernel at a time step beyond the bath's Verlet limit", _unstable_bath, errors.KernelError),
    ("dynamics", "an interface-reflection run of 3 ps in a slab whose surface echo returns sooner",
     _reflection_small_domain, errors.DefectGeometryError),
    ("memory", "a streamed kernel of 100 lags from 50 frames", _short_stream, errors.KernelError),
]


def _bad_indenter(tmp):
    from qcbridge.coupling.indenter import SphericalIndenter

    return SphericalIndenter(-10.0, radius=5.0)


CASES += [("coupling", "an indenter of negative stiffness", _bad_indenter, errors.CouplingError)]


def _indentation(**kwargs):
    from qcbridge.indentation import IndentationProblem
    from qcbridge.potentials import load_potential
    from qcbridge.structures import Lattice

    options = {"radius": 10.0, "width": 120.0, "height": 60.0} | kwargs
    surface = options.pop("surface", (0, 0, 1))
    return IndentationProblem.build(load_potential("Al_mm.eam.fs"), Lattice.FCC, surface, **options)


def _indenter_inside(tmp):
    return _indentation(gap=-0.5)


def _surface_off_lattice(tmp):
    return _indentation(surface=(0.5, 0, 1))


def _depth_beyond_domain(tmp):
    from qcbridge.indentation.loading import indentation_path

    return _indentation().check_depths(indentation_path(50.0, 4))


def _refinement_over_budget(tmp):
    from qcbridge.coupling.adaptivity import RefinementCriteria
    from qcbridge.indentation.adaptive import AdaptiveIndentSolver

    problem = _indentation(height=90.0)
    criteria = RefinementCriteria(strain=0.01, grow=3.0, memory_budget=1e5)
    with AdaptiveIndentSolver(problem, 20.0, criteria=criteria) as solver:
        return solver.relax(1.5, solver.initial_state())


CASES += [
    ("indentation", "an indenter that starts 0.5 A inside the crystal", _indenter_inside,
     errors.IndentationGeometryError),
    ("indentation", "a surface (0.5 0 1) that is not a lattice plane", _surface_off_lattice,
     errors.IndentationGeometryError),
    ("indentation", "a depth of 50 A in a domain 60 A high", _depth_beyond_domain, errors.IndentationGeometryError),
    ("indentation", "an adaptive refinement beyond a 0.1 MB memory budget", _refinement_over_budget,
     errors.RefinementBudgetError),
]
