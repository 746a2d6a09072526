"""Convergence of the coupling methods against full atomistics on the same outer domain.

Two defects in an Al_mm slab (x [110], y [-111], z [1-12], one period thick): a vacancy row
(a point defect of the 2D problem, far field = perfect lattice) and the edge dislocation of
``examples/edge_dislocation_al.py``, here with the isotropic Volterra far field (the field of
the recorded study; the example now uses the anisotropic one). For every method and
atomistic radius R the model is relaxed (FIRE, 1e-6 eV/A) and compared with LAMMPS's own
minimum of all sites (boundary layer held the same way): energy-norm error
||grad(u_qc - u_ref)||_L2 over the whole domain, against the number of degrees of freedom N.
Blended methods use an 8 A blending region; sharp ones none. The mesh coarsens as
(1 + d/R)^1.5 lattice spacings at distance d from the resolved region of radius R: a mesh
that refines with R, so that its interpolation error falls as fast as the Cauchy-Born
modelling error (a fixed linear grading h ~ d caps the point defect at N^-1/2).

Theory for the energy norm (2D, optimal meshes): point defect (u ~ 1/r) N^-1 for BQCF and
the ghost-force-corrected QCE, dislocation (u ~ log r) N^-1/2; QCE and BQCE carry ghost
forces (O(1) at a sharp interface, decreasing with the blending width), so they stagnate or
converge slowly.

Radii start where the defect fits in the core: the dislocation's Shockley partials are
~13 A apart, so its smallest atomistic disc is 18 A.

Every finished point is saved at once to OUTDIR/qc_convergence.json; running the script
again with the same settings skips the saved points (``--restart`` recomputes them).

Run: ``python benchmarks/qc_convergence.py [--outdir DIR]``. Prints a
table (error, N, wall time per point) and fitted log-log slopes; writes qc_convergence.png
and qc_convergence.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from qcbridge import load_potential
from qcbridge.coupling.problems import EdgeDislocationProblem, VacancyProblem
from qcbridge.solvers import FIRE, RelaxOptions, relax

METHODS = ("qce", "qce-gfc", "qcf", "bqce", "bqcf")
THEORY = {"vacancy": -1.0, "dislocation": -0.5}


def study(problem, radii, fmax: float, grading: float | None, done: dict, save) -> dict:
    """Every (method, R) point; points already in ``done`` (a previous, interrupted run) are
    kept, and ``save(result)`` is called after each new point so that nothing is lost."""
    t0 = time.perf_counter()
    ref = problem.reference(ftol=1e-8)
    print(f"  reference: {ref.n_free} free atoms, LAMMPS minimization {ref.seconds:.1f} s "
          f"({time.perf_counter() - t0:.1f} s with set-up)", flush=True)
    rows = {m: [r for r in done.get("rows", {}).get(m, []) if r["R"] in radii] for m in METHODS}
    result = {"reference_seconds": ref.seconds, "reference_dof": 3 * ref.n_free, "rows": rows}
    for m in METHODS:
        blend = 8.0 if m.startswith("b") else 0.0
        for R in radii:
            old = [r for r in rows[m] if r["R"] == R]
            if old:
                print(f"  {m:8s} R = {R:5.1f} A  N = {old[0]['dof']:6d}  error = {old[0]['error']:.4e}  (saved)")
                continue
            with problem.model(R, m, blend_width=blend, grading_exponent=grading) as model:
                res = relax(model, FIRE(), RelaxOptions(fmax=fmax, max_steps=30000))
                seconds = res.seconds
                cmp = problem.compare(model, res.u, ref)
                dof = 3 * int(model.free.sum())
            rows[m].append({"R": R, "dof": dof, "error": cmp["energy_norm_error"], "max_error_core":
                            cmp["max_error_core"], "seconds": seconds, "steps": res.steps, "converged": res.converged})
            print(f"  {m:8s} R = {R:5.1f} A  N = {dof:6d}  error = {cmp['energy_norm_error']:.4e}  "
                  f"max core error = {cmp['max_error_core']:.3e} A  {seconds:6.1f} s ({res.steps} steps"
                  f"{'' if res.converged else ', NOT converged'})", flush=True)
            rows[m].sort(key=lambda r: r["R"])
            save(result)
    return result


def slope(rows, last: int = 3) -> float:
    if len(rows) < 2:
        return float("nan")
    n = np.array([r["dof"] for r in rows[-last:]], float)
    e = np.array([r["error"] for r in rows[-last:]], float)
    return float(np.polyfit(np.log(n), np.log(e), 1)[0])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outdir", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    p.add_argument("--vacancy-radii", nargs="+", type=float, default=[8.0, 12.0, 16.0, 24.0, 32.0, 40.0])
    p.add_argument("--dislocation-radii", nargs="+", type=float, default=[18.0, 22.0, 26.0, 32.0, 40.0])
    p.add_argument("--size", nargs=2, type=int, default=[56, 22])
    p.add_argument("--fmax", type=float, default=1e-6)
    p.add_argument("--grading", type=float, default=1.5,
                   help="mesh grading exponent: element size ~ (1 + d / R)^exponent lattice spacings")
    p.add_argument("--restart", action="store_true",
                   help="ignore the points saved by an earlier run in OUTDIR/qc_convergence.json")
    args = p.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    out = args.outdir / "qc_convergence.json"
    saved = {} if args.restart or not out.exists() else json.loads(out.read_text())
    settings = {"size": args.size, "fmax": args.fmax, "grading": args.grading}
    if saved.get("settings") != settings:
        saved = {}
    pot = load_potential("Al_mm.eam.fs")
    results = {"settings": settings}

    def save(name):
        def _save(result):
            results[name] = result
            tmp = out.with_suffix(".tmp")
            tmp.write_text(json.dumps({**saved, **results}, indent=2))
            tmp.replace(out)  # atomic: an interrupted run keeps every finished point
        return _save

    size = (args.size[0], args.size[1])
    problems = (("vacancy", lambda: VacancyProblem.build(pot, size), args.vacancy_radii),
                ("dislocation", lambda: EdgeDislocationProblem.build(pot, size, isotropic=True),
                 args.dislocation_radii))
    for name, build, radii in problems:
        print(f"{name}: domain {args.size[0]} x {args.size[1]} cells", flush=True)
        results[name] = study(build(), radii, args.fmax, args.grading, saved.get(name, {}), save(name))
    results = {k: v for k, v in results.items() if k != "settings"}
    print("\nfitted slopes d log(error) / d log(N) over the three largest R (theory for BQCF/GFC in brackets):")
    for name, res in results.items():
        line = ", ".join(f"{m} {slope(res['rows'][m]):+.2f}" for m in METHODS)
        print(f"  {name} [{THEORY[name]:+.1f}]: {line}")
        res["slopes"] = {m: slope(res["rows"][m]) for m in METHODS}
    out.write_text(json.dumps({"settings": settings, **results}, indent=2))
    _plot(results, args.outdir / "qc_convergence.png")


def _plot(results, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    for ax, (name, res) in zip(axes, results.items(), strict=False):
        for k, m in enumerate(METHODS):
            rows = res["rows"][m]
            ax.loglog([r["dof"] for r in rows], [r["error"] for r in rows], "o-", color=f"C{k}",
                      label=f"{m} (slope {res['slopes'][m]:+.2f})")
        n = np.array([min(r["dof"] for m in METHODS for r in res["rows"][m]),
                      max(r["dof"] for m in METHODS for r in res["rows"][m])], float)
        e0 = res["rows"]["bqcf"][0]["error"]
        ax.loglog(n, e0 * (n / n[0]) ** THEORY[name], "k:", label=f"N^{THEORY[name]:g} (theory)")
        ax.set(xlabel="degrees of freedom N", ylabel="energy-norm error", title=name)
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
