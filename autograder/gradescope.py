"""Gradescope: grade ``/autograder/submission`` and write ``/autograder/results/results.json``.

``python -m autograder gradescope [--root /autograder]`` is what the
``run_autograder`` script runs for each submission. It grades with the same
``grade_notebook`` as every other entry point and always writes a results
file: a missing, broken or endless submission gets score 0 and an ``output``
that says why, never an empty result.

Format (Gradescope's autograder specification): top-level ``score``,
``execution_time``, ``output``, ``stdout_visibility`` and ``tests``, one per
check, each with ``name``, ``number``, ``score``, ``max_score``, ``status``
("passed"/"failed"), ``output`` (the check's teaching message) and
``visibility``: "visible" for public checks, "after_published" (default) or
"after_due_date" for hidden ones.

``python -m autograder gradescope --make-zip autograder.zip`` builds the zip
to upload (``setup.sh`` and ``run_autograder`` at its root).
"""
from __future__ import annotations

import json
import time
import traceback
import zipfile
from pathlib import Path

from . import ASSIGNMENT

HIDDEN_VISIBILITIES = ("after_published", "after_due_date", "hidden", "visible")
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def find_notebook(submission: Path) -> Path:
    """The notebook to grade: the assignment's by name, else one defining the class, else the only one."""
    from .notebook import SubmissionError, pick_notebook

    if not submission.is_dir():
        raise SubmissionError(f"no submission folder ({submission})")
    notebooks = sorted(p for p in submission.rglob("*.ipynb")
                       if not any(part.startswith((".", "__MACOSX")) for part in p.relative_to(submission).parts))
    if not notebooks:
        found = sorted(p.name for p in submission.rglob("*") if p.is_file())[:5]
        also = f" (found: {', '.join(found)})" if found else " (the submission is empty)"
        raise SubmissionError(f"no Jupyter notebook (.ipynb) was submitted{also}. "
                              f"Submit {ASSIGNMENT}.ipynb.")
    return pick_notebook(notebooks, (f"{ASSIGNMENT}.ipynb",))


def _tests(checks, hidden_visibility: str) -> list[dict]:
    tests = []
    for number, check in enumerate(checks, start=1):
        tests.append({
            "name": f"{check.name} ({check.category})",
            "number": str(number),
            "score": check.points,
            "max_score": check.max_points,
            "status": "passed" if check.passed else "failed",
            "output": check.message,
            "visibility": hidden_visibility if check.visibility == "hidden" else "visible",
        })
    return tests


def results_for(grade, hidden_visibility: str = "after_published", started: float | None = None,
                note: str | None = None) -> dict:
    """Gradescope's results.json for one NotebookGrade."""
    passed = sum(c.passed for c in grade.checks)
    hidden = [c for c in grade.checks if c.visibility == "hidden"]
    lines = [f"Autograder score: {grade.score:g}/{grade.max_score:g} "
             f"({passed} of {len(grade.checks)} checks passed"
             + (f"; Keras {grade.keras})." if grade.keras != "unknown" else ").")]
    if note:
        lines.append(note)
    elif grade.error:
        lines.append(f"Note: your code could not run fully: {grade.error}.")
    if hidden and hidden_visibility != "visible":
        lines.append(f"{len(hidden)} hidden check(s), {sum(c.max_points for c in hidden):g} point(s), "
                     "are included in the score; their details appear "
                     + ("after the due date." if hidden_visibility == "after_due_date"
                        else "when grades are published." if hidden_visibility == "after_published"
                        else "only to your instructor."))
    return {
        "score": grade.score,
        "execution_time": round(time.monotonic() - started, 1) if started is not None else round(grade.seconds, 1),
        "output": "\n".join(lines),
        "stdout_visibility": "hidden",
        "tests": _tests(grade.checks, hidden_visibility),
        "extra_data": {"keras": grade.keras, "error": grade.error, "seed": grade.seed,
                       "peak_memory_mb": grade.peak_memory_mb},
    }


def zero_results(message: str, hidden_visibility: str, started: float, visibility: str = "all") -> dict:
    """Score 0 with a clear reason, and each check listed as failed when the registry is available."""
    try:
        from . import checks as registry
        from .results import CheckResult, NotebookGrade

        checks = [CheckResult(c.name, c.category, False, c.points, f"Not graded: {message}", c.visibility)
                  for c in registry.select(visibility)]
        results = results_for(NotebookGrade(notebook="", checks=checks, error=message), hidden_visibility, started,
                              note=f"Your submission was not graded: {message.rstrip('.')}.")
    except Exception:
        results = {"score": 0.0, "output": f"Your submission was not graded: {message.rstrip('.')}.",
                   "stdout_visibility": "hidden", "tests": []}
    results["score"] = 0.0
    results["execution_time"] = round(time.monotonic() - started, 1)
    return results


def write_results(results_dir: Path, results: dict) -> Path:
    from .batch import write_atomic

    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "results.json"
    write_atomic(path, (json.dumps(results, indent=2) + "\n").encode())
    return path


def run_gradescope(root: str | Path = "/autograder", hidden_visibility: str = "after_published",
                   seed: int = 0, limits=None, visibility: str = "all") -> dict:
    """Grade the submission under ``root`` and write its results.json; never raises for a bad submission."""
    started = time.monotonic()
    root = Path(root)
    results_dir = root / "results"
    try:
        from . import sandbox
        from .grading import grade_notebook
        from .notebook import SubmissionError

        sandbox.warm_up()  # TensorFlow loads while we look for the notebook
        try:
            notebook = find_notebook(root / "submission")
            print(f"grading {notebook.relative_to(root)}")
            grade = grade_notebook(notebook, visibility, seed, limits or sandbox.Limits())
            grade.notebook = str(notebook.relative_to(root / "submission"))
            results = results_for(grade, hidden_visibility, started)
        except SubmissionError as error:
            message = str(error).replace(str(root / "submission") + "/", "")
            results = zero_results(message, hidden_visibility, started, visibility)
    except Exception as error:  # the grader itself failed: still a result, and a trace for the instructor
        traceback.print_exc()
        results = zero_results(f"the autograder failed ({type(error).__name__}: {error}); "
                               "please tell your instructor", hidden_visibility, started, visibility)
    path = write_results(results_dir, results)
    print(f"score {results['score']:g}; wrote {path}")
    print(results["output"])
    return results


def make_zip(target: str | Path) -> Path:
    """The autograder zip for Gradescope: setup.sh and run_autograder at the root, the package beside them."""
    target = Path(target)
    here = PACKAGE_ROOT / "gradescope"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (here / name).read_bytes())
        for name in ("pyproject.toml", "requirements.txt", "README.md"):
            if (PACKAGE_ROOT / name).is_file():
                archive.write(PACKAGE_ROOT / name, name)
        for path in sorted((PACKAGE_ROOT / "autograder").rglob("*.py")):
            archive.write(path, str(path.relative_to(PACKAGE_ROOT)))
    return target


def add_command(subparsers) -> None:
    from .grade_command import add_limit_options

    parser = subparsers.add_parser(
        "gradescope", help="grade a Gradescope submission (run by run_autograder)",
        description="Grade the notebook in ROOT/submission and write ROOT/results/results.json "
                    "in Gradescope's format. With --make-zip, build the autograder zip to upload instead.")
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder (default /autograder)")
    parser.add_argument("--hidden-visibility", default="after_published", choices=HIDDEN_VISIBILITIES,
                        help="when students see the hidden checks' results (default after_published)")
    parser.add_argument("--make-zip", metavar="ZIP", help="write the autograder zip for Gradescope and exit")
    add_limit_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.make_zip:
        path = make_zip(args.make_zip)
        print(f"wrote {path}: upload it as the assignment's autograder (Configure Autograder → Zip file)")
        return 0
    from .grade_command import limits_from

    run_gradescope(args.root, args.hidden_visibility, args.seed, limits_from(args))
    return 0
