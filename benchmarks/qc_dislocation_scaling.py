"""QC against full atomistics for the Al edge dislocation as the domain grows.

The atomistic disc (22 A), blending region (8 A) and tolerance (1e-3 eV/A, both solvers)
stay fixed while the slab grows; for each size LAMMPS minimizes every site (CG) and BQCF
relaxes its graded model (FIRE). Printed per size: sites, degrees of freedom, wall time of
both and their ratios, and the accuracy of QC against that size's own reference
(partial separation, core displacement error).

Run: ``python benchmarks/qc_dislocation_scaling.py [--sizes 60 24 120 48 240 96]``.
"""

from __future__ import annotations

import argparse
import resource
from pathlib import Path

from qcbridge import load_potential
from qcbridge.coupling.problems import EdgeDislocationProblem
from qcbridge.io.results import write_results
from qcbridge.solvers import FIRE, RelaxOptions, relax

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def measure(size: tuple[int, int], radius: float = 22.0) -> dict:
    """BQCF against full atomistics for one domain size (both relaxed to 1e-3 eV/A)."""
    prob = EdgeDislocationProblem.build(load_potential("Al_mm.eam.fs"), size)
    ref = prob.reference(ftol=1e-3)
    with prob.model(radius, "bqcf") as model:
        res = relax(model, FIRE(), RelaxOptions(fmax=1e-3, max_steps=20000))
        cmp = prob.compare(model, res.u, ref)
        dof = 3 * int(model.free.sum())
    pq = prob.partials(cmp["u_sites"])
    pr = prob.partials(ref.positions - prob.crystal.positions)
    return {"cells": list(size), "sites": len(prob.crystal), "dof_full": 3 * ref.n_free, "dof_qc": dof,
            "seconds_full": ref.seconds, "seconds_qc": res.seconds, "qc_steps": res.steps,
            "separation_full": pr.separation, "separation_qc": pq.separation,
            "separation_error_full": pr.separation_error, "separation_error_qc": pq.separation_error,
            "max_error_core": cmp["max_error_core"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[60, 24, 120, 48, 240, 96])
    p.add_argument("--radius", type=float, default=22.0)
    args = p.parse_args()
    sizes = list(zip(args.sizes[::2], args.sizes[1::2], strict=False))
    print("| cells | sites | DOF full | DOF QC | DOF ratio | LAMMPS min (s) | QC (s) | time ratio QC/full "
          "| separation full / QC (A) | max core error (A) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    rows = []
    for size in sizes:
        r = measure(size, args.radius)
        rows.append(r)
        print(f"| {size[0]} x {size[1]} | {r['sites']} | {r['dof_full']} | {r['dof_qc']} | "
              f"{r['dof_qc'] / r['dof_full']:.3f} | {r['seconds_full']:.2f} | {r['seconds_qc']:.2f} | "
              f"{r['seconds_qc'] / r['seconds_full']:.2f} | {r['separation_full']:.2f} / {r['separation_qc']:.2f} | "
              f"{r['max_error_core']:.4f} |", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {rss:.0f} MB")
    if args.radius == 22.0 and sizes == [(60, 24), (120, 48), (240, 96)]:  # the run README quotes
        record = {"radius": args.radius, "rows": rows, "peak_rss_mb": rss}
        path = write_results(RESULTS / "qc_dislocation_scaling.json", record,
                             script="benchmarks/qc_dislocation_scaling.py")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
