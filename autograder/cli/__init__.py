"""``python -m autograder COMMAND``: one thin module per command, over the library.

Each command module has ``add_command(subparsers)``, which registers its
parser with ``func`` set to a function of the parsed arguments that returns
the exit code. Exit codes, mapped here and only here: 0 when the work ran
(whatever the scores), 2 with a one-line ``error: ...`` for input that cannot
be used (:class:`~autograder.errors.InputError`), 130 when interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import InputError

COMMANDS = ["grade", "batch", "report", "gradescope", "bundle", "notebook", "labs", "containment"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grade the course's labs: one notebook, a whole class, or a Gradescope submission. "
                    "Exit code 0 when grading ran (whatever the score), 2 for input that cannot be graded.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_command(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
