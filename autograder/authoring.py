"""Writing a lab's nbgrader source notebook from its generator.

A lab's ``notebook.py`` describes its cells as plain data with
:func:`markdown` and :func:`code`; the grading cells come from the lab's
check registry (:func:`test_cells`), so their points, visibility and grade
ids are never restated by hand. ``python -m autograder notebook LAB`` writes
``source/<lab>/<lab>.ipynb`` and the students' pytest file beside it.

Cells are plain dicts: the judge reads a lab's locked cells from the
generator without importing nbformat (over a second to import).
"""
from __future__ import annotations

import textwrap
from pathlib import Path

from .lab import Lab
from .registry import grade_cell_id


def text(source: str) -> str:
    return textwrap.dedent(source).strip("\n")


def nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
             points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(cell_id: str, source: str, **meta) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": nbgrader(cell_id, **meta) if meta else {},
            "source": text(source)}


def code(cell_id: str, source: str, **meta) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": nbgrader(cell_id, **meta) if meta else {},
            "source": text(source), "execution_count": None, "outputs": []}


def test_cells(lab: Lab, comments: dict[str, str], call: str = 'run_check("{name}", {entry})') -> list[dict]:
    """One locked grading cell per check, in grading order: public ones visible, hidden ones as a comment.

    ``comments`` says, per check, what the cell's comment tells the student;
    a hidden check's comment names its topic, never the check or its code.
    """
    checks = lab.checks("all")
    missing = [c.name for c in checks if c.name not in comments]
    if missing:
        raise ValueError(f"no comment for the grading cell of {', '.join(missing)}")
    cells = []
    for check in checks:
        points = f"{check.max_points:g} point{'s' if check.max_points != 1 else ''}"
        statement = call.format(name=check.name, entry=lab.entry)
        if check.hidden:
            source = (f"# Hidden check, {points}: {comments[check.name]}\n"
                      f"### BEGIN HIDDEN TESTS\n{statement}\n### END HIDDEN TESTS")
        else:
            source = f"# Graded check, {points}: {comments[check.name]}\n{statement}"
        cells.append(code(grade_cell_id(check, checks), source, grade=True, locked=True, points=check.max_points))
    return cells


def notebook(cells: list[dict]) -> dict:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


def points(lab: Lab, which: str = "all") -> float:
    return float(sum(c.max_points for c in lab.checks(which)))


def write_notebook(content: dict, target: Path) -> Path:
    """Validate ``content`` as nbformat 4 and write it (nbformat's own formatting)."""
    import nbformat

    node = nbformat.from_dict(content)
    nbformat.validate(node)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(node, str(target))
    return target


STUDENT_TEST_FILE = '''\
"""Check your {entry} before you submit: run ``pytest`` in this folder.

One test per public check of the lab "{title}": the same checks, with the
same verdicts, as the notebook's self-check and the grader. A failing test
says what was expected, what was found and what to try. These are the
public checks only; more checks run when your work is graded.

What is checked is the notebook *as saved on disk*, so save it first. It runs
from the top in a separate process, as "Restart Kernel and Run All Cells"
would, once per pytest run, with a time limit on every cell and check: a
loop that never ends fails a check instead of hanging pytest.

    pytest                                  # checks {notebook}
    pytest --notebook=path/to/other.ipynb   # checks another notebook
"""
from autograder.studentpytest import NotebookChecks

checks = NotebookChecks("{lab}", __file__)


def pytest_generate_tests(metafunc):
    checks.parametrize(metafunc)


def test_public_check(notebook, check):
    checks.verify(notebook, check)
'''


def student_test_file(lab: Lab) -> str:
    return STUDENT_TEST_FILE.format(lab=lab.name, entry=lab.entry, title=lab.title, notebook=lab.notebook_name)
