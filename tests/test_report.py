"""report: what the class missed, from a grade-batch output folder (no grading needed here)."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from autograder import batch, checks as registry, report
from autograder.results import CheckResult, NotebookGrade

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NO_BIAS = ("Expected a kernel and a bias variable created in build(). Found kernel ({n}, 4) (no bias). "
           "Try: create both in build().")


def fake_record(student: str, failing: dict[str, str], error: str | None = None) -> dict:
    checks = [CheckResult(c.name, c.category, c.name not in failing, c.points, failing.get(c.name, "ok"),
                          c.visibility) for c in registry.select("all")]
    grade = NotebookGrade(notebook=f"{student}.ipynb", checks=checks, keras="3.15.1", error=error)
    task = batch.Task(student, "custom_dense_layer", f"{student}.ipynb", b"{}")
    return batch.make_record(task, grade, "graded", "all")


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "grading-output"
    (out / "results").mkdir(parents=True)
    names = [c.name for c in registry.select("all")]
    records = [fake_record(f"full{i}", {}) for i in range(5)]
    # three students without a bias: the same failure, with different numbers in it
    records += [fake_record(f"nobias{i}", {"weight_shapes": NO_BIAS.format(n=i + 1),
                                           "forward_pass": "Expected outputs. Found none. Try: add the bias."})
                for i in range(3)]
    records.append(fake_record("glorot", {"kernel_initializer": "Expected N(0, 0.05). Found glorot. Try: x."}))
    whole = "Your code could not run: a syntax error. Try: fix it."
    records.append(fake_record("broken", {n: whole for n in names}, error="syntax error: cell 5"))
    for r in records:
        batch.write_atomic(batch.result_path(out, (r["student_id"], r["assignment"])), json.dumps(r).encode())
    return out


def test_report_numbers(out):
    rep = report.load(out)
    assert rep.n == 10 and rep.max_score == 17 and rep.full_marks == 5
    by_name = {c.name: c for c in rep.checks}
    shapes = by_name["weight_shapes"]
    assert (shapes.passed, shapes.total) == (6, 10)
    message, count = shapes.top_failure()
    # numbers aside, the three no-bias messages are one failure; the syntax error is not counted as one
    assert count == 3 and "no bias" in message
    assert by_name["kernel_initializer"].top_failure()[1] == 1
    assert by_name["layer_builds"].top_failure() is None and by_name["layer_builds"].failed == 1
    assert rep.error_kinds() == [("syntax error", 1)]


def test_report_files_and_terminal_tables(out):
    console = Console(record=True, width=160)
    report.build_report(out, console=console)
    text = console.export_text()
    assert "Score distribution" in text and "weight_shapes" in text and "6/10 (60%)" in text
    assert "3 of 4:" in text and "no bias" in text
    png = (out / "report.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    embedded = page.split('src="data:image/png;base64,')[1].split('"')[0]
    assert base64.b64decode(embedded) == png  # self-contained: the chart is inside the page
    assert "kernel_initializer" in page and "broken" in page and "syntax error" in page
    assert "<script" not in page


def test_report_command(out):
    result = subprocess.run([sys.executable, "-m", "autograder", "report", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "10 submission(s)" in result.stdout and "report.html" in result.stdout


def test_report_on_a_folder_without_results_is_a_usage_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograder", "report", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    assert "run grade-batch first" in result.stderr
