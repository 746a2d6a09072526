"""The flexible crack's two preconditioners on the same traces: the graph Laplacian against the
Hessian by coloured finite differences, full atomistics.

Two problems: W (100)[010] with Zhou's EAM (140 A slab, as ``examples/crack_w100_flexible.py``)
and Si (111)[-110] with Stillinger-Weber (120 A slab, as ``examples/crack_si111.py``). For
each, the tip is found at K_G and ``--points`` points of the branch are traced from there
(towards a longer crack, or ``--direction up|down`` in K), once with each preconditioner,
force tolerance 1e-4 eV/A. Printed: wall time of tip search and trace, force evaluations
(residuals and the Hessian's), the points reached, the first fold (K / K_G) and why a trace
stopped, and the ratios Laplacian / Hessian.

Run: ``python benchmarks/flexible_preconditioner.py [--points 16] [--only W|Si] [--direction up]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qcbridge import load_potential
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.continuation import trace_branch
from qcbridge.fracture.flexible import FlexibleCrack
from qcbridge.fracture.preconditioners import Preconditioner
from qcbridge.fracture.problem import CrackProblem
from qcbridge.structures import Lattice

PROBLEMS = {"W": ("W_zhou.eam.alloy", Lattice.BCC, (1, 0, 0), (0, 1, 0), 70.0),
            "Si": ("Si.sw", Lattice.DIAMOND, (1, 1, 1), (-1, 1, 0), 60.0)}


def trace(problem: CrackProblem, preconditioner: Preconditioner, points: int, rising: bool | None) -> dict:
    t0 = time.perf_counter()
    with FlexibleCrack.atomistic(problem, fmax=1e-4, preconditioner=preconditioner) as crack:
        branch = trace_branch(crack, crack.find_tip(crack.start()), points=points, strict=False, rising=rising)
        hessian = crack.preconditioner_evaluations
        evaluations = crack.evaluations
    folds = branch.folds()
    return {"seconds": time.perf_counter() - t0, "evaluations": evaluations, "hessian_evaluations": hessian,
            "points": len(branch.K), "stopped": branch.stopped, "alpha": np.array(branch.alpha),
            "K": np.array(branch.K) / problem.griffith_K,
            "fold": None if not folds else folds[0].K / problem.griffith_K}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=16)
    ap.add_argument("--only", choices=sorted(PROBLEMS))
    ap.add_argument("--direction", choices=["longer", "up", "down"], default="longer",
                    help="leave K_G towards a longer crack (default), up or down in K")
    args = ap.parse_args()
    for name, (pot, lattice, plane, front, half_width) in PROBLEMS.items():
        if args.only not in (None, name):
            continue
        problem = CrackProblem.build(load_potential(pot), lattice, CrackOrientation.of(plane, front),
                                     half_width=half_width)
        rising = {"longer": None, "up": True, "down": False}[args.direction]
        runs = {p: trace(problem, p, args.points, rising) for p in (Preconditioner.LAPLACIAN, Preconditioner.HESSIAN)}
        print(f"{name}: {len(problem.crystal):,} sites, {args.points} points asked, {args.direction} from K_G")
        for p, r in runs.items():
            fold = "none" if r["fold"] is None else f"{r['fold']:.4f} K_G"
            print(f"  {p.value:<9} {r['seconds']:7.1f} s, {r['evaluations']:6d} residuals + "
                  f"{r['hessian_evaluations']:6d} Hessian evaluations, {r['points']} points, first fold {fold}"
                  + (f"; stopped: {r['stopped'][:90]}" if r["stopped"] else ""))
        lap, hes = runs[Preconditioner.LAPLACIAN], runs[Preconditioner.HESSIAN]
        print(f"  wall time Laplacian / Hessian = {lap['seconds'] / hes['seconds']:.2f}, evaluations "
              f"{lap['evaluations']} / {hes['evaluations'] + hes['hessian_evaluations']} = "
              f"{lap['evaluations'] / (hes['evaluations'] + hes['hessian_evaluations']):.2f}")


if __name__ == "__main__":
    main()
