"""`qcbridge indent`: load-displacement curve and first nucleation of a rigid indenter on a free
surface, by a coupled model (optionally adaptive) and (with --compare-full) by full atomistics
on the same domain."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from ..coupling.adaptivity import RefinementCriteria
    from ..errors import QCBridgeError
    from ..indentation import IndentationProblem, IndenterShape
    from ..indentation.adaptive import AdaptiveIndentSolver
    from ..indentation.loading import (
        AtomisticIndentSolver,
        CoupledIndentSolver,
        IndentSolver,
        LoadDisplacement,
        indent,
        indentation_path,
    )
    from ..structures import Lattice
    from .patch_test import load_potential_spec
    from .progress import StepProgress

    try:
        pot = load_potential_spec(args.potential)
        shape = IndenterShape(args.indenter)
        width = 20.0 * args.radius if args.width is None else args.width
        height = 10.0 * args.radius if args.height is None else args.height
        atomistic = 1.25 * args.radius if args.atomistic_radius is None else args.atomistic_radius
        problem = IndentationProblem.build(pot, Lattice[args.lattice.upper()], tuple(args.surface), shape=shape,
                                           radius=args.radius, width=width, height=height, a=args.a,
                                           stiffness=args.stiffness)
        path = indentation_path(args.depth, args.steps, unload=args.unload)
        problem.check_depths(path)
        _say(f"qcbridge indent: {pot.name} {args.lattice} ({' '.join(map(str, args.surface))}) surface, frame "
             f"x y z = {problem.directions}, {shape.value} R = {args.radius:g} A to {args.depth:g} A in "
             f"{args.steps} steps; domain {width:g} x {height:g} A, {len(problem.crystal)} sites")
        out: dict[str, object] = {
            "potential": pot.name, "lattice": args.lattice, "a": problem.a, "surface": list(args.surface),
            "directions": [list(d) for d in problem.directions], "indenter": shape.value, "radius": args.radius,
            "stiffness": problem.stiffness, "method": args.method, "atomistic_radius": atomistic,
            "adaptive": args.adaptive, "domain": [width, height], "sites": len(problem.crystal),
            "thickness": None if shape is IndenterShape.SPHERE else float(problem.crystal.cell[2, 2]),
            "load_unit": "eV/A",
        }

        def run_path(solver: IndentSolver, label: str, checkpoint: Path | None) -> LoadDisplacement:
            bar = StepProgress(label, enabled=not args.quiet)
            with solver:
                return indent(solver, path, checkpoint=checkpoint,
                              progress=lambda i, n, d, f: bar(i, n, f"depth {d:6.2f} A load {f:8.3f} eV/A"))

        def checkpoint(name: str) -> Path | None:
            return None if args.checkpoint_dir is None else Path(args.checkpoint_dir) / f"indent-{name}.npz"

        qc: CoupledIndentSolver
        if args.adaptive:
            criteria = RefinementCriteria(memory_budget=args.memory_budget * 1e6)
            qc = AdaptiveIndentSolver(problem, atomistic, args.method, criteria=criteria,
                                      report=lambda line: _say("\n  " + line))
        else:
            qc = CoupledIndentSolver(problem, atomistic, args.method)
        _say(f"{args.method}{' (adaptive)' if args.adaptive else ''}: {qc.model.n_nodes} nodes, {qc.dofs} DOF")
        result = run_path(qc, args.method, checkpoint(args.method))
        out.update(result.as_dict())
        if isinstance(qc, AdaptiveIndentSolver):
            out["refinements"] = [{"depth": d, "atomistic_sites": n, "dofs": k} for d, n, k in qc.refinements]
        if args.compare_full:
            full = AtomisticIndentSolver(problem)
            _say(f"full atomistic: {len(problem.crystal)} atoms, {full.dofs} DOF")
            out["full"] = run_path(full, "full", checkpoint("full")).as_dict()
    except (QCBridgeError, KeyError, ValueError) as exc:
        print(f"qcbridge indent: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out))
        return 0
    _print_table(out)
    return 0


def _print_table(out: dict[str, Any]) -> None:
    runs = {str(out["method"]): out}
    if isinstance(out.get("full"), dict):
        runs["full atomistic"] = out["full"]
    print(f"{'depth (A)':>10} " + " ".join(f"{name + ' load':>20}" for name in runs))
    columns = [r["load_displacement"] for r in runs.values()]
    for rows in zip(*columns, strict=True):
        print(f"{rows[0][0]:10.3f} " + " ".join(f"{row[1]:20.4f}" for row in rows))
    for name, r in runs.items():
        nuc = r["nucleation"]
        where = "none" if nuc is None else f"depth {nuc['depth']:.3f} A, load {nuc['load']:.4f} eV/A"
        print(f"{name}: first load drop {where}; {r['dofs']} DOF, {r['wall_s']:.1f} s")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    p = sub.add_parser("indent", help="load-displacement curve and first nucleation under an indenter",
                       description="Press a rigid cylinder (a slab periodic along the cylinder axis) or sphere "
                       "(a finite block) with LAMMPS's fix indent law into the free surface (h k l) of a crystal "
                       "held at zero displacement below and beside, step by step to a depth, relaxing each "
                       "step; report the load on the indenter and the first load drop (dislocation "
                       "nucleation), by a coupled model with an atomistic region around the contact and, with "
                       "--compare-full, by full atomistics on the same domain.")
    p.add_argument("--potential", required=True, help="registry name or lj:SYMBOL:EPS:SIGMA[:CUTOFF]")
    p.add_argument("--lattice", required=True, choices=["fcc", "bcc"])
    p.add_argument("--a", type=float, help="lattice constant (A; default: the potential's equilibrium)")
    p.add_argument("--surface", nargs=3, type=int, required=True, metavar=("H", "K", "L"), help="free surface")
    p.add_argument("--indenter", required=True, choices=["cylinder", "sphere", "punch"],
                   help="a cylinder along z or a flat punch (half-width --radius) on a slab, a sphere on a block")
    p.add_argument("--radius", type=float, required=True, help="indenter radius (a flat punch: half-width; A)")
    p.add_argument("--depth", type=float, required=True, help="final depth below the surface (A)")
    p.add_argument("--steps", type=int, required=True, help="loading steps")
    p.add_argument("--method", default="bqcf", choices=["bqcf", "qcf", "bqce", "qce"],
                   help="coupling method (default %(default)s)")
    p.add_argument("--adaptive", action="store_true", help="grow the atomistic region where the indicators mark")
    p.add_argument("--compare-full", action="store_true", help="also run the full-atomistic reference")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--atomistic-radius", type=float, help="initial atomistic radius (A; default 1.25 R)")
    p.add_argument("--width", type=float, help="domain width across the surface (A; default 20 R)")
    p.add_argument("--height", type=float, help="domain height below the surface (A; default 10 R)")
    p.add_argument("--stiffness", type=float, default=10.0, help="indenter K (eV/A^3; default %(default)s)")
    p.add_argument("--unload", action="store_true", help="unload in the same steps after loading")
    p.add_argument("--memory-budget", type=float, default=4000.0,
                   help="largest estimated memory of a refined model (MB; default %(default)s)")
    p.add_argument("--checkpoint-dir", help="write a checkpoint after every step here and resume from it")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
