"""`qcbridge crack`: surface energy, Griffith's K and the lattice-trapping range of a crack,
by a coupled model and (with --compare-full) by full atomistics on the same domain."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..fracture.problem import CrackProblem


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from ase import units

    from ..continuum.materials import cauchy_born_material
    from ..coupling.problems import layer_width
    from ..defects.stroh import MPA_SQRT_M
    from ..errors import QCBridgeError
    from ..fracture import CrackOrientation
    from ..fracture.adaptive import AdaptiveCrackSolver
    from ..fracture.problem import CrackProblem
    from ..fracture.trapping import AtomisticCrackSolver, CoupledCrackSolver, TrappingRange, trapping_range
    from ..structures import Lattice, oriented_primitive_cell
    from .patch_test import load_potential_spec

    try:
        if args.checkpoint is not None and args.flexible is None:
            raise QCBridgeError("--checkpoint saves the branches of --flexible; without --flexible there is no "
                                "branch to save")
        pot = load_potential_spec(args.potential)
        lattice = Lattice[args.lattice.upper()]
        orientation = CrackOrientation.of(tuple(args.plane), tuple(args.front))
        layer = layer_width(pot)
        radius = max(15.0, 2.0 * pot.cutoff) if args.radius is None else args.radius
        domain = max(100.0, radius + 8.0 + 3.0 * layer) if args.domain is None else args.domain
        _say(f"qcbridge crack: {pot.name} {args.lattice} {orientation}, atomistic radius {radius:g} A, "
             f"domain half-width {domain:g} A")
        problem = CrackProblem.build(pot, lattice, orientation, a=args.a, half_width=domain)
        cubic = cauchy_born_material(oriented_primitive_cell(lattice, pot.species[0],
                                                             problem.a, ((1, 0, 0), (0, 1, 0), (0, 0, 1))), pot)
        C = cubic.elastic_constants() / units.GPa
        out: dict[str, object] = {
            "potential": pot.name, "lattice": args.lattice, "a": problem.a, "plane": list(args.plane),
            "front": list(args.front), "method": args.method, "radius": radius, "domain": domain,
            "surface_energy": problem.gamma / (units.J / units.m**2),
            "E_prime": problem.modulus / units.GPa,
            "K_G": problem.griffith_K / MPA_SQRT_M,
            "elastic_constants": {"C11": float(C[0, 0]), "C12": float(C[0, 1]), "C44": float(C[3, 3])},
        }
        _say(f"surface energy {out['surface_energy']:.4f} J/m^2, E' {out['E_prime']:.2f} GPa, "
             f"K_G {out['K_G']:.4f} MPa m^0.5")

        def measured(result: TrappingRange) -> dict[str, float]:
            if result.K_plus is None or result.K_minus is None:  # a strict search raises instead
                raise QCBridgeError("the trapping search found no threshold")
            return {"K_plus": result.K_plus / MPA_SQRT_M, "K_minus": result.K_minus / MPA_SQRT_M,
                    "dofs": result.dofs, "wall_s": result.seconds, "relaxations": result.relaxations}

        def report(line: str) -> None:
            _say("  " + line)

        if args.flexible is not None:
            if args.adaptive:
                raise QCBridgeError("--flexible and --adaptive do not combine: the flexible boundary keeps the tip "
                                    "in a fixed atomistic region")
            runs = _flexible_runs(problem, args, radius, report)
        else:
            runs = {}
            qc = (AdaptiveCrackSolver(problem, radius, args.method, report=report) if args.adaptive
                  else CoupledCrackSolver(problem, radius, args.method))
            with qc:
                _say(f"{args.method}: {qc.model.n_nodes} nodes, {qc.dofs} DOF")
                runs["coupled (" + args.method + ")"] = measured(
                    trapping_range(qc, step=args.step, bisections=args.bisections, max_steps=args.max_steps,
                                   progress=report))
            if args.compare_full:
                with AtomisticCrackSolver(problem) as full:
                    _say(f"full atomistic: {len(problem.crystal)} atoms, {full.dofs} DOF")
                    runs["full atomistic"] = measured(
                        trapping_range(full, step=args.step, bisections=args.bisections, max_steps=args.max_steps,
                                       progress=report))
    except (QCBridgeError, KeyError, ValueError) as exc:
        print(f"qcbridge crack: {exc}", file=sys.stderr)
        return 2
    coupled = next(iter(runs.values()))
    if args.json:
        out.update(coupled)
        if "full atomistic" in runs:
            out["full"] = runs["full atomistic"]
        print(json.dumps(out))
        return 0
    print(f"{pot.name} {args.lattice} a = {problem.a:.5f} A, crack {orientation}")
    print(f"surface energy {out['surface_energy']:.4f} J/m^2; C11, C12, C44 = {C[0, 0]:.2f}, {C[0, 1]:.2f}, "
          f"{C[3, 3]:.2f} GPa")
    print(f"K_G = {out['K_G']:.4f} MPa m^0.5 (E' = {out['E_prime']:.2f} GPa)")
    print(f"{'':<18} {'K- (MPa m^0.5)':>15} {'K+ (MPa m^0.5)':>15} {'DOF':>8} {'wall (s)':>9}")
    for name, r in runs.items():
        print(f"{name:<18} {r['K_minus']:15.4f} {r['K_plus']:15.4f} {int(r['dofs']):8d} {r['wall_s']:9.1f}")
    return 0


def _flexible_runs(problem: CrackProblem, args: argparse.Namespace, radius: float,
                   report: Callable[[str], None]) -> dict[str, dict[str, float]]:
    """K+ and K- as the folds of the flexible-boundary branch through K_G, traced up and down
    in K (:func:`qcbridge.fracture.continuation.trace_trapped`), for the coupled model and,
    with --compare-full, full atomistics."""
    from ..defects.stroh import MPA_SQRT_M
    from ..fracture.continuation import trace_trapped, trapped_checkpoints
    from ..fracture.flexible import FlexibleCrack

    builds: dict[str, Callable[[], FlexibleCrack]] = {
        "coupled (" + args.method + ")": lambda: FlexibleCrack.coupled(problem, radius, args.method)}
    if args.compare_full:
        builds["full atomistic"] = lambda: FlexibleCrack.atomistic(problem)
    runs: dict[str, dict[str, float]] = {}
    if args.checkpoint is not None:
        args.checkpoint.mkdir(parents=True, exist_ok=True)
    for name, build in builds.items():
        with build() as crack:
            _say(f"{name}, flexible boundary: {crack.dofs} DOF (nodes and the far field's tip)")
            stem = None if args.checkpoint is None else args.checkpoint / f"branch_{name.split()[0]}"
            start = None
            if stem is None or not all(path.exists() for path in trapped_checkpoints(stem).values()):
                start = crack.find_tip(crack.start())
                report(f"far-field tip at K_G: alpha = {start.alpha:.3f} A, bond tip {start.tip:.2f} A")
            trapped = trace_trapped(crack, start, points=args.flexible, checkpoint=stem, progress=report)
            top, low = trapped.folds(f"{name}: ")
            up, down = trapped.up, trapped.down
            runs[name] = {"K_plus": top.K / MPA_SQRT_M, "K_minus": low.K / MPA_SQRT_M, "dofs": crack.dofs,
                          "wall_s": trapped.seconds, "relaxations": len(up.K) + len(down.K) - 1,
                          "alpha_at_K_G": up.alpha[0], "alpha_K_plus": top.alpha, "alpha_K_minus": low.alpha,
                          "K_plus_snap": top.snap, "K_minus_snap": low.snap,
                          "bond_tip_at_K_G": up.tip[0], "bond_tip_up": up.tip[-1], "bond_tip_down": down.tip[-1]}
    return runs


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    cr = sub.add_parser("crack", help="surface energy, Griffith K and lattice-trapping range of a crack",
                        description="Build a mode-I crack on the plane (h k l) with its front along [u v w] in "
                        "a square slab held at the anisotropic (Stroh) K field of the Cauchy-Born elastic "
                        "constants; compute the relaxed surface energy with LAMMPS, Griffith's K_G = "
                        "sqrt(2 gamma E'), and the K at which the crack advances (K+) and heals (K-) by "
                        "stepping K from K_G, relaxing each step (coupled model; with --compare-full also "
                        "full atomistics on the same domain).")
    cr.add_argument("--potential", required=True, help="registry name or lj:SYMBOL:EPS:SIGMA[:CUTOFF]")
    cr.add_argument("--lattice", required=True, choices=["fcc", "bcc", "diamond"])
    cr.add_argument("--a", type=float, help="lattice constant (A; default: the potential's equilibrium)")
    cr.add_argument("--plane", nargs=3, type=int, required=True, metavar=("H", "K", "L"), help="crack plane")
    cr.add_argument("--front", nargs=3, type=int, required=True, metavar=("U", "V", "W"), help="crack front")
    cr.add_argument("--method", default="bqcf", choices=["bqcf", "qcf"], help="coupling method (default %(default)s)")
    cr.add_argument("--radius", type=float, help="atomistic radius around the tip (A; default max(15, 2 cutoffs))")
    cr.add_argument("--adaptive", action="store_true",
                    help="let the atomistic region follow the tip (a disc of the radius around every new tip)")
    cr.add_argument("--domain", type=float, help="half-width of the square domain (A; default from the radius)")
    cr.add_argument("--step", type=float, default=0.05, help="load step as a fraction of K_G (default %(default)s)")
    cr.add_argument("--max-steps", type=int, default=40,
                    help="load steps before a search gives up (default %(default)s: up to 3 K_G)")
    cr.add_argument("--bisections", type=int, default=4, help="bisections of each threshold (default %(default)s)")
    cr.add_argument("--compare-full", action="store_true", help="also run the full-atomistic reference")
    cr.add_argument("--flexible", type=int, metavar="POINTS",
                    help="flexible boundary (the far field follows the tip): trace the equilibrium branch in "
                         "(tip, K) from K_G up in K to its first maximum (K+) and down to its first minimum (K-), "
                         "at most POINTS points each way, and report the bond tip at K_G and at both ends (whether "
                         "a bond broke on the way)")
    cr.add_argument("--checkpoint", type=Path, metavar="DIR",
                    help="with --flexible: save each trace after every point (DIR/branch_coupled_up.npz, "
                         "DIR/branch_coupled_down.npz, DIR/branch_full_up.npz, DIR/branch_full_down.npz) and "
                         "resume from there when rerun")
    cr.add_argument("--json", action="store_true", help="print one JSON object")
    cr.set_defaults(func=run)
