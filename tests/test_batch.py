"""grade-batch: a whole class graded in parallel, every result kept, resumable.

One small class (a correct layer, a wrong one, one that loops, one that exits,
a broken file and a student without a notebook) is graded once through the
runner API with a shared thread pool, so TensorFlow loads once per worker
thread; the command line is run as a subprocess only where the process itself
matters (being killed mid-way, exit codes).
"""
from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import corpus_tools
from autograder import batch
from autograder.sandbox import Limits

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "custom_dense_layer"
# Short enough to keep the suite quick, long enough for a correct layer's
# slowest check on a busy two-core machine.
LIMITS = Limits(timeout_s=10.0, check_timeout_s=5.0)
CLI_LIMITS = ["--timeout", "10", "--check-timeout", "5"]

# A class body that never finishes: the cheapest endless loop (one check limit).
LOOP_AT_DEFINITION = """
class SimpleDense(tf.keras.layers.Layer):
    while True:
        pass
"""
SLEEP_IN_BUILD = """
import time


class SimpleDense(tf.keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        time.sleep(0.2)

    def call(self, inputs):
        return inputs
"""


def write_case(folder: Path, name: str, corpus_case: str | None = None, source: str | None = None) -> Path:
    """A notebook named ``name`` holding a corpus case's class (or ``source``), as a student would submit it."""
    folder.mkdir(parents=True, exist_ok=True)
    if corpus_case:
        case = corpus_tools.parse_case(corpus_tools.CORPUS / f"{corpus_case}.py")
    else:
        stub = folder / f".{name}.py"
        stub.write_text("# expect: zero\n" + source)
        case = corpus_tools.parse_case(stub)
        stub.unlink()
    built = corpus_tools.build_notebook(case, folder)
    return built.rename(folder / f"{name}.ipynb")


def submitted(course: Path, student: str) -> Path:
    return course / "submitted" / student / ASSIGNMENT


@pytest.fixture(scope="module")
def executor():
    with batch.LocalExecutor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    write_case(submitted(course, "ada"), ASSIGNMENT, "correct_reference_solution")
    write_case(submitted(course, "bob"), ASSIGNMENT, "missing_bias")
    write_case(submitted(course, "cy"), ASSIGNMENT, "infinite_loop_in_build")
    write_case(submitted(course, "dee"), ASSIGNMENT, "os_exit_in_build")
    garbage = submitted(course, "eve")
    garbage.mkdir(parents=True)
    (garbage / f"{ASSIGNMENT}.ipynb").write_text("this is not a notebook")
    submitted(course, "fay").mkdir(parents=True)  # collected, but no notebook in it
    (course / "submitted" / "ada" / ASSIGNMENT / "timestamp.txt").write_text("2026-11-20 10:00:00")
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


def record(out: Path, student: str) -> dict:
    return json.loads(batch.result_path(out, (student, ASSIGNMENT)).read_text())


def mtimes(out: Path) -> dict:
    return {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}


# --------------------------------------------------------------------------- discovery


def test_discover_finds_every_layout(course, tmp_path):
    layout, tasks = batch.discover(course)
    assert layout.kind == "nbgrader" and layout.default_output == course.resolve() / "grading-output"
    assert [t.student_id for t in tasks] == ["ada", "bob", "cy", "dee", "eve", "fay"]
    assert tasks[-1].content is None and "no notebook" in tasks[-1].problem
    # The submitted/ folder itself: the same submissions, output beside it.
    layout, again = batch.discover(course / "submitted")
    assert [t.key for t in again] == [t.key for t in tasks]
    assert layout.default_output == course.resolve() / "grading-output"
    # A flat folder: student id = file stem, output inside it.
    flat = tmp_path / "downloads"
    flat.mkdir()
    (flat / "zed.ipynb").write_bytes((submitted(course, "ada") / f"{ASSIGNMENT}.ipynb").read_bytes())
    layout, flat_tasks = batch.discover(flat)
    assert layout.kind == "flat" and layout.default_output == flat.resolve() / "grading-output"
    assert [(t.student_id, t.assignment) for t in flat_tasks] == [("zed", ASSIGNMENT)]
    with pytest.raises(batch.BatchError, match="no submissions"):
        batch.discover(_empty(tmp_path))
    with pytest.raises(batch.BatchError, match="no such folder"):
        batch.discover(tmp_path / "missing")


def _empty(tmp_path: Path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    return empty


def test_prefers_the_assignment_notebook_among_several(tmp_path):
    folder = submitted(tmp_path, "gil")
    write_case(folder, "scratch", source="x = 1\n")  # no class: not the one to grade
    write_case(folder, ASSIGNMENT, "correct_reference_solution")
    _, tasks = batch.discover(tmp_path)
    assert Path(tasks[0].path).name == f"{ASSIGNMENT}.ipynb"


# --------------------------------------------------------------------------- one full run


def test_every_submission_gets_a_result(first_run):
    out, summary, tasks = first_run
    assert summary.total == summary.graded == len(tasks) == 6
    ada, bob, cy, dee, eve, fay = (record(out, s) for s in ("ada", "bob", "cy", "dee", "eve", "fay"))
    assert ada["score"] == ada["max_score"] == 17 and ada["error"] is None and ada["status"] == "graded"
    assert 0 < bob["score"] < 17 and bob["error"] is None
    # The endless loop and the exit cost only their own submission.
    assert cy["score"] == 0 and "time limit" in cy["error"]
    assert dee["score"] == 0 and "exited with code 3" in dee["error"]
    # Nothing to grade is a recorded zero with its reason, not a crash.
    assert eve["status"] == fay["status"] == "not_graded"
    assert eve["score"] == fay["score"] == 0 and eve["max_score"] == fay["max_score"] == 17
    assert "not a Jupyter notebook" in eve["error"] and "no notebook" in fay["error"]
    assert all(len(r["checks"]) == 10 for r in (ada, bob, cy, dee, eve, fay))
    # Running counts: could not run fully, and below the maximum.
    assert summary.failed == 4 and summary.below_max == 5
    # Each record says where it was graded, with its zygote's memory.
    assert ada["worker"]["zygote_rss_mb"] > 100 and ada["peak_memory_mb"] > 0
    assert not list((out / "results").glob(".*.tmp"))
    run = json.loads((out / "run.json").read_text())
    assert run["graded_now"] == 6 and run["workers"] == 2 and run["zygotes"]


def test_grades_csv_has_one_row_per_submission(first_run):
    out, _, tasks = first_run
    rows = read_csv(out / "grades.csv")
    assert [r["student_id"] for r in rows] == [t.student_id for t in tasks]
    assert {"student_id", "assignment", "score", "max_score", "error", "keras", "layer_builds"} <= set(rows[0])
    by_student = {r["student_id"]: r for r in rows}
    assert by_student["ada"]["score"] == "17" and by_student["ada"]["max_score"] == "17"
    assert by_student["cy"]["score"] == "0" and "time limit" in by_student["cy"]["error"]
    assert by_student["ada"]["error"] == ""


def test_rerun_grades_nothing_again(first_run, executor, course):
    out, _, _ = first_run
    before = mtimes(out)
    layout, tasks = batch.discover(course)
    summary = batch.run_batch(tasks, out, executor, limits=LIMITS)
    assert summary.graded == 0 and summary.skipped == 6
    assert mtimes(out) == before
    rows = read_csv(out / "grades.csv")
    assert len(rows) == 6 and len({r["student_id"] for r in rows}) == 6


def test_a_changed_notebook_is_regraded(first_run, executor, course, tmp_path):
    out, _, _ = first_run
    before = mtimes(out)
    # bob fixes his layer and the submission is collected again
    fixed = write_case(tmp_path, "fixed", "correct_reference_solution")
    (submitted(course, "bob") / f"{ASSIGNMENT}.ipynb").write_bytes(fixed.read_bytes())
    _, tasks = batch.discover(course)
    summary = batch.run_batch(tasks, out, executor, limits=LIMITS)
    assert summary.graded == 1
    after = mtimes(out)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {f"bob__{ASSIGNMENT}.json"}
    assert record(out, "bob")["score"] == 17
    assert len(read_csv(out / "grades.csv")) == 6


def test_force_regrades_a_flat_folder(tmp_path, executor, course):
    flat = tmp_path / "downloads"
    write_case(flat, "kim", "correct_reference_solution")
    write_case(flat, "lee", "missing_bias")
    layout, tasks = batch.discover(flat)
    out = layout.default_output
    first = batch.run_batch(tasks, out, executor, limits=LIMITS)
    assert first.graded == 2
    stamps = mtimes(out)
    assert batch.run_batch(tasks, out, executor, limits=LIMITS).graded == 0
    assert batch.run_batch(tasks, out, executor, limits=LIMITS, force=True).graded == 2
    assert all(mtimes(out)[name] != stamps[name] for name in stamps)
    rows = read_csv(out / "grades.csv")
    assert [r["student_id"] for r in rows] == ["kim", "lee"]
    assert rows[0]["score"] == "17" and float(rows[1]["score"]) < 17
    assert rows[0]["assignment"] == ASSIGNMENT


def test_a_grader_failure_is_recorded_then_regraded(tmp_path):
    """A worker that dies (say, a Dask worker lost) leaves a zero with the reason, regraded next run."""

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
                yield item, batch.lost_record(item, RuntimeError("still down"), "all", 0) | {"status": "graded"}

    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "mo.ipynb").write_text("{}")
    _, tasks = batch.discover(folder)
    summary = batch.run_batch(tasks, folder / "out", Failing())
    lost = json.loads(batch.result_path(folder / "out", ("mo", ASSIGNMENT)).read_text())
    assert lost["status"] == "grader_error" and "worker lost" in lost["error"] and lost["score"] == 0
    assert summary.failed == 1
    counting = Counting()
    batch.run_batch(tasks, folder / "out", counting)
    assert counting.seen == ["mo"]  # regraded, because the first failure was the grader's
    counting.seen.clear()
    batch.run_batch(tasks, folder / "out", counting)
    assert counting.seen == []


def test_one_run_at_a_time_per_output(tmp_path):
    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "mo.ipynb").write_text("{}")
    (folder / "out").mkdir()
    lock = batch._OutputLock(folder / "out")
    try:
        with pytest.raises(batch.BatchError, match="another grade-batch run"):
            batch.run_batch(batch.discover(folder)[1], folder / "out", batch.LocalExecutor(1))
    finally:
        lock.release()


# --------------------------------------------------------------------------- the command line


def gone(pid: int, wait_s: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (a zombie waiting to be reaped counts as ended)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, **kwargs)


@pytest.mark.parametrize("make", ["missing", "file", "empty"])
def test_bad_dir_is_a_one_line_usage_error(tmp_path, make):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("x")
    elif make == "empty":
        target.mkdir()
    result = cli("grade-batch", str(target))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_interrupted_run_resumes_without_regrading(tmp_path):
    """Killed (SIGKILL, no clean-up at all) after two results: the next run grades only the rest."""
    flat = tmp_path / "class"
    write_case(flat, "a1", "correct_reference_solution")
    write_case(flat, "a2", "missing_bias")
    for name in ("b1", "b2"):
        write_case(flat, name, source=SLEEP_IN_BUILD)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-batch", str(flat), "--output", str(out),
               "--workers", "1", "--quiet", *CLI_LIMITS]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 2:
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    done = mtimes(out)
    assert 2 <= len(done) < 4
    kept = {name: json.loads((out / "results" / name).read_text()) for name in done}
    # The killed run's zygote did not outlive it (it would keep grading otherwise).
    for rec in kept.values():
        assert gone(rec["worker"]["zygote_pid"])
    assert len(read_csv(out / "grades.csv")) == len(done)

    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"graded {4 - len(done)} now, {len(done)} from earlier runs, 4 in all" in result.stdout
    after = mtimes(out)
    assert {name: after[name] for name in done} == done  # nothing done was graded again
    rows = read_csv(out / "grades.csv")
    assert [r["student_id"] for r in rows] == ["a1", "a2", "b1", "b2"]
    assert rows[0]["score"] == "17"


def test_ctrl_c_keeps_finished_results_and_stops_the_workers(tmp_path):
    """SIGINT (or SIGTERM) mid-way: exit code 130, finished results and the CSV kept, no zygote left."""
    flat = tmp_path / "class"
    write_case(flat, "a1", "correct_reference_solution")
    write_case(flat, "b1", source=LOOP_AT_DEFINITION)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade-batch", str(flat), "--output", str(out), "--workers", "1",
         "--quiet", "--timeout", "600", "--check-timeout", "300"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell running us in the background ignores SIGINT, and Python
        # keeps an ignored SIGINT ignored: give the command a terminal's default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300  # generous: CI machines can be busy
    while time.monotonic() < deadline and not list((out / "results").glob("*.json")):
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    zygote = json.loads(next((out / "results").glob("*.json")).read_text())["worker"]["zygote_pid"]
    time.sleep(0.5)  # b1 is now looping in its child
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in stderr
    assert time.monotonic() - started < 120  # it did not wait for the loop's 300 s limit
    assert gone(zygote)
    assert [r["student_id"] for r in read_csv(out / "grades.csv")] == ["a1"]


def test_several_assignments_need_a_choice(tmp_path):
    write_case(tmp_path / "submitted" / "ada" / ASSIGNMENT, ASSIGNMENT, "correct_reference_solution")
    write_case(tmp_path / "submitted" / "ada" / "other_lab", "other_lab", source="x = 1\n")
    with pytest.raises(batch.BatchError, match="several assignments"):
        batch.discover(tmp_path)
    _, tasks = batch.discover(tmp_path, assignment=ASSIGNMENT)
    assert [t.key for t in tasks] == [("ada", ASSIGNMENT)]
    with pytest.raises(batch.BatchError, match="without a submitted/ folder"):
        (tmp_path / "course").mkdir()
        (tmp_path / "course" / "source").mkdir()
        batch.discover(tmp_path / "course")
