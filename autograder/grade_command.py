"""``python -m autograder grade NOTEBOOK... [--json]``: grade notebooks, one isolated run each."""
from __future__ import annotations

import json
import sys

from . import sandbox
from .notebook import SubmissionError
from .results import NotebookGrade


def add_limit_options(parser) -> None:
    """The isolation limits, shared by every command that runs student code."""
    defaults = sandbox.Limits()
    parser.add_argument("--timeout", type=float, default=defaults.timeout_s, metavar="SECONDS",
                        help=f"wall-clock limit per submission (default {defaults.timeout_s:g})")
    parser.add_argument("--check-timeout", type=float, default=defaults.check_timeout_s, metavar="SECONDS",
                        help=f"limit per check (default {defaults.check_timeout_s:g})")
    parser.add_argument("--memory", type=int, default=defaults.memory_mb, metavar="MB",
                        help=f"memory a submission may use beyond TensorFlow's own (default {defaults.memory_mb})")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the checks (default 0)")


def limits_from(args) -> sandbox.Limits:
    return sandbox.Limits(timeout_s=args.timeout, check_timeout_s=args.check_timeout, memory_mb=args.memory)


def add_command(subparsers) -> None:
    parser = subparsers.add_parser("grade", help="grade one or more notebooks",
                                   description="Grade each notebook in its own isolated process.")
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    parser.add_argument("--json", action="store_true", help="print JSON (a list, one object per notebook)")
    parser.add_argument("--public", action="store_true", help="run only the public checks (what students see)")
    add_limit_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    from .grading import grade_notebook

    sandbox.warm_up()  # TensorFlow loads in the zygote while we read the notebooks
    grades, failed = [], False
    for path in args.notebooks:
        try:
            grade = grade_notebook(path, "public" if args.public else "all", args.seed, limits_from(args))
        except SubmissionError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
            continue
        grades.append(grade)
        if not args.json:
            print_table(grade)
    if args.json:
        print(json.dumps([g.to_dict() for g in grades], indent=2))
    return 2 if failed else 0


def print_table(grade: NotebookGrade) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{grade.notebook}: {grade.score:g}/{grade.max_score:g} (Keras {grade.keras})",
                  title_justify="left", show_lines=False, expand=False)
    table.add_column("check")
    table.add_column("category")
    table.add_column("points", justify="right")
    table.add_column("message", overflow="fold")
    for c in grade.checks:
        mark = "[green]✓[/]" if c.passed else "[red]✗[/]"
        table.add_row(f"{mark} {c.name}", c.category, f"{c.points:g}/{c.max_points:g}", c.message)
    console = Console(width=max(100, Console().width))
    console.print(table)
    if grade.error:
        console.print(f"[yellow]note:[/] {grade.error}")
