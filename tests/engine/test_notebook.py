"""From a notebook file to what the subject runs, and which notebook of several is graded."""
import json
import os

import pytest

from autograder.errors import SubmissionError
from autograder.lab import load_lab
from autograder.notebook import parse_notebook, pick_notebook, program_for
from conftest import notebook_bytes

TEST_CELL = {"grade": True, "solution": False, "locked": True, "grade_id": "test_adds_numbers", "points": 2}


def test_test_cells_are_not_run_and_cells_keep_their_numbers(toy):
    data = json.loads(notebook_bytes("import numpy as np", "def add(a, b):\n    return a + b",
                                     "run_check('adds_numbers', add)", metadata=[None, None, TEST_CELL]))
    data["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "source": "# Title"})
    program = program_for(data, toy, "nb.ipynb")
    assert [(c.number, c.first_line) for c in program.cells] == [(1, "import numpy as np"), (3, "def add(a, b):")]


def test_locked_cells_run_as_the_lab_wrote_them():
    """A student's edit to the locked set-up cell is undone, as nbgrader autograde undoes it."""
    lab = load_lab("custom_dense_layer")
    release = json.loads((pytest.importorskip("autograder.corpus").release_notebook(lab)).read_text())
    setup = next(c for c in release["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "setup")
    original = "".join(setup["source"])
    setup["source"] = "tf = None  # edited"
    program = program_for(release, lab, "nb.ipynb")
    assert any(c.source == original for c in program.cells)
    assert not any("edited" in c.source for c in program.cells)
    assert program.restored


@pytest.mark.parametrize("data, reason", [
    (b"\x89PNG not json", "not a Jupyter notebook"),
    (b'{"cells": "nope"}', "no list of cells"),
    (b'{"nbformat": 3, "cells": []}', "too old"),
    (notebook_bytes("print('hello')"), "no code cell mentions add"),
])
def test_what_cannot_be_graded_says_why(toy, data, reason):
    with pytest.raises(SubmissionError, match=reason):
        program_for(parse_notebook(data, "nb.ipynb"), toy, "nb.ipynb")


def write(folder, name, *sources, age=0):
    path = folder / name
    path.write_bytes(notebook_bytes(*sources))
    os.utime(path, (1_700_000_000 + age, 1_700_000_000 + age))
    return path


def test_the_notebook_named_for_the_assignment_is_graded(toy, tmp_path):
    named = write(tmp_path, "toy_lab.ipynb", "x = 1")
    write(tmp_path, "Untitled.ipynb", "def add(a, b):\n    return a + b", age=10)
    pick = pick_notebook(sorted(tmp_path.glob("*.ipynb")), toy)
    assert pick.path == named and "Untitled.ipynb" in pick.note


def test_otherwise_the_only_one_with_the_entry(toy, tmp_path):
    mine = write(tmp_path, "mine.ipynb", "def add(a, b):\n    return a + b")
    write(tmp_path, "Untitled.ipynb", "print(1)", age=10)
    assert pick_notebook(sorted(tmp_path.glob("*.ipynb")), toy).path == mine


def test_an_ambiguous_choice_is_recorded_never_silent(toy, tmp_path):
    write(tmp_path, "a.ipynb", "def add(a, b):\n    return a - b")
    newest = write(tmp_path, "b.ipynb", "def add(a, b):\n    return a + b", age=10)
    pick = pick_notebook(sorted(tmp_path.glob("*.ipynb")), toy)
    assert pick.path == newest and pick.note.startswith("ambiguous") and "a.ipynb" in pick.note
