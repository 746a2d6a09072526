"""Quick start: aluminium (Al_jnp EAM) on the embedded LAMMPS.

1. Equation of state of fcc Al from LammpsCalculator energies; lattice constant and
   bulk modulus from ASE's EOS fit.
2. A vacancy in a 4x4x4 cubic supercell relaxed with ASE's FIRE; vacancy formation
   energy E_v = E(N-1) - (N-1)/N E(N).
3. Writes ``quickstart.extxyz`` (relaxed structure with per-atom energies, readable by
   OVITO) and ``quickstart.png`` (EOS and per-atom energy around the vacancy).

Run: ``python examples/quickstart.py [--outdir DIR]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from ase.build import bulk
from ase.eos import EquationOfState
from ase.filters import FrechetCellFilter
from ase.io import write
from ase.optimize import BFGS, FIRE
from ase.units import GPa

import qcbridge


def run(outdir: Path) -> dict:
    """Run the example and return its numbers (lengths in A, energies in eV, B in GPa)."""
    outdir.mkdir(parents=True, exist_ok=True)
    pot = qcbridge.load_potential("Al_jnp.eam")
    calc = qcbridge.LammpsCalculator(pot)

    cell = bulk("Al", "fcc", a=4.0, cubic=True)
    cell.calc = calc
    a_grid = np.linspace(3.9, 4.15, 11)
    vols, energies = [], []
    for a in a_grid:
        cell.set_cell([a, a, a], scale_atoms=True)
        vols.append(cell.get_volume())
        energies.append(cell.get_potential_energy())
    eos = EquationOfState(vols, energies, eos="birchmurnaghan")
    v0, e0, b0 = eos.fit()
    a_eos = v0 ** (1 / 3)
    # refine: relax the cell to zero stress (ASE's FrechetCellFilter + BFGS)
    cell.set_cell([a_eos] * 3, scale_atoms=True)
    BFGS(FrechetCellFilter(cell), logfile=None).run(fmax=1e-7, steps=100)
    a0 = cell.cell.lengths()[0]

    perfect = bulk("Al", "fcc", a=a0, cubic=True).repeat((4, 4, 4))
    n = len(perfect)
    perfect.calc = calc
    e_perfect = perfect.get_potential_energy()
    defect = perfect.copy()
    del defect[0]
    defect.calc = calc
    opt = FIRE(defect, logfile=None)
    opt.run(fmax=1e-3, steps=500)
    e_vac = defect.get_potential_energy() - (n - 1) / n * e_perfect
    site_energies = defect.get_potential_energies()  # stored by extxyz as "energies"
    write(outdir / "quickstart.extxyz", defect)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    ax1.plot(a_grid, np.array(energies) / len(cell), "o", label="LAMMPS (Al_jnp.eam)")
    fine = np.linspace(a_grid[0], a_grid[-1], 200)
    ax1.plot(fine, [eos.func(a**3, *eos.eos_parameters) / len(cell) for a in fine], "-", label="Birch-Murnaghan fit")
    ax1.set(xlabel="lattice constant a (Å)", ylabel="energy per atom (eV)", title="fcc Al equation of state")
    ax1.legend()
    vacancy_site = perfect.positions[0]
    d = np.linalg.norm(defect.get_distances(0, range(len(defect)), mic=True, vector=True) + defect.positions[0]
                       - vacancy_site, axis=1)
    ax2.plot(d, site_energies - e_perfect / n, "o", ms=4)
    ax2.set(xlabel="distance from vacancy (Å)", ylabel="site energy − bulk (eV)",
            title=f"relaxed vacancy, E_v = {e_vac:.3f} eV")
    fig.tight_layout()
    fig.savefig(outdir / "quickstart.png", dpi=120)
    plt.close(fig)
    calc.close()
    return {"a0": a0, "a0_eos": a_eos, "e_coh": e0 / len(cell), "bulk_modulus_GPa": b0 / GPa, "vacancy_energy": e_vac,
            "fire_steps": opt.nsteps, "atoms": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=Path("out"), help="where to write files (default: ./out)")
    args = parser.parse_args()
    r = run(args.outdir)
    print("qcbridge quick start -- fcc Al, Al_jnp.eam, evaluated by the embedded LAMMPS")
    print(f"  lattice constant      a0 = {r['a0']:.5f} A  (EOS fit {r['a0_eos']:.5f} A)")
    print(f"  cohesive energy          = {r['e_coh']:.4f} eV/atom")
    print(f"  bulk modulus          B  = {r['bulk_modulus_GPa']:.1f} GPa")
    print(f"  vacancy formation     Ev = {r['vacancy_energy']:.4f} eV  "
          f"({r['atoms']} atoms, FIRE {r['fire_steps']} steps)")
    print(f"  wrote {args.outdir / 'quickstart.extxyz'} and {args.outdir / 'quickstart.png'}")


if __name__ == "__main__":
    main()
