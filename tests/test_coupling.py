"""Quasicontinuum coupling against LAMMPS, finite differences and the patch test."""

from pathlib import Path

import numpy as np
import pytest
from conftest import assert_weighted_site_energies

from qcbridge import LennardJones, load_potential
from qcbridge.continuum import CauchyBorn
from qcbridge.coupling import HomogeneousDeformation, QCModel, Region, build_geometry
from qcbridge.engines import LammpsEngine
from qcbridge.errors import (
    CouplingError,
    InvertedElementError,
    NodeOffLatticeError,
    ThinAtomisticRegionError,
    UnknownMethodError,
)
from qcbridge.solvers import Checkpoint, RelaxOptions, TrajectoryWriter, relax
from qcbridge.structures import Lattice, cubic_crystal, lattice_basis, oriented_primitive_cell

DIRS = [[1, 1, 0], [-1, 1, 1], [1, -1, 2]]  # x [110] Burgers vector, y [-111] glide normal, z [1-12] line
A_AL = 3.98756  # Al_jnp equilibrium lattice constant


def _setup(pot, a, size, radius, blend, symbol="Al"):
    crys = cubic_crystal(Lattice.FCC, symbol, a, directions=DIRS, size=size, pbc=(False, False, True))
    geo = build_geometry(crys, radius, cutoff=pot.cutoff, manybody=pot.is_manybody,
                         lattice=lattice_basis(crys.positions[:, :2]), blend_width=blend)
    cb = CauchyBorn(oriented_primitive_cell(Lattice.FCC, symbol, a, DIRS), pot)
    return crys, geo, cb


@pytest.fixture(scope="module")
def al():
    pot = load_potential("Al_jnp.eam")
    return (pot, *_setup(pot, A_AL, (24, 12, 1), 11.0, 8.0))


F_CASES = {
    "uniaxial": np.diag([1.02, 1.0, 1.0]),
    "biaxial": np.diag([1.01, 0.99, 1.0]),
    "shear": np.array([[1.0, 0.02, 0.0], [0.0, 1.0, 0.0], [0.01, 0.0, 1.0]]),
}


@pytest.mark.parametrize("case", list(F_CASES))
def test_patch_test_al_eam(al, case):
    """Homogeneous F on the outer nodes, every node at (F - I) X: force-based and corrected
    methods leave no force; QCE has ghost forces at the interface; BQCE smaller ones."""
    pot, _, geo, cb = al
    res = {}
    for m in ("qce", "qce-gfc", "qcf", "bqce", "bqcf"):
        with QCModel(geo, pot, cb, m, HomogeneousDeformation(F_CASES[case])) as model:
            res[m], node = model.residual_report(model.predictor())
            if m == "qce":
                assert geo.region[geo.node_site[node]] in (Region.CORE, Region.BLEND, Region.PADDING)
    assert res["qce"] > 1e-2
    for m in ("qce-gfc", "qcf", "bqcf"):
        assert res[m] < 1e-8, (m, res[m])
    assert 1e-8 < res["bqce"] < res["qce"]


def test_bqce_ghost_forces_fall_with_blending_width():
    pot = load_potential("Al_jnp.eam")
    F = HomogeneousDeformation(np.diag([1.02, 1.0, 1.0]))
    ghost = []
    for width in (4.0, 8.0, 16.0):
        _, geo, cb = _setup(pot, A_AL, (30, 14, 1), 11.0, width)
        with QCModel(geo, pot, cb, "bqce", F) as model:
            ghost.append(model.residual_report(model.predictor())[0])
    assert ghost[0] > ghost[1] > ghost[2]


def test_patch_test_lennard_jones():
    pot = LennardJones.create("Ar", 0.0104, 3.40, 8.5)
    a = 5.2577  # near the LJ fcc equilibrium for this cutoff
    _, geo, cb = _setup(pot, a, (17, 7, 1), 13.0, 8.0, symbol="Ar")
    F = HomogeneousDeformation(np.array([[1.01, 0.01, 0], [0, 0.995, 0], [0, 0, 1]]))
    for m, small in (("qce", False), ("qce-gfc", True), ("qcf", True), ("bqce", False), ("bqcf", True)):
        with QCModel(geo, pot, cb, m, F) as model:
            r = model.residual_report(model.predictor())[0]
        assert (r < 1e-8) if small else (r > 1e-5), (m, r)


@pytest.mark.parametrize("pot_name", ["Al_jnp.eam", "lj", "CuNi.eam.alloy", "Fe_mm.eam.fs"])
def test_weighted_site_energies_from_lammps(pot_name):
    """LAMMPS with weight types gives sum_i w_i E_i (E_i from LAMMPS's own pe/atom of the
    unweighted potential) and forces equal to its finite differences; for a two-element
    file on a random alloy too (weighted Finnis-Sinclair file, species x levels types)."""
    from ase.build import bulk

    pot = load_potential(pot_name) if pot_name != "lj" else LennardJones.create("Al", 0.4, 2.6)
    symbol = {"CuNi.eam.alloy": "Cu", "Fe_mm.eam.fs": "Fe"}.get(pot_name, "Al")
    atoms = bulk(symbol, "fcc", a={"Cu": 3.6, "Fe": 3.6}.get(symbol, 4.05), cubic=True).repeat(3)
    if pot_name == "CuNi.eam.alloy":
        atoms.symbols[np.random.default_rng(4).random(len(atoms)) < 0.4] = "Ni"
    atoms.pbc = False
    atoms.rattle(0.1, seed=1)
    assert_weighted_site_energies(atoms, pot, 7)


@pytest.mark.parametrize("method", ["qce", "qce-gfc", "bqce"])
def test_energy_based_forces_are_the_energy_gradient(al, method):
    pot, _, geo, cb = al
    rng = np.random.default_rng(3)
    with QCModel(geo, pot, cb, method, HomogeneousDeformation(np.diag([1.01, 1.0, 1.0]))) as model:
        u = model.predictor() + 0.03 * rng.standard_normal((model.n_nodes, 3)) * model.free[:, None]
        _, f = model.evaluate(u)
        d = rng.standard_normal(u.shape) * model.free[:, None]
        d /= np.linalg.norm(d)
        # the total energy (~1e3 eV) carries ~2e-11 eV of summation round-off, so the step
        # balances that (2e-11 / 2h) against the h**2 truncation: both ~1e-8 at h = 3e-4
        h = 3e-4
        ep, _ = model.evaluate(u + h * d)
        em, _ = model.evaluate(u - h * d)
        slope = float(np.sum(f * d))
        assert abs(slope) > 1e-3
        assert -(ep - em) / (2 * h) == pytest.approx(slope, rel=1e-6)


def test_force_based_methods_have_no_energy(al):
    from ase.calculators.calculator import PropertyNotImplementedError

    pot, _, geo, cb = al
    with QCModel(geo, pot, cb, "bqcf") as model:
        atoms = model.atoms()
        assert atoms.get_forces().shape == (model.n_nodes, 3)
        with pytest.raises(PropertyNotImplementedError):
            atoms.get_potential_energy()


@pytest.fixture(scope="module")
def vacancy_reference():
    """A vacancy in an all-atomistic slab under 1 % stretch, relaxed by LAMMPS's own CG
    with the boundary atoms held."""
    pot = load_potential("Al_jnp.eam")
    crys = cubic_crystal(Lattice.FCC, "Al", A_AL, directions=DIRS, size=(8, 5, 1), pbc=(False, False, True))
    c = crys.positions.mean(axis=0)
    del crys[int(np.argmin(np.linalg.norm(crys.positions[:, :2] - c[:2], axis=1)))]
    geo = build_geometry(crys, np.ones(len(crys), bool), cutoff=pot.cutoff, manybody=True,
                         lattice=lattice_basis(crys.positions[:, :2]))
    F = np.diag([1.01, 1.0, 1.0])
    ref = crys.copy()
    ref.positions = crys.positions @ F.T
    with LammpsEngine(ref, pot, fixed=geo.node_site[geo.boundary_nodes]) as eng:
        eng.commands(["min_style cg", "min_modify line quadratic", "minimize 0 1e-12 20000 200000"])
        x = eng.positions()
    cb = CauchyBorn(oriented_primitive_cell(Lattice.FCC, "Al", A_AL, DIRS), pot)
    return pot, geo, cb, HomogeneousDeformation(F), x


@pytest.mark.parametrize("method,optimizer", [("qce", "lbfgs"), ("qce-gfc", "fire"), ("qcf", "newton-krylov"),
                                              ("bqce", "lbfgs"), ("bqcf", "newton-krylov")])
def test_all_atomistic_model_reaches_the_lammps_minimum(vacancy_reference, method, optimizer):
    pot, geo, cb, bc, x_ref = vacancy_reference
    with QCModel(geo, pot, cb, method, bc) as model:
        r = relax(model, optimizer, RelaxOptions(fmax=1e-8, max_steps=5000))
    assert r.converged
    assert np.abs(geo.reference_nodes + r.u - x_ref[geo.node_site]).max() < 1e-6


def test_ase_optimizers_run_on_the_energy_based_model(vacancy_reference):
    from ase.optimize import FIRE

    pot, geo, cb, bc, x_ref = vacancy_reference
    with QCModel(geo, pot, cb, "qce", bc) as model:
        atoms = model.atoms()
        assert FIRE(atoms, logfile=None).run(fmax=1e-6, steps=3000)
        assert np.abs(atoms.positions - x_ref[geo.node_site]).max() < 1e-5


def test_checkpoint_resume_continues_where_it_stopped(vacancy_reference, tmp_path):
    pot, geo, cb, bc, x_ref = vacancy_reference
    ckpt = tmp_path / "run.npz"
    seen = []
    with QCModel(geo, pot, cb, "bqcf", bc) as model:
        first = relax(model, "fire", RelaxOptions(fmax=1e-8, max_steps=40), observers=[Checkpoint(ckpt, every=10)])
        assert not first.converged and ckpt.exists()
        second = relax(model, "fire", RelaxOptions(fmax=1e-8, max_steps=4000),
                       observers=[Checkpoint(ckpt, every=10), seen.append,
                                  TrajectoryWriter(tmp_path / "run.extxyz", 50)])
    assert second.converged and seen[0].step > 40
    assert np.abs(geo.reference_nodes + second.u - x_ref[geo.node_site]).max() < 1e-6
    from ase.io import read

    frames = read(tmp_path / "run.extxyz", index=":")
    assert "region" in frames[-1].arrays and "beta" in frames[-1].arrays


def test_bad_input_is_named(al):
    pot, crys, geo, cb = al
    lat = lattice_basis(crys.positions[:, :2])
    with pytest.raises(ThinAtomisticRegionError, match="thinner"):
        build_geometry(crys, 3.0, cutoff=pot.cutoff, manybody=True, lattice=lat)
    with pytest.raises(CouplingError, match="padding must be"):
        build_geometry(crys, 20.0, cutoff=pot.cutoff, manybody=True, lattice=lat, blend_width=8.0)
    nodes = crys.positions[::7].copy()
    nodes[3] += [0.3, 0.0, 0.0]
    with pytest.raises(NodeOffLatticeError, match="not on lattice sites"):
        build_geometry(crys, 11.0, cutoff=pot.cutoff, manybody=True, lattice=lat, nodes=nodes)
    with pytest.raises(UnknownMethodError, match="qce, qce-gfc, qcf, bqce, bqcf"):
        QCModel(geo, pot, cb, "quasi")
    with QCModel(geo, pot, cb, "bqcf", HomogeneousDeformation(np.eye(3))) as model:
        u = model.predictor()
        far = np.setdiff1d(np.flatnonzero(geo.region[geo.node_site] == Region.CONTINUUM), geo.boundary_nodes)
        X = geo.reference_nodes
        k = far[np.argmax(np.linalg.norm(X[far, :2] - X[:, :2].mean(axis=0), axis=1))]
        u[k, :2] = X[:, :2].mean(axis=0) - X[k, :2]  # a far node dragged to the centre
        with pytest.raises(InvertedElementError, match="inverted"):
            relax(model, options=RelaxOptions(max_steps=5), u0=u)


def test_dislocation_cut_correction_removes_artificial_far_field_forces():
    """The dislocation field's cut crosses elements left of the core. With the element-local slip
    correction the far field carries almost no force. Without it the elements the cut crosses
    are sheared by b / h: their smallest principal stretch is about 0.5 (not below the 0.3 at
    which Cauchy-Born gives up), the continuum forces they produce are huge, and the model
    refuses the field at construction, naming the missing cut."""
    from qcbridge.continuum import ContinuumModel
    from qcbridge.coupling import DisplacementField, Kinematics
    from qcbridge.coupling.problems import EdgeDislocationProblem
    from qcbridge.errors import PaddingError

    prob = EdgeDislocationProblem.build(load_potential("Al_mm.eam.fs"), (44, 18))
    geo = prob.geometry(14.0)
    far = geo.region[geo.node_site] == Region.CONTINUUM
    with prob.model(14.0, "bqcf") as model:
        _, f = model.evaluate(model.predictor())
        assert np.linalg.norm(f[far], axis=1).max() < 0.2  # linear (Stroh) predictor vs CB: small
        assert model.kinematics.padding_stretch(model.predictor())[0] > 0.95
    torn = Kinematics.of(geo, DisplacementField(prob.dislocation.displacement))  # no cut information
    u = torn.predictor()
    stretch = torn.padding_stretch(u)[0]
    assert 0.4 < stretch < 0.6  # a shear of b / h = 1.22 over one lattice plane
    _, f_torn = ContinuumModel(geo.mesh, prob.material).energy_forces(u)
    assert np.linalg.norm(f_torn[far], axis=1).max() > 1e3
    prob.boundary = DisplacementField(prob.dislocation.displacement)
    with pytest.raises(PaddingError, match=r"cut= and side="):
        prob.model(14.0, "bqcf")


def test_edge_dislocation_example_matches_full_atomistics(tmp_path):
    """BQCF (22 A atomistic disc) against LAMMPS minimizing all 8,640 sites, both to 1e-3 eV/A."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "edge_dislocation_al", Path(__file__).parents[1] / "examples" / "edge_dislocation_al.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    r = example.run(tmp_path)
    assert 8.0 < r["separation_full"] < 20.0  # dissociated into Shockley partials
    assert r["separation_qc"] == pytest.approx(r["separation_full"], abs=1.0)
    assert r["core_energy_qc"] == pytest.approx(r["core_energy_full"], rel=0.02)
    assert r["max_error_core"] < 0.05
    assert r["dof_qc"] < 0.3 * r["dof_full"]
    for name in ("edge_dislocation.png", "edge_dislocation_qc.extxyz", "edge_dislocation_mesh.vtu"):
        assert (tmp_path / name).stat().st_size > 1000
    import meshio

    mesh = meshio.read(tmp_path / "edge_dislocation_mesh.vtu")
    assert mesh.point_data["displacement"].shape == (r["nodes"], 3)


def test_precon_lbfgs_relaxes_the_blended_energy_model(al):
    """ASE's PreconLBFGS runs unchanged on the model's Atoms + calculator (BQCE relaxes its
    ghost forces away)."""
    from ase.optimize.precon import PreconLBFGS

    pot, _, geo, cb = al
    with QCModel(geo, pot, cb, "bqce", HomogeneousDeformation(np.diag([1.01, 1.0, 1.0]))) as model:
        atoms = model.atoms()
        assert np.abs(atoms.get_forces()).max() > 1e-2
        assert PreconLBFGS(atoms, logfile=None).run(fmax=1e-4, steps=500)
        assert np.linalg.norm(atoms.get_forces(), axis=1).max() < 1e-4


def test_patch_test_in_a_3d_block():
    """A finite fcc block (tetrahedra, no periodicity): the same methods pass the patch test."""
    pot = LennardJones.create("Ar", 0.0104, 3.40, 6.8)
    a = 5.26
    crys = cubic_crystal(Lattice.FCC, "Ar", a, size=(10, 10, 10), pbc=False)
    geo = build_geometry(crys, 9.0, cutoff=pot.cutoff, manybody=False, lattice=lattice_basis(crys.positions),
                         blend_width=4.0)
    assert geo.dim == 3 and geo.mesh.elements.shape[1] == 4
    cb = CauchyBorn(oriented_primitive_cell(Lattice.FCC, "Ar", a, np.eye(3, dtype=int)), pot)
    F = HomogeneousDeformation(np.array([[1.01, 0.01, 0], [0, 0.99, 0.005], [0, 0, 1.0]]))
    for m, small in (("qce", False), ("qce-gfc", True), ("qcf", True), ("bqcf", True)):
        with QCModel(geo, pot, cb, m, F) as model:
            r = model.residual_report(model.predictor())[0]
        assert (r < 1e-10) if small else (r > 1e-4), (m, r)
