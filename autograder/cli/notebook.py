"""``python -m autograder notebook LAB``: write a lab's source notebook and its students' pytest file."""
from __future__ import annotations

import importlib
from pathlib import Path

from ..lab import installed_labs, load_lab


def add_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "notebook", help="write a lab's nbgrader source notebook from its generator",
        description="Write source/LAB/LAB.ipynb from the lab's notebook.py, with one grading cell per check "
                    "(points and visibility from the lab's registry), and source/LAB/test_LAB.py. Then run "
                    "nbgrader generate_assignment LAB --force.")
    parser.add_argument("lab", metavar="LAB", choices=installed_labs())
    parser.add_argument("--source", default="source", metavar="DIR", help="the nbgrader source folder")
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..authoring import student_test_file, write_notebook

    lab = load_lab(args.lab)
    folder = Path(args.source) / lab.name
    path = write_notebook(importlib.import_module(lab.notebook).build_notebook(), folder / lab.notebook_name)
    test_file = folder / f"test_{lab.name}.py"
    test_file.write_text(student_test_file(lab))
    print(f"wrote {path} and {test_file}")
    return 0
