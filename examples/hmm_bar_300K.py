"""HMM at 300 K against direct molecular dynamics of the same Al bar.

The specimen: an Al_jnp bar of 24 x 4 x 4 cubic cells (95.7 x 16 x 16 A), periodic across, held
by rigid grips two cells thick at each end and pulled along x by 0.5, 1 and 2 %.

1. HMM (:func:`qcbridge.multiscale.hmm_solve`): the bar as 24 tetrahedra, ends held, sides on
   rollers (the twin of periodicity across), every element's stress from a LAMMPS burst (256
   atoms, 2 ps equilibration, 20 ps sampling, Langevin at 300 K); the reaction on the right end
   with its standard error propagated from the bursts'.
2. Direct MD (:func:`qcbridge.multiscale.gripped_bar_md`): the whole bar in LAMMPS (1,536 atoms,
   40 ps sampling), the reaction from the forces on the grips, with block-average errors.
3. The 0 K Cauchy-Born reaction, P_xx(F) times the cross-section.
4. The grips' boundary layer: the same MD on a bar of 8 cells (4 mobile cells), where the
   frozen grips' neighbourhood is a large part of the bar.

Writes hmm_bar_300K.png (reaction against strain: HMM and MD at 300 K with error bars, Cauchy-
Born at 0 K), hmm_bar_300K.vtu (the HMM bar at 2 % with its element stresses, for ParaView) and,
with ``--record``, docs/results/hmm_bar_300K.json.

Run: ``python examples/hmm_bar_300K.py [--outdir DIR] [--record]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from qcbridge import load_potential
from qcbridge.continuum.assembly import ContinuumModel
from qcbridge.continuum.materials import cauchy_born_material
from qcbridge.io.results import write_results
from qcbridge.io.vtk import write_mesh
from qcbridge.multiscale import BurstMaterial, StressBurst, gripped_bar_md, gripped_bar_mesh, hmm_solve
from qcbridge.structures import Lattice, cubic_crystal

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
A0 = 3.98756  # Al_jnp's zero-pressure lattice constant at 0 K (A)
CELLS = (24, 4, 4)
STRAINS = (0.005, 0.01, 0.02)
T = 300.0
EV_PER_A3_GPA = 160.21766


def run(outdir: Path) -> dict:
    outdir.mkdir(parents=True, exist_ok=True)
    pot = load_potential("Al_jnp.eam")
    cb = cauchy_born_material(cubic_crystal(Lattice.FCC, "Al", A0), pot)
    area = CELLS[1] * CELLS[2] * A0**2
    rows = []
    for strain in STRAINS:
        bar = gripped_bar_mesh(A0, CELLS, strain)
        u0 = bar.u0.copy()
        u0[:, 0] = strain * bar.mesh.nodes[:, 0]  # start from the affine stretch
        burst = StressBurst(pot, "fcc", A0, repeat=(4, 4, 4), equilibration_fs=2000.0, sampling_fs=20000.0,
                            blocks=10, seed=3)
        t0 = time.perf_counter()
        material = BurstMaterial(burst, T, cb)
        hmm = hmm_solve(bar.mesh, material, u0, bar.fixed, bar.right, tol=1e-2)
        hmm_s = time.perf_counter() - t0
        md = gripped_bar_md(pot, "fcc", A0, CELLS, strain=strain, temperature=T, sampling_fs=40000.0, seed=1)
        P0 = cb.energy_and_stress(np.diag([1.0 + strain, 1.0, 1.0])[None])[1][0, 0, 0]
        sigma = float(np.hypot(hmm.reaction_error[0], md.reaction_error[0]))
        rows.append({"strain": strain, "hmm": hmm.reaction[0], "hmm_error": hmm.reaction_error[0],
                     "hmm_bursts": hmm.bursts, "hmm_iterations": hmm.iterations, "hmm_s": hmm_s,
                     "md": md.reaction[0], "md_error": md.reaction_error[0], "md_s": md.wall_s,
                     "md_temperature": md.temperature, "cauchy_born_0K": P0 * area,
                     "difference_sigmas": abs(hmm.reaction[0] - md.reaction[0]) / sigma})
        print(f"strain {100 * strain:.1f} %: HMM {hmm.reaction[0]:.3f} +- {hmm.reaction_error[0]:.3f} eV/A "
              f"({hmm.bursts} bursts, {hmm_s:.0f} s); MD {md.reaction[0]:.3f} +- {md.reaction_error[0]:.3f} eV/A "
              f"({md.atoms} atoms, {md.wall_s:.0f} s); |difference| = {rows[-1]['difference_sigmas']:.1f} sigma; "
              f"0 K Cauchy-Born {P0 * area:.3f} eV/A")
        if strain == STRAINS[-1]:
            stress = material.energy_and_stress(ContinuumModel(bar.mesh, material).deformation_gradients(hmm.u))[1]
            write_mesh(outdir / "hmm_bar_300K.vtu", bar.mesh, displacement=hmm.u,
                       cell_data={"P_xx_GPa": stress[:, 0, 0] * EV_PER_A3_GPA})
    short = gripped_bar_md(pot, "fcc", A0, (8, 4, 4), strain=STRAINS[-1], temperature=T, sampling_fs=40000.0, seed=1)
    grip_layer = {"cells": 8, "md": short.reaction[0], "md_error": short.reaction_error[0]}
    print(f"8-cell bar at 2 %: MD {short.reaction[0]:.3f} +- {short.reaction_error[0]:.3f} eV/A (the grips' "
          "boundary layer)")
    out = {"cells": list(CELLS), "temperature": T, "area_A2": area, "atoms_md": 4 * CELLS[0] * CELLS[1] * CELLS[2],
           "rows": rows, "short_bar": grip_layer}
    _figure(outdir / "hmm_bar_300K.png", rows)
    return out


def _figure(path: Path, rows: list[dict]) -> None:
    e = 100 * np.array([r["strain"] for r in rows])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(e, [r["cauchy_born_0K"] for r in rows], "k--", label="Cauchy–Born, 0 K")
    ax.errorbar(e - 0.02, [r["hmm"] for r in rows], [2 * r["hmm_error"] for r in rows], fmt="o", capsize=3,
                label="HMM (stress bursts), 300 K")
    ax.errorbar(e + 0.02, [r["md"] for r in rows], [2 * r["md_error"] for r in rows], fmt="s", capsize=3,
                label="direct MD of the bar, 300 K")
    ax.set_xlabel("strain (%)")
    ax.set_ylabel("reaction on the grip (eV/Å)")
    ax.set_title("Al bar 95.7 × 16 × 16 Å, error bars ±2σ")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=Path("out"))
    parser.add_argument("--record", action="store_true", help="write docs/results/hmm_bar_300K.json")
    args = parser.parse_args()
    out = run(args.outdir)
    if args.record:
        write_results(RESULTS / "hmm_bar_300K.json", out, script="examples/hmm_bar_300K.py")


if __name__ == "__main__":
    main()
