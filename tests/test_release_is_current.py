"""The committed notebooks are current, complete and safe to hand out.

* source/ is what scripts/make_source_notebook.py writes;
* its grading cells are the grader's checks: one locked cell per check, same
  name, same points, hidden exactly when the check is hidden, 17 in total;
* release/ is exactly what `nbgrader generate_assignment` makes from source/
  now (regenerated here in a temporary course and compared);
* the released notebook gives nothing away: no solution, no hidden test.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.checks import grade_cell_id

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENT = "custom_dense_layer"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOURCE = ROOT / "source" / ASSIGNMENT / NOTEBOOK
RELEASE = ROOT / "release" / ASSIGNMENT / NOTEBOOK
TOTAL_POINTS = 17


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def comparable(nb) -> dict:
    """What a notebook says, without what running it adds (outputs, counts)."""
    return {
        "nbformat": (nb.nbformat, nb.nbformat_minor),
        "metadata": nb.metadata,
        "cells": [
            {"id": c.get("id"), "cell_type": c.cell_type, "source": c.source, "metadata": c.metadata}
            for c in nb.cells
        ],
    }


def grading_cells(nb) -> dict:
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert meta["grade_id"] not in cells, f"duplicate grade_id {meta['grade_id']}"
            cells[meta["grade_id"]] = cell
    return cells


def files_under(folder: pathlib.Path) -> dict:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


@pytest.fixture(scope="module")
def registry():
    from autograder.checks import REGISTRY

    return REGISTRY


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> pathlib.Path:
    """release/custom_dense_layer as generate_assignment makes it now, in a scratch course."""
    course = tmp_path_factory.mktemp("release_course")
    shutil.copytree(ROOT / "source", course / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in ("nbgrader_config.py", "nbgrader_hide_hidden.py"):
        shutil.copy2(ROOT / name, course / name)
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT],
        cwd=course, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return course / "release" / ASSIGNMENT


def test_source_is_what_the_generator_writes():
    spec = importlib.util.spec_from_file_location("make_source_notebook", ROOT / "scripts" / "make_source_notebook.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    expected = nbformat.reads(nbformat.writes(generator.build_notebook()), as_version=4)
    assert comparable(read(SOURCE)) == comparable(expected), (
        "source notebook differs from scripts/make_source_notebook.py: run it, then "
        "`nbgrader generate_assignment custom_dense_layer --force`"
    )


def test_source_notebook_is_valid_and_clean():
    nb = read(SOURCE)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {cell.get('id')} has outputs"


def test_one_grading_cell_per_check(registry):
    cells = grading_cells(read(SOURCE))
    assert set(cells) == {grade_cell_id(check) for check in registry.values()}
    assert sum(float(c.metadata.nbgrader["points"]) for c in cells.values()) == TOTAL_POINTS
    assert sum(check.points for check in registry.values()) == TOTAL_POINTS
    for name, check in registry.items():
        cell = cells[grade_cell_id(check)]
        meta = cell.metadata.nbgrader
        assert cell.cell_type == "code"
        assert meta["locked"] and not meta["solution"]
        assert float(meta["points"]) == check.points, name
        call = f'run_check("{name}", SimpleDense)'
        assert call in cell.source, name
        hidden_region = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
        if check.hidden:
            assert hidden_region and call in hidden_region.group(1), f"{name} must be inside the hidden region"
            assert cell.source.lstrip().startswith("#"), f"{name} needs a visible comment"
        else:
            assert hidden_region is None, f"{name} is public: its call must stay visible"


def test_every_nbgrader_cell_has_a_unique_id():
    ids = [c.metadata["nbgrader"]["grade_id"] for c in read(SOURCE).cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))
    solutions = [c for c in read(SOURCE).cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.metadata.nbgrader["grade_id"] for c in solutions] == ["simple_dense"]
    assert not solutions[0].metadata.nbgrader["grade"]


def test_setup_cell_quiets_tensorflow_before_importing_it():
    code_cells = [c for c in read(SOURCE).cells if c.cell_type == "code"]
    setup = code_cells[0].source
    assert "nbgrader" in code_cells[0].metadata and not code_cells[0].metadata.nbgrader["grade"]
    import_at = setup.index("import tensorflow")
    assert -1 < setup.find('os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"') < import_at
    assert -1 < setup.find('warnings.filterwarnings("ignore")') < import_at
    assert -1 < setup.find('logging.getLogger("matplotlib")') < setup.index("import matplotlib")


def test_release_is_what_generate_assignment_makes(regenerated):
    committed = ROOT / "release" / ASSIGNMENT
    assert files_under(committed).keys() == files_under(regenerated).keys()
    assert comparable(read(RELEASE)) == comparable(read(regenerated / NOTEBOOK)), (
        "release/ is stale: run `nbgrader generate_assignment custom_dense_layer --force`"
    )
    for name, content in files_under(committed).items():
        if not name.endswith(".ipynb"):
            assert content == files_under(regenerated)[name], name


def test_release_gives_nothing_away(registry):
    raw = RELEASE.read_text()
    nb = read(RELEASE)
    sources = "\n".join(c.source for c in nb.cells)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # The instructions may name the API (add_weight, tf.matmul); the code may not use it.
    for leak in ("add_weight(", "tf.matmul(", "random_normal_initializer()", "self.kernel", "self.bias"):
        assert leak not in code, f"released code contains {leak!r}"
    # Nor may any cell spell out a line of the answer, or keep a marker.
    for leak in ("self.kernel = self.add_weight(", "self.bias = self.add_weight(",
                 "tf.matmul(inputs, self.kernel)", "inputs @ self.kernel",
                 "BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert leak not in sources, f"released notebook contains {leak!r}"
    for name, check in registry.items():
        if check.hidden:
            assert name not in sources, f"released notebook names the hidden check {name}"
            assert f'run_check("{name}"' not in raw and f"run_check('{name}'" not in raw
        else:
            assert f'run_check("{name}", SimpleDense)' in sources
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, "released notebook has outputs"


def test_release_stub_keeps_the_skeleton():
    nb = read(RELEASE)
    stub = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "simple_dense")
    source = stub.source
    for kept in ("class SimpleDense(tf.keras.layers.Layer):", "def __init__(self, units=32):",
                 "super().__init__()", "self.units = units", "def build(self, input_shape):",
                 "def call(self, inputs):", '"""'):
        assert kept in source, kept
    # one stub in each of build() and call(), at method-body indentation
    assert source.count("        # YOUR CODE HERE\n        raise NotImplementedError()") == 2
    grading = grading_cells(nb)
    assert len(grading) == 10
    assert all(c.metadata.nbgrader["locked"] for c in grading.values())
