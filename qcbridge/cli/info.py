"""`qcbridge info`: LAMMPS version and the potentials qcbridge can load."""

from __future__ import annotations

import argparse
import json


def run(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..engines import import_lammps
    from ..potentials import known_potentials, potential_directories

    lammps = import_lammps()
    lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        version = lmp.version()
    finally:
        lmp.close()
    info = {
        "qcbridge": __version__,
        "lammps_version": version,
        "potential_directories": [str(d) for d in potential_directories()],
        "potentials": known_potentials(),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"qcbridge {info['qcbridge']} on LAMMPS {info['lammps_version']}")
        print("potential directories:\n  " + "\n  ".join(info["potential_directories"]))
        print("potentials:\n  " + "\n  ".join(info["potentials"]))
    return 0


def register(sub) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    p = sub.add_parser("info", help="LAMMPS version and the potentials qcbridge can load")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)

