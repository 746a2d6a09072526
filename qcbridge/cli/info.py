"""`qcbridge info`: LAMMPS version and the potentials qcbridge can load."""

from __future__ import annotations

import argparse
import json


def run(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..engines import import_lammps
    from ..potentials.registry import known_potentials, potential_directories, skipped_potentials

    lammps = import_lammps()
    lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        version = lmp.version()
    finally:
        lmp.close()
    skipped = skipped_potentials()
    info: dict = {
        "qcbridge": __version__,
        "lammps_version": version,
        "potential_directories": [str(d) for d in potential_directories()],
        "potentials": known_potentials(),
    }
    if args.all:
        info["skipped"] = skipped
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"qcbridge {info['qcbridge']} on LAMMPS {info['lammps_version']}")
    print("potential directories:\n  " + "\n  ".join(info["potential_directories"]))
    print("potentials:\n  " + "\n  ".join(info["potentials"]))
    if args.all:
        print(f"skipped ({len(skipped)} files that qcbridge cannot load):")
        for name, reason in skipped.items():
            print(f"  {name}: {reason}")
    elif skipped:
        print(f"({len(skipped)} other files in these directories cannot be loaded; "
              "'qcbridge info --all' lists them with the reason)")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    p = sub.add_parser("info", help="LAMMPS version and the potentials qcbridge can load",
                       description="Print the qcbridge and LAMMPS versions, the directories searched for "
                       "potential files and the names load_potential accepts. Files with a potential "
                       "suffix that cannot be loaded (other formats such as BOP tables, tables without the "
                       "'# qcbridge species:' comment, malformed files) are left out; --all lists them "
                       "with the reason.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true",
                   help="also list the files that cannot be loaded, each with the reason (JSON: 'skipped')")
    p.set_defaults(func=run)
