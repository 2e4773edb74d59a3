"""Gradescope: grade ``/autograder/submission`` and write ``/autograder/results/results.json``.

``python -m autograder gradescope --lab NAME`` is what ``run_autograder``
runs for each submission. It grades with the same ``grade_notebook`` as
every other entry point and always writes a results file: a missing, broken
or endless submission gets score 0 and an ``output`` that says why, never an
empty result.

Format (Gradescope's autograder specification): top-level ``score``,
``execution_time`` (whole seconds), ``output`` and ``output_format`` ("text":
shown as written), ``stdout_visibility`` ("hidden": the grader's log is for
the instructor) and ``tests``, one per check, each with ``name``, ``number``,
``score``, ``max_score``, ``status`` ("passed"/"failed"), ``output`` (the
check's teaching message), ``output_format`` and ``visibility``: "visible" for
public checks, "after_published" (default) or "after_due_date" for hidden ones.

``--make-zip autograder.zip`` builds the zip to upload: ``setup.sh`` and
``run_autograder`` at its root, the grader and ``requirements.txt`` beside
them. ``setup.sh`` ends with :func:`self_test`, which grades the lab's own
solution in the freshly built environment and fails the build unless it
earns full marks: a library missing from the image stops the build, instead
of scoring every student 0.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import Mapping

from .errors import InputError, SubmissionError
from .lab import Lab, load_lab
from .notebook import pick_notebook
from .results import Ending, Grade, Message

HIDDEN_VISIBILITIES = ("after_published", "after_due_date", "hidden", "visible")
KIT_ROOT = Path(__file__).resolve().parent.parent
JUNK = (".", "__MACOSX", "__pycache__")


def find_notebook(submission: Path, lab: Lab) -> tuple[Path, str]:
    """The notebook to grade in the submission folder, and a note when the choice was not obvious."""
    if not submission.is_dir():
        raise SubmissionError(f"no submission folder ({submission})")
    notebooks = sorted(p for p in submission.rglob("*.ipynb")
                       if not any(part.startswith(JUNK) for part in p.relative_to(submission).parts))
    if not notebooks:
        found = sorted(p.name for p in submission.rglob("*") if p.is_file())[:5]
        also = f" (found: {', '.join(found)})" if found else " (the submission is empty)"
        raise SubmissionError(f"no Jupyter notebook (.ipynb) was submitted{also}. Submit {lab.notebook_name}.")
    pick = pick_notebook(notebooks, lab)
    return pick.path, pick.note


def _tests(grade: Grade, hidden_visibility: str) -> list[dict]:
    return [{"name": f"{check.name} ({check.category})", "number": str(number), "score": check.points,
             "max_score": check.max_points, "status": "passed" if check.passed else "failed", "output": check.text,
             "output_format": "text", "visibility": hidden_visibility if check.visibility == "hidden" else "visible"}
            for number, check in enumerate(grade.checks, start=1)]


def results_for(grade: Grade, hidden_visibility: str = "after_published", started: float | None = None,
                note: str = "") -> dict:
    """Gradescope's results.json for one grade."""
    passed = sum(c.passed for c in grade.checks)
    hidden = [c for c in grade.checks if c.visibility == "hidden"]
    ran_on = "; ".join(f"{name} {version}" for name, version in grade.environment.items())
    lines = [f"Autograder score: {grade.score:g}/{grade.max_score:g} ({passed} of {len(grade.checks)} checks "
             f"passed{'; ' + ran_on if ran_on else ''})."]
    if note:
        lines.append(note)
    if grade.ending is not Ending.NOT_GRADED and grade.error:
        lines.append(f"Note: your code could not run fully: {grade.error}.")
    lines += [cell.text() for cell in grade.cells]
    if hidden and hidden_visibility != "visible":
        lines.append(f"{len(hidden)} hidden check(s), {sum(c.max_points for c in hidden):g} point(s), "
                     "are included in the score; their details appear "
                     + ("after the due date." if hidden_visibility == "after_due_date"
                        else "when grades are published." if hidden_visibility == "after_published"
                        else "only to your instructor."))
    return {
        "score": grade.score,
        "execution_time": _seconds(started, grade.seconds),
        "output": "\n".join(lines),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": _tests(grade, hidden_visibility),
        "extra_data": {"environment": grade.environment, "ending": grade.ending.value, "error": grade.error,
                       "seed": grade.seed, "peak_memory_mb": grade.peak_memory_mb},
    }


def _seconds(started: float | None, otherwise: float = 0.0) -> int:
    """Gradescope's execution_time: whole seconds."""
    return round(time.monotonic() - started) if started is not None else round(otherwise)


def zero_results(lab: Lab | None, message: str, hidden_visibility: str, started: float, which: str = "all") -> dict:
    """Score 0 with a clear reason, and each check listed as failed when the lab can be loaded."""
    reason = message.rstrip(".")
    try:
        grade = Grade.not_graded("", lab.name, lab.checks(which), Ending.NOT_GRADED, message,
                                 Message("your notebook to be graded", reason, f"submit {lab.notebook_name}"))
        results = results_for(grade, hidden_visibility, started, note=f"Your submission was not graded: {reason}.")
    except Exception:
        results = {"score": 0.0, "output": f"Your submission was not graded: {reason}.", "output_format": "text",
                   "stdout_visibility": "hidden", "tests": []}
    results["score"] = 0.0
    results["execution_time"] = _seconds(started)
    return results


def write_results(results_dir: Path, results: dict) -> Path:
    """Write results.json whole or not at all (run_autograder writes a fallback when there is none)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "results.json"
    handle, partial = tempfile.mkstemp(dir=results_dir, prefix=".results-")
    with os.fdopen(handle, "w") as out:
        out.write(json.dumps(results, indent=2) + "\n")
    os.chmod(partial, 0o644)
    os.replace(partial, path)
    return path


def run_gradescope(root: str | Path, lab_name: str, hidden_visibility: str = "after_published",
                   seed: int | None = None, limits=None, which: str = "all") -> dict:
    """Grade the submission under ``root`` and write its results.json; never raises for a bad submission."""
    from .isolation import Limits

    started = time.monotonic()
    root = Path(root)
    lab = None
    try:
        from .grading import grade_notebook

        lab = load_lab(lab_name)
        try:
            notebook, note = find_notebook(root / "submission", lab)
            shown = str(notebook.relative_to(root / "submission"))
            print(f"grading {shown}")
            grade = grade_notebook(notebook, lab, name=shown, which=which, seed=seed, limits=limits or Limits())
            results = results_for(grade, hidden_visibility, started, note)
        except SubmissionError as error:
            results = zero_results(lab, str(error).replace(str(root / "submission") + "/", ""), hidden_visibility,
                                   started, which)
    except Exception as error:  # the grader itself failed: still a result, and a trace for the instructor
        traceback.print_exc()
        results = zero_results(lab, f"the autograder failed ({type(error).__name__}: {error}); please tell "
                                    "your instructor", hidden_visibility, started, which)
    path = write_results(root / "results", results)
    print(f"score {results['score']:g}; wrote {path}")
    print(results["output"])
    return results


GRADESCOPE_FILES = KIT_ROOT / "gradescope"
SHIPPED_SUFFIXES = (".py", ".json", ".md", ".txt", ".ini", ".cfg")


def make_zip(target: str | Path, lab: Lab, environment: Mapping[str, str] | None = None) -> Path:
    """The autograder zip: setup.sh and run_autograder at the root, the grader and its requirements beside them.

    ``environment`` is baked into the zip (``environment.sh``, read by both scripts): settings
    the grading runs with on Gradescope, which has no other way to set them, e.g.
    ``{"TF_USE_LEGACY_KERAS": "1"}`` to grade with legacy Keras 2.
    """
    environment = dict(environment or {})
    for name in environment:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(f"{name!r} is not an environment variable's name")
    target = Path(target)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (GRADESCOPE_FILES / name).read_text().replace("@LAB@", lab.name))
        archive.write(GRADESCOPE_FILES / "requirements.txt", "requirements.txt")
        # A variable set in the environment already wins (the kit's tests choose the stack per run).
        lines = ["# Settings this autograder grades with (python -m autograder gradescope --make-zip --env NAME=VALUE)."]
        lines += [f'export {name}="${{{name}-{shlex.quote(value)}}}"' for name, value in sorted(environment.items())]
        archive.writestr("environment.sh", "\n".join(lines) + "\n")
        for path in sorted((KIT_ROOT / "autograder").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and "corpus" not in path.parts \
                    and path.suffix in SHIPPED_SUFFIXES:
                archive.write(path, str(path.relative_to(KIT_ROOT)))
    return target


def solution_notebook(lab: Lab) -> bytes:
    """The lab's own solution, as a notebook a student could hand in (the instructor's source notebook)."""
    if not lab.notebook:
        raise SubmissionError(f"lab {lab.name} has no notebook generator, so there is no solution to grade")
    return json.dumps(importlib.import_module(lab.notebook).build_notebook()).encode()


def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        return False


def self_test(lab_name: str, seed: int | None = None, limits=None) -> bool:
    """Grade the lab's solution here, as a submission is graded; True when it earns full marks.

    setup.sh runs this as the image's last build step: it proves that the
    environment can run the lab's notebook and every check.
    """
    from .grading import grade_notebook
    from .isolation import Limits
    from .isolation.zygote import SUBJECT_MODULES

    lab = load_lab(lab_name)
    missing = [module for module in SUBJECT_MODULES + tuple(lab.preload) if not _installed(module)]
    if missing:
        print(f"self-test FAILED: grading {lab.name} needs {', '.join(missing)}, which this Python cannot import "
              "(add the package to gradescope/requirements.txt)")
        return False
    try:
        grade = grade_notebook(solution_notebook(lab), lab, name=f"{lab.name} (solution)", seed=seed,
                               limits=limits or Limits())
    except Exception as error:  # the build log is the instructor's only view of this
        traceback.print_exc()
        print(f"self-test FAILED: grading the solution of {lab.name} failed ({type(error).__name__}: {error})")
        return False
    stack = ", ".join(f"{k} {v}" for k, v in sorted(grade.environment.items()))
    full = grade.score == grade.max_score and grade.max_score > 0
    print(f"self-test: the solution of {lab.name} scores {grade.score:g}/{grade.max_score:g} ({stack or 'no stack'})")
    if not full:
        print("self-test FAILED: this environment cannot grade the lab. What went wrong:")
        if grade.error:
            print(f"  {grade.error}")
        for cell in grade.cells:
            print(f"  {cell.text()}")
        for check in grade.checks:
            if not check.passed:
                print(f"  {check.name}: {check.text}")
    return full
