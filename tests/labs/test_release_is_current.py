"""Each lab's committed notebooks are current, complete and safe to hand out.

* ``source/<lab>/`` is what ``python -m autograder notebook <lab>`` writes from the lab's generator;
* its grading cells are the lab's checks: one locked cell per check, with the check's points,
  hidden exactly when the check is hidden (points and visibility are never restated by hand);
* ``release/<lab>/`` is exactly what ``nbgrader generate_assignment`` makes from ``source/`` now
  (regenerated in a scratch course and compared);
* the released notebook gives nothing away: no solution, no hidden test, no hidden check's name.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.authoring import student_test_file
from autograder.bundle import _solution_blocks
from autograder.lab import installed_labs, load_lab
from autograder.notebook import cell_source
from autograder.registry import grade_cell_id
from conftest import ROOT

LABS = installed_labs()


def read(path):
    return nbformat.read(str(path), as_version=4)


def comparable(nb) -> dict:
    """What a notebook says, without what running it adds (outputs, counts)."""
    return {"nbformat": (nb.nbformat, nb.nbformat_minor), "metadata": nb.metadata,
            "cells": [{"id": c.get("id"), "cell_type": c.cell_type, "source": c.source, "metadata": c.metadata}
                      for c in nb.cells]}


def files_under(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}


def grading_cells(nb) -> dict:
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert meta["grade_id"] not in cells, f"duplicate grade_id {meta['grade_id']}"
            cells[meta["grade_id"]] = cell
    return cells


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """release/ as generate_assignment makes it now, in a scratch course, for every lab."""
    course = tmp_path_factory.mktemp("release_course")
    shutil.copytree(ROOT / "source", course / "source", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    for lab in LABS:
        result = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lab], cwd=course, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-5000:]
    return course / "release"


@pytest.mark.parametrize("name", LABS)
def test_source_is_what_the_generator_writes(name):
    lab = load_lab(name)
    expected = nbformat.from_dict(importlib.import_module(lab.notebook).build_notebook())
    source = read(ROOT / "source" / name / lab.notebook_name)
    nbformat.validate(source)
    assert comparable(source) == comparable(nbformat.reads(nbformat.writes(expected), as_version=4)), (
        f"source/{name} differs from its generator: run `python -m autograder notebook {name}`, then "
        f"`nbgrader generate_assignment {name} --force`")
    assert (ROOT / "source" / name / f"test_{name}.py").read_text() == student_test_file(lab)
    for cell in source.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {cell.get('id')} has outputs"


@pytest.mark.parametrize("name", LABS)
def test_one_grading_cell_per_check(name):
    lab = load_lab(name)
    checks = lab.checks("all")
    cells = grading_cells(read(ROOT / "source" / name / lab.notebook_name))
    assert set(cells) == {grade_cell_id(check, checks) for check in checks}
    for check in checks:
        cell = cells[grade_cell_id(check, checks)]
        meta = cell.metadata.nbgrader
        assert meta["locked"] and not meta["solution"] and float(meta["points"]) == check.max_points, check.name
        call = f'run_check("{check.name}", {lab.entry})'
        hidden_region = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
        if check.hidden:
            assert hidden_region and call in hidden_region.group(1), f"{check.name} must be inside the hidden region"
            assert cell.source.lstrip().startswith("#"), f"{check.name} needs a visible comment"
        else:
            assert hidden_region is None and call in cell.source, check.name


@pytest.mark.parametrize("name", LABS)
def test_release_is_what_generate_assignment_makes(name, regenerated):
    lab = load_lab(name)
    committed, fresh = ROOT / "release" / name, regenerated / name
    assert files_under(committed).keys() == files_under(fresh).keys()
    assert comparable(read(committed / lab.notebook_name)) == comparable(read(fresh / lab.notebook_name)), (
        f"release/{name} is stale: run `nbgrader generate_assignment {name} --force`")
    for path, content in files_under(committed).items():
        if not path.endswith(".ipynb"):
            assert content == files_under(fresh)[path], path


@pytest.mark.parametrize("name", LABS)
def test_release_gives_nothing_away(name):
    lab = load_lab(name)
    release = json.loads((ROOT / "release" / name / lab.notebook_name).read_text())
    sources = "\n".join(cell_source(c) for c in release["cells"])
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in sources, marker
    flat = " ".join(sources.split())
    for block in _solution_blocks(lab):
        assert block not in flat, f"the released notebook holds solution code: {block[:60]}"
    for check in lab.checks("hidden"):
        assert check.name not in sources, f"the released notebook names the hidden check {check.name}"
    for check in lab.checks("public"):
        assert f'run_check("{check.name}", {lab.entry})' in sources
    assert all(not c.get("outputs") for c in release["cells"] if c["cell_type"] == "code")
