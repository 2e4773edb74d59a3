"""``python -m autograder grade NOTEBOOK... [--json]``: grade notebooks, one contained subject each."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import InputError
from ..lab import installed_labs, load_lab
from .options import add_lab_option, add_limit_options, limits_from


def add_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade", help="grade one or more notebooks",
        description="Grade each notebook as it runs from the top, in its own contained process. "
                    "The lab is --lab, else the lab whose name the notebook's file name starts with, "
                    "else the only installed lab.")
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    add_lab_option(parser, "the lab to grade with (default: from the notebook's name)")
    parser.add_argument("--json", action="store_true", help="print JSON (a list, one object per notebook)")
    parser.add_argument("--public", action="store_true", help="run only the public checks (what students see)")
    add_limit_options(parser)
    parser.set_defaults(func=run)


def lab_for_notebook(path: str, chosen: str | None):
    if chosen:
        return load_lab(chosen)
    labs = installed_labs()
    stem = Path(path).stem
    matches = [name for name in labs if stem == name or stem.startswith(name)]
    if matches:
        return load_lab(max(matches, key=len))
    if len(labs) == 1:
        return load_lab(labs[0])
    raise InputError(f"{path}: cannot tell which lab it is for; give --lab ({', '.join(labs)})")


def run(args) -> int:
    from ..grading import grade_notebook
    from ..isolation import warm_up

    labs = {}
    for path in args.notebooks:
        labs[path] = lab_for_notebook(path, args.lab)
    for lab in set(labs.values()):
        warm_up(lab)  # the libraries load in the zygote while the notebooks are read
    grades, failed = [], False
    for path in args.notebooks:
        try:
            grade = grade_notebook(path, labs[path], which="public" if args.public else "all", seed=args.seed,
                                   limits=limits_from(args))
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
            continue
        grades.append(grade)
        if not args.json:
            print_table(grade)
    if args.json:
        print(json.dumps([g.to_dict() for g in grades], indent=2))
    return 2 if failed else 0


def environment_text(grade) -> str:
    """" (keras 3.15.1, tensorflow 2.21.0)": what the submission ran on, as its subject reported it."""
    shown = ", ".join(f"{name} {version}" for name, version in grade.environment.items())
    return f" ({shown})" if shown else ""


def print_table(grade) -> None:
    from rich.console import Console
    from rich.markup import escape  # every string here may come from the student (messages, names)
    from rich.table import Table

    table = Table(title=escape(f"{grade.notebook}: {grade.score:g}/{grade.max_score:g}{environment_text(grade)}"),
                  title_justify="left")
    table.add_column("check")
    table.add_column("category")
    table.add_column("points", justify="right")
    table.add_column("message", overflow="fold")
    for c in grade.checks:
        mark = "[green]\u2713[/]" if c.passed else "[red]\u2717[/]"
        table.add_row(f"{mark} {escape(c.name)}", escape(c.category), f"{c.points:g}/{c.max_points:g}", escape(c.text))
    console = Console(width=max(100, Console().width))
    console.print(table)
    for cell in grade.cells:
        console.print(f"[dim]{escape(cell.text())}[/]")
    if grade.error:
        console.print(f"[yellow]note:[/] {escape(grade.error)}")
