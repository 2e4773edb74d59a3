"""Gradescope: run_autograder in a folder laid out as Gradescope lays out /autograder.

Gradescope extracts the autograder zip into /autograder/source, downloads the
student's files into /autograder/submission and reads
/autograder/results/results.json. The root is moved to a temporary folder
here (AUTOGRADER_ROOT for the script, --root for the command).
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import gradescope
from autograder.sandbox import Limits

from test_batch import ROOT, write_case

SCRIPT = ROOT / "gradescope" / "run_autograder"
TOP_LEVEL = {"score", "execution_time", "output", "stdout_visibility", "tests"}
TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


def layout(tmp_path: Path) -> Path:
    root = tmp_path / "autograder"
    for folder in ("submission", "results", "source"):
        (root / folder).mkdir(parents=True)
    return root


def run_script(root: Path, python: str = sys.executable, extra_env: dict | None = None) -> dict:
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=python, **(extra_env or {}))
    result = subprocess.run(["bash", str(SCRIPT)], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_the_submission(tmp_path):
    root = layout(tmp_path)
    # the autograder zip, extracted where Gradescope extracts it; run_autograder grades with that copy
    with zipfile.ZipFile(gradescope.make_zip(tmp_path / "autograder.zip")) as archive:
        archive.extractall(root / "source")
    write_case(root / "submission", "custom_dense_layer", "correct_reference_solution")
    results = run_script(root)
    assert TOP_LEVEL <= set(results)
    assert results["score"] == 17 and results["stdout_visibility"] == "hidden"
    assert isinstance(results["execution_time"], (int, float)) and results["execution_time"] > 0
    assert "17/17" in results["output"]
    assert len(results["tests"]) == 10
    for test in results["tests"]:
        assert TEST_KEYS <= set(test)
        assert test["status"] == "passed" and test["score"] == test["max_score"]
    visibility = {t["name"].split(" ")[0]: t["visibility"] for t in results["tests"]}
    assert visibility["forward_pass"] == "visible"
    assert visibility["kernel_initializer"] == "after_published"
    assert sum(t["max_score"] for t in results["tests"]) == 17


def test_a_wrong_layer_gets_failed_tests_with_teaching_messages(tmp_path):
    root = layout(tmp_path)
    # Gradescope keeps the student's own file name and folders
    write_case(root / "submission" / "work", "my_lab", "missing_bias")
    results = gradescope.run_gradescope(root, hidden_visibility="after_due_date")
    saved = json.loads((root / "results" / "results.json").read_text())
    assert saved == results
    assert 0 < results["score"] < 17
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["score"] == 0 and "Try:" in t["output"] for t in failed)
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_due_date"}
    assert results["score"] == sum(t["score"] for t in results["tests"])


def test_an_endless_loop_still_gets_a_result(tmp_path):
    root = layout(tmp_path)
    write_case(root / "submission", "custom_dense_layer", "infinite_loop_in_build")
    results = gradescope.run_gradescope(root, limits=Limits(timeout_s=6.0, check_timeout_s=2.0))
    assert results["score"] == 0, results
    assert all(t["status"] == "failed" for t in results["tests"])
    # the run was cut short, and the student is told so (overall, and in the check that hung)
    assert "could not run fully" in results["output"], results["output"]
    assert any("did not finish" in t["output"] or "Not finished" in t["output"] for t in results["tests"]), results


@pytest.mark.parametrize("submission", ["nothing", "not_json", "no_class", "pdf_only"])
def test_no_gradable_notebook_scores_zero_with_a_reason(tmp_path, submission):
    root = layout(tmp_path)
    folder = root / "submission"
    if submission == "not_json":
        (folder / "custom_dense_layer.ipynb").write_text("{ broken")
    elif submission == "no_class":
        write_case(folder, "custom_dense_layer", source="x = 1\n")
    elif submission == "pdf_only":
        (folder / "custom_dense_layer.pdf").write_bytes(b"%PDF-1.4")
    results = gradescope.run_gradescope(root)
    saved = json.loads((root / "results" / "results.json").read_text())
    assert saved["score"] == 0 and TOP_LEVEL <= set(saved)
    expected = {"nothing": "no Jupyter notebook", "not_json": "not a Jupyter notebook",
                "no_class": "no `class SimpleDense`", "pdf_only": "custom_dense_layer.pdf"}[submission]
    assert expected in saved["output"], saved["output"]
    assert str(root) not in saved["output"]  # no grader paths shown to students
    assert len(saved["tests"]) == 10 and all(t["status"] == "failed" for t in saved["tests"])


def test_results_are_written_even_if_the_grader_cannot_start(tmp_path):
    root = layout(tmp_path)
    write_case(root / "submission", "custom_dense_layer", "correct_reference_solution")
    results = run_script(root, python="/bin/false")
    assert results["score"] == 0 and "could not start" in results["output"]


def test_command_line_root_option(tmp_path):
    root = layout(tmp_path)
    result = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--root", str(root)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 0


def test_make_zip_puts_the_scripts_at_the_root(tmp_path):
    target = gradescope.make_zip(tmp_path / "autograder.zip")
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "pyproject.toml", "requirements.txt",
                "autograder/gradescope.py", "autograder/checks/hidden.py"} <= names
        for script in ("setup.sh", "run_autograder"):
            mode = archive.getinfo(script).external_attr >> 16
            assert mode & stat.S_IXUSR
        assert not any("__pycache__" in n for n in names)
