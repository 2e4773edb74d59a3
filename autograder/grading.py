"""Grade one notebook: extract its code, guard it, run it isolated, assemble the grade.

This is what the command line, pytest, batch grading and the Gradescope
entry point all call, so they cannot disagree.
"""
from __future__ import annotations

import time
from pathlib import Path

from . import checks as registry, integrity, sandbox
from .notebook import Submission, SubmissionError, extract_submission  # noqa: F401 (re-exported)
from .results import CheckResult, NotebookGrade


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _hint_for_end(ended: str | None) -> str:
    """What to try when the run stopped before a check could give its verdict."""
    text = ended or ""
    if text.startswith("time limit"):
        return "look for a loop in build() or call() that never ends, or a very slow computation"
    if "exited with code" in text:
        return "remove exit(), sys.exit() and os._exit() calls from your code; raise an error instead"
    if "memory" in text or "SIG" in text:
        return "the layer needs only a kernel and a bias; look for a huge allocation or a list that never stops growing"
    return "restart the kernel, run your notebook from the top and fix the first error"


def _refused(grade: NotebookGrade, checks, error: str, message: str) -> NotebookGrade:
    """Every check fails with one message: the code could not, or may not, be graded."""
    grade.error = error
    grade.checks = [CheckResult(c.name, c.category, False, c.points, message, c.visibility) for c in checks]
    return grade


def grade_submission(submission: Submission, visibility: str = "all", seed: int = 0,
                     limits: sandbox.Limits = sandbox.Limits()) -> NotebookGrade:
    checks = registry.select(visibility)
    started = time.monotonic()
    grade = NotebookGrade(notebook=submission.path, checks=[], seed=seed)
    if submission.syntax_error:
        return _refused(grade, checks, f"syntax error: {submission.syntax_error}", (
            f"Your code could not run: a syntax error in {submission.syntax_error}. "
            "Try: run the cell that defines SimpleDense and fix the line it points to."))
    findings = integrity.scan(submission.code)
    if findings:
        return _refused(grade, checks, "integrity: " + "; ".join(findings), (
            f"Not graded: the submission reaches into the grader or the interpreter ({'; '.join(findings[:3])}). "
            "A layer needs only TensorFlow and NumPy. Try: remove those lines."))
    outcome = sandbox.run(submission.code, [c.name for c in checks], seed, limits)
    grade.keras = outcome.keras
    grade.peak_memory_mb = outcome.peak_memory_mb
    grade.seconds = time.monotonic() - started
    if outcome.load_error:
        return _refused(grade, checks, f"load error: {outcome.load_error}", (
            f"The cells defining SimpleDense failed before any check could run: {outcome.load_error}. "
            "Try: restart the kernel and run your notebook from the top."))
    if outcome.tampered:
        # The snapshot names what was replaced; the stack guard says what it saw.
        found = [t if " " in t else f"replaced {t}" for t in outcome.tampered]
        return _refused(grade, checks, "integrity: " + ", ".join(found), (
            f"Not graded: the submission interfered with the grader ({', '.join(found[:3])}). "
            "Try: leave other modules, and the grader's own functions and settings, alone."))
    grade.error = outcome.ended
    for check in checks:
        if check.name in outcome.verdicts:
            passed, message = outcome.verdicts[check.name]
        elif outcome.running == check.name:
            passed, message = False, f"Not finished: {_sentence(str(outcome.ended))} Try: {_hint_for_end(outcome.ended)}."
        else:
            passed, message = False, (f"Not run: the run stopped during {outcome.running or 'start-up'}: "
                                      f"{_sentence(str(outcome.ended))} Try: {_hint_for_end(outcome.ended)}.")
        grade.checks.append(CheckResult(check.name, check.category, passed, check.points, message, check.visibility))
    return grade


def grade_notebook(path: str | Path, visibility: str = "all", seed: int = 0,
                   limits: sandbox.Limits = sandbox.Limits()) -> NotebookGrade:
    """Grade a notebook file. Raises SubmissionError only when there is nothing to grade."""
    return grade_submission(extract_submission(path), visibility, seed, limits)
