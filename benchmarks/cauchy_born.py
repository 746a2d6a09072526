"""Cauchy-Born throughput and elastic constants against LAMMPS.

Prints, in one run:
* W+P throughput (deformation gradients per second) of CauchyBorn for fcc Al (Al_jnp.eam)
  against one LAMMPS evaluation of the deformed periodic cell per F (qcbridge engine,
  which reuses one LAMMPS instance: set_cell + energy + virial);
* elastic constants C11, C12, C44 (GPa) of Al_jnp, Cu_u3, Ni_u3 and hcp Mg (Mg_mm.eam.fs,
  C11, C12, C13, C33, C44) from CauchyBorn.elastic_constants() next to LAMMPS's finite
  differences of stress (+-1e-5 strain, inner atoms relaxed by LAMMPS's minimizer);
* FE assembly on a 3D structured mesh of about 10^5 tetrahedra with the Al Cauchy-Born
  material: energy + forces, and the sparse stiffness;
* peak memory.
Run: ``python benchmarks/cauchy_born.py``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
from ase.build import bulk
from ase.units import GPa

from qcbridge import LammpsEngine, load_potential
from qcbridge.continuum import CauchyBorn, ContinuumModel, equilibrium_lattice_constant
from qcbridge.continuum.mesh import structured_mesh
from qcbridge.engines import elastic_constants_by_stress_differences
from qcbridge.io.results import write_results

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def lammps_elastic_constants(cell, pot, relax: bool) -> np.ndarray:
    return elastic_constants_by_stress_differences(cell, pot, relax=relax) / GPa


def hcp_equilibrium(pot, a: float, c: float) -> tuple[float, float]:
    """(a, c) at which the Cauchy-Born stress of an hcp crystal vanishes (inner shifts relaxed)."""
    from scipy.optimize import fsolve

    cb = CauchyBorn(bulk("Mg", "hcp", a=a, c=c), pot)

    def stress(x):
        P = cb.first_piola(np.diag([x[0], x[0], x[1]]))
        return [P[0, 0] * 1e3, P[2, 2] * 1e3]

    lam = fsolve(stress, [1.0, 1.0], xtol=1e-12)
    return a * lam[0], c * lam[1]


def throughput(rng) -> dict:
    """W+P rate of CauchyBorn (100,000 F in a batch) against one LAMMPS cell evaluation per F."""
    pot = load_potential("Al_jnp.eam")
    cell = bulk("Al", "fcc", a=4.05)
    cb = CauchyBorn(cell, pot)
    Fs = np.eye(3) + 0.05 * rng.uniform(-1, 1, (100_000, 3, 3))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        cb.energy_and_stress(Fs)
        times.append(time.perf_counter() - t0)
    t_cb = min(times) / len(Fs)
    n_l = 200
    with LammpsEngine(cell.repeat((1, 1, 1)), pot) as eng:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            for F in Fs[:n_l]:
                eng.set_cell(cell.cell @ F.T, cell.positions @ F.T)
                eng.energy(), eng.virial()
            times.append((time.perf_counter() - t0) / n_l)
        t_l = min(times)
    return {"cauchy_born_per_s": 1 / t_cb, "lammps_per_s": 1 / t_l, "speedup": t_l / t_cb}


def assembly(rng) -> dict:
    """Energy + forces and stiffness on ~10^5 tetrahedra with the Al Cauchy-Born material (s)."""
    cb = CauchyBorn(bulk("Al", "fcc", a=4.05), load_potential("Al_jnp.eam"))
    mesh = structured_mesh((26, 26, 25), (26 * 4.05, 26 * 4.05, 25 * 4.05))
    model = ContinuumModel(mesh, cb)
    u = 0.01 * rng.standard_normal((mesh.n_nodes, 3))
    model.energy_forces(u)
    t0 = time.perf_counter()
    model.energy_forces(u)
    t_ef = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.stiffness(u)
    t_k1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    K = model.stiffness(u)
    t_k = time.perf_counter() - t0
    t0 = time.perf_counter()
    cb.tangent(model.deformation_gradients(u))
    t_c = time.perf_counter() - t0
    return {"elements": mesh.n_elements, "nodes": mesh.n_nodes, "nnz": int(K.nnz), "energy_forces_s": t_ef,
            "stiffness_s": t_k, "stiffness_first_s": t_k1, "tangent_s": t_c}


VOIGT_NAMES = {"C11": (0, 0), "C12": (0, 1), "C13": (0, 2), "C33": (2, 2), "C44": (3, 3)}


def elastic_constants() -> list[dict]:
    """C_ij (GPa) from CauchyBorn and from LAMMPS's stress differences at the CB equilibrium."""
    rows = []
    cases = [
        ("Al_jnp.eam", lambda a: bulk("Al", "fcc", a=a, cubic=True), 4.0),
        ("Cu_u3.eam", lambda a: bulk("Cu", "fcc", a=a, cubic=True), 3.6),
        ("Ni_u3.eam", lambda a: bulk("Ni", "fcc", a=a, cubic=True), 3.5),
    ]
    for name, build, guess in cases:
        p = load_potential(name)
        a0 = equilibrium_lattice_constant(build, p, guess)
        c = build(a0)
        rows.append(_row(name, f"fcc a = {a0:.5f}", CauchyBorn(c, p).elastic_constants_GPa(),
                         lammps_elastic_constants(c, p, False), ("C11", "C12", "C44")))
    p = load_potential("Mg_mm.eam.fs")
    a_hcp, c_hcp = hcp_equilibrium(p, 3.2, 5.2)
    c = bulk("Mg", "hcp", a=a_hcp, c=c_hcp)
    rows.append(_row("Mg_mm.eam.fs", f"hcp a = {a_hcp:.5f}, c = {c_hcp:.5f}", CauchyBorn(c, p).elastic_constants_GPa(),
                     lammps_elastic_constants(c, p, True), tuple(VOIGT_NAMES)))
    return rows


def _row(name: str, lattice: str, Ccb: np.ndarray, Cl: np.ndarray, shown: tuple[str, ...]) -> dict:
    return {"potential": name, "lattice": lattice,
            "cauchy_born": {n: float(Ccb[VOIGT_NAMES[n]]) for n in shown},
            "lammps": {n: float(Cl[VOIGT_NAMES[n]]) for n in shown},
            "max_rel_diff": float(np.abs(Ccb - Cl).max() / np.abs(Cl).max())}


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    rng = np.random.default_rng(0)
    r = {"throughput": throughput(rng), "assembly": assembly(rng), "elastic_constants": elastic_constants()}
    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, fe = r["throughput"], r["assembly"]
    print("Cauchy-Born W+P, fcc Al (Al_jnp.eam), |F-I| <= 0.05:")
    print(f"  CauchyBorn   {t['cauchy_born_per_s']:12.0f} F/s  (100,000 F in one batch, best of 3)")
    print(f"  LAMMPS cell  {t['lammps_per_s']:12.0f} F/s  (one periodic-cell evaluation per F)")
    print(f"  speed-up     {t['speedup']:12.0f} x  (goal >= 100x)")
    print(f"\nFE assembly, {fe['elements']} tetrahedra, {fe['nodes']} nodes, Al Cauchy-Born:")
    print(f"  energy + forces   {fe['energy_forces_s']:8.3f} s")
    print(f"  stiffness         {fe['stiffness_s']:8.3f} s  ({fe['nnz']} non-zeros; of which tangent "
          f"{fe['tangent_s']:.3f} s; first call {fe['stiffness_first_s']:.3f} s builds the sparsity pattern)")
    print("\nElastic constants (GPa): CauchyBorn | LAMMPS stress differences")
    for row in r["elastic_constants"]:
        print(f"  {row['potential']:14s} {row['lattice']}  " + "   ".join(
            f"{n} {row['cauchy_born'][n]:8.3f} | {row['lammps'][n]:8.3f}" for n in row["cauchy_born"])
            + f"   max rel diff {row['max_rel_diff']:.1e}")
    print(f"\npeak RSS {r['peak_rss_mb']:.0f} MB")
    print(f"wrote {write_results(RESULTS / 'cauchy_born.json', r, script='benchmarks/cauchy_born.py')}")


if __name__ == "__main__":
    main()
