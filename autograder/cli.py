"""``python -m autograder COMMAND``: one small module per command.

Each command module has ``add_command(subparsers)``, which registers its
parser with ``func`` set to a function taking the parsed args and returning
the exit code. Exit codes: 0 when grading ran (whatever the score), 2 when
an argument cannot be graded, 130 when interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = ["grade_command", "batch_command", "report", "gradescope", "bundle"]


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grade the Custom Dense Layer lab: notebooks, a whole class, or a Gradescope submission. "
                    "Exit code 0 when grading ran (whatever the score), 2 for input that cannot be graded.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"autograder.{name}").add_command(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
