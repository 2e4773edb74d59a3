"""The grader against a corpus of known submissions (``tests/corpus/``, see ``corpus_tools``).

Every case goes through the real path: a notebook on disk, ``grade_notebook``,
the sandbox's zygote and a forked child with limits. A correct layer must get
full marks; a wrong one must lose exactly the categories its header names, with
a message that names the mistake; a hostile one must end within its limits and
leave the grader standing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import corpus_tools
from autograder import checks as registry
from autograder.grading import grade_notebook
from autograder.notebook import SubmissionError, extract_submission
from autograder.results import CATEGORIES

ROOT = Path(__file__).resolve().parent.parent
CASES = corpus_tools.load_cases()
KERAS3 = corpus_tools.stack_is_keras3()
# Starting a zygote (TensorFlow's import) and the sandbox's own grace period
# come on top of a case's time limit.
STARTUP_ALLOWANCE_S = 20.0


def _param(case):
    marks = []
    if not case.runs_on(KERAS3):
        marks.append(pytest.mark.skip(reason=f"{case.name} is for {case.stack} only"))
    if case.known:
        marks.append(pytest.mark.xfail(reason=f"known gap: {case.known}", strict=True))
    return pytest.param(case, id=case.name, marks=marks)


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    return tmp_path_factory.mktemp("corpus")


def test_corpus_is_big_and_varied():
    correct = [c for c in CASES if c.correct]
    wrong = [c for c in CASES if not c.correct]
    assert len(correct) >= 6 and len(wrong) >= 20
    assert {"keras3", "keras2"} <= {c.stack for c in correct}
    lost = set().union(*(c.lose for c in wrong))
    assert lost >= set(CATEGORIES) - {"integrity"}  # integrity findings zero the whole grade
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corpus_case(case, notebooks):
    path = corpus_tools.build_notebook(case, notebooks)
    limits = case.sandbox_limits()
    started = time.monotonic()
    grade = grade_notebook(path, limits=limits)  # must never raise for the submission's sake
    elapsed = time.monotonic() - started
    assert elapsed < limits.timeout_s + STARTUP_ALLOWANCE_S, f"{case.name} took {elapsed:.1f} s"
    assert [c.name for c in grade.checks] == list(registry.REGISTRY)
    problems = corpus_tools.judge(case, grade)
    assert not problems, f"{case.name}:\n" + "\n".join(problems)


def test_grader_survives_the_corpus_and_still_grades(notebooks):
    """After the hostile cases (exits, bombs, loops) the same thread's zygote grades a correct layer."""
    case = next(c for c in CASES if c.name == "correct_reference_solution")
    grade = grade_notebook(corpus_tools.build_notebook(case, notebooks))
    assert grade.score == grade.max_score, grade.to_json()


# --- correct layers over many seeds --------------------------------------------------------

# The output floods are about the sandbox's limits; in this process their
# megabytes would only go to pytest's capture files.
CORRECT = [pytest.param(c, id=c.name) for c in CASES
           if c.correct and c.runs_on(KERAS3) and not c.known and "flood" not in c.name]


@pytest.mark.slow
@pytest.mark.parametrize("case", CORRECT)
def test_correct_case_full_marks_over_20_seeds_in_process(case, notebooks):
    """Seeds 0-19, run in this process with the same runner the sandbox uses (much faster)."""
    from autograder.runner import run_checks

    code = extract_submission(corpus_tools.build_notebook(case, notebooks)).code
    namespace = {"__name__": "submission"}
    exec(compile(code, f"<{case.name}>", "exec"), namespace)
    failures = []
    for seed in range(20):
        for result in run_checks(namespace["SimpleDense"], registry.select("all"), seed):
            if not result.passed:
                failures.append(f"seed {seed}: {result.name}: {result.message}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("seed", [1, 11, 19])
def test_reference_solution_full_marks_in_sandbox_for_other_seeds(seed, notebooks):
    case = next(c for c in CASES if c.name == "correct_reference_solution")
    grade = grade_notebook(corpus_tools.build_notebook(case, notebooks), seed=seed)
    assert grade.seed == seed
    assert grade.score == grade.max_score, grade.to_json()


# --- what the extraction keeps ----------------------------------------------------------------

def test_extraction_keeps_what_the_class_reads_and_drops_the_rest(notebooks):
    case = next(c for c in CASES if c.name == "correct_module_constants")
    code = extract_submission(corpus_tools.build_notebook(case, notebooks)).code
    assert "KERNEL_INITIALIZER = tf.random_normal_initializer" in code
    assert "DEFAULT_UNITS, TRAINABLE = 32, True" in code
    case = next(c for c in CASES if c.name == "correct_demo_in_class_cell")
    code = extract_submission(corpus_tools.build_notebook(case, notebooks)).code
    assert "model.fit" not in code and "xs = " not in code
    assert "from autograder" not in code and "import autograder" not in code


def test_release_notebook_solution_grades_full(tmp_path):
    """The instructor's own answer, in the notebook students receive."""
    if not corpus_tools.RELEASE_STUB.exists():
        pytest.skip("no released notebook yet")
    case = next(c for c in CASES if c.name == "correct_reference_solution")
    grade = grade_notebook(corpus_tools.build_notebook(case, tmp_path, use_release=True))
    assert grade.score == grade.max_score, grade.to_json()


@pytest.mark.parametrize("name", ["correct_module_constants", "call_without_bias"])
def test_minimal_notebook_grades_like_the_release(name, tmp_path):
    """The corpus's fallback notebook (imports, class, demo) is graded the same way."""
    case = next(c for c in CASES if c.name == name)
    grade = grade_notebook(corpus_tools.build_notebook(case, tmp_path, use_release=False))
    assert not corpus_tools.judge(case, grade), "\n".join(corpus_tools.judge(case, grade))


# --- the command line --------------------------------------------------------------------------

def _cli(*args, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def test_cli_json_has_the_documented_fields(notebooks):
    good = corpus_tools.build_notebook(next(c for c in CASES if c.name == "correct_reference_solution"), notebooks)
    bad = corpus_tools.build_notebook(next(c for c in CASES if c.name == "call_without_bias"), notebooks)
    result = _cli("--json", good, bad)
    assert result.returncode == 0, result.stderr
    grades = json.loads(result.stdout)
    assert [g["notebook"] for g in grades] == [str(good), str(bad)]
    for grade in grades:
        assert {"notebook", "score", "max_score", "keras", "checks"} <= set(grade)
        assert grade["keras"].startswith("3." if KERAS3 else "2.")
        assert grade["max_score"] == sum(c.points for c in registry.REGISTRY.values())
        assert grade["score"] == sum(c["points"] for c in grade["checks"])
        assert [c["name"] for c in grade["checks"]] == list(registry.REGISTRY)
        for c in grade["checks"]:
            assert {"name", "category", "passed", "points", "max_points", "message"} <= set(c)
            assert c["category"] in CATEGORIES
            assert c["points"] == (c["max_points"] if c["passed"] else 0)
    assert grades[0]["score"] == grades[0]["max_score"]
    assert 0 < grades[1]["score"] < grades[1]["max_score"]
    failed = [c for c in grades[1]["checks"] if not c["passed"]]
    assert any("the bias is never added" in c["message"] for c in failed)


def _not_a_notebook(directory: Path) -> Path:
    path = directory / "essay.ipynb"
    path.write_text("This is not JSON at all.\n")
    return path


def _no_class(directory: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    path = directory / "no_class.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("import tensorflow as tf\nx = 1")]), str(path))
    return path


@pytest.mark.parametrize("make, says", [
    (lambda d: d / "missing.ipynb", "no such file"),
    (_not_a_notebook, "not a Jupyter notebook"),
    (lambda d: d, "is a folder"),
    (_no_class, "no `class SimpleDense`"),
], ids=["missing", "not-json", "folder", "no-class"])
def test_cli_refuses_what_it_cannot_grade(make, says, tmp_path):
    target = make(tmp_path)
    result = _cli(target, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], result.stderr
    with pytest.raises(SubmissionError):
        grade_notebook(target)
