"""Molecular dynamics on coupled models: lumped masses, energy conservation of the energy-based
couplings under ASE's velocity Verlet, and the reflection measurement's checks."""

import numpy as np
import pytest
from ase import units
from ase.md.langevin import Langevin
from ase.md.verlet import VelocityVerlet

from qcbridge import load_potential
from qcbridge.coupling import QCModel, Region
from qcbridge.coupling.builders import slab_setup
from qcbridge.dynamics.qc_waves import interface_reflection
from qcbridge.engines.force_constants import pair_force_constants
from qcbridge.errors import DefectGeometryError


@pytest.fixture(scope="module")
def slab():
    pot = load_potential("Al_jnp.eam")
    return pot, slab_setup(pot, size=(24, 12), atomistic=11.0, blend_width=8.0)


def test_lumped_masses_carry_the_crystal(slab):
    pot, s = slab
    with QCModel(s.geometry, pot, s.material, "qce") as model:
        m = model.masses
        atoms = model.atoms()
    g = s.geometry
    assert m.sum() == pytest.approx(s.crystal.get_masses().sum(), rel=1e-12)
    core = g.region[g.node_site] == Region.CORE
    assert np.allclose(m[core], 26.9815385)  # a core atom is only itself
    coarse = g.region[g.node_site] == Region.CONTINUUM
    assert m[coarse].min() > 26.98 and m[coarse].max() > 5 * 26.98  # coarse nodes carry their elements' sites
    assert np.array_equal(atoms.get_masses(), m)


def _energy_error(model, core, dt, duration=200.0):
    atoms = model.atoms()
    v = np.zeros((len(atoms), 3))
    v[core] = np.random.default_rng(0).standard_normal((core.sum(), 3)) * np.sqrt(units.kB * 100.0 / 26.98)
    atoms.set_velocities(v)
    total = []
    md = VelocityVerlet(atoms, timestep=dt * units.fs)
    md.attach(lambda: total.append(atoms.get_potential_energy() + atoms.get_kinetic_energy()))
    md.run(int(duration / dt))
    return np.abs(np.array(total) - total[0]).max() / atoms.get_kinetic_energy()


def test_velocity_verlet_on_qce_conserves_energy_to_order_dt_squared(slab):
    pot, s = slab
    core = s.geometry.region[s.geometry.node_site] == Region.CORE
    with QCModel(s.geometry, pot, s.material, "qce") as model:
        coarse, fine = _energy_error(model, core, 4.0), _energy_error(model, core, 2.0)
    assert 3.0 < coarse / fine < 5.0  # Verlet's shadow-energy error, not a drift of the coupling
    assert fine < 3e-3  # of the kinetic energy at the end


@pytest.mark.slow
def test_ase_langevin_brings_the_core_of_a_coupled_model_to_50_K(slab):
    pot, _ = slab
    # thermal motion squeezes atom-sized elements (at 300 K by over 20 % now and then): padding with a margin
    s = slab_setup(pot, atomistic=11.0, blend_width=8.0, strain_margin=0.3)
    core = s.geometry.region[s.geometry.node_site] == Region.CORE
    with QCModel(s.geometry, pot, s.material, "bqce") as model:
        atoms = model.atoms()
        md = Langevin(atoms, 4 * units.fs, temperature_K=50.0, friction=0.02 / units.fs, fixcm=False,
                      rng=np.random.default_rng(2))
        temps = []
        md.attach(lambda: temps.append(np.sum(model.masses[core, None] * atoms.get_velocities()[core] ** 2)
                                       / (3 * core.sum() * units.kB)), interval=5)
        md.run(1000)
    assert abs(np.mean(temps[100:]) - 50.0) < 5.0


def test_sound_speeds_of_aluminium_match_its_elastic_constants():
    pot = load_potential("Al_jnp.eam")
    from qcbridge.continuum import CauchyBorn
    from qcbridge.structures import Lattice, cubic_crystal

    cell = cubic_crystal(Lattice.FCC, "Al", 3.98756)
    c = CauchyBorn(cell, pot).elastic_constants_GPa()
    rho = 4 * 26.9815385 * 1.66054e-27 / (3.98756e-10) ** 3  # kg/m^3
    speeds = pair_force_constants(pot, cell).sound_speeds(26.9815385, np.array([1.0, 0, 0]))
    expected = np.sqrt(np.array(sorted([c[3, 3], c[3, 3], c[0, 0]])) * 1e9 / rho) * 1e-5  # A/fs
    assert np.allclose(speeds, expected, rtol=2e-3)


def test_reflection_refuses_a_domain_whose_surface_echo_returns_too_soon(slab):
    _, s = slab
    with pytest.raises(DefectGeometryError, match="enlarge the slab"):
        interface_reflection(s, wavelengths=(8.0,), t_end=2000.0)
