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

import resource
import time

import numpy as np
from ase.build import bulk
from ase.units import GPa

from qcbridge import LammpsEngine, load_potential
from qcbridge.engines import elastic_constants_by_stress_differences
from qcbridge.continuum import CauchyBorn, equilibrium_lattice_constant
from qcbridge.continuum import ContinuumModel
from qcbridge.continuum.mesh import structured_mesh


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


def main() -> None:
    pot = load_potential("Al_jnp.eam")
    cell = bulk("Al", "fcc", a=4.05)
    cb = CauchyBorn(cell, pot)
    rng = np.random.default_rng(0)
    Fs = np.eye(3) + 0.05 * rng.uniform(-1, 1, (100_000, 3, 3))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        cb.energy_and_stress(Fs)
        times.append(time.perf_counter() - t0)
    t_cb = min(times) / len(Fs)
    n_l = 200
    at = cell.repeat((1, 1, 1))
    with LammpsEngine(at, pot) as eng:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            for F in Fs[:n_l]:
                eng.set_cell(cell.cell @ F.T, cell.positions @ F.T)
                eng.energy(), eng.virial()
            times.append((time.perf_counter() - t0) / n_l)
        t_l = min(times)
    print("Cauchy-Born W+P, fcc Al (Al_jnp.eam), |F-I| <= 0.05:")
    print(f"  CauchyBorn   {1 / t_cb:12.0f} F/s  (100,000 F in one batch, best of 3)")
    print(f"  LAMMPS cell  {1 / t_l:12.0f} F/s  (one periodic-cell evaluation per F)")
    print(f"  speed-up     {t_l / t_cb:12.0f} x  (goal >= 100x)")

    mesh = structured_mesh((26, 26, 25), (26 * 4.05, 26 * 4.05, 25 * 4.05))
    model = ContinuumModel(mesh, cb)
    u = 0.01 * rng.standard_normal((mesh.n_nodes, 3))
    model.energy_forces(u)
    t0 = time.perf_counter()
    model.energy_forces(u)
    t_ef = time.perf_counter() - t0
    t0 = time.perf_counter()
    K = model.stiffness(u)
    t_k1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    K = model.stiffness(u)
    t_k = time.perf_counter() - t0
    t0 = time.perf_counter()
    cb.tangent(model.deformation_gradients(u))
    t_c = time.perf_counter() - t0
    print(f"\nFE assembly, {mesh.n_elements} tetrahedra, {mesh.n_nodes} nodes, Al Cauchy-Born:")
    print(f"  energy + forces   {t_ef:8.3f} s")
    print(f"  stiffness         {t_k:8.3f} s  ({K.nnz} non-zeros; of which tangent {t_c:.3f} s;"
          f" first call {t_k1:.3f} s builds the sparsity pattern)")

    print("\nElastic constants (GPa): CauchyBorn | LAMMPS stress differences")
    cases = [
        ("Al_jnp.eam", lambda a: bulk("Al", "fcc", a=a, cubic=True), 4.0, False),
        ("Cu_u3.eam", lambda a: bulk("Cu", "fcc", a=a, cubic=True), 3.6, False),
        ("Ni_u3.eam", lambda a: bulk("Ni", "fcc", a=a, cubic=True), 3.5, False),
    ]
    for name, build, guess, relax in cases:
        p = load_potential(name)
        a0 = equilibrium_lattice_constant(build, p, guess)
        c = build(a0)
        Ccb = CauchyBorn(c, p).elastic_constants_GPa()
        Cl = lammps_elastic_constants(c, p, relax)
        print(f"  {name:14s} a0={a0:.5f}  C11 {Ccb[0, 0]:8.3f} | {Cl[0, 0]:8.3f}   C12 {Ccb[0, 1]:8.3f} | {Cl[0, 1]:8.3f}"
              f"   C44 {Ccb[3, 3]:8.3f} | {Cl[3, 3]:8.3f}   max rel diff {np.abs(Ccb - Cl).max() / np.abs(Cl).max():.1e}")
    p = load_potential("Mg_mm.eam.fs")
    a_hcp, c_hcp = hcp_equilibrium(p, 3.2, 5.2)
    c = bulk("Mg", "hcp", a=a_hcp, c=c_hcp)
    Ccb = CauchyBorn(c, p).elastic_constants_GPa()
    Cl = lammps_elastic_constants(c, p, True)
    names = [("C11", 0, 0), ("C12", 0, 1), ("C13", 0, 2), ("C33", 2, 2), ("C44", 3, 3)]
    print(f"  Mg_mm.eam.fs hcp a={a_hcp:.5f} c={c_hcp:.5f} (stress free; inner atoms relaxed):")
    print("    " + "   ".join(f"{n} {Ccb[i, j]:8.3f} | {Cl[i, j]:8.3f}" for n, i, j in names)
          + f"   max rel diff {np.abs(Ccb - Cl).max() / np.abs(Cl).max():.1e}")
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
