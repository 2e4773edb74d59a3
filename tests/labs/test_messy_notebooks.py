"""Messy but honest notebooks (``autograder/labs/custom_dense_layer/messy.py``): the grade is what the notebook earns.

Each messy notebook is lab 1's released notebook with the lab's solution, as students hand it in:
a Colab import, a ``!pip`` line, a scratch cell that does not parse, ``%%time`` on the class cell,
methods attached in a later cell, a later cell that swaps ``call`` for a ReLU version...

* Graded by the kit's grader, each gets the points it is expected to earn (full marks unless the
  mess changes the class the graded cells see), and the grade names the cells that failed and why.
  A mess on which the grader is known to be wrong is an expected failure, strict: when the grader
  is fixed, the test says so, and the mess's ``grader_wrong`` must go.
* With real ``nbgrader autograde`` in plain mode (test cells scored in the student's own kernel),
  a representative subset scores the same as with the grader, check by check, except the listed
  disagreements, each with its reason (one autograde call for the whole subset).

The full agreement, every mess on one stack, is a documented command (about 15 minutes on Keras 3):
``python -m autograder.labs.custom_dense_layer.messy --agreement``.
"""
from __future__ import annotations

import json
import re

import pytest

from autograder.labs.custom_dense_layer import LAB, messy
from conftest import KERAS3

CHECKS = LAB.checks("all")
SEED = 20240611  # the grader's draws are fixed here, so that a test run is repeatable


def _param(name: str):
    m = messy.MESSES[name]
    marks = [pytest.mark.slow]
    if not m.runs_on(KERAS3):
        marks.append(pytest.mark.skip(reason=f"a mess of {m.stack} only"))
    elif m.slow:
        marks.append(pytest.mark.skip(reason="slow on Keras 3: graded by `python -m "
                                      "autograder.labs.custom_dense_layer.messy --grade` (README)"))
    elif not m.grader_expected(KERAS3):
        # Strict, so that a fix shows.
        marks.append(pytest.mark.xfail(strict=True, reason=f"known grader mistake: {m.known}"))
    return pytest.param(name, id=name, marks=marks)


@pytest.fixture(scope="module")
def graded():
    """The grader's grade of each mess asked for, graded once (those not graded yet, two subjects at a time)."""
    cache: dict = {}

    def grades(*names: str) -> dict:
        missing = [n for n in names if n not in cache]
        if missing:
            cache.update(messy.grade_all(missing, workers=2, seed=SEED))
        return {n: cache[n] for n in names}

    return grades


def describe(grade) -> str:
    checks = "\n".join(f"    {'ok' if c.passed else 'X '} {c.name}: {c.text[:160]}" for c in grade.checks)
    cells = "\n".join(f"    {c.text()[:160]}" for c in grade.cells)
    return f"{grade.score:g}/{grade.max_score:g} ({grade.ending.value} {grade.detail})\n{checks}\n{cells}"


# --------------------------------------------------------------------------- the corpus itself


def test_corpus_is_big_varied_and_valid():
    import nbformat

    assert len(messy.MESSES) >= 20
    full = [m for m in messy.MESSES.values() if not m.lose]
    assert len(full) >= 20, "most messes are honest and correct: full marks"
    assert any(m.lose and "*" not in m.lose for m in messy.MESSES.values()), "a mess that loses some points"
    assert any("*" in m.lose for m in messy.MESSES.values()), "a mess that leaves nothing to grade"
    for keras3 in (True, False):
        assert messy.names(subset=True, keras3=keras3), "each stack has a subset for the nbgrader test"
    for m in messy.MESSES.values():
        assert m.summary.endswith((".", ";")) and len(m.summary) > 20, m.name
        assert not m.grader_wrong or m.known, f"{m.name}: a grader mistake needs its reason"
        notebook = m.notebook()
        assert notebook != messy.answered_release(), f"{m.name} changes nothing"
        nbformat.validate(nbformat.from_dict(notebook))


def test_writes_every_notebook(tmp_path):
    paths = messy.write_all(tmp_path)
    assert sorted(paths) == sorted(messy.MESSES)
    for name, path in paths.items():
        assert json.loads(path.read_text(encoding="utf-8")) == messy.MESSES[name].notebook()


# --------------------------------------------------------------------------- the grader


@pytest.mark.parametrize("name", [_param(n) for n in messy.MESSES])
def test_grader_gives_the_expected_grade(name, graded):
    m = messy.MESSES[name]
    grade = graded(*messy.names(keras3=KERAS3, quick=True))[name]  # the first test grades them all, two at a time
    assert [c.name for c in grade.checks] == [c.name for c in CHECKS]
    assert m.as_expected(m.grader_points(grade, CHECKS), CHECKS), (
        f"{name}: expected {m.expected_score(CHECKS):g} ({m.summary})\n{describe(grade)}")
    problems = messy.cell_problems(m, m.notebook(), grade, KERAS3)
    assert not problems, f"{name}: the cells reported are not the ones that fail:\n" + "\n".join(problems)


@pytest.mark.slow
def test_a_failed_cell_is_named_with_its_error(graded):
    """The scratch cell that does not parse is reported by number, first line, error and what was done."""
    grade = graded("scratch_syntax_error")["scratch_syntax_error"]
    number = messy.position(messy.MESSES["scratch_syntax_error"].notebook(), "scratch-syntax") + 1
    [report] = [c for c in grade.cells if c.number == number]
    assert re.fullmatch(rf'cell {number} \("out = SimpleDense\(4\)\(tf\.ones\(\(2, 3\)\)"\): '
                        r"SyntaxError: .+ \(line 2\), skipped", report.text()), report.text()
    assert grade.score == grade.max_score


@pytest.mark.slow
def test_the_comparisons_catch_a_wrong_grade(graded):
    """as_expected and cell_problems, shown a grade that is not the mess's, say so."""
    relu = graded("relu_call_later")["relu_call_later"]
    syntax = graded("scratch_syntax_error")["scratch_syntax_error"]
    clean = messy.MESSES["time_magic_class_cell"]
    assert not clean.as_expected(messy.points_of(relu), CHECKS)
    assert not messy.MESSES["relu_call_later"].as_expected(messy.points_of(syntax), CHECKS)
    assert clean.as_expected(messy.points_of(syntax), CHECKS)
    problems = messy.cell_problems(clean, messy.MESSES["scratch_syntax_error"].notebook(), syntax, KERAS3)
    assert problems and "unexpected report" in problems[0]
    wanted = messy.MESSES["scratch_syntax_error"]
    assert messy.cell_problems(wanted, clean.notebook(), graded("time_magic_class_cell")["time_magic_class_cell"],
                               KERAS3) == ["cell scratch-syntax not reported (expected one saying 'SyntaxError')"]


# --------------------------------------------------------------------------- nbgrader


@pytest.mark.nbgrader
def test_plain_nbgrader_agrees_on_the_subset(graded, tmp_path):
    """One `nbgrader autograde` of the subset, plain mode: the same points as the grader, check by check."""
    which = messy.names(subset=True, keras3=KERAS3)
    grades = graded(*which)
    books, _ = messy.nbgrader_all(which, tmp_path / "course")
    wrong = []
    for name in which:
        m, grade, book = messy.MESSES[name], grades[name], books[name]
        mine, theirs = m.grader_points(grade, CHECKS), m.nbgrader_points(book, CHECKS)
        if m.disagreement(KERAS3):
            # A listed exception: the side that is right scores as expected, the other does not.
            right, other = (theirs, mine) if m.grader_wrong else (mine, theirs)
            if not (m.as_expected(right, CHECKS) and not m.as_expected(other, CHECKS)):
                wrong.append(f"{name}: listed as a disagreement ({m.known}), but grader {grade.score:g}, "
                             f"nbgrader {book.score:g}")
        elif not (m.same(mine, theirs, CHECKS) and m.as_expected(mine, CHECKS)):
            differ = {c: (mine[c], theirs.get(c)) for c in mine if mine[c] != theirs.get(c)}
            wrong.append(f"{name}: grader {grade.score:g}, nbgrader {book.score:g}, expected "
                         f"{m.expected_score(CHECKS):g}; (grader, nbgrader) by check: {differ}; "
                         f"kernel: {book.outputs}")
    assert not wrong, "\n".join(wrong)
