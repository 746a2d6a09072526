"""K- of the Si (111)[-110] Stillinger-Weber crack with the field held, BQCF against full
atomistics on a 400 A slab, refined beyond the crack command's brackets.

``qcbridge crack ... --domain 200 --radius 20 --step 0.1 --bisections 3 --compare-full`` puts
the two K- in adjacent brackets of 1.25 % K_G. Here each model is relaxed from K_G down to
0.6 K_G in steps of 0.1 K_G (trapped throughout), and [0.5, 0.6] K_G is bisected five times
from the 0.6 K_G state (0.31 % K_G): a step heals when the bond tip moves back by half a
column or more. Prints each relaxation, the final brackets, their midpoints and the
difference.

Run: ``python benchmarks/si_healing_threshold.py [--only qc|full]`` (BQCF about 11 min, full
atomistics about 1 min).
"""

from __future__ import annotations

import argparse
import time

from qcbridge import load_potential
from qcbridge.defects.stroh import MPA_SQRT_M
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.problem import CrackProblem
from qcbridge.fracture.trapping import AtomisticCrackSolver, CoupledCrackSolver, CrackSolver
from qcbridge.structures import Lattice


def healing_bracket(solver: CrackSolver, label: str) -> tuple[float, float]:
    """[healed, trapped] bracket of K- / K_G."""
    p = solver.problem
    K_G = p.griffith_K
    state = solver.relax(K_G, solver.predictor(K_G), K_G)
    tip0, K_state = solver.tip(state), K_G
    for k in (0.9, 0.8, 0.7, 0.6):
        state, K_state = solver.relax(k * K_G, state, K_state), k * K_G
        print(f"{label}: {k:.4f} K_G, tip {solver.tip(state):.2f} A", flush=True)
    lo, hi = 0.5, 0.6
    for _ in range(5):
        mid = 0.5 * (lo + hi)
        trial = solver.relax(mid * K_G, state, hi * K_G)
        healed = solver.tip(trial) < tip0 - 0.5 * p.spacing
        print(f"{label}: {mid:.5f} K_G, tip {solver.tip(trial):.2f} A, {'healed' if healed else 'trapped'}", flush=True)
        if healed:
            lo = mid
        else:
            hi, state = mid, trial
    return lo, hi


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["qc", "full"])
    args = ap.parse_args()
    problem = CrackProblem.build(load_potential("Si.sw"), Lattice.DIAMOND, CrackOrientation.of((1, 1, 1), (-1, 1, 0)),
                                 half_width=200.0)
    K_G = problem.griffith_K / MPA_SQRT_M
    mids: dict[str, float] = {}
    builds = {"qc": lambda: CoupledCrackSolver(problem, 20.0), "full": lambda: AtomisticCrackSolver(problem)}
    for label, build in builds.items():
        if args.only not in (None, label):
            continue
        t0 = time.perf_counter()
        with build() as solver:
            lo, hi = healing_bracket(solver, label)
            dofs = solver.dofs
        mids[label] = 0.5 * (lo + hi)
        print(f"{label}: K- in [{lo:.5f}, {hi:.5f}] K_G, midpoint {mids[label]:.5f} K_G = {mids[label] * K_G:.4f} "
              f"MPa m^0.5; {dofs} DOF, {time.perf_counter() - t0:.0f} s")
    if len(mids) == 2:
        print(f"BQCF against full: {100 * (mids['qc'] / mids['full'] - 1):+.2f} %")


if __name__ == "__main__":
    main()
