"""Indenters: the ``fix indent`` law against LAMMPS itself, forces as minus the energy gradient,
and the load of an indented coupled model."""

import numpy as np
import pytest

from qcbridge import load_potential
from qcbridge.coupling import QCModel
from qcbridge.coupling.builders import slab_setup
from qcbridge.coupling.indenter import CylindricalIndenter, FlatPunch, IndentedModel, SphericalIndenter
from qcbridge.engines import LammpsEngine
from qcbridge.errors import CouplingError
from qcbridge.structures import Lattice, cubic_crystal


@pytest.fixture(scope="module")
def block():
    atoms = cubic_crystal(Lattice.FCC, "Al", 4.05, size=(4, 4, 4), pbc=(True, True, False))
    return atoms, load_potential("Al_jnp.eam")


@pytest.mark.parametrize("kind", ["sphere", "cylinder"])
def test_indenter_matches_lammps_fix_indent(block, kind):
    atoms, pot = block
    top = atoms.positions[:, 2].max()
    k, r = 10.0, 6.0
    if kind == "sphere":
        ind = SphericalIndenter(k, center=(8.1, 8.1, top + r - 1.2), radius=r)
        line = f"fix ind all indent {k} sphere 8.1 8.1 {top + r - 1.2} {r} units box"
    else:
        ind = CylindricalIndenter(k, center=(8.1, 0.0, top + r - 1.2), axis=(0.0, 1.0, 0.0), radius=r)
        line = f"fix ind all indent {k} cylinder y 8.1 {top + r - 1.2} {r} units box"
    with LammpsEngine(atoms, pot) as eng:
        e0, f0 = eng.energy_forces()
        eng.commands([line, "fix_modify ind energy yes"])
        e1, f1 = eng.energy_forces()
    e, f = ind.energy_forces(atoms.positions)
    assert e > 0.01 and np.count_nonzero(np.abs(f).sum(axis=1)) >= 3
    assert e == pytest.approx(e1 - e0, rel=1e-9, abs=1e-12)
    assert np.abs(f - (f1 - f0)).max() < 1e-9


@pytest.mark.parametrize("ind", [
    SphericalIndenter(5.0, center=(0.3, 0.2, 4.0), radius=5.0),
    CylindricalIndenter(5.0, center=(0.3, 0.0, 4.0), axis=(0.0, 0.0, 1.0), radius=5.0),
    FlatPunch(5.0, point=(0.0, 1.0, 0.0), normal=(0.0, -1.0, 0.0), half_width=3.0)])
def test_indenter_forces_are_minus_the_energy_gradient(ind):
    x = np.random.default_rng(0).uniform(-3, 3, size=(40, 3))
    _, f = ind.energy_forces(x)
    h = 1e-6
    for i, j in ((0, 0), (5, 1), (17, 2), (31, 1)):
        xp, xm = x.copy(), x.copy()
        xp[i, j] += h
        xm[i, j] -= h
        fd = -(ind.energy_forces(xp)[0] - ind.energy_forces(xm)[0]) / (2 * h)
        assert f[i, j] == pytest.approx(fd, abs=1e-6)
    assert np.abs(f).max() > 0


def test_indented_model_load_is_the_reaction_and_energy_adds(block):
    _, pot = block
    s = slab_setup(pot, size=(24, 12), atomistic=11.0, blend_width=8.0)
    x = s.geometry.reference_nodes
    centre = 0.5 * (x.max(axis=0) + x.min(axis=0))
    ind = CylindricalIndenter(10.0, center=(centre[0], centre[1] + 5.0, 0.0), radius=4.0)  # overlaps the core
    with QCModel(s.geometry, pot, s.material, "qce") as model:
        u = np.zeros((model.n_nodes, 3))
        e0, f0 = model.evaluate(u)
        indented = IndentedModel(model, ind)
        e1, f1 = indented.evaluate(u)
        e_ind, f_ind = ind.energy_forces(x)
        assert e1 == pytest.approx(e0 + e_ind) and e_ind > 0
        assert np.allclose(f1, f0 + f_ind)
        assert np.allclose(indented.load(u), -f_ind.sum(axis=0)) and np.linalg.norm(indented.load(u)) > 0
        assert indented.free is model.free  # the solvers see the model's interface
        assert indented.fingerprint()["geometry"] == model.fingerprint()["geometry"]
        deeper = IndentedModel(model, ind.moved((0.0, -1.0, 0.0)))
        assert np.linalg.norm(deeper.load(u)) > np.linalg.norm(indented.load(u))
        assert deeper.fingerprint()["indenter"] != indented.fingerprint()["indenter"]
        from qcbridge.solvers import RelaxOptions, relax

        atom = x[np.argmin(np.linalg.norm(x[:, :2] - centre[:2], axis=1))]
        gentle = IndentedModel(model, CylindricalIndenter(1.0, center=(atom[0], atom[1] + 1.5, 0.0), radius=2.0))
        result = relax(gentle, "fire", RelaxOptions(fmax=1e-3, max_steps=500))  # the solvers run on it
        assert result.converged
        assert np.linalg.norm(gentle.load(result.u)) < 0.5 * np.linalg.norm(gentle.load(u))  # the crystal gives way


def test_bad_indenters_are_named():
    with pytest.raises(CouplingError, match="stiffness"):
        SphericalIndenter(-1.0)
    with pytest.raises(CouplingError, match="finite"):
        SphericalIndenter(1.0).energy_forces(np.full((2, 3), np.nan))
