"""Check your SimpleDense before you submit: run ``pytest`` in this folder.

Each test is one of the public checks: the same checks, with the same
verdicts, as the notebook's self-check and as the grader. A failing test says
what was expected, what was found and what to try. These are the public
checks only; more checks run when your work is graded.

What is checked is the notebook *as saved on disk*, so save it first
(Ctrl-S / Cmd-S in Jupyter). By default that is ``custom_dense_layer.ipynb``
beside this file; to check another notebook, set the environment variable
``AUTOGRADER_NOTEBOOK=path/to/notebook.ipynb`` (or, where this folder's
``conftest.py`` offers it, pass ``pytest --notebook=path/to/notebook.ipynb``).

As when grading, only the notebook's imports, functions and classes run (not
its demo or training cells), once per pytest run, in a separate process with
a time limit: a loop that never ends fails a check instead of hanging pytest.
A run takes about as long as starting TensorFlow plus the checks (typically
5 to 15 seconds).
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DEFAULT_NOTEBOOK = HERE / "custom_dense_layer.ipynb"
NOTEBOOK_VARIABLE = "AUTOGRADER_NOTEBOOK"

# The student bundle keeps the grader's public part in an ``autograder``
# folder beside this file: use that copy, not one installed elsewhere.
if (HERE / "autograder" / "__init__.py").is_file() and str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

try:
    from autograder import checks as _registry

    PUBLIC_CHECKS = [c.name for c in _registry.select("public")]
    SETUP_PROBLEM = None
except ImportError as error:  # no grader here: every test says how to get it
    PUBLIC_CHECKS = ["autograder_available"]
    SETUP_PROBLEM = (f"The autograder package cannot be imported ({error}). It should be the "
                     f"'autograder' folder beside this file ({HERE}); unzip the whole student "
                     "bundle and run pytest in its folder.")
if SETUP_PROBLEM is None and importlib.util.find_spec("tensorflow") is None:
    SETUP_PROBLEM = ("TensorFlow is not installed for this Python "
                     f"({sys.executable}). Try: pip install -r requirements-student.txt")


def notebook_paths(config) -> list[Path]:
    """The notebooks to check: --notebook (if offered), else $AUTOGRADER_NOTEBOOK, else the default."""
    given = config.getoption("notebook", default=None) or []
    if isinstance(given, (str, os.PathLike)):
        given = [given]
    if not given and os.environ.get(NOTEBOOK_VARIABLE):
        given = [p for p in os.environ[NOTEBOOK_VARIABLE].split(os.pathsep) if p]
    return [Path(p).expanduser().resolve() for p in given] or [DEFAULT_NOTEBOOK]


def pytest_generate_tests(metafunc):
    """One test per public check (and per notebook, when several are given)."""
    if "check" not in metafunc.fixturenames:
        return
    notebooks = notebook_paths(metafunc.config)
    cases = [(str(nb), name) for nb in notebooks for name in PUBLIC_CHECKS]
    if len(notebooks) == 1:
        ids = [name for _, name in cases]
    else:
        ids = [f"{Path(nb).stem}/{name}" for nb, name in cases]
    metafunc.parametrize("notebook, check", cases, ids=ids)


_grades: dict = {}


def grade_once(notebook: str):
    """The notebook's public-check grade, computed once per pytest run (or why there is none)."""
    if notebook not in _grades:
        from autograder import portable
        from autograder.grading import SubmissionError, grade_notebook

        if not portable.supported():  # macOS, Windows: no fork-based sandbox there
            portable.install()

        try:
            _grades[notebook] = grade_notebook(notebook, visibility="public")
        except SubmissionError as error:
            _grades[notebook] = (f"Nothing to check: {error}. Try: save the notebook, and keep "
                                 "`class SimpleDense` in a code cell.")
    return _grades[notebook]


def test_public_check(notebook, check):
    if SETUP_PROBLEM:
        pytest.fail(SETUP_PROBLEM, pytrace=False)
    grade = grade_once(notebook)
    if isinstance(grade, str):
        pytest.fail(grade, pytrace=False)
    result = next((c for c in grade.checks if c.name == check), None)
    if result is None:
        pytest.fail(f"{check}: the grader did not report this check.", pytrace=False)
    if not result.passed:
        # The teaching message, one line each for what was expected, found and to try.
        message = re.sub(r"\. (Found|Try:) ", r".\n\1 ", result.message)
        pytest.fail(f"{check} ({result.points:g}/{result.max_points:g} points)\n{message}", pytrace=False)
