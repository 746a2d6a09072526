"""Cracks: the slit mesh, open faces against anisotropic LEFM, Griffith's K against an
independent LAMMPS surface energy and finite-difference elastic constants, and lattice
trapping (K- < K_G < K+, advance above K+, healing below K-)."""

from __future__ import annotations

import numpy as np
import pytest
from ase import units
from ase.lattice.cubic import BodyCenteredCubic
from conftest import sih_paris_irwin_modulus
from lammps_reference import run_lammps_directly

from qcbridge.continuum.mesh import Mesh
from qcbridge.coupling.boundary import HomogeneousDeformation
from qcbridge.coupling.model import QCModel
from qcbridge.coupling.problems import DefectProblem
from qcbridge.coupling.reference import site_displacements
from qcbridge.defects.stroh import MPA_SQRT_M, rotate_stiffness
from qcbridge.engines.elastic import elastic_constants_by_stress_differences
from qcbridge.errors import DefectGeometryError, PaddingError
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.problem import CrackProblem
from qcbridge.fracture.trapping import AtomisticCrackSolver, trapping_range
from qcbridge.potentials import load_potential
from qcbridge.solvers import FIRE, RelaxOptions, relax
from qcbridge.structures import Lattice
from qcbridge.tensors import stiffness_to_voigt

W_100 = ("W_zhou.eam.alloy", Lattice.BCC, (1, 0, 0), (0, 1, 0))


@pytest.fixture(scope="module")
def w_crack() -> CrackProblem:
    return CrackProblem.build(load_potential(W_100[0]), W_100[1], CrackOrientation.of(*W_100[2:]), half_width=70.0)


@pytest.fixture(scope="module")
def si_crack() -> CrackProblem:
    """Si (111)[-110] with Stillinger-Weber: the shuffle plane between the two sublattices."""
    return CrackProblem.build(load_potential("Si.sw"), Lattice.DIAMOND, CrackOrientation.of((1, 1, 1), (-1, 1, 0)),
                              half_width=60.0)


@pytest.mark.parametrize("case", [W_100, ("W_zhou.eam.alloy", Lattice.BCC, (1, 1, 0), (0, 0, 1)),
                                  ("Al_jnp.eam", Lattice.FCC, (1, 1, 1), (-1, 1, 0))], ids=["W100", "W110", "Al111"])
def test_no_element_spans_the_slit_and_every_site_is_inside_the_mesh(case):
    pot, lattice, plane, front = case
    p = CrackProblem.build(load_potential(pot), lattice, CrackOrientation.of(plane, front), half_width=70.0)
    g = p.geometry(15.0)
    Xv = g.mesh.nodes[g.mesh.elements]
    y_c, tip = p.slit.y, p.slit.tip
    across = (Xv[:, :, 1].min(axis=1) < y_c) & (Xv[:, :, 1].max(axis=1) > y_c)
    assert across.any()  # the strip ahead of the tip joins the halves
    assert Xv[across, :, 0].mean(axis=1).min() > tip  # none behind it
    # face nodes behind the tip are on the mesh boundary (free), on both sides, distinct
    below, above = p.slit.faces(p.crystal.positions[:, :2])
    y = g.mesh.nodes[:, 1]
    behind = ((np.abs(y - below) < 1e-6) | (np.abs(y - above) < 1e-6)) & (g.mesh.nodes[:, 0] < tip - 20.0)
    assert np.isin(np.flatnonzero(behind), g.mesh.boundary_nodes).all()
    assert (g.mesh.nodes[behind, 1] > y_c).any() and (g.mesh.nodes[behind, 1] < y_c).any()
    # the mesh covers the domain but not the slit: every site is located on its own side
    _, elem, _ = g.mesh.interpolation_matrix(p.crystal.positions[:, :2])
    side = np.sign(p.crystal.positions[:, 1] - y_c)
    assert np.all(np.sign(Xv[elem, :, 1].mean(axis=1) - y_c)[p.crystal.positions[:, 0] < tip - 1] ==
                  side[p.crystal.positions[:, 0] < tip - 1])
    # what is missing from the mesh of all sites is the strip between the faces behind the tip
    full = Mesh.from_points(p.crystal.positions[:, :2]).volumes.sum()
    strip = (above - below) * (tip - p.crystal.positions[:, 0].min())
    assert abs(full - g.mesh.volumes.sum() / g.mesh.thickness - strip) < 4 * (above - below) * p.spacing  # ragged ends


def test_diamond_shuffle_slit_hangs_the_second_sublattice_off_its_face(si_crack):
    """Si (111)[-110] with Stillinger-Weber: the crack sits on the shuffle plane, the widest
    gap, between a plane of one sublattice and one of the other; the mesh is on the Bravais
    sublattice, so the other face's first plane hangs 0.78 A off the mesh. Under a uniform
    shear every site (those hanging off the face and those beyond the mesh at the domain's
    edge included) is where the Cauchy-Born rule with inner relaxation puts it."""
    p = si_crack
    g = p.geometry(15.0)
    X = g.crystal.positions
    assert set(np.unique(g.sublattice)) == {0, 1} and np.all(g.sublattice[g.node_site[:g.n_mesh_nodes]] == 0)
    hang = g.slit.between_faces(X[:, :2], X[g.sublattice == 0, :2])
    atoms = np.zeros(len(X), bool)
    atoms[g.atom_site] = True
    assert (hang & atoms).sum() > 0 and np.all(g.sublattice[hang] == 1)
    below, above = g.slit.faces(X[g.sublattice == 0, :2])
    assert np.allclose(above - X[hang, 1], np.sqrt(3) * p.a / 12, atol=1e-9)  # 0.78 A under the upper face
    F = np.array([[1.01, 0.02, 0.0], [0.0, 0.995, 0.0], [0.0, 0.0, 1.0]])
    with QCModel(g, p.potential, p.material, "bqcf", HomogeneousDeformation(F)) as model:
        u = site_displacements(model, model.predictor())
        s = p.material.inner_shifts(F)
    assert np.abs(s[1]).max() > 1e-3  # the shear moves the second sublattice off F X
    assert np.abs(u - (X @ (F - np.eye(3)).T + s[g.sublattice])).max() < 1e-10


def test_diamond_crack_field_carries_the_inner_shift(si_crack):
    """The Stroh field of Si (111) at K_G puts the second sublattice where the strain's inner
    relaxation puts it: LAMMPS's forces on the sites 20-40 A from the tip (strains of 2-3 %)
    are second order (rms 0.044 eV/A against 0.41 with the bare field on both sublattices),
    and the flexible tip at K_G sits within a column of the slit's end (with the bare field
    it sat 12 A ahead: the boundary pushed on the atoms inside it)."""
    from qcbridge.fracture.flexible import AtomisticForceField, FlexibleCrack

    p = si_crack
    X = p.crystal.positions
    k = p.sublattice_of(X)
    assert set(np.unique(k)) == {0, 1}
    r = np.linalg.norm(X[:, :2] - p.centre, axis=1)
    ring = (r > 20) & (r < 40)
    field = AtomisticForceField(p)
    try:
        K = p.griffith_K
        with_shift = np.sqrt(np.mean(field.forces(K * p.unit_field(X))[ring] ** 2) * 3)
        bare = np.sqrt(np.mean(field.forces(K * p.unit_field(X, sublattice=np.zeros(len(X), int)))[ring] ** 2) * 3)
    finally:
        field.close()
    assert with_shift < 0.2 * bare and bare > 0.1, (with_shift, bare)
    with FlexibleCrack.atomistic(p, fmax=1e-3) as crack:
        assert abs(crack.find_tip(crack.start()).alpha) < p.spacing


def crack_openings(p: CrackProblem, geo) -> np.ndarray:
    """(BQCF, LEFM) opening (A) at K_G 10 and 15 lattice constants behind the tip."""
    X = p.crystal.positions
    K = p.griffith_K
    with QCModel(geo, p.potential, p.material, "bqcf", p.boundary_at(K),
                 fixed=np.flatnonzero(p.layer[geo.node_site])) as m:
        r = relax(m, FIRE(), RelaxOptions(fmax=1e-3, max_steps=3000))
        x = X + site_displacements(m, r.u)
    r, opening = p.face_openings(x)
    k = [int(np.argmin(np.abs(r - dist))) for dist in (10 * p.a, 15 * p.a)]
    return np.stack([opening[k], p.opening(K, r[k])], axis=1)


def test_crack_faces_stay_open_as_anisotropic_lefm(w_crack):
    """BQCF at K_G: the opening 10 and 15 lattice constants behind the tip is the Stroh
    opening to 3 % (the near-tip field of the atomistic core adds the rest); without the
    slit the model refuses the elements the field tears."""
    slit = crack_openings(w_crack, w_crack.geometry(15.0))
    assert np.all(np.abs(slit[:, 0] / slit[:, 1] - 1) < 0.03), slit
    with pytest.raises(PaddingError, match="cut="):
        crack_openings(w_crack, DefectProblem.geometry(w_crack, 15.0))


def test_without_the_slit_the_continuum_cannot_hold_the_crack(w_crack):
    """With a padding wide enough to accept the elements the K field tears, an element spans
    the faces, the field itself distorts it past what any crystal survives, and the model's
    first evaluation stops with a named error (before such elements were refused, the
    continuum healed the crack: 1.97 A of opening where LEFM gives 8.06 A)."""
    from qcbridge.errors import InvertedElementError

    with pytest.raises(InvertedElementError, match="too distorted for the material"):
        crack_openings(w_crack, DefectProblem.geometry(w_crack, 15.0, strain_margin=0.3))


def test_griffith_K_equals_sqrt_2_gamma_E_from_lammps_directly(w_crack):
    """gamma from LAMMPS run from its own script on a relaxed slab, E' from the Sih-Paris-Irwin
    closed form of elastic constants by LAMMPS stress differences."""
    p = w_crack
    pot = p.potential
    bulk = BodyCenteredCubic("W", latticeconstant=p.a, directions=[[0, 0, 1], [1, 0, 0], [0, 1, 0]], size=(1, 10, 1))
    e_bulk = run_lammps_directly(bulk, pot)["energy"]
    slab = bulk.copy()
    slab.center(vacuum=10.0, axis=1)
    e_slab = run_lammps_directly(slab, pot, minimize=True)["energy"]
    area = bulk.cell[0, 0] * bulk.cell[2, 2]
    gamma = (e_slab - e_bulk) / (2 * area)
    assert gamma == pytest.approx(p.gamma, rel=1e-6)
    cubic = BodyCenteredCubic("W", latticeconstant=p.a)
    C = elastic_constants_by_stress_differences(cubic, pot)
    E = sih_paris_irwin_modulus(C, CrackOrientation.of((1, 0, 0), (0, 1, 0)).axes)
    assert p.griffith_K == pytest.approx(np.sqrt(2 * gamma * E), rel=1e-6)  # measured 1e-10
    assert 2.5 < gamma / (units.J / units.m**2) < 3.5  # W (100): ~3 J/m^2 for EAM potentials


@pytest.mark.slow
def test_lattice_trapping_brackets_griffith_and_the_crack_moves_outside(w_crack):
    """Full atomistics (~3 min): K- < K_G < K+; relaxed from the state trapped at K_G, the
    crack advances at 1.2 K+ and heals at 0.8 K-."""
    p = w_crack
    with AtomisticCrackSolver(p) as solver:
        t = trapping_range(solver, step=0.05, bisections=2)
        assert t.K_minus < t.K_G < t.K_plus
        K_G = t.K_G
        state = solver.relax(K_G, solver.predictor(K_G), K_G)
        assert solver.tip(state) == pytest.approx(t.tip)
        advanced = solver.tip(solver.relax(1.2 * t.K_plus, state, K_G))
        healed = solver.tip(solver.relax(0.8 * t.K_minus, state, K_G))
    assert advanced >= t.tip + p.spacing - 1e-9
    assert healed <= t.tip - p.spacing + 1e-9


def test_coupled_si_crack_predictor_shifts_the_second_sublattice_once(si_crack):
    """The coupled Si crack model's predictor puts the resolved atoms of the second sublattice
    (its extra degrees of freedom) at the Stroh field plus one inner shift, that of their
    element's strain by the relaxed Cauchy-Born (to first order in the strain), not two: the
    crack's field carries the shift, so the predictor adds none."""
    p = si_crack
    with p.model(12.0, "bqcf") as model:
        g, kin = model.geometry, model.kinematics
        m = g.n_mesh_nodes
        extra = np.arange(m, len(g.node_site))
        assert len(extra) > 10
        X = g.reference_nodes[extra]
        bare = p.griffith_K * p.unit_field(X, sublattice=np.zeros(len(X), dtype=int))  # no shift
        moved = model.predictor()[extra] - bare
        rows = np.searchsorted(g.atom_site, g.node_site[extra])
        shift = kin._shifts(model.predictor(), rows)[0]
    ratio = np.sum(moved * shift) / np.sum(shift * shift)
    assert np.abs(shift).max() > 1e-3
    assert abs(ratio - 1.0) < 0.1


@pytest.fixture(scope="module")
def si_held(si_crack):
    """The Si crack's trapping range with the field held (LAMMPS CG), brackets of 2.5 % K_G."""
    with AtomisticCrackSolver(si_crack) as solver:
        return trapping_range(solver, step=0.1, bisections=2)


def test_si_shuffle_crack_is_trapped_at_griffith_and_cleaves_or_heals_by_a_column_outside(si_crack, si_held):
    """Si (111)[-110], Stillinger-Weber, full atomistics with the inner-shifted Stroh field
    (~20 s): the crack sits trapped at K_G; at 1.2 K+ it advances and at 0.8 K- it heals, each
    by at least a column of shuffle bonds (3.33 A)."""
    p, t = si_crack, si_held
    assert t.K_minus < t.K_G < t.K_plus
    with AtomisticCrackSolver(p) as solver:
        state = solver.relax(t.K_G, solver.predictor(t.K_G), t.K_G)
        assert solver.tip(state) == pytest.approx(t.tip)
        advanced = solver.tip(solver.relax(1.2 * t.K_plus, state, t.K_G))
        healed = solver.tip(solver.relax(0.8 * t.K_minus, state, t.K_G))
    assert advanced >= t.tip + p.spacing - 1e-9
    assert healed <= t.tip - p.spacing + 1e-9


def test_one_threshold_search_brackets_the_trapping_range_end(si_crack, si_held):
    """trapping_threshold (one end of the search, as benchmarks/si_healing_threshold.py runs it)
    brackets the K- of trapping_range's same search: its midpoint, K_G above it."""
    from qcbridge.fracture.trapping import trapping_threshold

    with AtomisticCrackSolver(si_crack) as solver:
        held, healed = trapping_threshold(solver, advance=False, step=0.1, bisections=2)
    assert healed < held < si_held.K_G
    assert 0.5 * (held + healed) == pytest.approx(si_held.K_minus, rel=1e-12)


def test_si_example_measures_the_pairs_at_the_trapped_tip(si_crack, si_held):
    """examples/crack_si111.py's tip pairs of the crack trapped at K_G (held field): the last
    broken column is broken, the first intact one stretched beyond the bond length a sqrt(3)/4."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("crack_si111",
                                                  Path(__file__).parents[1] / "examples" / "crack_si111.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    p = si_crack
    pairs = example.tip_pairs(p, p.crystal.positions + si_held.state, si_held.tip)
    assert pairs["behind"] > p.break_distance > pairs["ahead"] > 1.05 * p.a * np.sqrt(3) / 4


def test_coloured_hessian_of_the_si_crack_matches_directional_differences(si_crack):
    """The Hessian of the Si crack's free sites by coloured one-sided differences (3 x colours
    LAMMPS evaluations instead of 3 per site) applied to a random vector equals the central
    directional difference of LAMMPS's forces, and is symmetric."""
    from scipy.spatial import cKDTree

    from qcbridge.fracture.flexible import AtomisticForceField
    from qcbridge.solvers.hessian import colour_sites, coloured_hessian

    p = si_crack
    ff = AtomisticForceField(p)
    try:
        X, free = ff.reference, ~ff.fixed
        u = p.griffith_K * p.unit_field(X, 0.0, p.sublattice_of(X))
        colour = colour_sites(X[free], 2 * ff.reach)
        close = cKDTree(X[free, :2]).query_pairs(2 * ff.reach, output_type="ndarray")
        assert not np.any(colour[close[:, 0]] == colour[close[:, 1]])
        calls = []
        H = coloured_hessian(lambda v: calls.append(1) or ff.forces(v), u, X + u, free, ff.reach)
        assert len(calls) <= 3 * (colour.max() + 1) + 1 < 0.2 * 3 * free.sum()
        v = np.zeros_like(u)
        v[free] = np.random.default_rng(3).standard_normal((free.sum(), 3))
        h = 1e-5
        Jv = -(ff.forces(u + h * v) - ff.forces(u - h * v))[free].ravel() / (2 * h)
        assert np.linalg.norm(H @ v[free].ravel() - Jv) < 2e-4 * np.linalg.norm(Jv)
        assert abs(H - H.T).max() < 1e-12 * abs(H).max()
    finally:
        ff.close()


def test_si_flexible_trapping_range_lies_inside_the_held_fields(si_crack, si_held):
    """Full atomistics with the flexible boundary (~30 s): from K_G the trapped stretch falls
    to where the crack heals, at the K- of the held field (within its bracket, 1.25 % K_G),
    and rises to where it advances, below the held field's K+ (the held field pins the tip).
    The Hessian preconditioner finds the same far-field tip at K_G as the Laplacian."""
    from qcbridge.fracture.continuation import trace_trapped
    from qcbridge.fracture.flexible import FlexibleCrack
    from qcbridge.fracture.preconditioners import Preconditioner

    p, held = si_crack, si_held
    K_G = p.griffith_K
    with FlexibleCrack.atomistic(p) as crack:
        start = crack.find_tip(crack.start())
        top, low = trace_trapped(crack, start, points=25, ds_min=5e-4).folds()
    assert abs(low.K - held.K_minus) <= 0.0125 * K_G + 1e-3 * K_G
    assert K_G < top.K < held.K_plus - 0.2 * K_G
    with FlexibleCrack.atomistic(p, preconditioner=Preconditioner.HESSIAN) as crack:
        assert crack.find_tip(crack.start()).alpha == pytest.approx(start.alpha, abs=0.02)  # tip search to 2 fmax


def test_the_far_field_carries_the_inner_shift_to_second_order(si_crack, monkeypatch):
    """At K_G the Stroh field's strain 30-60 A from the tip is 2-3 %. The other sublattice's
    inner shift of far_field is within a tenth of the first-order shift's error of the
    material's own relaxed shift (Cauchy-Born inner relaxation at F = I + K du/dX), and the
    full-atomistic far-field tip at K_G moves by a third of a column with it (the first-order
    boundary pushes on the atoms inside)."""
    from qcbridge.fracture.flexible import FlexibleCrack

    p = si_crack
    X = p.crystal.positions
    K = p.griffith_K
    k = p.sublattice_of(X)
    far = (k != 0) & (np.linalg.norm(X[:, :2] - p.centre, axis=1) > 30.0)
    bravais = np.zeros(int(far.sum()), dtype=int)
    G = np.zeros((int(far.sum()), 3, 3))
    for J in range(2):
        e = np.eye(3)[J] * 1e-4
        G[:, :, J] = K * (p.unit_field(X[far] + e, sublattice=bravais)
                          - p.unit_field(X[far] - e, sublattice=bravais)) / 2e-4
    exact = K * p.unit_field(X[far], sublattice=bravais) + p.material.relaxed_shifts(np.eye(3) + G)[:, 1]
    first = np.abs(K * p.unit_field(X)[far] - exact).max()
    second = np.abs(p.far_field(X, K)[far] - exact).max()
    assert second < 0.1 * first and first > 1e-3
    with FlexibleCrack.atomistic(p) as crack:
        alpha = crack.find_tip(crack.start()).alpha
        # the first-order field, on the shared problem only for the rest of this test
        monkeypatch.setattr(p, "far_field",
                            lambda X, K, alpha=0.0, sublattice=None: K * p.unit_field(X, alpha, sublattice))
        crack._field_at = None
        assert alpha - crack.find_tip(crack.start()).alpha > 0.3 * p.spacing


def test_a_crack_tip_leaving_the_atomistic_region_is_named(w_crack):
    from qcbridge.defects.stroh import crack_displacement
    from qcbridge.fracture.trapping import CoupledCrackSolver

    p = w_crack
    with CoupledCrackSolver(p, 15.0) as qc:
        nodes = qc.model.geometry.reference_nodes
        assert abs(qc.tip(qc.predictor(p.griffith_K)) - p.centre[0]) < p.spacing
        longer = p.griffith_K * crack_displacement(p.solutions, [0, 1, 0], nodes[:, :2] - p.centre - [12.0, 0])
        with pytest.raises(DefectGeometryError, match="enlarge the atomistic radius"):
            qc.tip(longer)


def test_the_atomistic_region_follows_a_running_crack():
    """A Lennard-Jones argon (111)[-110] crack grows stably with K in its fixed K-field (full
    atomistics: the tip runs 21 A from K_G to 1.6 K_G). A 12 A region stops with a named error
    when the tip nears its edge; the adaptive solver grows the region around the tip, repeats
    the step, and ends with the tip a margin inside it and beyond where the fixed one stopped."""
    from qcbridge.cli.patch_test import load_potential_spec
    from qcbridge.fracture.adaptive import AdaptiveCrackSolver
    from qcbridge.fracture.trapping import CoupledCrackSolver

    p = CrackProblem.build(load_potential_spec("lj:Ar:0.0104:3.4:6.0"), Lattice.FCC,
                           CrackOrientation.of((1, 1, 1), (-1, 1, 0)), half_width=60.0)
    K_G = p.griffith_K

    def ramp(solver):
        state, K_prev, tips = solver.predictor(K_G), K_G, []
        for f in (1.0, 1.2, 1.4, 1.6):
            state, K_prev = solver.relax(f * K_G, state, K_prev), f * K_G
            tips.append(solver.tip(state))
        return tips

    with AtomisticCrackSolver(p) as full:
        full_tips = ramp(full)
    assert full_tips[-1] - full_tips[0] > 15.0
    with CoupledCrackSolver(p, 12.0) as fixed, pytest.raises(DefectGeometryError, match="AdaptiveCrackSolver"):
        ramp(fixed)
    lines: list[str] = []
    with AdaptiveCrackSolver(p, 12.0, report=lines.append) as ad:
        start = ad.dofs
        tips = ramp(ad)
        assert ad.refinements and lines and ad.dofs > start
        assert ad.tip_clearance(tips[-1]) >= ad.margin
        assert ad.dofs < 0.6 * full.dofs
    assert tips[-1] - p.centre[0] > 12.0 - p.potential.cutoff  # past where the fixed region had to stop
    with pytest.raises(DefectGeometryError, match="less than the atomistic radius"):
        AdaptiveCrackSolver(p, 5.0)


@pytest.mark.slow
def test_a_tip_near_the_regions_edge_moves_the_region_and_matches_full_atomistics(w_crack):
    """W (100): a region centred 6 A behind the tip; above K+ the tip advances a column and
    comes within the margin of the edge, the region follows, and the tip is where full
    atomistics puts it (~1.5 min)."""
    from qcbridge.fracture.adaptive import AdaptiveCrackSolver

    p, K_G = w_crack, w_crack.griffith_K
    behind = np.linalg.norm(p.crystal.positions[:, :2] - (p.centre - [6.0, 0.0]), axis=1) <= 15.0
    tips = {}
    with AdaptiveCrackSolver(p, 15.0, initial=behind) as ad:
        state = ad.relax(K_G, ad.predictor(K_G), K_G)
        assert not ad.refinements
        tips["qc"] = ad.tip(ad.relax(2.4 * K_G, state, K_G))
        assert len(ad.refinements) >= 1 and ad.tip_clearance(tips["qc"]) >= ad.margin
    with AtomisticCrackSolver(p) as full:
        state = full.relax(K_G, full.predictor(K_G), K_G)
        tips["full"] = full.tip(full.relax(2.4 * K_G, state, K_G))
    assert tips["full"] > p.centre[0]  # advanced a column
    assert tips["qc"] == pytest.approx(tips["full"], abs=1e-6)


def test_bad_crack_input_is_named():
    pot = load_potential("W_zhou.eam.alloy")
    with pytest.raises(DefectGeometryError, match="Miller"):
        CrackOrientation.of((1, 0.5, 0), (0, 0, 1))
    with pytest.raises(DefectGeometryError, match="not in the plane"):
        CrackOrientation.of((1, 1, 0), (1, 0, 0))
    with pytest.raises(DefectGeometryError, match="too small"):
        CrackProblem.build(pot, Lattice.BCC, CrackOrientation.of((1, 0, 0), (0, 1, 0)), half_width=30.0)
    with pytest.raises(DefectGeometryError, match="K must be"):
        CrackProblem.build(pot, Lattice.BCC, CrackOrientation.of((1, 0, 0), (0, 1, 0)), half_width=70.0, K=-1.0)


def test_crack_command_prints_griffith_and_trapping_of_both_models_as_json():
    """A small Lennard-Jones argon (111)[-110] crack: the JSON has every documented key, K_G
    and the cubic constants equal the library's, K- < K_G < K+ for both models, and the
    coupled model has fewer degrees of freedom."""
    import json
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "qcbridge.cli", "crack", "--potential", "lj:Ar:0.0104:3.4:6.0", "--lattice", "fcc",
           "--plane", "1", "1", "1", "--front", "-1", "1", "0", "--domain", "40", "--radius", "12", "--step", "0.05",
           "--bisections", "1", "--compare-full", "--json"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "K =" in run.stderr  # progress
    out = json.loads(run.stdout)
    for key in ("surface_energy", "K_G", "K_plus", "K_minus", "elastic_constants", "dofs", "wall_s"):
        assert key in out
    assert set(out["full"]) >= {"K_plus", "K_minus", "dofs", "wall_s"}
    from qcbridge.cli.patch_test import load_potential_spec

    p = CrackProblem.build(load_potential_spec("lj:Ar:0.0104:3.4:6.0"), Lattice.FCC,
                           CrackOrientation.of((1, 1, 1), (-1, 1, 0)), half_width=40.0)
    assert out["K_G"] == pytest.approx(p.griffith_K / MPA_SQRT_M, rel=1e-9)
    assert out["surface_energy"] == pytest.approx(p.gamma / (units.J / units.m**2), rel=1e-9)
    # the cubic constants reported equal the crack frame's Cauchy-Born constants rotated back
    cubic = stiffness_to_voigt(rotate_stiffness(p.material.elastic_constants_GPa(), p.orientation.axes.T))
    reported = out["elastic_constants"]
    assert [reported["C11"], reported["C12"], reported["C44"]] == pytest.approx(
        [cubic[0, 0], cubic[0, 1], cubic[3, 3]], rel=1e-8)
    for r in (out, out["full"]):
        assert r["K_minus"] < out["K_G"] < r["K_plus"]
    assert out["dofs"] < out["full"]["dofs"]
    bad = subprocess.run(cmd[:5] + ["W_zhou.eam.alloy", "--lattice", "bcc", "--plane", "1", "1", "0", "--front", "1",
                                    "0", "0"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not in the plane" in bad.stderr
    lone = subprocess.run(cmd[:-1] + ["--checkpoint", "ckpt"], capture_output=True, text=True, timeout=60)
    assert lone.returncode == 2 and "without --flexible" in lone.stderr


def test_crack_command_flexible_traces_both_folds_and_resumes(tmp_path):
    """`qcbridge crack --flexible` on the small argon crack (~40 s): from K_G the trapped
    stretch ends above K_G (K+) and below it (K-), for BQCF and full atomistics alike (0.5 %:
    the coupled model against LAMMPS on every site); this weakly trapped crack's stretch ends
    in snaps (the branch turns within the smallest step), which the JSON says. Each trace is
    checkpointed, and a rerun resumes from the files and reports the same folds."""
    import json
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "qcbridge.cli", "crack", "--potential", "lj:Ar:0.0104:3.4:6.0", "--lattice", "fcc",
           "--plane", "1", "1", "1", "--front", "-1", "1", "0", "--domain", "40", "--radius", "12", "--flexible", "15",
           "--compare-full", "--json", "--checkpoint", str(tmp_path)]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "[up] point" in first.stderr and "[down] point" in first.stderr
    out = json.loads(first.stdout)
    K_G = out["K_G"]
    for r in (out, out["full"]):
        assert r["K_minus"] < K_G < r["K_plus"]
        assert {"alpha_K_plus", "alpha_K_minus", "K_plus_snap", "K_minus_snap", "bond_tip_at_K_G"} <= set(r)
    assert out["K_plus"] == pytest.approx(out["full"]["K_plus"], rel=5e-3)
    assert out["K_minus"] == pytest.approx(out["full"]["K_minus"], rel=5e-3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"branch_{m}_{w}.npz" for m in ("coupled", "full")
                                                          for w in ("down", "up")]
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resumed" in again.stderr and "far-field tip at K_G" not in again.stderr
    resumed = json.loads(again.stdout)
    for key in ("K_plus", "K_minus"):
        assert resumed[key] == pytest.approx(out[key], rel=1e-3)
        assert resumed["full"][key] == pytest.approx(out["full"][key], rel=1e-3)
