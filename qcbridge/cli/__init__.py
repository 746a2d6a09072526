"""The ``qcbridge`` command line: one module per command, this one builds the parser.

``qcbridge`` without a command prints the help and exits 0; ``qcbridge --version`` prints
the version.
"""

from __future__ import annotations

import argparse
import sys

from . import crack, homogenize, indent, info, kernel, patch_test, wave_test

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="qcbridge", description="atomistic-continuum multiscale toolkit")
    parser.add_argument("--version", action="version", version=f"qcbridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for command in (info, kernel, patch_test, crack, indent, homogenize, wave_test):
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
