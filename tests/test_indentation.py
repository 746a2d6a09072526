"""Indentation: an atomistic region at a free surface, the load-displacement path against LAMMPS's
own ``fix indent`` minimized by LAMMPS, unloading, checkpoints, adaptive refinement, bad input."""

import json
from dataclasses import replace

import numpy as np
import pytest

from qcbridge import load_potential
from qcbridge.cli import main
from qcbridge.coupling.adaptivity import (
    RefinementCriteria,
    estimated_memory,
    grown_region,
    marked_points,
    transfer_state,
)
from qcbridge.coupling.geometry import Region, Side, build_geometry
from qcbridge.coupling.indenter import IndentedModel
from qcbridge.coupling.reference import site_displacements
from qcbridge.errors import (
    CheckpointError,
    CouplingError,
    IndentationGeometryError,
    PaddingDoesNotFitError,
    RefinementBudgetError,
)
from qcbridge.indentation import IndentationProblem, IndenterShape, surface_frame
from qcbridge.indentation.adaptive import AdaptiveIndentSolver
from qcbridge.indentation.loading import (
    AtomisticIndentSolver,
    CoupledIndentSolver,
    first_load_drop,
    indent,
    indentation_path,
)
from qcbridge.structures import Lattice, lattice_basis


@pytest.fixture(scope="module")
def problem():
    return IndentationProblem.build(load_potential("Al_mm.eam.fs"), Lattice.FCC, (0, 0, 1), radius=10.0, width=120.0,
                                    height=60.0)


@pytest.fixture(scope="module")
def tall(problem):
    return IndentationProblem.build(problem.potential, Lattice.FCC, (0, 0, 1), radius=10.0, width=120.0, height=90.0)


@pytest.fixture(scope="module")
def full_path(problem):
    with AtomisticIndentSolver(problem) as full:
        return indent(full, indentation_path(1.0, 2, unload=True))


def test_surface_frame_has_the_normal_along_y_and_a_short_row_along_z():
    assert surface_frame(Lattice.FCC, (0, 0, 1)) == ((-1, 1, 0), (0, 0, 1), (1, 1, 0))
    assert surface_frame(Lattice.FCC, (1, 1, 1))[1:] == ((1, 1, 1), (1, 0, -1))
    x, y, z = (np.array(v) for v in surface_frame(Lattice.BCC, (1, 1, 0)))
    assert x @ y == y @ z == z @ x == 0 and np.all(np.abs(z) == 1)  # a <111> row, bcc's shortest vector
    assert np.linalg.det(np.array([x, y, z])) > 0


def test_atomistic_region_reaches_the_free_surface_only_where_it_is_free(problem):
    geo = problem.geometry(25.0)
    X = problem.crystal.positions
    surface_core = (geo.region == Region.CORE) & (X[:, 1] > X[:, 1].max() - 0.1)
    assert surface_core.sum() >= 10  # surface atoms under the indenter are atomistic
    assert geo.mesh.n_nodes < 0.6 * len(X) and (geo.region == Region.PADDING).sum() > 50
    with pytest.raises(PaddingDoesNotFitError, match="Y_HIGH.*free_sides"):  # the same region, no free surface
        build_geometry(problem.crystal, problem.atomistic(25.0), cutoff=problem.potential.cutoff, manybody=True,
                       lattice=lattice_basis(X[:, :2]), blend_width=8.0)
    assert Side.Y_HIGH in problem.free_sides


def test_whole_domain_atomistic_model_is_at_rest_at_lammps_fix_indent_minimum(problem):
    """The coupled model with every site atomistic and our indenter law is the same energy as
    LAMMPS with its own fix indent: its forces vanish at LAMMPS's minimum and the loads agree."""
    with AtomisticIndentSolver(problem) as full:
        state, load = full.relax(1.0, full.initial_state())
    with replace(problem, surface=None).model(1e4) as model:  # the bare potential and indenter
        indented = IndentedModel(model, problem.indenter(1.0))
        u = state[model.geometry.node_site]
        _, f = indented.evaluate(u)
        assert load > 0.3
        assert np.abs(f).max() < 1e-5
        assert indented.load(u)[1] == pytest.approx(load, rel=1e-6)


def test_coupled_elastic_branch_and_unloading_match_full_atomistics(problem, full_path):
    with CoupledIndentSolver(problem, 25.0) as qc:
        result = indent(qc, indentation_path(1.0, 2, unload=True))
        assert qc.dofs < full_path.dofs / 1.5
    np.testing.assert_allclose(result.depths, [0.5, 1.0, 0.5, 0.0])
    assert np.all(full_path.loads[:3] > 0.1)
    np.testing.assert_allclose(result.loads[:3], full_path.loads[:3], rtol=0.01)
    assert abs(result.loads[3]) < 1e-3 and abs(full_path.loads[3]) < 1e-3  # unloaded: no contact, no load
    assert result.nucleation is None and full_path.nucleation is None
    assert abs(result.work) < 0.01  # elastic: loading and unloading enclose no area


def test_surface_column_relaxes_as_the_full_domains_surface(problem):
    """The periodic column's relaxed surface, mapped onto the domain, is where LAMMPS puts the
    full domain's surface atoms with the indenter away, under the contact (farther out the
    small clamped domain adds an elastic response of 1e-3 A, mostly lateral)."""
    with AtomisticIndentSolver(problem) as full:
        full.initial_state = lambda: np.zeros_like(problem.crystal.positions)  # from the bulk lattice
        state, load = full.relax(-2.0, full.initial_state())
    X, rest = problem.crystal.positions, problem.rest_state()
    assert load == 0.0
    assert rest[:, 1].min() < -0.09  # Al (001): the top layer relaxes inward
    middle = np.abs(X[:, 0] - problem.contact[0]) < 5.0
    np.testing.assert_allclose(rest[middle, 1], state[middle, 1], atol=1e-3)
    with problem.model(15.0) as model:
        assert np.abs(model.evaluate(model.predictor())[1]).max() < 1e-10  # held at rest there


def test_surface_field_takes_sites_a_rounding_error_below_the_period(problem):
    """np.mod of -1e-16 is the period itself, which the periodic KD-tree refuses as data (a
    (111) column's sites at x = -1e-17 did this)."""
    X = problem.crystal.positions
    top = float(X[:, 1].max())
    column = problem.surface
    nudged = replace(column, sites=column.sites - np.array([1e-16, 0.0, 1e-16]))
    np.testing.assert_allclose(nudged.field(X, top), column.field(X, top), atol=1e-12)


def test_holding_the_relaxed_surface_brings_the_shallow_load_to_full_atomistics(problem, full_path):
    """Without the relaxed surface the resolved surface is tied to the unrelaxed continuum one
    and sits too high under the indenter: the load at 0.5 A comes out several percent high."""
    bulk = IndentationProblem.build(problem.potential, Lattice.FCC, (0, 0, 1), radius=10.0, width=120.0, height=60.0,
                                    relaxed_surface=False)
    loads = {}
    for name, p in (("relaxed", problem), ("bulk", bulk)):
        with CoupledIndentSolver(p, 25.0) as qc:
            loads[name] = qc.relax(0.5, qc.initial_state())[1]
    relaxed, bulk = (loads[k] / full_path.loads[0] - 1 for k in ("relaxed", "bulk"))
    assert abs(relaxed) < 0.01 and bulk > 0.02 and abs(relaxed) < 0.3 * bulk


def test_flat_punch_through_lammps_callback_and_coupled_model_agree(problem):
    """A flat punch (which fix indent lacks) is applied to the full domain by fix external in
    callback mode: the whole-domain-atomistic model with the same law is at rest at LAMMPS's
    minimum with the same load, and BQCF follows it within 1 %."""
    punch = replace(problem, shape=IndenterShape.PUNCH, radius=8.0)
    with AtomisticIndentSolver(punch) as full:
        state, load = full.relax(0.5, full.initial_state())
    assert load > 0.2
    with replace(punch, surface=None).model(1e4) as model:
        indented = IndentedModel(model, punch.indenter(0.5))
        u = state[model.geometry.node_site]
        assert np.abs(indented.evaluate(u)[1]).max() < 1e-5
        assert indented.load(u)[1] == pytest.approx(load, rel=1e-6)
    with CoupledIndentSolver(punch, 25.0) as qc:
        assert qc.relax(0.5, qc.initial_state())[1] == pytest.approx(load, rel=0.01)


def test_first_load_drop():
    d = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.0])
    assert first_load_drop(d, np.array([1.0, 2.0, 3.0, 2.0, 3.5, 1.0])) == 2
    assert first_load_drop(d, np.array([1.0, 2.0, 3.0, 2.99, 3.5, 1.0])) is None  # within the drop tolerance
    assert first_load_drop(d, np.array([1.0, 2.0, 3.0, 4.0, 5.0, 1.0])) is None  # unloading is no drop


def test_checkpoint_resumes_where_the_run_stopped(problem, tmp_path):
    path, ckpt = indentation_path(1.0, 3), tmp_path / "indent.npz"
    with CoupledIndentSolver(problem, 25.0) as qc:
        whole = indent(qc, path)

    def stop_after_two(done, total, depth, load):
        if done == 2:
            raise KeyboardInterrupt

    with CoupledIndentSolver(problem, 25.0) as qc, pytest.raises(KeyboardInterrupt):
        indent(qc, path, checkpoint=ckpt, progress=stop_after_two)
    with CoupledIndentSolver(problem, 25.0) as qc:
        resumed = indent(qc, path, checkpoint=ckpt)
        assert qc.relaxations == 1
    np.testing.assert_allclose(resumed.loads, whole.loads, rtol=1e-6)
    with CoupledIndentSolver(problem, 25.0) as qc, pytest.raises(CheckpointError, match="another indentation"):
        indent(qc, indentation_path(1.5, 3), checkpoint=ckpt)
    with CoupledIndentSolver(problem, 30.0) as qc, pytest.raises(CheckpointError, match="another indentation"):
        indent(qc, path, checkpoint=ckpt)


def test_adaptive_refinement_grows_the_region_and_keeps_the_state(tall):
    problem = tall
    with CoupledIndentSolver(problem, 20.0) as qc:
        u, _ = qc.relax(1.5, qc.initial_state())
        model = qc.model
        strict = RefinementCriteria(strain=0.01, grow=3.0)
        points = marked_points(model, u, strict)
        assert len(points) > 0 and len(marked_points(model, u, RefinementCriteria(strain=0.5))) == 0
        core = grown_region(model.geometry, points, strict.grow)
        assert core.sum() > (model.geometry.region == Region.CORE).sum()
        new_geo = problem.geometry(core)
        u_new = transfer_state(model, u, new_geo)
        _, old, new = np.intersect1d(model.geometry.node_site, new_geo.node_site, return_indices=True)
        assert len(new) > 0.3 * len(new_geo.node_site)
        np.testing.assert_allclose(u_new[new], u[old], atol=1e-12)  # nodes kept keep their displacements
        added = np.setdiff1d(np.arange(len(u_new)), new)  # new nodes: interpolated in the old elements
        assert np.abs(u_new[added]).max() <= np.abs(u).max()
        np.testing.assert_allclose(u_new[added], site_displacements(model, u)[new_geo.node_site[added]], atol=1e-12)
        assert estimated_memory(new_geo, problem.potential.cutoff) > estimated_memory(model.geometry,
                                                                                      problem.potential.cutoff)
    lines = []
    with AdaptiveIndentSolver(problem, 20.0, criteria=strict, report=lines.append) as ad:
        ad.relax(1.5, ad.initial_state())
        assert ad.refinements and lines and ad.refinements[-1][1] >= core.sum()


def test_bad_indentations_raise_named_errors(problem, tall):
    pot = problem.potential
    with pytest.raises(IndentationGeometryError, match="starts inside the crystal"):
        IndentationProblem.build(pot, Lattice.FCC, (0, 0, 1), radius=10.0, width=120.0, height=60.0, gap=-0.5)
    with pytest.raises(IndentationGeometryError, match="surface must be three integers"):
        IndentationProblem.build(pot, Lattice.FCC, (0.5, 0, 1), radius=10.0, width=120.0, height=60.0)
    with pytest.raises(IndentationGeometryError, match="reaches beyond the domain"):
        problem.check_depths(indentation_path(50.0, 4))
    with pytest.raises(IndentationGeometryError, match="too small"):
        IndentationProblem.build(pot, Lattice.FCC, (0, 0, 1), radius=10.0, width=40.0, height=60.0)
    with pytest.raises(CouplingError, match="memory_budget must be positive"):
        RefinementCriteria(memory_budget=0.0)
    tiny = RefinementCriteria(strain=0.01, grow=3.0, memory_budget=1e5)
    with AdaptiveIndentSolver(tall, 20.0, criteria=tiny) as ad, pytest.raises(RefinementBudgetError, match="MB"):
        ad.relax(1.5, ad.initial_state())


def test_indent_command_prints_both_curves(capsys):
    code = main(["indent", "--potential", "Al_mm.eam.fs", "--lattice", "fcc", "--surface", "0", "0", "1",
                 "--indenter", "cylinder", "--radius", "10", "--depth", "1", "--steps", "2", "--width", "120",
                 "--height", "60", "--atomistic-radius", "25", "--compare-full", "--json"])
    assert code == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert len(out["load_displacement"]) == 2 and out["nucleation"] is None
    assert out["full"]["dofs"] > 1.5 * out["dofs"] and out["wall_s"] > 0
    assert out["load_displacement"][1][1] == pytest.approx(out["full"]["load_displacement"][1][1], rel=0.03)
    assert "2/2" in captured.err
    bad = main(["indent", "--potential", "Al_mm.eam.fs", "--lattice", "fcc", "--surface", "0", "0", "1", "--indenter",
                "cylinder", "--radius", "10", "--depth", "80", "--steps", "2", "--width", "120", "--height", "60"])
    assert bad == 2 and "reaches beyond the domain" in capsys.readouterr().err


def test_neighbour_slip_is_the_strained_bond_or_the_burgers_vector():
    from qcbridge.defects.slip import neighbour_slip

    g = np.stack(np.meshgrid(np.arange(10.0), np.arange(10.0), indexing="ij"), -1).reshape(-1, 2) * 2.5
    strained = np.zeros((len(g), 3))
    strained[:, 0] = 0.02 * g[:, 0]  # 2 % stretch along x: bonds along x change by 0.05 A
    assert neighbour_slip(g, strained) == pytest.approx(0.05)
    slipped = np.zeros((len(g), 3))
    slipped[g[:, 1] > 11.0, 0] = 2.86  # the upper half slipped by b along x
    s = neighbour_slip(g, slipped)
    at_cut = (g[:, 1] == 10.0) | (g[:, 1] == 12.5)
    assert np.allclose(s[at_cut], 2.86) and np.allclose(s[~at_cut], 0.0)


def test_a_contact_wider_than_the_core_stops_a_fixed_region_run(problem):
    wide = IndentationProblem.build(problem.potential, Lattice.FCC, (0, 0, 1), radius=30.0, width=120.0, height=60.0)
    with CoupledIndentSolver(wide, 14.0) as qc:  # touched nodes reach 5.0, 6.4, 9.3 A at 1, 2, 3 A
        result = indent(qc, indentation_path(3.0, 3))
    assert result.stopped is not None and "from the edge of the atomistic core" in result.stopped
    assert 0 < len(result.loads) < 3 and np.all(result.loads > 0)


@pytest.mark.slow
def test_spherical_indenter_on_a_block_matches_full_atomistics():
    """3D: a sphere on Al (111), a tetrahedral mesh below an atomistic hemisphere (~1 min)."""
    block = IndentationProblem.build(load_potential("Al_mm.eam.fs"), Lattice.FCC, (1, 1, 1),
                                     shape=IndenterShape.SPHERE, radius=8.0, width=76.0, height=45.0)
    path = indentation_path(1.0, 2)
    with CoupledIndentSolver(block, 14.0, contact_margin=8.0) as qc:
        coupled = indent(qc, path)
    with AtomisticIndentSolver(block) as full:
        reference = indent(full, path)
    assert coupled.dofs < 0.6 * reference.dofs
    assert reference.loads[-1] > 1.0
    assert coupled.loads[-1] == pytest.approx(reference.loads[-1], rel=0.05)
