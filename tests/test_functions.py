"""Numpy potential evaluators against LAMMPS run directly (tests/lammps_reference.py)."""

import numpy as np
import pytest
from ase.build import bulk
from lammps_reference import run_lammps_directly

from qcbridge import LennardJones, Morse, errors, load_potential
from qcbridge.potentials import Potential
from qcbridge.potentials.atomistic import evaluate
from qcbridge.potentials.functions import numpy_functions

CASES = [
    ("Al_jnp.eam", lambda: bulk("Al", "fcc", a=4.05, cubic=True).repeat((3, 3, 3))),
    ("Cu_u3.eam", lambda: bulk("Cu", "fcc", a=3.6).repeat((4, 4, 4))),
    ("Ni_u3.eam", lambda: bulk("Ni", "fcc", a=3.52, cubic=True).repeat((3, 3, 3))),
    ("CuNi.eam.alloy", lambda: bulk("Cu", "fcc", a=3.58, cubic=True).repeat((3, 3, 3))),
    ("Fe_mm.eam.fs", lambda: bulk("Fe", "bcc", a=2.86, cubic=True).repeat((3, 3, 3))),
    ("AlFe_mm.eam.fs", lambda: bulk("Fe", "bcc", a=2.9, cubic=True).repeat((3, 3, 3))),
    ("lj", lambda: bulk("Ar", "fcc", a=5.26).repeat((4, 4, 4))),
    ("morse", lambda: bulk("Cu", "fcc", a=3.61, cubic=True).repeat((3, 3, 3))),
    ("Cu_morse.table", lambda: bulk("Cu", "fcc", a=3.61, cubic=True).repeat((3, 3, 3))),
]


def _pot(name):
    if name == "lj":
        return LennardJones.create("Ar", 0.0104, 3.4, 8.5)
    if name == "morse":
        return Morse.create("Cu", 0.3429, 1.3588, 2.866, 6.5, shift=False)
    return load_potential(name)


@pytest.mark.parametrize("name,build", CASES, ids=[c[0] for c in CASES])
def test_numpy_evaluator_equals_lammps(name, build, rel):
    pot = _pot(name)
    atoms = build()
    atoms.rattle(0.1, seed=1)
    if len(pot.species) > 1:  # random alloy
        rng = np.random.default_rng(0)
        atoms.symbols = rng.choice(pot.species, len(atoms))
    ref = run_lammps_directly(atoms, pot)
    got = evaluate(atoms, numpy_functions(pot))
    assert got["energy"] == pytest.approx(ref["energy"], rel=1e-10)
    assert rel(got["forces"], ref["forces"]) < 1e-10
    assert rel(got["energies"], ref["energies"]) < 1e-10
    assert rel(got["virial"], ref["virial"]) < 1e-10


def test_spline_derivatives_are_consistent():
    """f' and f'' of the LAMMPS cubic equal finite differences inside each interval."""
    f = numpy_functions(load_potential("Cu_mishin1.eam.alloy"))
    table = f.frho[0]
    x = (np.arange(5, 400) + 0.37) * table.delta
    h = 1e-4 * table.delta
    v, d1, d2 = table(x)
    assert np.allclose(d1, (table(x + h)[0] - table(x - h)[0]) / (2 * h), rtol=1e-6, atol=1e-8)
    assert np.allclose(d2, (table(x + h)[1] - table(x - h)[1]) / (2 * h), rtol=1e-5, atol=1e-6)


def test_potential_without_numpy_evaluator():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Custom(Potential):
        pair_style = "zero 5.0"

        def pair_coeff(self, type_species):
            return ["pair_coeff * *"]

    with pytest.raises(errors.PotentialError, match="no numpy evaluator"):
        numpy_functions(Custom("custom", ("Al",), (26.98,), 5.0))


def test_table_outside_its_range_is_named():
    f = numpy_functions(load_potential("Cu_morse.table"))
    with pytest.raises(errors.PotentialError, match="inner cutoff"):
        f.pair(np.array([1.0]))
    assert f.pair(np.array([6.5]))[0][0] == 0.0
