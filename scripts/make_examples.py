"""Rebuild examples/: a small class of submissions, laid out as nbgrader's submitted/.

Each example student hands in the released notebook with one class from the
grader's corpus (tests/corpus/) in place of the stub, so the examples show
the kinds of work a real class hands in: right answers, common mistakes, an
untouched stub and a submission that never finishes.

    python scripts/make_examples.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from corpus_tools import build_notebook, load_cases  # noqa: E402

ASSIGNMENT = "custom_dense_layer"
# student id -> corpus case
STUDENTS = {
    "ada": "correct_reference_solution",
    "grace": "correct_string_initializers",
    "alan": "glorot_kernel",
    "barbara": "call_without_bias",
    "edsger": "untracked_tf_variable",
    "ken": "untouched_stub",
    "linus": "infinite_loop_in_build",
}


def main() -> None:
    cases = {case.name: case for case in load_cases()}
    target = ROOT / "examples" / "submitted"
    if target.exists():
        shutil.rmtree(target)
    with tempfile.TemporaryDirectory() as scratch:
        for student, case_name in STUDENTS.items():
            built = build_notebook(cases[case_name], Path(scratch), use_release=True)
            folder = target / student / ASSIGNMENT
            folder.mkdir(parents=True)
            shutil.move(str(built), folder / f"{ASSIGNMENT}.ipynb")
            print(f"{student:>8}: {case_name}")


if __name__ == "__main__":
    main()
