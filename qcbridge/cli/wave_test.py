"""`qcbridge wave-test`: the energy a boundary reflects back into an atomistic region."""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    from ..dynamics import chain_wave_test
    from ..errors import QCBridgeError

    try:
        r = chain_wave_test(args.boundary, n_atoms=args.atoms, wavenumber=args.wavenumber)
    except QCBridgeError as exc:
        print(f"qcbridge wave-test: {exc}", file=sys.stderr)
        return 2
    out = {"system": args.system, "boundary": r.boundary.value,
           "reflected_energy_fraction": r.reflected_energy_fraction, "seconds_per_step": r.seconds_per_step,
           "steps": r.steps}
    if r.damping is not None:
        out["damping_per_time"] = r.damping
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        tuned = f", tuned damping gamma_max = {r.damping:g} omega_0" if r.damping is not None else ""
        print(f"{args.system}, {r.boundary.value} boundary{tuned}: reflected energy fraction "
              f"{r.reflected_energy_fraction:.3g} after {r.steps} steps, {1e6 * r.seconds_per_step:.1f} us per step")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    w = sub.add_parser("wave-test", help="energy a boundary reflects into an atomistic region",
                       description="Send a wave packet from the centre of an atomistic region and print the "
                       "fraction of its energy the boundary sends back. System: a harmonic chain (m = k = 1). "
                       "Boundaries: fixed (a rigid wall), damped (a tuned friction layer of 20 atoms), kernel "
                       "(the exact Mori-Zwanzig memory of the atoms left out).")
    w.add_argument("--system", choices=["chain"], default="chain", help="the atomistic region (a harmonic chain)")
    w.add_argument("--boundary", choices=["fixed", "damped", "kernel"], required=True)
    w.add_argument("--atoms", type=int, default=201, help="atoms of the region (default 201)")
    w.add_argument("--wavenumber", type=float, default=1.0, help="carrier wavenumber, rad per spacing (default 1)")
    w.add_argument("--json", action="store_true", help="print one JSON object")
    w.set_defaults(func=run)
