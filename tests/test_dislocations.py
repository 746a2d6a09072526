"""Anisotropic dislocation problems: the bcc screw core against full atomistics."""

from __future__ import annotations

import numpy as np
import pytest

from qcbridge.coupling.problems import ScrewDislocationProblem
from qcbridge.potentials import load_potential
from qcbridge.solvers import FIRE, RelaxOptions, relax


def test_screw_dislocation_core_in_bcc_tungsten():
    """A 1/2[111] screw in W: the Stroh field puts b/3 on each column pair around the core;
    LAMMPS's CG minimum keeps a compact core (differential displacements 1/3); BQCF holds
    that minimum (started from it, it stays to 1e-4 A and 1e-5 eV of core energy), and from
    the elastic field it finds a core with the same differential displacements."""
    p = ScrewDislocationProblem.build(load_potential("W_zhou.eam.alloy"))
    X = p.crystal.positions
    assert p.dislocation.b == pytest.approx(p.a * np.sqrt(3) / 2)
    assert p.core_differential_displacements(p.boundary.displacement(X)) == pytest.approx([1 / 3] * 3, abs=1e-6)
    ref = p.reference(ftol=1e-4)
    assert p.core_differential_displacements(ref.positions - X) == pytest.approx([1 / 3] * 3, abs=1e-3)
    with p.model(16.0, "bqcf") as m:
        u0 = (ref.positions - X)[m.geometry.node_site]
        u0[~m.free] = m.predictor()[~m.free]
        held = p.compare(m, relax(m, FIRE(), RelaxOptions(fmax=1e-3), u0=u0).u, ref)
        fresh = relax(m, FIRE(), RelaxOptions(fmax=1e-3))
        assert fresh.outcome.name == "CONVERGED"
        dd = p.core_differential_displacements(p.compare(m, fresh.u, ref)["u_sites"])
    assert held["max_error_core"] < 1e-4
    assert held["core_energy"] == pytest.approx(held["core_energy_reference"], abs=1e-5)
    assert dd == pytest.approx([1 / 3] * 3, abs=1e-3)
