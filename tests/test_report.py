"""report: what the class missed, from a grade-batch output folder (records written here, no grading)."""
from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from rich.console import Console

from autograder import report
from autograder.batch import Task, result_path, write_atomic
from autograder.batch.run import make_record
from autograder.isolation import Limits
from autograder.lab import load_lab
from autograder.results import CheckResult, Ending, Grade, Message, Status
from conftest import ROOT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LAB = load_lab("custom_dense_layer")
CHECKS = LAB.checks("all")
FULL = sum(c.max_points for c in CHECKS)
NO_BIAS = Message("a kernel and a bias variable created in build()", "kernel ({n}, 4): there is no bias",
                  "create the bias in build()")
STUB = Message("build() to run", "it still raises NotImplementedError (the unfinished stub)", "replace it")
KERAS3_TRAP = Message("variables that Keras tracks", "self.w created with tf.Variable: Keras 3 does not track it",
                      "use self.add_weight")


def fake_record(student: str, failing: dict, ending: Ending = Ending.FINISHED, note: str = "",
                assignment: str = LAB.name) -> dict:
    results = []
    for check in CHECKS:
        status, message = failing.get(check.name, (Status.PASSED, None))
        results.append(CheckResult(check.name, check.category, check.visibility, check.max_points, status,
                                   "fine" if message is None else "", message))
    grade = Grade(f"{student}.ipynb", assignment, results, ending, "cell 5" if ending is not Ending.FINISHED else "",
                  environment={"keras": "3.15.1"})
    return make_record(Task(student, assignment, f"{student}.ipynb", b"{}", note=note), grade, "graded", "all",
                       Limits())


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "grading-output"
    (out / "results").mkdir(parents=True)
    records = [fake_record(f"full{i}", {}) for i in range(5)]
    # three students without a bias: the same failure, with different numbers in it
    records += [fake_record(f"nobias{i}", {"weight_shapes": (Status.FAILED, Message(
        NO_BIAS.expected, NO_BIAS.found.format(n=i + 1), NO_BIAS.hint))}) for i in range(3)]
    records.append(fake_record("glorot", {"kernel_initializer": (Status.FAILED, Message("N(0, 0.05)", "glorot", "x"))},
                               note="ambiguous: no custom_dense_layer.ipynb and 2 candidates"))
    whole = Message("`SimpleDense` to be defined", "cell 5: SyntaxError, skipped", "fix it")
    records.append(fake_record("broken", {c.name: (Status.NOT_RUN, whole) for c in CHECKS}, Ending.TIME_LIMIT))
    # A tie on weights_trainable: two stubs (NotImplementedError everywhere is less specific) and
    # two with Keras 3's untracked tf.Variable (a mistake the check named).
    for name in ("stub1", "stub2"):
        records.append(fake_record(name, {"weights_trainable": (Status.ERROR, STUB),
                                          "forward_pass": (Status.ERROR, STUB)}))
    for name in ("trap1", "trap2"):
        records.append(fake_record(name, {"weights_trainable": (Status.FAILED, KERAS3_TRAP)}))
    records.append(fake_record("ada", {}, assignment="custom_layer_activation"))
    for r in records:
        write_atomic(result_path(out, (r["student_id"], r["assignment"])), json.dumps(r).encode())
    return out


def test_report_numbers_per_assignment(out):
    reports = report.load(out)
    assert [r.assignment for r in reports] == ["custom_dense_layer", "custom_layer_activation"]
    rep = reports[0]
    assert rep.n == 14 and rep.max_score == FULL and rep.full_marks == 5
    by_name = {c.name: c for c in rep.checks}
    shapes = by_name["weight_shapes"]
    assert (shapes.passed, shapes.total) == (10, 14)
    message, count = shapes.top_failure()
    assert count == 3 and "no bias" in message  # numbers aside, one failure; the broken notebook is not counted
    assert by_name["layer_builds"].top_failure() is None and by_name["layer_builds"].failed == 1
    assert rep.error_kinds() == [("time limit", 1)]
    assert [r["student_id"] for r in rep.noted] == ["glorot"]


def test_a_tie_goes_to_the_more_specific_failure(out):
    trainable = {c.name: c for c in report.load(out)[0].checks}["weights_trainable"]
    message, count = trainable.top_failure()
    assert count == 2 and "Keras 3 does not track" in message


def test_report_files_and_terminal_tables(out):
    console = Console(record=True, width=160)
    report.build_report(out, console=console)
    text = console.export_text()
    assert "Score distribution" in text and "weight_shapes" in text and "10/14 (71%)" in text
    assert "graded with a note" in text and "ambiguous" in text
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "custom_dense_layer" in page and "custom_layer_activation" in page
    for name in ("report-custom_dense_layer.png", "report-custom_layer_activation.png"):
        png = (out / name).read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 10_000
        assert base64.b64encode(png).decode() in page  # self-contained: the charts are inside the page


def test_report_command(out):
    result = subprocess.run([sys.executable, "-m", "autograder", "report", str(out), "--assignment",
                             "custom_dense_layer"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "14 submission(s)" in result.stdout and "report.html" in result.stdout


def test_student_text_is_shown_as_text_not_markup_or_formulas(tmp_path):
    """A message, note or name with rich markup (``[/]`` ends rich) or a spreadsheet formula is shown
    as written: the report and grades.csv neither fail on it nor run it."""
    from autograder.batch.store import csv_text

    markup = Message("a layer", "ValueError: [/] [bold]unbalanced[/bold", "[red]try[/]")
    record = fake_record("=HYPERLINK(\"http://x\")", {"forward_pass": (Status.FAILED, markup)}, note="[/]")
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    write_atomic(result_path(out, (record["student_id"], record["assignment"])), json.dumps(record).encode())
    console = Console(record=True, width=200)
    report.print_report(report.load(out)[0], console)
    shown = console.export_text()
    assert "ValueError: [/] [bold]unbalanced[/bold" in shown and "[/]" in shown
    row = csv_text([record]).splitlines()[1]
    assert row.startswith("\"'=HYPERLINK(")
