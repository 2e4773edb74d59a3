"""The kit graded by nbgrader itself, end to end, with the scores from the kit's judge.

A copy of source/ and nbgrader_config.py goes through the real workflow in a
temporary course: generate_assignment, submissions, autograde,
generate_feedback, export. The students are known answers (points from the
lab's checks, 18 in all):

* solution    the instructor's solution: full marks
* stub        the released notebook, untouched: 0
* no_bias     call() forgets the bias: loses forward_pass, training_converges,
              gradients_reach_weights and learns_other_lines
* tampered    no_bias, with three failing test cells (two public, one hidden)
              replaced by `pass`: nbgrader restores them, so it scores as no_bias
* deleted     a glorot_uniform kernel (fails only the hidden initializer check),
              with two test cells deleted, one it passes and the hidden one it
              fails: nbgrader puts both back and the judge grades them
* noisy       the solution writing to stderr in build() and call(): full marks
* forger      no_bias, plus a cell that redefines run_check so that every test
              cell passes in its own kernel: with the judge it scores as no_bias
* forger_plain the same notebook, autograded with AUTOGRADER_NBGRADER_JUDGE=0
              (plain nbgrader): full marks, which shows that the forger does
              fool nbgrader on its own

Lab 2 (custom_layer_activation, 28 points) is the course's second assignment,
in the same course: the students "solution" and "stub" hand it in too (two
lab-2 notebooks for nbgrader to run, the minimum that shows full marks and
zero). nbgrader's kernels run it offline (downloads refused, an empty Keras
cache): the notebook then trains on scikit-learn's digits, as on CI.

The gradebook (per cell and in total), the exported CSV and `grade-batch` on
the same submitted/ tree must agree. grade-batch runs once, on the whole tree
(both assignments, each graded by its lab), with its class report: one
section per assignment. Only grade-batch sees one more lab-2 student,
"before_bias" (the corpus's activation applied before the bias): a wrong
layer for the report and for `self_check`, which runs here, in this process,
and must give the grader's public verdicts for the same seed. nbgrader runs
in subprocesses with this interpreter and environment, so
TF_USE_LEGACY_KERAS=1 reaches its kernels and the judge's subjects: the same
test covers both Keras stacks.

The tests at the end run the preprocessors in this process, without nbgrader
commands or a kernel (fast).
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.lab import load_lab
from autograder.registry import grade_cell_id

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENT = "custom_dense_layer"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOLUTION_CELL = "simple_dense"
LAB = load_lab(ASSIGNMENT)
CHECKS = LAB.checks("all")
POINTS = {c.name: c.max_points for c in CHECKS}
HIDDEN = [c.name for c in CHECKS if c.hidden]
GRADE_ID = {c.name: grade_cell_id(c, CHECKS) for c in CHECKS}

RETURN_WITH_BIAS = "return tf.matmul(inputs, self.kernel) + self.bias"
NORMAL_KERNEL = "initializer=tf.random_normal_initializer()"
FORGERY = '''
# Make every graded cell pass in this kernel, whatever SimpleDense does.
def run_check(name, layer_class, seed=None):
    print(f"\\u2713 {name}: passed")
'''

NO_BIAS_FAILS = {"forward_pass", "training_converges", "gradients_reach_weights", "learns_other_lines"}
PLAIN = "forger_plain"  # autograded by plain nbgrader (the control)

# Lab 2, the course's second assignment.
ASSIGNMENT2 = "custom_layer_activation"
NOTEBOOK2 = f"{ASSIGNMENT2}.ipynb"
LAB2 = load_lab(ASSIGNMENT2)
CHECKS2 = LAB2.checks("all")
POINTS2 = {c.name: c.max_points for c in CHECKS2}
HIDDEN2 = [c.name for c in CHECKS2 if c.hidden]
PUBLIC2 = [c.name for c in CHECKS2 if not c.hidden]
GRADE_IDS = {ASSIGNMENT: GRADE_ID, ASSIGNMENT2: {c.name: grade_cell_id(c, CHECKS2) for c in CHECKS2}}
# student: (how to make the lab-2 submission from its released notebook and its solution, the checks it fails)
STUDENTS2 = {
    "solution": (lambda nb, code: answer(nb, code), set()),
    "stub": (lambda nb, code: nb, set(POINTS2)),
}
BEFORE_BIAS = "before_bias"  # a lab-2 student that only grade-batch sees (not nbgrader: it runs 2 lab-2 notebooks)
BEFORE_BIAS_CASE = "activation_before_bias"  # the corpus case that student hands in (its header: what it loses)


# --------------------------------------------------------------------------- the course


def nbgrader_env(**extra: str) -> dict:
    """This environment, plus what nbgrader and its kernels need to find."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # nbgrader runs alembic
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.pop("AUTOGRADER_NBGRADER_JUDGE", None)
    env.update(extra)
    return env


def nbgrader(course: pathlib.Path, *args: str, **env: str) -> str:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=nbgrader_env(**env),
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, (
        f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result.stdout + result.stderr


def offline(course: pathlib.Path) -> dict[str, str]:
    """What nbgrader's kernels get for lab 2: every download refused (a proxy on a closed local port), no
    Keras cache. Its notebook then loads scikit-learn's digits, as where nothing can be downloaded (CI)."""
    refuse = "http://127.0.0.1:9"
    return {"https_proxy": refuse, "HTTPS_PROXY": refuse, "http_proxy": refuse, "HTTP_PROXY": refuse,
            "no_proxy": "", "NO_PROXY": "", "KERAS_HOME": str(course / "keras-home")}


def solution_code(course: pathlib.Path, assignment: str = ASSIGNMENT) -> str:
    """The instructor's answer as a student would type it: no solution markers."""
    source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in source.cells if c.get("id") == SOLUTION_CELL)
    return "\n".join(line for line in cell.source.splitlines() if "### " not in line)


def changed(code: str, old: str, new: str) -> str:
    assert old in code, f"the solution no longer contains {old!r}; update this test"
    return code.replace(old, new)


def answer(nb, code: str):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == SOLUTION_CELL)
    cell.source = code
    return nb


def grade_cell(nb, name: str, assignment: str = ASSIGNMENT):
    grade_id = GRADE_IDS[assignment][name]
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def tamper(nb, *names: str):
    for name in names:
        grade_cell(nb, name).source = "pass"
    return nb


def delete(nb, *names: str):
    ids = {GRADE_ID[name] for name in names}
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in ids]
    return nb


def forge(nb):
    """A cell of the student's own, right after the set-up cell, that redefines run_check."""
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == "setup")
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(FORGERY.strip()))
    return nb


def no_bias(code: str) -> str:
    return changed(code, RETURN_WITH_BIAS, "return tf.matmul(inputs, self.kernel)")


def glorot(code: str) -> str:
    return changed(code, NORMAL_KERNEL, 'initializer="glorot_uniform"')


def noisy(code: str) -> str:
    code = changed(code, RETURN_WITH_BIAS, f'print("call() ran", file=sys.stderr)\n        {RETURN_WITH_BIAS}')
    code = changed(code, "self.kernel = self.add_weight(",
                   'print("build() ran", file=sys.stderr)\n        self.kernel = self.add_weight(')
    return "import sys\n\n" + code


# student: (how to make the submission from the released notebook and the solution, the checks it fails)
STUDENTS = {
    "solution": (lambda nb, code: answer(nb, code), set()),
    "stub": (lambda nb, code: nb, {c.name for c in CHECKS}),
    "no_bias": (lambda nb, code: answer(nb, no_bias(code)), NO_BIAS_FAILS),
    "tampered": (lambda nb, code: tamper(answer(nb, no_bias(code)), "forward_pass", "training_converges",
                                         "learns_other_lines"), NO_BIAS_FAILS),
    "deleted": (lambda nb, code: delete(answer(nb, glorot(code)), "layer_builds", "kernel_initializer"),
                {"kernel_initializer"}),
    "noisy": (lambda nb, code: answer(nb, noisy(code)), set()),
    "forger": (lambda nb, code: forge(answer(nb, no_bias(code))), NO_BIAS_FAILS),
}
EXPECTED = {**{student: fails for student, (_, fails) in STUDENTS.items()}, PLAIN: set()}


def expected_score(fails, points: dict = POINTS) -> float:
    return sum(p for name, p in points.items() if name not in fails)


def submit(course: pathlib.Path, student: str, nb, assignment: str = ASSIGNMENT) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{assignment}.ipynb"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Run the whole workflow once; the tests below read what it left."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "source", course / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    nbgrader(course, "generate_assignment", ASSIGNMENT2)
    released = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    code = solution_code(course)
    for student, (make, _) in STUDENTS.items():
        submit(course, student, make(nbformat.from_dict(released), code))
    released2 = nbformat.read(course / "release" / ASSIGNMENT2 / NOTEBOOK2, as_version=4)
    code2 = solution_code(course, ASSIGNMENT2)
    for student, (make, _) in STUDENTS2.items():
        submit(course, student, make(nbformat.from_dict(released2), code2), ASSIGNMENT2)
    logs = {"judge": nbgrader(course, "autograde", ASSIGNMENT)}
    # The control, graded by plain nbgrader: added after the judged run, which would otherwise grade it too.
    submit(course, PLAIN, forge(answer(nbformat.from_dict(released), no_bias(code))))
    logs["plain"] = nbgrader(course, "autograde", ASSIGNMENT, f"--student={PLAIN}", AUTOGRADER_NBGRADER_JUDGE="0")
    logs["judge2"] = nbgrader(course, "autograde", ASSIGNMENT2, **offline(course))
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT2)
    nbgrader(course, "export")
    (course / "autograde.log").write_text(logs["judge"])
    (course / "autograde2.log").write_text(logs["judge2"])
    return course


@pytest.fixture(scope="module")
def batch(course, tmp_path_factory):
    """grade-batch once on the whole submitted/ tree (both assignments), with its class report.

    Beside what nbgrader graded, one lab-2 student that only grade-batch sees: the corpus's
    activation-before-bias layer, in the course's released notebook.
    """
    released2 = nbformat.read(course / "release" / ASSIGNMENT2 / NOTEBOOK2, as_version=4)
    submit(course, BEFORE_BIAS, answer(released2, before_bias_case().cells[0]), ASSIGNMENT2)
    out = tmp_path_factory.mktemp("batch")
    result = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(course), "--output", str(out),
                             "--quiet", "--report"],
                            env=nbgrader_env(COLUMNS="200"), capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    (out / "stdout.txt").write_text(result.stdout)
    return out


def before_bias_case():
    from autograder.corpus import load_cases

    return next(c for c in load_cases(LAB2) if c.name == BEFORE_BIAS_CASE)


def batch_scores(out: pathlib.Path, assignment: str) -> dict[str, float]:
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                if row["assignment"] == assignment}


def batch_record(out: pathlib.Path, student: str, assignment: str) -> dict:
    from autograder.batch import result_path

    return json.loads(result_path(out, (student, assignment)).read_text())


def autograded(course, student, assignment: str = ASSIGNMENT):
    return nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4)


def feedback(course, student, assignment: str = ASSIGNMENT) -> str:
    return (course / "feedback" / student / assignment / f"{assignment}.html").read_text()


def log_by_student(log: str) -> dict[str, str]:
    """nbgrader's autograde log, cut where it starts on each student's notebook."""
    parts = re.split(r"^\[AutogradeApp \| INFO\] Sanitizing \S*/submitted/([^/]+)/", log, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


# --------------------------------------------------------------------------- scores


def test_known_scores():
    """The expectations themselves, in numbers."""
    assert sum(POINTS.values()) == 18
    scores = {student: expected_score(fails) for student, fails in EXPECTED.items()}
    assert scores == {"solution": 18, "stub": 0, "no_bias": 10, "tampered": 10, "deleted": 16, "noisy": 18,
                      "forger": 10, PLAIN: 18}
    assert sum(POINTS2.values()) == 28
    assert {student: expected_score(fails, POINTS2) for student, (_, fails) in STUDENTS2.items()} == {
        "solution": 28, "stub": 0}


@pytest.mark.nbgrader
def test_gradebook_scores_every_cell_and_submission(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, fails in EXPECTED.items():
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.max_score == sum(POINTS.values())
            cells = {}
            for name, points in POINTS.items():
                grade = gradebook.find_grade(GRADE_ID[name], NOTEBOOK[:-6], ASSIGNMENT, student)
                assert grade.max_score == points
                cells[name] = grade.score
            assert cells == {name: 0.0 if name in fails else p for name, p in POINTS.items()}, student
            assert submission.score == pytest.approx(expected_score(fails)), student


@pytest.mark.nbgrader
def test_export_csv(course):
    with open(course / "grades.csv", newline="") as handle:
        rows = {(row["assignment"], row["student_id"]): row for row in csv.DictReader(handle)}
    assert {student for assignment, student in rows if assignment == ASSIGNMENT} == set(EXPECTED)
    for student, fails in EXPECTED.items():
        row = rows[ASSIGNMENT, student]
        assert float(row["max_score"]) == sum(POINTS.values())
        assert float(row["score"]) == pytest.approx(expected_score(fails)), student
    # Lab 2's rows: nbgrader lists every student of the course under each assignment (0 without a submission).
    assert {student for assignment, student in rows if assignment == ASSIGNMENT2} == set(EXPECTED)
    for student in EXPECTED:
        row = rows[ASSIGNMENT2, student]
        assert float(row["max_score"]) == sum(POINTS2.values()) == 28
        fails = STUDENTS2[student][1] if student in STUDENTS2 else set(POINTS2)
        assert float(row["score"]) == pytest.approx(expected_score(fails, POINTS2)), student
    assert float(rows[ASSIGNMENT2, "solution"]["score"]) == 28


@pytest.mark.nbgrader
def test_gradebook_agrees_with_grade_batch(course, batch):
    """Each student's gradebook total is what grade-batch gives the same submitted/ notebook."""
    from nbgrader.api import Gradebook

    scores = batch_scores(batch, ASSIGNMENT)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        book = {s: gradebook.find_submission(ASSIGNMENT, s).score for s in EXPECTED}
    assert set(scores) == set(book)
    judged = {s: book[s] for s in STUDENTS}
    assert judged == {s: scores[s] for s in STUDENTS}
    # The control: plain nbgrader was fooled; the judge, in grade-batch, was not.
    assert book[PLAIN] == expected_score(set()) and scores[PLAIN] == expected_score(NO_BIAS_FAILS)


# --------------------------------------------------------------------------- what the judge wrote


@pytest.mark.nbgrader
def test_test_cells_hold_the_judges_verdicts(course):
    for student in STUDENTS:
        fails = EXPECTED[student]
        graded = autograded(course, student)
        for name in POINTS:
            cell = grade_cell(graded, name)
            assert cell.execution_count is None, f"{student}: the kernel ran the test cell {name}"
            [output] = cell.outputs
            if name in fails:
                assert output.output_type == "error" and output.ename == "CheckNotPassed", (student, name)
                text = "\n".join(output.traceback)
                assert text.startswith(f"CheckNotPassed: {name} (") and "\nExpected: " in text
                assert "\nFound: " in text and "\nTry: " in text
                assert "Traceback" not in text and "File " not in text
                assert all(len(line) <= 88 for line in output.traceback), "teaching lines are wrapped"
            else:
                assert output.output_type == "stream" and output.text.startswith(f"\u2713 {name}: "), (student, name)


@pytest.mark.nbgrader
def test_the_forger_fools_only_its_own_kernel(course):
    """Plain nbgrader scored the forger's own printed lines; the judge scored its layer."""
    plain = autograded(course, PLAIN)
    for name in POINTS:
        cell = grade_cell(plain, name)
        assert cell.execution_count is not None, "plain nbgrader runs the test cells in the kernel"
        assert [o.text for o in cell.outputs] == [f"\u2713 {name}: passed\n"]
    judged = autograded(course, "forger")
    assert grade_cell(judged, "forward_pass").outputs[0].output_type == "error"


@pytest.mark.nbgrader
def test_locked_cells_were_restored(course):
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    tampered = autograded(course, "tampered")
    for name in ("forward_pass", "training_converges", "learns_other_lines"):
        restored = grade_cell(tampered, name)
        assert restored.source == grade_cell(source, name).source
        assert f'run_check("{name}", SimpleDense)' in restored.source
    deleted = autograded(course, "deleted")
    for name in ("layer_builds", "kernel_initializer"):
        cell = grade_cell(deleted, name)
        assert f'run_check("{name}", SimpleDense)' in cell.source
        assert cell.outputs, f"the restored {name} cell has no verdict"


@pytest.mark.nbgrader
def test_checksum_warnings_only_for_real_changes(course):
    """No "checksum has changed" for the hidden test cells of an honest submission; real edits still logged."""
    logs = log_by_student((course / "autograde.log").read_text())
    assert set(logs) == set(STUDENTS)
    changed = {student: set(re.findall(r"Attribute 'checksum' for cell (\S+) has changed", log))
               for student, log in logs.items()}
    assert changed.pop("tampered") == {GRADE_ID[n] for n in ("forward_pass", "training_converges",
                                                               "learns_other_lines")}
    assert all(not cells for cells in changed.values()), changed


@pytest.mark.nbgrader
def test_kernels_ran_on_this_keras(course):
    """nbgrader's kernels inherit the environment: TF_USE_LEGACY_KERAS=1 selects Keras 2 there too."""
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true", "yes")
    setup = next(c for c in autograded(course, "solution").cells if c.get("id") == "setup")
    printed = "".join(o.get("text", "") for o in setup.outputs if o.get("name") == "stdout")
    assert ("Keras 2." if legacy else "Keras 3.") in printed, printed


# --------------------------------------------------------------------------- feedback


@pytest.mark.nbgrader
def test_feedback_hides_hidden_tests(course):
    for student, fails in EXPECTED.items():
        html = feedback(course, student)
        for name in HIDDEN:
            assert name not in html, f"{student}'s feedback names the hidden check {name}"
        for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in html, f"{student}'s feedback shows {marker}"
        assert "layer_builds" in html
        assert html.count("Hidden check, ") == len(HIDDEN)
        passed = sum(name not in fails for name in HIDDEN)
        assert html.count("Hidden check passed.") == passed, student
        assert html.count("Hidden check did not pass.") == len(HIDDEN) - passed, student


@pytest.mark.nbgrader
def test_feedback_shows_teaching_messages_and_no_server_paths(course):
    html = feedback(course, "no_bias")
    assert "forward_pass (2 points) did not pass." in html
    assert html.count("Expected: ") >= 2
    stub = feedback(course, "stub")  # its own cells raise through Keras
    assert "NotImplementedError" in stub and "in library code not shown" in stub
    for student in EXPECTED:
        html = feedback(course, student)
        for leak in (str(ROOT), sys.prefix, "site-packages", "autograder/"):
            assert leak not in html, f"{student}'s feedback shows {leak!r}"


@pytest.mark.nbgrader
def test_feedback_renders_math_without_scripts(course):
    html = feedback(course, "solution")
    assert 'alt="y = 2x - 1"' in html and "data:image/svg+xml;base64," in html
    assert "$y = 2x - 1$" not in html
    assert "white-space: pre-wrap" in html


# --------------------------------------------------------------------------- lab 2, in the same course


@pytest.mark.nbgrader
def test_lab2_gradebook_scores_every_cell_and_agrees_with_grade_batch(course, batch):
    from nbgrader.api import Gradebook

    scores = batch_scores(batch, ASSIGNMENT2)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, (_, fails) in STUDENTS2.items():
            submission = gradebook.find_submission(ASSIGNMENT2, student)
            assert submission.max_score == sum(POINTS2.values()) == 28
            cells = {name: gradebook.find_grade(GRADE_IDS[ASSIGNMENT2][name], NOTEBOOK2[:-6], ASSIGNMENT2,
                                                student).score for name in POINTS2}
            assert cells == {name: 0.0 if name in fails else p for name, p in POINTS2.items()}, student
            assert submission.score == scores[student] == expected_score(fails, POINTS2), student
    assert (scores["solution"], scores["stub"]) == (28, 0)


@pytest.mark.nbgrader
def test_grade_batch_grades_each_assignment_by_its_lab(batch):
    """The same students' two assignments, each graded by the lab of its folder's name."""
    assert set(batch_scores(batch, ASSIGNMENT)) == set(EXPECTED)
    assert set(batch_scores(batch, ASSIGNMENT2)) == set(STUDENTS2) | {BEFORE_BIAS}
    for student in STUDENTS2:
        for assignment, checks in ((ASSIGNMENT, CHECKS), (ASSIGNMENT2, CHECKS2)):
            record = batch_record(batch, student, assignment)
            assert record["lab"] == assignment and [c["name"] for c in record["checks"]] == [c.name for c in checks]
    # the wrong layer loses what its corpus case says, with its message ("before the bias")
    from autograder.corpus import judge
    from autograder.results import Grade

    assert judge(before_bias_case(), Grade.from_dict(batch_record(batch, BEFORE_BIAS, ASSIGNMENT2))) == []


@pytest.mark.nbgrader
def test_report_has_one_section_per_assignment(batch):
    printed = (batch / "stdout.txt").read_text()
    assert f"{ASSIGNMENT}: {len(EXPECTED)} submission(s)" in printed, printed
    assert f"{ASSIGNMENT2}: {len(STUDENTS2) + 1} submission(s)" in printed, printed
    page = (batch / "report.html").read_text()
    sections = page.split("<h1>Class report: ")[1:]
    assert [section.split("<", 1)[0] for section in sections] == [ASSIGNMENT, ASSIGNMENT2]
    first, second = sections
    for check in CHECKS2:  # each section lists its own lab's checks
        assert f"<td>{check.name}</td>" in second
    assert "<td>activation_by_name</td>" not in first and "<td>training_converges</td>" not in second
    assert "min 0, max 28 of 28" in second
    assert "before the bias" in second and "before the bias" not in first  # the most common failure, per lab
    for name in (ASSIGNMENT, ASSIGNMENT2):
        assert (batch / f"report-{name}.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.nbgrader
def test_lab2_test_cells_hold_the_judges_verdicts(course):
    for student, (_, fails) in STUDENTS2.items():
        graded = autograded(course, student, ASSIGNMENT2)
        for name in POINTS2:
            cell = grade_cell(graded, name, ASSIGNMENT2)
            assert cell.execution_count is None, f"{student}: the kernel ran the test cell {name}"
            [output] = cell.outputs
            if name in fails:
                assert output.output_type == "error" and output.ename == "CheckNotPassed", (student, name)
                text = "\n".join(output.traceback)
                assert text.startswith(f"CheckNotPassed: {name} (") and "\nExpected: " in text
                assert "\nFound: " in text and "\nTry: " in text and "Traceback" not in text
            else:
                assert output.output_type == "stream" and output.text.startswith(f"\u2713 {name}: "), (student, name)


def printed(cell) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


@pytest.mark.nbgrader
def test_lab2_ran_offline_in_nbgraders_kernels(course):
    """Two lab-2 notebooks for nbgrader, on this Keras, on scikit-learn's digits; their own self-check cells
    agree with the gradebook; no checksum warning for the hidden test cells of these honest submissions."""
    logs = log_by_student((course / "autograde2.log").read_text())
    assert set(logs) == set(STUDENTS2)
    assert not [line for log in logs.values() for line in log.splitlines() if "checksum" in line]
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true", "yes")
    for student, (_, fails) in STUDENTS2.items():
        cells = {c.get("id"): c for c in autograded(course, student, ASSIGNMENT2).cells}
        assert ("Keras 2." if legacy else "Keras 3.") in printed(cells["setup"])
        report = printed(cells["self-check"])
        passed = len([n for n in PUBLIC2 if n not in fails])
        assert f"{passed} of {len(PUBLIC2)} public checks passed" in report, report
    assert "using scikit-learn's 8x8 digits instead" in printed(
        {c.get("id"): c for c in autograded(course, "solution", ASSIGNMENT2).cells}["load-images"])


@pytest.mark.nbgrader
def test_lab2_feedback_hides_hidden_tests_and_teaches(course):
    for student, (_, fails) in STUDENTS2.items():
        html = feedback(course, student, ASSIGNMENT2)
        for name in HIDDEN2:
            assert name not in html, f"{student}'s feedback names the hidden check {name}"
        for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in html, f"{student}'s feedback shows {marker}"
        assert html.count("Hidden check, ") == len(HIDDEN2)
        passed = sum(name not in fails for name in HIDDEN2)
        assert html.count("Hidden check passed.") == passed, student
        assert html.count("Hidden check did not pass.") == len(HIDDEN2) - passed, student
        for leak in (str(ROOT), sys.prefix, "site-packages", "autograder/"):
            assert leak not in html, f"{student}'s feedback shows {leak!r}"
    stub = feedback(course, "stub", ASSIGNMENT2)
    for name in PUBLIC2:
        assert f"{name} ({POINTS2[name]:g} point{'s' if POINTS2[name] != 1 else ''}) did not pass." in stub, name
    assert stub.count("Expected: ") >= len(PUBLIC2) and stub.count("Try: ") >= len(PUBLIC2)
    assert "did not pass" not in feedback(course, "solution", ASSIGNMENT2)


@pytest.mark.nbgrader
@pytest.mark.parametrize("student", ["solution", BEFORE_BIAS])
def test_lab2_self_check_gives_the_graders_public_verdicts(course, batch, student):
    """self_check(SimpleDense) in this process, as a student's kernel runs it, with the seed grade-batch drew
    for the same notebook: the same verdict for every public check, and a teaching message for each failure."""
    import numpy as np
    import tensorflow as tf

    from autograder.labs.custom_layer_activation import self_check

    notebook = nbformat.read(course / "submitted" / student / ASSIGNMENT2 / NOTEBOOK2, as_version=4)
    namespace = {"tf": tf, "np": np, "__name__": "__main__"}
    exec(compile(next(c for c in notebook.cells if c.get("id") == SOLUTION_CELL).source, student, "exec"), namespace)
    record = batch_record(batch, student, ASSIGNMENT2)
    report = self_check(namespace["SimpleDense"], seed=record["seed"])
    graders = {c["name"]: c["passed"] for c in record["checks"] if c["visibility"] == "public"}
    assert list(report.verdicts()) == PUBLIC2
    assert report.verdicts() == graders
    text = report.text()
    words = " ".join(text.split())  # the report wraps its lines
    if student == "solution":
        assert report.passed and f"{len(PUBLIC2)} of {len(PUBLIC2)} public checks passed" in text
    else:
        assert {"activation_by_name", "activation_callable"} <= {r.name for r in report.failed}
        assert "FAIL  activation_by_name" in text and "the activation is applied before the bias" in words
        assert "Try: add the bias first" in words and "Traceback" not in text


# --------------------------------------------------------------------------- the preprocessors, in process


def restored_release() -> nbformat.NotebookNode:
    """The released notebook with its test cells as nbgrader restores them (from the source notebook)."""
    source = nbformat.read(ROOT / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for cell in source.cells:
        if cell.get("id") == SOLUTION_CELL:
            cell.source = "class SimpleDense:\n    pass"
    return source


def resources() -> dict:
    return {"nbgrader": {"assignment": ASSIGNMENT, "student": "someone", "notebook": ASSIGNMENT}}


def test_judge_grades_every_cell_from_one_grade(monkeypatch):
    """Each test cell gets its own check's verdict; a cell with no check says so."""
    from autograder import grading
    from autograder.nbgrader.preprocessors import JudgeGrades
    from autograder.results import CheckResult, Grade, Message, Status

    failed = {"forward_pass", "learns_other_lines"}
    message = Message("a long expectation " * 8, "something else", "try again")
    results = [CheckResult(c.name, c.category, c.visibility, c.max_points,
                           Status.FAILED if c.name in failed else Status.PASSED,
                           note="" if c.name in failed else f"{c.name} is fine",
                           message=message if c.name in failed else None) for c in CHECKS]
    monkeypatch.setattr(grading, "grade_notebook", lambda *a, **k: Grade(NOTEBOOK, ASSIGNMENT, results))
    nb = restored_release()
    extra = nbformat.v4.new_code_cell("run_check('no_such_check', SimpleDense)", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": "test_extra", "points": 1,
        "schema_version": 3}})
    nb.cells.append(extra)
    inspect = next(c for c in nb.cells if c.get("id") == "inspect")
    inspect.outputs = [nbformat.v4.new_output("stream", name="stdout", text="kept\n")]
    nb, _ = JudgeGrades().preprocess(nb, resources())
    for check in CHECKS:
        [output] = grade_cell(nb, check.name).outputs
        if check.name in failed:
            assert output.ename == "CheckNotPassed"
            assert output.traceback[0] == f"CheckNotPassed: {check.name} ({check.max_points:g} points) did not pass."
            assert output.traceback[1].startswith("Expected: a long expectation")
            assert all(len(line) <= 88 for line in output.traceback) and len(output.traceback) > 4
        else:
            assert output.text == f"\u2713 {check.name}: {check.name} is fine\n"
    [output] = nb.cells[-1].outputs
    assert output.ename == "NotGraded" and "test_extra" in output.traceback[0]
    assert [o.text for o in inspect.outputs] == ["kept\n"], "cells that are not test cells keep their outputs"


def test_judge_grades_a_notebook_it_cannot_grade():
    """No cell defines the lab's class: every test cell says why it was not graded (no subject is started)."""
    from autograder.nbgrader.preprocessors import JudgeGrades

    nb = restored_release()
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.metadata.get("nbgrader", {}).get("grade")]
    nb, _ = JudgeGrades().preprocess(nb, resources())
    for name in POINTS:
        [output] = grade_cell(nb, name).outputs
        assert output.ename == "NotGraded"
        assert "could not be graded" in output.traceback[0] and "SimpleDense" in " ".join(output.traceback)


def test_judge_grades_survives_a_grader_failure(monkeypatch, caplog):
    from autograder import grading
    from autograder.nbgrader.preprocessors import JudgeGrades

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in a check")

    monkeypatch.setattr(grading, "grade_notebook", broken)
    nb, _ = JudgeGrades().preprocess(restored_release(), resources())
    for name in POINTS:
        [output] = grade_cell(nb, name).outputs
        assert output.ename == "NotGraded" and "fault in the grader" in " ".join(output.traceback)
        assert "ZeroDivisionError" not in json.dumps(output)


def test_judge_grades_an_assignment_with_no_lab_only_when_told_to():
    """A misnamed assignment is not graded (never scored by its own kernel), unless listed as plain."""
    from autograder.nbgrader.preprocessors import JudgeGrades

    info = {"nbgrader": {"assignment": "not_a_lab", "student": "someone", "notebook": "x"}}
    for plain in ([], ["not_a_lab"]):
        nb = restored_release()
        cell = grade_cell(nb, "forward_pass")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="from the kernel\n")]
        nb, _ = JudgeGrades(plain_assignments=plain).preprocess(nb, info)
        if plain:
            assert [o.text for o in cell.outputs] == ["from the kernel\n"]
        else:
            [output] = cell.outputs
            assert output.ename == "NotGraded" and "'not_a_lab'" in " ".join(output.traceback)


def test_released_source_of_a_hidden_test_cell():
    """QuietOverwriteCells recognises exactly what generate_assignment released."""
    from autograder.nbgrader.preprocessors import QuietOverwriteCells

    source = nbformat.read(ROOT / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(ROOT / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    quiet = QuietOverwriteCells()
    for name in HIDDEN:
        assert quiet._released(grade_cell(source, name).source) == grade_cell(release, name).source
    assert quiet._released(grade_cell(source, "forward_pass").source) is None  # nothing hidden: nothing benign
    assert quiet._released("### BEGIN HIDDEN TESTS\nx = 1") is None  # malformed


def test_library_frames_are_left_out():
    from autograder.nbgrader.preprocessors import HideLibraryFrames

    entries = ["\x1b[0;31m----\x1b[0m\nNotImplementedError   Traceback (most recent call last)",
               "Cell \x1b[0;32mIn[4], line 5\x1b[0m\n----> 5 y = my_dense(x)",
               "File \x1b[0;32m/srv/venv/lib/python3.11/site-packages/keras/src/utils/traceback_utils.py:122\x1b[0m, "
               "in \x1b[0;36mfilter_traceback.<locals>.error_handler\x1b[0;34m(*args, **kwargs)\x1b[0m\n    raise",
               'File "/srv/venv/lib/python3.11/site-packages/autograder/selfcheck.py", line 3, in run_check\n  x',
               "Cell \x1b[0;32mIn[2], line 16\x1b[0m, in SimpleDense.build(self, input_shape)\n---> 16 raise",
               "\x1b[0;31mNotImplementedError\x1b[0m: "]
    kept = HideLibraryFrames().shorten(entries)
    assert kept == [entries[0], entries[1], "[2 frames in library code not shown]", entries[4], entries[5]]
    assert not any("/srv/" in entry for entry in kept)


def test_math_is_drawn_or_left_to_mathjax():
    from autograder.nbgrader.feedback import math_html

    drawn = math_html("y = 2x - 1", False, 11.0)
    assert drawn.startswith('<img class="autograder-math" src="data:image/svg+xml;base64,')
    assert 'alt="y = 2x - 1"' in drawn
    assert math_html(r"\begin{align} a &= b \end{align}", True, 11.0) is None  # not mathtext's: MathJax's


def test_hidden_tests_hidden_and_messages_without_names():
    """HideHiddenTests on a notebook as autograde leaves it: a failed hidden check and a passed one."""
    from autograder.nbgrader.preprocessors import HideHiddenTests, JudgeGrades
    from autograder.results import CheckResult, Message, Status

    failing = next(c for c in CHECKS if c.name == "kernel_initializer")
    nb = restored_release()
    message = Message(f"{failing.name} to hold", "it does not", "look at kernel_initializer again")
    for check in CHECKS:
        if check.hidden:
            result = CheckResult(check.name, check.category, "hidden", check.max_points,
                                 Status.FAILED if check is failing else Status.PASSED,
                                 note=f"{check.name} holds", message=message if check is failing else None)
            cell = grade_cell(nb, check.name)
            cell.outputs = [JudgeGrades()._verdict(result)]
            cell.metadata.nbgrader["score"] = result.points
    for show in (False, True):
        shown, _ = HideHiddenTests(show_messages=show).preprocess(nbformat.from_dict(nb), resources())
        text = nbformat.writes(shown)
        assert "BEGIN HIDDEN TESTS" not in text
        for name in HIDDEN:
            assert name not in text
        cells = [c for c in shown.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("hidden")]
        assert len(cells) == len(HIDDEN) and not any("run_check" in c.source for c in cells)
        outputs = ["".join(o.text for o in c.outputs) for c in cells]
        assert outputs.count("Hidden check passed.\n") == len(HIDDEN) - 1
        [failed] = [o for o in outputs if o.startswith("Hidden check did not pass.")]
        if show:
            assert "Expected: this check to hold." in failed and "Try: look at this check again." in failed
        else:
            assert failed == "Hidden check did not pass. Its code is not shown.\n"
