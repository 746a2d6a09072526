"""Elastic constants of multilattices and compounds from Cauchy-Born (inner shifts relaxed)
against LAMMPS's central differences of the stress with the atoms relaxed, and the speed of
the numpy three-body Cauchy-Born against the LAMMPS-cell path.

Crystals at their Cauchy-Born zero-stress lattice constants: diamond Si (Si.sw, Si.tersoff),
wurtzite GaN (GaN.sw; a and c relaxed), B2 NiAl and L1_2 Ni3Al (NiAlH_jea.eam.alloy), hcp
Mg (Mg_mm.eam.fs; a and c relaxed). Run: ``python benchmarks/multilattice_elastic.py``;
writes docs/results/multilattice_elastic.json, from which README's table is rendered.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.units import GPa
from scipy.optimize import fsolve

from qcbridge import load_potential
from qcbridge.continuum import CauchyBorn, LammpsCauchyBorn
from qcbridge.coupling.builders import cubic_lattice_constant, hcp_lattice_constants
from qcbridge.engines import elastic_constants_by_stress_differences
from qcbridge.io.results import write_results
from qcbridge.structures import Lattice, cubic_crystal, oriented_primitive_cell

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
CUBE = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
NAMES = {"C11": (0, 0), "C12": (0, 1), "C13": (0, 2), "C33": (2, 2), "C44": (3, 3), "C66": (5, 5)}


def hexagonal_constants(build: Callable[[float, float], Atoms], pot, a: float, c: float) -> tuple[float, float]:
    """a and c (Angstrom) of a hexagonal crystal at which Cauchy-Born's P11 and P33 vanish."""
    cb = CauchyBorn(build(a, c), pot)

    def stress(x: np.ndarray) -> list[float]:
        P = cb.first_piola(np.diag([x[0], x[0], x[1]]))
        return [float(P[0, 0]) * 1e3, float(P[2, 2]) * 1e3]

    lam = fsolve(stress, [1.0, 1.0], xtol=1e-12)
    return a * lam[0], c * lam[1]


def cases() -> list[tuple[str, str, Atoms, Atoms, object, tuple[str, ...]]]:
    """(crystal, potential, primitive cell, cell for LAMMPS's differences, potential, shown constants)."""
    out = []
    cubic = ("C11", "C12", "C44")
    hexagonal = ("C11", "C12", "C13", "C33", "C44")
    for name in ("Si.sw", "Si.tersoff"):
        pot = load_potential(name)
        a = cubic_lattice_constant(pot, Lattice.DIAMOND, CUBE)
        out.append((f"diamond Si, a = {a:.5f} Å", name, oriented_primitive_cell(Lattice.DIAMOND, "Si", a, CUBE),
                    cubic_crystal(Lattice.DIAMOND, "Si", a), pot, cubic))
    pot = load_potential("GaN.sw")
    a, c = hexagonal_constants(lambda a, c: bulk("GaN", "wurtzite", a=a, c=c), pot, 3.19, 5.19)
    out.append((f"wurtzite GaN, a = {a:.5f}, c = {c:.5f} Å", "GaN.sw", bulk("GaN", "wurtzite", a=a, c=c),
                bulk("GaN", "wurtzite", a=a, c=c), pot, hexagonal))
    pot = load_potential("NiAlH_jea.eam.alloy")
    for lattice, label in ((Lattice.B2, "B2 NiAl"), (Lattice.L12, "L1_2 Ni3Al")):
        a = cubic_lattice_constant(pot, lattice, CUBE, ("Ni", "Al"))
        out.append((f"{label}, a = {a:.5f} Å", "NiAlH_jea.eam.alloy",
                    oriented_primitive_cell(lattice, ("Ni", "Al"), a, CUBE), cubic_crystal(lattice, ("Ni", "Al"), a),
                    pot, cubic))
    pot = load_potential("Mg_mm.eam.fs")
    a, c = hcp_lattice_constants(pot, "Mg")
    out.append((f"hcp Mg, a = {a:.5f}, c = {c:.5f} Å", "Mg_mm.eam.fs", bulk("Mg", "hcp", a=a, c=c),
                bulk("Mg", "hcp", a=a, c=c), pot, hexagonal))
    return out


def elastic_table() -> list[dict]:
    rows = []
    for crystal, name, cell, big, pot, shown in cases():
        C_cb = CauchyBorn(cell, pot).elastic_constants_GPa()
        C_ref = elastic_constants_by_stress_differences(big, pot, relax=True) / GPa
        rows.append({"crystal": crystal, "potential": name,
                     "cauchy_born": {n: float(C_cb[NAMES[n]]) for n in shown},
                     "lammps": {n: float(C_ref[NAMES[n]]) for n in shown},
                     "max_rel_diff": float(np.abs(C_cb - C_ref).max() / np.abs(C_ref).max())})
        print(f"{crystal:42s} {name:20s} " + "  ".join(f"{n} {rows[-1]['cauchy_born'][n]:8.3f} | "
                                                      f"{rows[-1]['lammps'][n]:8.3f}" for n in shown)
              + f"  max rel diff {rows[-1]['max_rel_diff']:.1e}", flush=True)
    return rows


def speed() -> dict:
    """W+P per F of diamond Si (Si.sw, inner shifts relaxed): numpy Cauchy-Born on a batch of
    200 F (seven starts of the inner relaxation, and one) against the LAMMPS-cell material,
    one LAMMPS cell relaxed by its minimizer per F."""
    from qcbridge.potentials import lammps_potential

    pot = load_potential("Si.sw")
    cell = bulk("Si", "diamond", a=5.431)
    Fs = np.eye(3) + 0.02 * np.random.default_rng(0).uniform(-1, 1, (200, 3, 3))
    times = []
    for start_step in (0.3, 0.0):  # global search over seven starts; one start, as LAMMPS's minimizer
        cb = CauchyBorn(cell, pot, start_step=start_step)
        t0 = time.perf_counter()
        cb.energy_and_stress(Fs)
        times.append((time.perf_counter() - t0) / len(Fs))
    generic = lammps_potential("pair_style sw", f"pair_coeff * * {pot.path} Si")
    with LammpsCauchyBorn(cell, generic) as lc:
        t0 = time.perf_counter()
        lc.energy_and_stress(Fs[:50])
        t_lmp = (time.perf_counter() - t0) / 50
    print(f"diamond Si (SW), W+P per F: numpy {1e3 * times[0]:.2f} ms (7 starts), {1e3 * times[1]:.2f} ms "
          f"(1 start), LAMMPS cell {1e3 * t_lmp:.2f} ms")
    return {"numpy_ms": 1e3 * times[0], "numpy_one_start_ms": 1e3 * times[1], "lammps_cell_ms": 1e3 * t_lmp}


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    r = {"elastic_constants": elastic_table(), "speed": speed()}
    out = write_results(RESULTS / "multilattice_elastic.json", r, script="benchmarks/multilattice_elastic.py")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
