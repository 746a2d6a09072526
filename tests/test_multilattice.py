"""Multilattices and multi-species crystals in Cauchy-Born and in coupled models: diamond
Si with Stillinger-Weber and Tersoff against LAMMPS with relaxed atoms, weighted
three-body site energies against LAMMPS's per-atom energies, and the patch test of the
consistent methods at round-off on slabs whose mesh lives on the Bravais sublattice while
the other sublattices follow their inner shifts (diamond Si, B2 NiAl)."""

from functools import cache

import numpy as np
import pytest
from ase.build import bulk
from ase.units import GPa
from conftest import assert_weighted_site_energies

from qcbridge import LammpsEngine, load_potential
from qcbridge.continuum import CauchyBorn, equilibrium_lattice_constant
from qcbridge.coupling import HomogeneousDeformation, QCModel
from qcbridge.coupling.builders import slab_setup
from qcbridge.engines import elastic_constants_by_stress_differences
from qcbridge.structures import Lattice

TOL = 1e-8


def lammps_relaxed_W_P(cell, pot, F):
    """W = E/V0 and P = -(1/V0) W_virial F^-T of the cell deformed by F with its atoms relaxed
    by LAMMPS's minimizer at fixed cell."""
    at = cell.copy()
    at.set_cell(cell.cell @ F.T, scale_atoms=True)
    with LammpsEngine(at, pot, min_distance=0.0) as eng:
        eng.commands(["min_style cg", "min_modify line quadratic", "minimize 0 1e-14 5000 50000"])
        eng.set_positions(eng.positions())
        e, vir = eng.energy(), eng.virial()
    v0 = cell.get_volume()
    return e / v0, -vir @ np.linalg.inv(F).T / v0


@pytest.mark.parametrize("name,cell", [
    ("Si.sw", bulk("Si", "diamond", a=5.431)),
    ("Si.tersoff", bulk("Si", "diamond", a=5.432)),
    ("GaN.sw", bulk("GaN", "wurtzite", a=3.19, c=5.19)),
    ("SiC.tersoff", bulk("SiC", "zincblende", a=4.36)),
], ids=["Si-SW", "Si-Tersoff", "GaN-SW-wurtzite", "SiC-Tersoff"])
def test_threebody_cauchy_born_equals_lammps_with_relaxed_atoms(name, cell):
    pot = load_potential(name)
    cb = CauchyBorn(cell, pot)
    rng = np.random.default_rng(len(name))
    for F in np.eye(3) + 0.06 * rng.uniform(-1, 1, (4, 3, 3)):
        W, P = cb.energy_and_stress(F)
        w, p = lammps_relaxed_W_P(cell, pot, F)
        assert W == pytest.approx(w, rel=TOL)
        assert np.abs(P - p).max() <= TOL * np.abs(p).max()


@pytest.mark.parametrize("name", ["Si.sw", "Si.tersoff"])
def test_relaxed_elastic_constants_of_silicon_equal_lammps(name):
    """The shift-condensed tangent (relaxed elastic constants, with the internal-relaxation
    term) equals LAMMPS's central differences of the stress with the atoms relaxed."""
    pot = load_potential(name)
    a0 = equilibrium_lattice_constant(lambda x: bulk("Si", "diamond", a=x), pot, 5.43)
    C_cb = CauchyBorn(bulk("Si", "diamond", a=a0), pot).elastic_constants()
    C_ref = elastic_constants_by_stress_differences(bulk("Si", "diamond", a=a0, cubic=True), pot, relax=True)
    assert np.abs(C_cb - C_ref).max() < 1e-7 * np.abs(C_ref).max()
    C_unrelaxed = CauchyBorn(bulk("Si", "diamond", a=a0), pot, relax=False).elastic_constants()
    assert C_unrelaxed[3, 3] - C_cb[3, 3] > 10 * GPa  # the internal relaxation softens C44


@pytest.mark.parametrize("name,symbols,lattice,a", [
    ("Si.sw", "Si", "diamond", 5.431), ("SiC.tersoff", "SiC", "zincblende", 4.36),
], ids=["Si-SW", "SiC-Tersoff"])
def test_weighted_threebody_site_energies_equal_lammps(name, symbols, lattice, a):
    """sum_i w_i E_i (E_i: LAMMPS's pe/atom, three-body terms split in thirds) from a generated
    weighted Stillinger-Weber / Tersoff file, with forces equal to its finite differences."""
    pot = load_potential(name)
    atoms = bulk(symbols, lattice, a=a, cubic=True).repeat(2)
    atoms.pbc = False
    atoms.rattle(0.05, seed=1)
    assert_weighted_site_energies(atoms, pot, 5)


@cache
def _slab(kind):
    if kind == "Si-SW":
        return slab_setup(load_potential("Si.sw"), lattice=Lattice.DIAMOND, atomistic=12.0)
    return slab_setup(load_potential("NiAlH_jea.eam.alloy"), lattice=Lattice.B2, symbols=("Ni", "Al"),
                      directions=((1, 0, 0), (0, 1, 0), (0, 0, 1)), atomistic=12.0)


SHEAR = np.array([[1.0, 0.02, 0.0], [0.0, 1.0, 0.0], [0.01, 0.0, 1.0]])


@pytest.mark.parametrize("kind", ["Si-SW", "B2-NiAl"])
def test_multilattice_patch_test_at_round_off(kind):
    """Mesh on the Bravais sublattice, the other sublattice as extra degrees of freedom in the
    resolved region and inner-shifted padding atoms: under a shear (where diamond's inner
    shift is not zero) the consistent methods leave round-off forces, QCE its ghost forces."""
    s = _slab(kind)
    g = s.geometry
    assert len(g.node_site) > g.n_mesh_nodes and len(g.shifted_atoms) > 0
    assert s.material.nbasis == 2 and len(set(g.crystal.get_chemical_symbols())) == (2 if kind == "B2-NiAl" else 1)
    if kind == "Si-SW":
        assert np.abs(s.material.inner_shifts(SHEAR)).max() > 1e-3
    for method, small in (("qcf", True), ("bqcf", True), ("qce-gfc", True), ("qce", False)):
        with QCModel(g, s.potential, s.material, method, HomogeneousDeformation(SHEAR)) as model:
            r = model.residual_report(model.predictor())[0]
        assert (r < 1e-11) if small else (r > 1e-3), (method, r)


def test_multilattice_energy_based_forces_are_the_energy_gradient():
    """QCE on the diamond slab: padding atoms placed by inner shifts s(F) pass their forces to
    the nodes through ds/dF; the forces equal central differences of the energy."""
    s = _slab("Si-SW")
    rng = np.random.default_rng(5)
    with QCModel(s.geometry, s.potential, s.material, "qce", HomogeneousDeformation(SHEAR)) as model:
        g = model.geometry
        near = (g.region[g.node_site] != 0) & model.free  # resolved and padding nodes: the far field stays
        u = model.predictor() + 0.01 * rng.standard_normal((model.n_nodes, 3)) * near[:, None]  # homogeneous
        _, f = model.evaluate(u)
        d = rng.standard_normal(u.shape) * near[:, None]
        d /= np.linalg.norm(d)
        h = 1e-4
        ep, em = model.evaluate(u + h * d)[0], model.evaluate(u - h * d)[0]
    assert -(ep - em) / (2 * h) == pytest.approx(np.sum(f * d), abs=2e-6)
