"""`qcbridge wave-test`: the energy a boundary reflects back into an atomistic region."""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    from ..dynamics import chain_wave_test, slab_wave_test
    from ..errors import QCBridgeError

    try:
        if args.system == "slab":
            options = {} if args.wavelength is None else {"wavelength": args.wavelength}
            r = slab_wave_test(args.boundary, potential=args.potential, layers=args.layers, **options)
        else:
            r = chain_wave_test(args.boundary, n_atoms=args.atoms, wavenumber=args.wavenumber)
    except QCBridgeError as exc:
        print(f"qcbridge wave-test: {exc}", file=sys.stderr)
        return 2
    out = {"system": args.system, "boundary": r.boundary.value,
           "reflected_energy_fraction": r.reflected_energy_fraction, "seconds_per_step": r.seconds_per_step,
           "steps": r.steps}
    if r.damping is not None:
        out["damping_per_fs" if args.system == "slab" else "damping_per_time"] = r.damping
    if r.energy_left_fraction is not None:
        out["energy_left_fraction"] = r.energy_left_fraction
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        unit = "/fs" if args.system == "slab" else " omega_0"
        tuned = f", tuned damping gamma_max = {r.damping:g}{unit}" if r.damping is not None else ""
        left = (f" (energy left in the region {r.energy_left_fraction:.3g})" if r.energy_left_fraction is not None
                else "")
        print(f"{args.system}, {r.boundary.value} boundary{tuned}: reflected energy fraction "
              f"{r.reflected_energy_fraction:.3g}{left} after {r.steps} steps, "
              f"{1e6 * r.seconds_per_step:.1f} us per step")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    w = sub.add_parser("wave-test", help="energy a boundary reflects into an atomistic region",
                       description="Send a wave packet from the centre of an atomistic region and print the "
                       "fraction of its energy the boundary sends back. Systems: chain, a harmonic chain (m = k = 1); "
                       "slab, an fcc EAM slab periodic along y and z (one lattice constant thick), bounded along x, "
                       "its forces from LAMMPS, the reflection measured against a wide-crystal run. Boundaries: "
                       "fixed (a rigid wall), damped (a tuned friction layer: 20 atoms of the chain, the ghost "
                       "planes' thickness of the slab), kernel (the Mori-Zwanzig memory of the atoms left out).")
    w.add_argument("--system", choices=["chain", "slab"], default="chain",
                   help="the atomistic region: a harmonic chain or a 2D EAM slab (default chain)")
    w.add_argument("--boundary", choices=["fixed", "damped", "kernel"], required=True)
    w.add_argument("--atoms", type=int, default=201, help="atoms of the region (default 201)")
    w.add_argument("--wavenumber", type=float, default=1.0, help="carrier wavenumber, rad per spacing (default 1)")
    w.add_argument("--layers", type=int, default=40, help="slab: (100) planes of the region (default 40)")
    w.add_argument("--wavelength", type=float, default=None,
                   help="slab: carrier wavelength in Angstrom (default 4 lattice constants)")
    w.add_argument("--potential", default="Cu_u3.eam", help="slab: an fcc EAM potential (default Cu_u3.eam)")
    w.add_argument("--json", action="store_true", help="print one JSON object")
    w.set_defaults(func=run)
