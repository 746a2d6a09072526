"""K- of the Si (111)[-110] Stillinger-Weber crack with the field held, BQCF against full
atomistics on a 400 A slab, refined beyond the crack command's brackets.

``qcbridge crack ... --domain 200 --radius 20 --step 0.1 --bisections 3 --compare-full`` puts
the two K- in adjacent brackets of 1.25 % K_G. Here each model runs the same healing search
(:func:`~qcbridge.fracture.trapping.trapping_threshold`: from K_G down in steps of 0.1 K_G,
each relaxed from the last, until the bond tip moves back by half a column) with five
bisections (0.31 % K_G). Prints each relaxation, the final brackets, their midpoints and the
difference.

Run: ``python benchmarks/si_healing_threshold.py [--only qc|full]`` (BQCF about 10 min, full
atomistics about 1 min).
"""

from __future__ import annotations

import argparse
import time

from qcbridge import load_potential
from qcbridge.defects.stroh import MPA_SQRT_M
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.problem import CrackProblem
from qcbridge.fracture.trapping import AtomisticCrackSolver, CoupledCrackSolver, trapping_threshold
from qcbridge.structures import Lattice


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["qc", "full"])
    args = ap.parse_args()
    problem = CrackProblem.build(load_potential("Si.sw"), Lattice.DIAMOND, CrackOrientation.of((1, 1, 1), (-1, 1, 0)),
                                 half_width=200.0)
    K_G = problem.griffith_K
    mids: dict[str, float] = {}
    builds = {"qc": lambda: CoupledCrackSolver(problem, 20.0), "full": lambda: AtomisticCrackSolver(problem)}
    for label, build in builds.items():
        if args.only not in (None, label):
            continue
        t0 = time.perf_counter()
        with build() as solver:
            held, healed = trapping_threshold(solver, advance=False, step=0.1, bisections=5,
                                              progress=lambda line, label=label: print(f"{label}: {line}", flush=True))
            dofs = solver.dofs
        lo, hi = healed / K_G, held / K_G
        mids[label] = 0.5 * (lo + hi)
        print(f"{label}: K- in [{lo:.5f}, {hi:.5f}] K_G, midpoint {mids[label]:.5f} K_G = "
              f"{mids[label] * K_G / MPA_SQRT_M:.4f} MPa m^0.5; {dofs} DOF, {time.perf_counter() - t0:.0f} s")
    if len(mids) == 2:
        print(f"BQCF against full: {100 * (mids['qc'] / mids['full'] - 1):+.2f} %")


if __name__ == "__main__":
    main()
