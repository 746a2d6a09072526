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

from qcbridge import load_potential
from qcbridge.coupling.problems import EdgeDislocationProblem
from qcbridge.solvers import FIRE, RelaxOptions, relax


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[60, 24, 120, 48, 240, 96])
    p.add_argument("--radius", type=float, default=22.0)
    args = p.parse_args()
    pot = load_potential("Al_mm.eam.fs")
    sizes = list(zip(args.sizes[::2], args.sizes[1::2]))
    print("| cells | sites | DOF full | DOF QC | DOF ratio | LAMMPS min (s) | QC (s) | time ratio QC/full "
          "| separation full / QC (A) | max core error (A) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for size in sizes:
        prob = EdgeDislocationProblem.build(pot, size)
        ref = prob.reference(ftol=1e-3)
        with prob.model(args.radius, "bqcf") as model:
            res = relax(model, FIRE(), RelaxOptions(fmax=1e-3, max_steps=20000))
            seconds = res.seconds
            cmp = prob.compare(model, res.u, ref)
            dof = 3 * int(model.free.sum())
        pq = prob.partials(cmp["u_sites"])
        pr = prob.partials(ref.positions - prob.crystal.positions)
        print(f"| {size[0]} x {size[1]} | {len(prob.crystal)} | {3 * ref.n_free} | {dof} | {dof / (3 * ref.n_free):.3f} "
              f"| {ref.seconds:.2f} | {seconds:.2f} | {seconds / ref.seconds:.2f} | {pr.separation:.2f} / "
              f"{pq.separation:.2f} | {cmp['max_error_core']:.4f} |", flush=True)
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
