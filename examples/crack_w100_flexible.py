"""Cleavage crack in bcc W on (100)[010] with a flexible boundary: K against the far field's
tip position through its folds, BQCF against full atomistics.

The problem is that of ``crack_w100.py`` (Zhou EAM, 140 A square slab, Stroh mode-I field of
the Cauchy-Born constants on a boundary layer 2.2 cutoffs deep). Here the far field's tip
alpha is an unknown (:mod:`qcbridge.fracture.flexible`): the boundary follows the crack.

1. Relaxed at K_G with the field's tip held at the slit's end, then the tip found (secant
   steps in alpha, then Newton-Krylov on nodes and alpha together).
2. The equilibrium branch traced by pseudo-arclength continuation in (alpha, K)
   (:mod:`qcbridge.fracture.continuation`); its maxima of K are folds a K ramp stops at,
   its minima the loads at which it turns back.
3. The same for BQCF with an atomistic disc of ``--radius`` around the slit's tip.

Each trace checkpoints after every point (``OUTDIR/branch_full.npz``, ``branch_qc.npz``) and
resumes from there. Writes crack_w100_flexible.png (K / K_G against alpha for both, folds
marked), crack_w100_flexible_qc.extxyz (BQCF nodes and atoms at the last point, for OVITO)
and docs/results/crack_w100_flexible.json.

Run: ``python examples/crack_w100_flexible.py [--outdir DIR] [--points 40] [--radius 20]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qcbridge import load_potential
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.continuation import Branch, trace_branch
from qcbridge.fracture.flexible import FlexibleCrack
from qcbridge.fracture.problem import CrackProblem
from qcbridge.io.results import write_results
from qcbridge.structures import Lattice

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def trace(crack: FlexibleCrack, name: str, outdir: Path, points: int) -> tuple[Branch, float]:
    """Tip at K_G, then the branch; returns it and the wall time (s) of the continuation
    (summed over resumed runs; the tip search not included)."""
    path = outdir / f"branch_{name}.npz"
    start = None if path.exists() else crack.find_tip(crack.start())
    branch = trace_branch(crack, start, points=points, checkpoint=path,
                          progress=lambda line: print(f"[{name}] {line}", flush=True))
    return branch, branch.seconds


def summary(branch: Branch, K_G: float, dofs: int, seconds: float) -> dict:
    folds = branch.folds()
    return {"dofs": dofs, "wall_s": round(seconds, 1), "points": len(branch.K),
            "alpha_at_K_G": branch.alpha[0], "bond_tip": branch.tip[0], "last_bond_tip": branch.tip[-1],
            "folds": [{"K_over_K_G": f.K / K_G, "alpha": f.alpha, "maximum": f.maximum} for f in folds],
            "branch": {"alpha": branch.alpha, "K_over_K_G": [k / K_G for k in branch.K]}}


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, style in (("full", "k-o"), ("qc", "C0-s")):
        r = results[name]
        ax.plot(r["branch"]["alpha"], r["branch"]["K_over_K_G"], style, ms=3, lw=1,
                label=f"{'full atomistics' if name == 'full' else 'BQCF'} ({r['dofs']:,} DOF)")
        for f in r["folds"]:
            ax.plot(f["alpha"], f["K_over_K_G"], "v" if f["maximum"] else "^", color=style[:-2], ms=8, mfc="none")
    ax.axhline(1.0, color="grey", ls=":", lw=1)
    ax.set_xlabel("far-field tip alpha (A, from the slit's end)")
    ax.set_ylabel("K / K_G")
    ax.set_title("W (100)[010], flexible boundary: equilibrium branch (triangles: folds)")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outdir", type=Path, default=Path("out"))
    ap.add_argument("--points", type=int, default=40)
    ap.add_argument("--radius", type=float, default=20.0)
    args = ap.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    problem = CrackProblem.build(load_potential("W_zhou.eam.alloy"), Lattice.BCC,
                                 CrackOrientation.of((1, 0, 0), (0, 1, 0)), half_width=70.0)
    K_G = problem.griffith_K
    results: dict = {"K_G_MPa_sqrt_m": problem.report()["K_G"], "radius": args.radius}
    with FlexibleCrack.atomistic(problem, fmax=1e-4) as crack:
        branch, seconds = trace(crack, "full", args.outdir, args.points)
        results["full"] = summary(branch, K_G, crack.dofs, seconds)
    with FlexibleCrack.coupled(problem, args.radius, fmax=1e-4) as crack:
        branch, seconds = trace(crack, "qc", args.outdir, args.points)
        results["qc"] = summary(branch, K_G, crack.dofs, seconds)
        s = branch.state
        assert s is not None
        model = crack.force_field.model  # type: ignore[attr-defined]
        model.snapshot(crack.displacements(s.w, s.alpha, s.K)).write(args.outdir / "crack_w100_flexible_qc.extxyz")
    plot(results, args.outdir / "crack_w100_flexible.png")
    write_results(RESULTS / "crack_w100_flexible.json", results, script="examples/crack_w100_flexible.py")
    print(json.dumps({k: v for k, v in results.items() if k in ("K_G_MPa_sqrt_m",)}
                     | {n: {k: results[n][k] for k in ("dofs", "wall_s", "alpha_at_K_G", "folds")}
                        for n in ("full", "qc")}, indent=1))


if __name__ == "__main__":
    main()
