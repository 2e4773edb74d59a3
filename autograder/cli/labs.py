"""``python -m autograder labs``: the installed labs, their checks and points."""
from __future__ import annotations

from ..lab import installed_labs, load_lab


def add_command(subparsers) -> None:
    parser = subparsers.add_parser("labs", help="list the installed labs and their checks",
                                   description="The labs this grader knows, with each check's category, "
                                               "points and visibility.")
    parser.set_defaults(func=run)


def run(args) -> int:
    for name in installed_labs():
        lab = load_lab(name)
        which = "all" if lab.has_hidden_checks() else "public"
        checks = lab.checks(which)
        print(f"{lab.name}: {lab.title} (entry {lab.entry}, {sum(c.max_points for c in checks):g} points)")
        for check in checks:
            print(f"  {check.name:<26} {check.category:<14} {check.max_points:g}  {check.visibility}"
                  f"{'  (gate)' if check.gate else ''}")
    return 0
