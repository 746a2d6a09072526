"""Cleavage crack in Si (111)[-110] with Stillinger-Weber: lattice trapping with the K field
held and with a flexible boundary, full atomistics (LAMMPS).

x along [-1-12] (the direction the crack advances), y along [111] (the plane normal), z along
the front [-110] (one period thick, periodic). Si.sw (Stillinger & Weber 1985). The crack lies
on the shuffle plane, the widest gap, between a (111) plane of one sublattice and one of the
other; the anisotropic (Stroh) mode-I field of the diamond Cauchy-Born constants, with the
inner shift of the second sublattice, is held on a boundary layer 2.2 cutoffs deep.

1. Griffith's K_G = sqrt(2 gamma E') from the relaxed (111) shuffle surface (LAMMPS) and the
   plane-strain modulus of the Stroh solution.
2. Field held (its tip at the slit's end): from K_G, K is raised in steps of 5 % K_G, each
   relaxed from the last by LAMMPS CG, until the crack advances by a column of shuffle pairs
   (K+), and lowered until it heals (K-); three bisections each (0.6 % K_G).
3. Flexible boundary (the far field's tip alpha an unknown; Newton-Krylov preconditioned by
   the Hessian of LAMMPS's forces by coloured differences): the tip found at K_G, then the
   equilibrium branch traced down in K (through the fold where the crack heals, onto the
   unstable branch beyond it) and up in K (to where the tip's configuration snaps). K+ and
   K- are the first maximum going up and the first minimum going down, or the last point of
   a trace that ends in a snap (``TrappedBranch.folds``). Each trace checkpoints
   (``OUTDIR/branch_down.npz``, ``branch_up.npz``) and resumes.

Writes crack_si111.png (K against the crack-tip position with the field held; K against the
far field's tip alpha with the flexible boundary, folds marked; opening behind the tip at K_G
against the anisotropic LEFM opening), crack_si111_K_G.extxyz (the flexible equilibrium at
K_G), crack_si111_down.extxyz and crack_si111_up.extxyz (the ends of the two traces; OVITO)
and docs/results/crack_si111.json.

Run: ``python examples/crack_si111.py [--outdir DIR] [--points 80] [--half-width 60]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from ase import Atoms

from qcbridge import load_potential
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.continuation import Branch, TrappedBranch, trace_branch
from qcbridge.fracture.flexible import FlexibleCrack, FlexibleState
from qcbridge.fracture.preconditioners import Preconditioner
from qcbridge.fracture.problem import CrackProblem
from qcbridge.fracture.trapping import AtomisticCrackSolver, trapping_range
from qcbridge.io.results import write_results
from qcbridge.structures import Lattice

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def tip_pairs(problem: CrackProblem, positions: np.ndarray, tip: float) -> dict[str, float]:
    """Mean length (A) of the face pairs of the last broken column (half a spacing behind the
    bond tip) and of the first intact one (half a spacing ahead)."""
    length = problem.pair_lengths(positions)
    x, h = problem.pair_x, 0.5 * problem.spacing
    return {"behind": float(length[np.abs(x - (tip - h)) < 1e-3].mean()),
            "ahead": float(length[np.abs(x - (tip + h)) < 1e-3].mean())}


def snapshot(problem: CrackProblem, crack: FlexibleCrack, state: FlexibleState) -> Atoms:
    """The sites at a flexible state, with the held boundary layer marked."""
    atoms = problem.crystal.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
    atoms.positions = crack.force_field.site_positions(crack.displacements(state.w, state.alpha, state.K))
    atoms.arrays["boundary"] = problem.layer.astype(np.int32)
    return atoms


def branch_summary(problem: CrackProblem, crack: FlexibleCrack, branch: Branch) -> dict:
    K_G = problem.griffith_K
    s = branch.state
    assert s is not None
    end = snapshot(problem, crack, s).positions
    return {"points": len(branch.K), "wall_s": round(branch.seconds, 1), "stopped": branch.stopped,
            "snapped": branch.snapped,
            "folds": [{"K_over_K_G": f.K / K_G, "alpha": f.alpha, "maximum": f.maximum} for f in branch.folds()],
            "bond_tip": [branch.tip[0], branch.tip[-1]], "end_pairs": tip_pairs(problem, end, branch.tip[-1]),
            "branch": {"alpha": branch.alpha, "K_over_K_G": [k / K_G for k in branch.K]}}


def run(outdir: Path, *, half_width: float = 60.0, points: int = 80) -> dict:
    """Both searches; their numbers (K in MPa m^0.5 or K_G, lengths in A, times in s)."""
    from ase.io import write

    outdir.mkdir(parents=True, exist_ok=True)
    problem = CrackProblem.build(load_potential("Si.sw"), Lattice.DIAMOND,
                                 CrackOrientation.of((1, 1, 1), (-1, 1, 0)), half_width=half_width)
    K_G = problem.griffith_K
    with AtomisticCrackSolver(problem) as held:
        t = trapping_range(held, step=0.05, bisections=3, progress=print, strict=False)
        x_held = held.positions(t.state)
    out: dict = {**problem.report(), "a": problem.a, "sites": len(problem.crystal), "half_width": half_width,
                 "held": {"K_plus": None if t.K_plus is None else t.K_plus / K_G,
                          "K_minus": None if t.K_minus is None else t.K_minus / K_G, "tip": t.tip,
                          "wall_s": round(t.seconds, 1), "relaxations": t.relaxations, "dofs": t.dofs,
                          "history": [[K / K_G, tip] for K, tip in t.history],
                          "pairs_at_K_G": tip_pairs(problem, x_held, t.tip)}}
    with FlexibleCrack.atomistic(problem, fmax=1e-4, preconditioner=Preconditioner.HESSIAN) as crack:
        down_path, up_path = outdir / "branch_down.npz", outdir / "branch_up.npz"
        start = crack.find_tip(crack.start())
        write(outdir / "crack_si111_K_G.extxyz", snapshot(problem, crack, start))
        x_flex = snapshot(problem, crack, start).positions
        out["flexible"] = {"dofs": crack.dofs, "alpha_at_K_G": start.alpha, "bond_tip_at_K_G": start.tip}
        traces = {}
        for name, rising, path in (("down", False, down_path), ("up", True, up_path)):
            branch = traces[name] = trace_branch(crack, None if path.exists() else start, points=points, ds_min=5e-4,
                                  rising=rising, strict=False, checkpoint=path,
                                  progress=lambda line, name=name: print(f"[{name}] {line}", flush=True))
            out["flexible"][name] = branch_summary(problem, crack, branch)
            assert branch.state is not None
            write(outdir / f"crack_si111_{name}.extxyz", snapshot(problem, crack, branch.state))
        for key, fold in zip(("K_plus", "K_minus"), TrappedBranch(traces["up"], traces["down"]).folds(), strict=True):
            out["flexible"][key] = {"K_over_K_G": fold.K / K_G, "alpha": fold.alpha, "snap": fold.snap}
        out["flexible"]["hessian_evaluations"] = crack.preconditioner_evaluations
        out["flexible"]["residual_evaluations"] = crack.evaluations
    r, open_held = problem.opening_behind(x_held)
    _, open_flex = problem.opening_behind(x_flex)
    at = int(np.argmin(np.abs(r - 10 * problem.spacing)))
    lefm_held = problem.opening(K_G, r)
    lefm_flex = problem.opening(K_G, r + out["flexible"]["alpha_at_K_G"])  # the far field's tip at alpha
    out["opening"] = {"r": float(r[at]), "held": float(open_held[at]), "lefm_held": float(lefm_held[at]),
                      "flexible": float(open_flex[at]), "lefm_flexible": float(lefm_flex[at])}
    (outdir / "crack_si111.json").write_text(json.dumps(out, indent=1))
    _figure(outdir / "crack_si111.png", out, r, open_held, open_flex, lefm_held, lefm_flex, problem)
    return out


def _figure(path: Path, out: dict, r, open_held, open_flex, lefm_held, lefm_flex, problem) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(17, 5.2), constrained_layout=True)
    h = out["held"]
    K, tip = np.array(h["history"]).T
    ax[0].plot(tip - h["tip"], K, "ko", ms=4)
    for key in ("K_plus", "K_minus"):
        if h[key] is not None:
            ax[0].axhline(h[key], color="k", lw=0.6, ls=":")
    ax[0].set(xlabel="crack tip (bond count) - trapped tip at K_G (A)", ylabel="K / K_G",
              title=f"field held: K- {h['K_minus']:.3f}, K+ {h['K_plus']:.3f} K_G")
    for name, colour in (("down", "C0"), ("up", "C3")):
        b = out["flexible"][name]
        ax[1].plot(b["branch"]["alpha"], b["branch"]["K_over_K_G"], "-o", color=colour, ms=2.5, lw=1,
                   label=f"from K_G {name} in K ({b['points']} points)")
        for f in b["folds"]:
            ax[1].plot(f["alpha"], f["K_over_K_G"], "v" if f["maximum"] else "^", color=colour, ms=9, mfc="none")
    ax[1].axhline(1.0, color="grey", ls=":", lw=1)
    ax[1].set(xlabel="far-field tip alpha (A, from the slit's end)", ylabel="K / K_G",
              title="flexible boundary: stable and unstable branches (triangles: folds)")
    ax[1].legend(fontsize=8)
    ax[2].plot(r, open_held, "ko", ms=3, label="field held")
    ax[2].plot(r, lefm_held, "k-", lw=1, label="LEFM, tip at the slit's end")
    ax[2].plot(r, open_flex, "C0s", ms=3, mfc="none", label="flexible boundary")
    ax[2].plot(r, lefm_flex, "C0--", lw=1, label=f"LEFM, tip at alpha = {out['flexible']['alpha_at_K_G']:.2f} A")
    ax[2].set(xlabel="distance behind the slit's tip (A)", ylabel="opening (A)", title="crack opening at K_G")
    ax[2].legend(fontsize=8)
    fig.suptitle(f"Si (111)[-110], Stillinger-Weber, {out['sites']:,} sites: gamma {out['surface_energy']:.4f} J/m^2, "
                 f"K_G {out['K_G']:.4f} MPa m^0.5")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outdir", type=Path, default=Path("out"))
    p.add_argument("--points", type=int, default=80, help="points of each flexible trace (default %(default)s)")
    p.add_argument("--half-width", type=float, default=60.0, help="half-width of the square domain (A)")
    args = p.parse_args()
    r = run(args.outdir, half_width=args.half_width, points=args.points)
    if (args.points, args.half_width) == (80, 60.0):  # the run README quotes
        print(f"wrote {write_results(RESULTS / 'crack_si111.json', r, script='examples/crack_si111.py')}")
    h, f = r["held"], r["flexible"]
    print(f"surface energy {r['surface_energy']:.4f} J/m^2, E' {r['E_prime_GPa']:.2f} GPa, "
          f"K_G {r['K_G']:.4f} MPa m^0.5")
    print(f"field held: K- {h['K_minus']} K_G, K+ {h['K_plus']} K_G ({h['relaxations']} relaxations, {h['wall_s']} s)")
    for name in ("down", "up"):
        b = f[name]
        folds = ", ".join(f"{x['K_over_K_G']:.4f} K_G at alpha {x['alpha']:.2f} A" for x in b["folds"])
        print(f"flexible {name}: {b['points']} points in {b['wall_s']} s; folds: {folds or 'none'}; "
              f"bond tip {b['bond_tip'][0]:.2f} -> {b['bond_tip'][1]:.2f} A; {b['stopped'] or 'all points'}")
    o = r["opening"]
    print(f"opening {o['r']:.2f} A behind the slit's tip at K_G: held {o['held']:.4f} (LEFM {o['lefm_held']:.4f}), "
          f"flexible {o['flexible']:.4f} (LEFM {o['lefm_flexible']:.4f}) A")


if __name__ == "__main__":
    main()
