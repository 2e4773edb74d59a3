"""``python -m autograder containment``: what holds against hostile code on this machine, tried for real."""
from __future__ import annotations


def add_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "containment", help="try the sandbox from inside and show what holds on this machine",
        description="Start a subject process as grading does and let it try what a hostile submission would "
                    "(read the grader's files, connect, signal, leave a process behind); print what held.")
    parser.add_argument("--backend", choices=("zygote", "fresh"), default=None)
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..isolation.selftest import measure

    for protection, held, detail in measure(args.backend):
        print(f"{'held ' if held else 'OPEN '}  {protection}\n        {detail}")
    return 0
