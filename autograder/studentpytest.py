"""What a student's ``pytest`` runs: the public checks of a lab, on the notebook as saved.

The test file beside the notebook (written by ``python -m autograder
notebook LAB``) is four lines over :class:`NotebookChecks`: one test per
public check, the notebook graded once per pytest run through the same
``grade_notebook`` as the grader (the notebook runs from the top in a
subject process of its own, with the same time limits), and a failure shows
the teaching message, never a traceback through the grader.

The notebook is ``<lab>.ipynb`` beside the test file, or ``--notebook=PATH``
(offered by the bundle's ``conftest.py``), or ``AUTOGRADER_NOTEBOOK=PATH``.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

NOTEBOOK_VARIABLE = "AUTOGRADER_NOTEBOOK"


def _without_missing_generator(lab):
    """The lab as a student's copy has it: without the notebook generator, which holds the solution.

    The generator restores locked cells as the lab wrote them (as ``nbgrader autograde`` does); a
    student's copy has no generator, so the student's own locked cells run as they are.
    """
    import dataclasses

    if lab.notebook and importlib.util.find_spec(lab.notebook) is None:
        return dataclasses.replace(lab, notebook="")
    return lab


class NotebookChecks:
    """The public checks of ``lab`` as pytest tests."""

    def __init__(self, lab: str, test_file: str):
        self.here = Path(test_file).resolve().parent
        self.lab_name = lab
        self.problem: str | None = None
        self.names: list[str] = []
        self._grades: dict = {}
        try:
            from .lab import load_lab

            self.lab = _without_missing_generator(load_lab(lab))
            self.names = [c.name for c in self.lab.checks("public")]
        except Exception as error:  # pragma: no cover - a broken install: every test says how to fix it
            self.problem = (f"the lab {lab!r} cannot be loaded ({type(error).__name__}: {error}). Unzip the whole "
                            "student bundle and run pytest in its folder.")
            self.names = ["setup"]
        missing = [] if self.problem else [m for m in self.lab.preload if not _importable(m)]
        if missing:
            self.problem = (f"{missing[0]} is not installed for this Python ({sys.executable}). "
                            "Try: pip install -r requirements-student.txt")

    def notebooks(self, config) -> list[Path]:
        given = config.getoption("notebook", default=None) or []
        if isinstance(given, (str, os.PathLike)):
            given = [given]
        if not given and os.environ.get(NOTEBOOK_VARIABLE):
            given = [p for p in os.environ[NOTEBOOK_VARIABLE].split(os.pathsep) if p]
        return [Path(p).expanduser().resolve() for p in given] or [self.here / f"{self.lab_name}.ipynb"]

    def parametrize(self, metafunc) -> None:
        """One test per public check (and per notebook, when several are given)."""
        if "check" not in metafunc.fixturenames:
            return
        notebooks = self.notebooks(metafunc.config)
        cases = [(str(notebook), name) for notebook in notebooks for name in self.names]
        ids = [name if len(notebooks) == 1 else f"{Path(nb).stem}/{name}" for nb, name in cases]
        metafunc.parametrize("notebook, check", cases, ids=ids)

    def grade(self, notebook: str):
        """The notebook's public-check grade, computed once per pytest run (or why there is none)."""
        if notebook not in self._grades:
            from .errors import SubmissionError
            from .grading import grade_notebook

            try:
                self._grades[notebook] = grade_notebook(notebook, self.lab, which="public")
            except SubmissionError as error:
                self._grades[notebook] = (f"Nothing to check: {error}. Try: save the notebook, and keep "
                                          f"`{self.lab.entry}` in a code cell.")
        return self._grades[notebook]

    def verify(self, notebook: str, check: str) -> None:
        import pytest

        if self.problem:
            pytest.fail(self.problem, pytrace=False)
        grade = self.grade(notebook)
        if isinstance(grade, str):
            pytest.fail(grade, pytrace=False)
        result = next((c for c in grade.checks if c.name == check), None)
        if result is None:
            pytest.fail(f"{check}: the grader did not report this check.", pytrace=False)
        if not result.passed:
            lines = [f"{check} ({result.points:g}/{result.max_points:g} points)"]
            lines += [f"{label}: {sentence}" for label, sentence in result.message.parts()]
            lines += [cell.text() for cell in grade.cells]
            pytest.fail("\n".join(lines), pytrace=False)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False
