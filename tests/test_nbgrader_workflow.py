"""The kit graded by nbgrader itself, end to end, in a temporary course.

A copy of source/ and the nbgrader configuration goes through the real
workflow: generate_assignment, submissions from several students, autograde,
generate_feedback, export. The students are known answers:

* solution    the instructor's solution: 17/17
* stub        the released notebook, untouched: 0/17
* no_bias     call() forgets the bias: loses the four checks that see it
* glorot      kernel drawn with glorot_uniform: loses only the hidden
              initializer check
* tampered    the no_bias answer, with three failing grading cells (two
              public, one hidden) replaced by `pass`: nbgrader must restore
              them, so it scores exactly like no_bias
* deleted     the glorot answer with two grading cells deleted, one it passes
              and the hidden one it fails: nbgrader must put both back and
              run them (15, not 14 or 17)
* noisy       the solution, writing to stderr from build() and call():
              stderr must not cost a correct answer anything (17)

Scores are read from the real gradebook (per cell and per submission) and
from the exported CSV. The feedback HTML must not show hidden tests: no
hidden check's name, call or marker.

nbgrader runs in subprocesses with this interpreter and this environment, so
TF_USE_LEGACY_KERAS=1 reaches the kernels and the same test covers both
Keras stacks. Slow: one notebook takes about 20-30 s to grade with Keras 3.
"""
from __future__ import annotations

import csv
import os
import pathlib
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.checks import REGISTRY, grade_cell_id

pytestmark = pytest.mark.nbgrader

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENT = "custom_dense_layer"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOLUTION_CELL = "simple_dense"
HIDDEN = ("kernel_initializer", "gradients_reach_weights", "learns_other_lines")

RETURN_WITH_BIAS = "return tf.matmul(inputs, self.kernel) + self.bias"
NORMAL_KERNEL = "initializer=tf.random_normal_initializer()"


def nbgrader_env() -> dict:
    """This environment, plus what nbgrader and its kernels need to find."""
    env = dict(os.environ)
    # nbgrader runs the `alembic` command of its own environment.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    # The kernels import the grader from this checkout (CI also installs it).
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def nbgrader(course: pathlib.Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout,
    )
    assert result.returncode == 0, (
        f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result


def make_course(directory: pathlib.Path) -> pathlib.Path:
    """A course directory holding copies of the kit's source and nbgrader configuration."""
    shutil.copytree(ROOT / "source", directory / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in ("nbgrader_config.py", "nbgrader_hide_hidden.py"):
        shutil.copy2(ROOT / name, directory / name)
    return directory


def solution_code() -> str:
    """The instructor's answer as a student would type it: no solution markers."""
    source = nbformat.read(ROOT / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    cell = next(c for c in source.cells if c.get("id") == SOLUTION_CELL)
    return "\n".join(line for line in cell.source.splitlines() if "### " not in line)


def changed(code: str, old: str, new: str) -> str:
    assert old in code, f"the solution no longer contains {old!r}; update this test"
    return code.replace(old, new)


def answer(nb, code: str):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == SOLUTION_CELL)
    cell.source = code
    return nb


def grade_cell(nb, name: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_cell_id(REGISTRY[name]))


def tamper(nb, *names: str):
    for name in names:
        grade_cell(nb, name).source = "pass"
    return nb


def delete(nb, *names: str):
    ids = {grade_cell_id(REGISTRY[name]) for name in names}
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in ids]
    return nb


# student: (how to make the submission from the released notebook, checks it fails)
NO_BIAS_FAILS = {"forward_pass", "training_converges", "gradients_reach_weights", "learns_other_lines"}
ALL_CHECKS = {"layer_builds", "variable_names", "weight_shapes", "bias_starts_at_zero", "weights_trainable",
              "forward_pass", "training_converges", *HIDDEN}


def _no_bias():
    return changed(solution_code(), RETURN_WITH_BIAS, "return tf.matmul(inputs, self.kernel)")


def _glorot():
    return changed(solution_code(), NORMAL_KERNEL, 'initializer="glorot_uniform"')


def _noisy():
    code = changed(solution_code(), RETURN_WITH_BIAS,
                   f'print("call() ran", file=sys.stderr)\n        {RETURN_WITH_BIAS}')
    code = changed(code, "self.kernel = self.add_weight(",
                   'print("build() ran", file=sys.stderr)\n        self.kernel = self.add_weight(')
    return "import sys\n\n" + code


STUDENTS = {
    "solution": (lambda nb: answer(nb, solution_code()), set()),
    "stub": (lambda nb: nb, ALL_CHECKS),
    "no_bias": (lambda nb: answer(nb, _no_bias()), NO_BIAS_FAILS),
    "glorot": (lambda nb: answer(nb, _glorot()), {"kernel_initializer"}),
    "tampered": (lambda nb: tamper(answer(nb, _no_bias()), "forward_pass", "training_converges",
                                   "learns_other_lines"), NO_BIAS_FAILS),
    "deleted": (lambda nb: delete(answer(nb, _glorot()), "layer_builds", "kernel_initializer"),
                {"kernel_initializer"}),
    "noisy": (lambda nb: answer(nb, _noisy()), set()),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Run the whole workflow once; the tests below read what it left."""
    course = make_course(tmp_path_factory.mktemp("course"))
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for student, (make, _) in STUDENTS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(make(nbformat.from_dict(released)), str(folder / NOTEBOOK))

    start = time.perf_counter()
    nbgrader(course, "autograde", ASSIGNMENT)
    seconds = time.perf_counter() - start
    print(f"\nnbgrader autograde: {len(STUDENTS)} submissions in {seconds:.1f} s "
          f"({seconds / len(STUDENTS):.1f} s each)")
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    nbgrader(course, "export")
    return course


@pytest.fixture(scope="module")
def points(course):
    """Points per check, as the source notebook's grade cells give them."""
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    names = {grade_cell_id(check): name for name, check in REGISTRY.items()}
    found = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta["grade_id"] in names:
            found[names[meta["grade_id"]]] = float(meta["points"])
    assert set(found) == ALL_CHECKS and sum(found.values()) == 17
    return found


def expected_score(points, fails) -> float:
    return sum(p for name, p in points.items() if name not in fails)


def autograded(course, student):
    return nbformat.read(course / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)


def test_gradebook_scores_every_cell_and_submission(course, points):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, (_, fails) in STUDENTS.items():
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.max_score == 17
            cell_scores = {}
            for name in points:
                grade = gradebook.find_grade(grade_cell_id(REGISTRY[name]), ASSIGNMENT, ASSIGNMENT, student)
                assert grade.max_score == points[name]
                cell_scores[name] = grade.score
            expected = {name: 0.0 if name in fails else p for name, p in points.items()}
            assert cell_scores == expected, f"{student}: per-check scores"
            assert submission.score == pytest.approx(expected_score(points, fails)), student


def test_known_scores(points):
    """The expectations themselves, in numbers: 17, 0, 9, 15, 9, 15, 17."""
    scores = {student: expected_score(points, fails) for student, (_, fails) in STUDENTS.items()}
    assert scores == {"solution": 17, "stub": 0, "no_bias": 9, "glorot": 15, "tampered": 9,
                      "deleted": 15, "noisy": 17}


def test_export_csv(course, points):
    with open(course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(STUDENTS)
    for student, (_, fails) in STUDENTS.items():
        assert rows[student]["assignment"] == ASSIGNMENT
        assert float(rows[student]["max_score"]) == 17
        assert float(rows[student]["score"]) == pytest.approx(expected_score(points, fails)), student


def test_locked_cells_were_restored(course):
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for name in ("forward_pass", "training_converges", "learns_other_lines"):
        restored = grade_cell(autograded(course, "tampered"), name)
        assert restored.source == grade_cell(source, name).source
        assert f'run_check("{name}", SimpleDense)' in restored.source
    deleted = autograded(course, "deleted")
    for name in ("layer_builds", "kernel_initializer"):
        cell = grade_cell(deleted, name)
        assert f'run_check("{name}", SimpleDense)' in cell.source
        assert cell.outputs, f"the restored {name} cell was not run"


def test_hidden_checks_ran_when_grading(course):
    graded = autograded(course, "solution")
    for name in HIDDEN:
        cell = grade_cell(graded, name)
        assert f'run_check("{name}", SimpleDense)' in cell.source
        printed = "".join(o.get("text", "") for o in cell.outputs)
        assert name in printed, f"hidden check {name} did not report a pass: {cell.outputs}"


def test_kernels_ran_on_this_keras(course):
    """nbgrader's kernels inherit the environment: TF_USE_LEGACY_KERAS=1 selects Keras 2 there too."""
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true", "yes")
    setup = next(c for c in autograded(course, "solution").cells if c.get("id") == "setup")
    printed = "".join(o.get("text", "") for o in setup.outputs if o.get("name") == "stdout")
    assert ("Keras 2." if legacy else "Keras 3.") in printed, printed


def test_stderr_does_not_cost_points(course):
    """The noisy student's stderr reached the grading cells, and was dropped before scoring."""
    graded = autograded(course, "noisy")
    for cell in graded.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            assert not [o for o in cell.outputs if o.get("name") == "stderr"]


def test_feedback_hides_hidden_tests(course):
    for student, (_, fails) in STUDENTS.items():
        html = (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        for name in HIDDEN:
            assert name not in html, f"{student}'s feedback names the hidden check {name}"
        for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in html, f"{student}'s feedback shows {marker}"
        # What does remain: the public checks, each hidden cell's comment and verdict.
        assert "layer_builds" in html
        assert html.count("Hidden check, ") == len(HIDDEN)
        hidden_passed = sum(name not in fails for name in HIDDEN)
        assert html.count("Hidden check passed.") == hidden_passed, student
        assert html.count("Hidden check did not pass.") == len(HIDDEN) - hidden_passed, student
        assert "Score: " in html
