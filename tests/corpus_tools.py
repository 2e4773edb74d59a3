"""The submission corpus: known-right and known-wrong SimpleDense classes, as notebooks.

Each file in ``tests/corpus/`` holds one ``class SimpleDense`` (using the names
``tf`` and ``np``), after a header of ``# key: value`` lines that says what the
grader must make of it:

    # expect: full                         every check passes
    # expect: zero                         every check fails
    # expect: lose=initializers,training   exactly these categories lose points;
                                           every other category keeps all of its
    # message: glorot                      a failing check's message says this
                                           (case-insensitive; may be repeated)
    # error: time limit                    the grade's ``error`` says this
    # stack: keras3                        run only on Keras 3 (or: keras2)
    # limits: timeout_s=8 check_timeout_s=2   sandbox limits for this case
    # source: release-stub                 grade the released stub's own class cell
    # known: why the grader gets it wrong    a known gap: the test expects it to fail

``build_notebook`` puts the class into the released student notebook
(``release/custom_dense_layer/custom_dense_layer.ipynb``) in place of its
``class SimpleDense`` cell, so the corpus is graded as real submissions are;
without a release it builds a minimal notebook (imports, class, demo).

``python tests/corpus_tools.py`` grades the whole corpus and prints a table.
"""
from __future__ import annotations

import dataclasses
import os
import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
RELEASE_STUB = ROOT / "release" / "custom_dense_layer" / "custom_dense_layer.ipynb"
CATEGORIES = ("construction", "names", "shapes", "initializers", "trainability", "forward", "training", "integrity")

# The corpus grades with limits short enough to keep the suite quick and
# long enough for a correct layer's slowest check (about 1 s).
DEFAULT_LIMITS = {"timeout_s": 60.0, "check_timeout_s": 20.0}

IMPORTS_CELL = 'import os\nos.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"\nimport tensorflow as tf\nimport numpy as np'
DEMO_CELL = "layer = SimpleDense(units=1)\nprint(layer(tf.ones((1, 1))))\nprint(layer.variables)"


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    path: Path
    source: str  # the class cell, header included
    expect: str  # "full", "zero" or "lose"
    lose: frozenset = frozenset()
    messages: tuple = ()
    error: str | None = None
    stack: str | None = None  # "keras3", "keras2" or None for both
    limits: dict = dataclasses.field(default_factory=dict)
    release_stub: bool = False
    known: str | None = None  # a known gap in the grader, described

    @property
    def correct(self) -> bool:
        return self.expect == "full"

    def runs_on(self, keras3: bool) -> bool:
        return self.stack is None or self.stack == ("keras3" if keras3 else "keras2")

    def sandbox_limits(self):
        from autograder.sandbox import Limits

        return Limits(**{**DEFAULT_LIMITS, **self.limits})


def parse_case(path: Path) -> Case:
    source = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    for line in source.splitlines():
        match = re.match(r"#\s*(expect|message|error|stack|limits|source|known):\s*(.*?)\s*$", line)
        if not match:
            if line.startswith("#") or not line.strip():
                continue
            break  # the header ends at the first line of code
        fields.setdefault(match.group(1), []).append(match.group(2))
    if "expect" not in fields:
        raise ValueError(f"{path.name}: no '# expect:' line in its header")
    expect_text = fields["expect"][0]
    lose: frozenset = frozenset()
    if expect_text.startswith("lose="):
        expect = "lose"
        lose = frozenset(c.strip() for c in expect_text[len("lose="):].split(",") if c.strip())
        unknown = lose - set(CATEGORIES)
        if unknown or not lose:
            raise ValueError(f"{path.name}: unknown categories {sorted(unknown)}")
    elif expect_text in ("full", "zero"):
        expect = expect_text
    else:
        raise ValueError(f"{path.name}: cannot read '# expect: {expect_text}'")
    limits = {}
    for text in fields.get("limits", []):
        for pair in text.split():
            key, _, value = pair.partition("=")
            limits[key] = float(value) if key.endswith("_s") else int(value)
    stack = fields.get("stack", [None])[0]
    if stack not in (None, "keras3", "keras2"):
        raise ValueError(f"{path.name}: unknown stack {stack!r}")
    return Case(
        name=path.stem, path=path, source=source, expect=expect, lose=lose,
        messages=tuple(fields.get("message", [])), error=fields.get("error", [None])[0],
        stack=stack, limits=limits, release_stub="release-stub" in fields.get("source", []),
        known=fields.get("known", [None])[0],
    )


def stack_is_keras3() -> bool:
    """Whether ``tf.keras`` is Keras 3 here, decided as TensorFlow does, without importing it."""
    return os.environ.get("TF_USE_LEGACY_KERAS", "").lower() not in ("1", "true", "yes")


def load_cases() -> list[Case]:
    return [parse_case(path) for path in sorted(CORPUS.glob("*.py")) if path.name != "__init__.py"]


def _class_cell_index(nb) -> int:
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "class SimpleDense" in cell.source:
            return index
    raise ValueError("the released notebook has no cell defining class SimpleDense")


def minimal_notebook(class_source: str):
    class_cell = new_code_cell(class_source)
    class_cell.metadata["nbgrader"] = {
        "grade": False, "grade_id": "simple_dense", "locked": False,
        "schema_version": 3, "solution": True, "task": False,
    }
    return new_notebook(cells=[new_code_cell(IMPORTS_CELL), class_cell, new_code_cell(DEMO_CELL)])


def build_notebook(case: Case, directory: Path, use_release: bool | None = None) -> Path:
    """Write ``case`` as a notebook in ``directory``; return its path."""
    if use_release is None:
        use_release = RELEASE_STUB.exists()
    if use_release:
        nb = nbformat.read(str(RELEASE_STUB), as_version=4)
        index = _class_cell_index(nb)
        if not case.release_stub:
            nb.cells[index].source = case.source
    else:
        nb = minimal_notebook(case.source)
    path = Path(directory) / f"{case.name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def judge(case: Case, grade) -> list[str]:
    """What is wrong with the grade of ``case``: empty when the grader got it right."""
    problems = []
    lost = {c.category for c in grade.checks if not c.passed}
    failing = [c for c in grade.checks if not c.passed]
    if case.expect == "full":
        if failing:
            problems.append(f"expected full marks, got {grade.score:g}/{grade.max_score:g}")
    elif case.expect == "zero":
        if grade.score != 0:
            kept = [c.name for c in grade.checks if c.passed]
            problems.append(f"expected zero, got {grade.score:g}/{grade.max_score:g} (passed: {kept})")
    else:
        if lost - case.lose:
            problems.append(f"categories lost that should not be: {sorted(lost - case.lose)}")
        if case.lose - lost:
            problems.append(f"categories kept that should lose: {sorted(case.lose - lost)}")
    for wanted in case.messages:
        if not any(wanted.lower() in c.message.lower() for c in failing):
            problems.append(f"no failing check's message says {wanted!r}")
    if case.error and case.error.lower() not in (grade.error or "").lower():
        problems.append(f"grade error {grade.error!r} does not say {case.error!r}")
    for check in failing:
        if "Try:" not in check.message:
            problems.append(f"{check.name}: message does not say what to try: {check.message!r}")
    if problems:
        detail = "\n".join(f"    {'ok ' if c.passed else 'X  '}{c.name} [{c.category}]: {c.message}" for c in grade.checks)
        problems.append(f"grade error: {grade.error}\n{detail}")
    return problems


def classify(case: Case, grade) -> str:
    """``ok``, ``false-pass`` (a mistake went unpunished) or ``false-fail`` (points lost wrongly)."""
    problems = judge(case, grade)
    if not problems:
        return "ok"
    lost = {c.category for c in grade.checks if not c.passed}
    if case.expect == "full" or (case.expect == "lose" and lost - case.lose):
        return "false-fail"
    if case.expect == "zero" and grade.score != 0 or case.expect == "lose" and case.lose - lost:
        return "false-pass"
    return "wrong-message"


def main(verbose: bool = False) -> int:
    import tempfile
    import time

    from autograder.grading import grade_notebook

    keras3 = stack_is_keras3()
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as directory:
        for case in load_cases():
            if not case.runs_on(keras3):
                continue
            started = time.monotonic()
            grade = grade_notebook(build_notebook(case, Path(directory)), limits=case.sandbox_limits())
            verdict = classify(case, grade)
            if case.known:
                verdict = "known-gap" if verdict != "ok" else "gap-closed"
            counts[verdict] = counts.get(verdict, 0) + 1
            print(f"{verdict:13} {case.name:38} {grade.score:4g}/{grade.max_score:g} "
                  f"{time.monotonic() - started:5.1f} s  {grade.error or ''}"[:160])
            if verdict not in ("ok", "known-gap"):
                problems = judge(case, grade)
                print("\n".join("    " + p for p in (problems if verbose else problems[:-1])))
    print(f"Keras {'3' if keras3 else '2'}: {counts}")
    return 0 if set(counts) <= {"ok", "known-gap"} else 1


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(ROOT))
    sys.exit(main(verbose="-v" in sys.argv))
