"""``python -m autograder report OUT``: what the class missed, per assignment."""
from __future__ import annotations


def add_command(subparsers) -> None:
    parser = subparsers.add_parser("report", help="what the class missed, from grade-batch results",
                                   description="For each assignment: the score distribution and the pass rate "
                                               "per check with the most common failure; writes OUT/report.html "
                                               "and a PNG chart per assignment.")
    parser.add_argument("output", metavar="OUT", help="the output folder of grade-batch")
    parser.add_argument("--assignment", metavar="NAME", help="only this assignment")
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..report import build_report

    build_report(args.output, args.assignment)
    return 0
