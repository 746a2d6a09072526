"""The ``qcbridge`` command line: one module per command, this one builds the parser."""

from __future__ import annotations

import argparse
import sys

from . import info, kernel, patch_test

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qcbridge", description="atomistic-continuum multiscale toolkit")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (info, kernel, patch_test):
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
