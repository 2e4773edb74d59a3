"""grade-batch: a whole class graded in parallel, every result kept, nobody harming a neighbour.

One small class is graded once through the library with a shared thread pool (so the lab's
libraries load once per worker thread); the command line runs as a subprocess only where the
process itself matters (being killed mid-way, exit codes). The class mixes honest submissions
with hostile ones on the same worker: a forger that writes fake answers into every descriptor it
can reach, one that kills every process it may signal, one that leaves a process behind, one
that loops. The honest ones must keep their own grades.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import batch
from autograder.batch.run import lost_record
from autograder.batch.store import OutputLock
from autograder.corpus import Case, case_bytes, load_cases
from autograder.isolation import Limits
from autograder.lab import load_lab
from conftest import ROOT, notebook_bytes

LAB = load_lab("custom_dense_layer")
ASSIGNMENT = LAB.name
CASES = {case.name: case for case in load_cases(LAB)}
# Short enough to keep the suite quick, long enough for a correct layer on a busy two-core machine.
LIMITS = Limits(timeout_s=40.0, cell_timeout_s=5.0, check_timeout_s=5.0, overtime_s=2.0)
CLI_LIMITS = ["--timeout", "40", "--cell-timeout", "5", "--check-timeout", "5"]
FULL = sum(c.max_points for c in LAB.checks("all"))


def submit(course: Path, student: str, case: str | None = None, data: bytes | None = None,
           name: str = f"{ASSIGNMENT}.ipynb", assignment: str = ASSIGNMENT) -> Path:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if data is not None else case_bytes(LAB, CASES[case]))
    return folder / name


@pytest.fixture(scope="module")
def executor():
    with batch.LocalExecutor(2, labs=[LAB]) as pool:
        yield pool


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    submit(course, "ada", "correct_reference_solution")
    submit(course, "amy", "forge_parent_fds_through_proc")
    submit(course, "bob", "call_without_bias")
    submit(course, "cal", "neighbour_kill_everything")
    submit(course, "cy", "infinite_loop_in_build")
    submit(course, "dan", "correct_with_helpers")
    submit(course, "dee", "os_exit_in_build")
    submit(course, "eli", "escape_double_fork_sleeper")
    submit(course, "eve", data=b"this is not a notebook")
    (course / "submitted" / "fay" / ASSIGNMENT).mkdir(parents=True)  # collected, but no notebook in it
    submit(course, "gil", "correct_reference_solution", name="my_lab.ipynb")
    submit(course, "gil", "untouched_stub", name="Untitled.ipynb")
    submit(course, "hal", data=notebook_bytes("print(1)"), assignment="some_other_course")
    return course


@pytest.fixture(scope="module")
def first_run(course, executor):
    layout, tasks = batch.discover(course)
    out = layout.default_output
    summary = batch.run_batch(tasks, out, executor, limits=LIMITS)
    return out, summary, tasks


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def record(out: Path, student: str, assignment: str = ASSIGNMENT) -> dict:
    return json.loads(batch.result_path(out, (student, assignment)).read_text())


def mtimes(out: Path) -> dict:
    return {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


# --------------------------------------------------------------------------- discovery


def test_discover_finds_every_layout(course, tmp_path):
    layout, tasks = batch.discover(course)
    assert layout.kind == "nbgrader" and layout.default_output == course.resolve() / "grading-output"
    assert [t.student_id for t in tasks if t.assignment == ASSIGNMENT] == [
        "ada", "amy", "bob", "cal", "cy", "dan", "dee", "eli", "eve", "fay", "gil"]
    fay = next(t for t in tasks if t.student_id == "fay")
    assert fay.content is None and "no notebook" in fay.problem
    hal = next(t for t in tasks if t.student_id == "hal")
    assert hal.content is None and "no lab named 'some_other_course'" in hal.problem
    layout, again = batch.discover(course / "submitted")
    assert [t.key for t in again] == [t.key for t in tasks]
    flat = tmp_path / "downloads"
    flat.mkdir()
    (flat / "zed.ipynb").write_bytes(case_bytes(LAB, CASES["correct_reference_solution"]))
    layout, flat_tasks = batch.discover(flat, assignment=ASSIGNMENT)
    assert layout.kind == "flat" and [(t.student_id, t.assignment) for t in flat_tasks] == [("zed", ASSIGNMENT)]
    with pytest.raises(batch.BatchError, match="no such folder"):
        batch.discover(tmp_path / "missing")
    with pytest.raises(batch.BatchError, match="no lab named"):
        batch.discover(course, assignment="no_such_lab")
    assert [t.student_id for t in batch.discover(course, student="bob")[1]] == ["bob"]


def test_of_several_notebooks_the_assignments_is_graded_and_the_choice_recorded(course):
    _, tasks = batch.discover(course)
    gil = next(t for t in tasks if t.student_id == "gil")
    assert Path(gil.path).name == "my_lab.ipynb" and "Untitled.ipynb" in gil.note


# --------------------------------------------------------------------------- one full run


def test_every_submission_gets_its_own_result(first_run):
    out, summary, tasks = first_run
    assert summary.total == summary.graded == len(tasks) == 12
    ada, bob, dan, gil = (record(out, s) for s in ("ada", "bob", "dan", "gil"))
    assert ada["score"] == dan["score"] == gil["score"] == FULL and ada["error"] is None
    assert gil["note"] and "Untitled.ipynb" in gil["note"]
    assert bob["score"] == FULL - 8 and bob["error"] is None
    # The hostile ones, on the same two workers, earn what their honest code earns...
    assert record(out, "amy")["score"] == FULL - 8
    assert record(out, "eli")["score"] == FULL
    assert record(out, "cal")["score"] == 0
    cy, dee = record(out, "cy"), record(out, "dee")
    assert cy["score"] == 0 and cy["ending"] == "time limit"
    assert dee["score"] == 0 and "code 3" in dee["error"]
    # ... and nothing to grade is a recorded zero with its reason, never a crash or a silent skip.
    eve, fay, hal = record(out, "eve"), record(out, "fay"), record(out, "hal", "some_other_course")
    assert eve["status"] == fay["status"] == hal["status"] == "not_graded"
    assert "not a Jupyter notebook" in eve["error"] and "no notebook" in fay["error"]
    assert eve["max_score"] == FULL and hal["max_score"] == 0
    assert not list((out / "results").glob(".*.tmp"))
    run = json.loads((out / "run.json").read_text())
    assert run["graded_now"] == 12 and run["workers"] == 2 and run["zygotes"]


def children_of(parent: int) -> list[int]:
    found = []
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and fields[0] not in ("Z", "X"):
            found.append(pid)
    return found


def test_no_process_of_a_graded_submission_is_left(first_run):
    """eli's build() leaves a detached sleeper (double fork, setsid); cal kills all it may signal.

    Whatever a subject starts either dies with its PID namespace or is orphaned to the nearest
    subreaper, its zygote: after the batch, no zygote has a child left, and every zygote lives.
    """
    out, _, _ = first_run
    zygotes = {record(out, name)["worker"]["zygote_pid"] for name in ("ada", "amy", "bob", "cal", "cy", "dan", "eli")}
    assert len(zygotes) == 2 and all(alive(z) for z in zygotes), "a submission killed a worker's zygote"
    assert {z: children_of(z) for z in zygotes} == {z: [] for z in zygotes}


def test_records_and_csv_are_group_readable(first_run):
    out, _, _ = first_run
    for path in [out / "grades.csv", out / "run.json", *(out / "results").glob("*.json")]:
        assert path.stat().st_mode & stat.S_IRGRP, path


def test_grades_csv_has_one_row_per_submission(first_run):
    out, _, tasks = first_run
    rows = read_csv(out / "grades.csv")
    assert [(r["assignment"], r["student_id"]) for r in rows] == [t.key[::-1] for t in tasks]
    assert list(rows[0])[:11] == ["student_id", "assignment", "score", "max_score", "status", "error", "keras",
                                  "seconds", "peak_memory_mb", "notebook", "graded_at"]
    by_student = {r["student_id"]: r for r in rows}
    assert by_student["ada"]["score"] == f"{FULL:g}" and by_student["ada"]["keras"]
    assert "time limit" in by_student["cy"]["error"] and by_student["ada"]["error"] == ""


def test_rerun_grades_nothing_again(first_run, executor, course):
    out, _, _ = first_run
    before = mtimes(out)
    _, tasks = batch.discover(course)
    summary = batch.run_batch(tasks, out, executor, limits=LIMITS)
    assert summary.graded == 0 and summary.skipped == 12
    assert mtimes(out) == before


def test_a_changed_notebook_and_one_student_are_regraded(first_run, executor, course):
    out, _, _ = first_run
    before = mtimes(out)
    submit(course, "bob", "correct_reference_solution")  # bob fixes his layer
    _, tasks = batch.discover(course)
    assert batch.run_batch(tasks, out, executor, limits=LIMITS).graded == 1
    assert record(out, "bob")["score"] == FULL
    _, only_ada = batch.discover(course, student="ada")
    assert batch.run_batch(only_ada, out, executor, limits=LIMITS, force=True).graded == 1
    after = mtimes(out)
    assert {name for name in after if after[name] != before[name]} == {
        f"bob__{ASSIGNMENT}.json", f"ada__{ASSIGNMENT}.json"}
    assert len(read_csv(out / "grades.csv")) == 12


def test_stale_records_are_regraded_when_the_checks_change(first_run, executor, course):
    """A record carries the fingerprint of the checks and grader it was graded with."""
    out, _, _ = first_run
    path = batch.result_path(out, ("dan", ASSIGNMENT))
    stale = json.loads(path.read_text())
    stale["fingerprint"] = "graded-by-older-checks"
    path.write_text(json.dumps(stale))
    _, tasks = batch.discover(course)
    summary = batch.run_batch(tasks, out, executor, limits=LIMITS)
    assert summary.graded == 1 and record(out, "dan")["fingerprint"] != "graded-by-older-checks"


def test_a_grader_failure_is_recorded_then_regraded(tmp_path):
    """A worker that dies (a Dask worker lost, say) leaves a zero with the reason, regraded next run."""

    class Failing(batch.Executor):
        def map_unordered(self, fn, items):
            for item in items:
                yield item, RuntimeError("worker lost")

    class Counting(batch.Executor):
        def __init__(self):
            self.seen = []

        def map_unordered(self, fn, items):
            for item in items:
                self.seen.append(item.student_id)
                yield item, lost_record(item, RuntimeError("still down"), "all", LIMITS) | {"status": "graded",
                                                                                            "sha256": item.sha256}

    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "mo.ipynb").write_text("{}")
    _, tasks = batch.discover(folder, assignment=ASSIGNMENT)
    summary = batch.run_batch(tasks, folder / "out", Failing(), limits=LIMITS)
    lost = json.loads(batch.result_path(folder / "out", ("mo", ASSIGNMENT)).read_text())
    assert lost["status"] == "grader_error" and "worker lost" in lost["error"] and lost["score"] == 0
    assert summary.failed == 1
    counting = Counting()
    batch.run_batch(tasks, folder / "out", counting, limits=LIMITS)
    assert counting.seen == ["mo"]


def test_one_run_at_a_time_per_output(tmp_path):
    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "mo.ipynb").write_text("{}")
    (folder / "out").mkdir()
    lock = OutputLock(folder / "out")
    try:
        with pytest.raises(batch.BatchError, match="another grade-batch run"):
            batch.run_batch(batch.discover(folder, assignment=ASSIGNMENT)[1], folder / "out",
                            batch.LocalExecutor(1), limits=LIMITS)
    finally:
        lock.release()


# --------------------------------------------------------------------------- the command line


def test_interrupted_run_resumes_without_regrading(tmp_path):
    """Killed (SIGKILL, no clean-up at all) after two results: the next run grades only the rest."""
    flat = tmp_path / "class"
    flat.mkdir()
    for name, case in (("a1", "correct_reference_solution"), ("a2", "call_without_bias"),
                       ("b1", "correct_with_helpers"), ("b2", "glorot_kernel")):
        (flat / f"{name}.ipynb").write_bytes(case_bytes(LAB, CASES[case]))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-batch", str(flat), "--assignment", ASSIGNMENT,
               "--output", str(out), "--workers", "1", "--quiet", *CLI_LIMITS]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 2:
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    done = mtimes(out)
    assert 2 <= len(done) < 4
    for name in done:  # the killed run's zygote did not outlive it
        zygote = json.loads((out / "results" / name).read_text())["worker"]["zygote_pid"]
        deadline = time.monotonic() + 10
        while alive(zygote) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(zygote)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"graded {4 - len(done)} now, {len(done)} from earlier runs, 4 in all" in result.stdout
    after = mtimes(out)
    assert {name: after[name] for name in done} == done
    assert [r["student_id"] for r in read_csv(out / "grades.csv")] == ["a1", "a2", "b1", "b2"]


def test_ctrl_c_keeps_finished_results_and_stops_the_workers(tmp_path):
    """SIGINT mid-way: exit code 130, finished results and the CSV kept, no zygote left."""
    flat = tmp_path / "class"
    flat.mkdir()
    (flat / "a1.ipynb").write_bytes(case_bytes(LAB, CASES["correct_reference_solution"]))
    loop = "class SimpleDense(tf.keras.layers.Layer):\n    while True:\n        pass\n"
    (flat / "b1.ipynb").write_bytes(case_bytes(LAB, Case(lab=ASSIGNMENT, name="loop", path=flat, source=loop,
                                                         expect="zero")))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade-batch", str(flat), "--assignment", ASSIGNMENT, "--output",
         str(out), "--workers", "1", "--quiet", "--timeout", "600", "--cell-timeout", "300"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell running us in the background ignores SIGINT, and Python keeps an ignored SIGINT
        # ignored: give the command a terminal's default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list((out / "results").glob("*.json")):
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    zygote = json.loads(next((out / "results").glob("*.json")).read_text())["worker"]["zygote_pid"]
    time.sleep(1.0)  # b1 is now looping in its subject
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in stderr
    assert time.monotonic() - started < 100  # it did not wait for the loop's 300 s limit
    deadline = time.monotonic() + 10
    while alive(zygote) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(zygote)
    assert [r["student_id"] for r in read_csv(out / "grades.csv")] == ["a1"]
