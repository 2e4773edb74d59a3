"""A lab's corpus: known-right and known-wrong submissions, each saying what the grader must make of it.

Each file in ``autograder/labs/<lab>/corpus/`` is the code of the lab's
answer cell (it may use the names the released notebook's set-up cell
defines, such as ``tf`` and ``np``), after a header of ``# key: value`` lines:

    # expect: full                          every check passes
    # expect: zero                          every check fails
    # expect: lose=initializers,training    exactly these categories lose points;
                                            every other category keeps all of its
    # expect: lose=activation maybe=classifier   ... and this one may lose points or not
                                            (a wrong layer that trains worse, near a bound)
    # expect: maybe=trainability            only this category may lose points (a known gap:
                                            a mistake one check sees at some draws only)
    # message: glorot                       a failing check's message says this
                                            (case-insensitive; may be repeated)
    # absent: kernel_initializer            no message and no cell report says this (a leak)
    # ending: time limit                    the grade's ending is this (an Ending value)
    # when: TF_USE_LEGACY_KERAS!=1          run only where this environment variable has (or,
                                            with !=, has not) this value: a case for one stack
    # limits: timeout_s=8 check_timeout_s=2 limits for this case
    # source: release-stub                  grade the released notebook as it is

A line ``# %% cell`` starts another cell, inserted after the answer cell (so a
case can, say, replace a method in a later cell, as a student's notebook
may). Each case is put into the lab's released notebook in place of its
answer cell, and graded as a real submission is.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from pathlib import Path

from .isolation import Limits
from .lab import Lab
from .notebook import cell_source
from .results import Ending, Grade

KIT_ROOT = Path(__file__).resolve().parent.parent
CELL_SEPARATOR = re.compile(r"^# %% cell\s*$", re.M)
DIRECTIVE = re.compile(r"#\s*(expect|message|absent|ending|when|limits|source):\s*(.*?)\s*$")


@dataclasses.dataclass(frozen=True)
class Case:
    lab: str
    name: str
    path: Path
    source: str
    expect: str  # "full", "zero" or "lose"
    lose: frozenset = frozenset()
    maybe: frozenset = frozenset()  # categories a "lose" case may or may not lose
    messages: tuple = ()
    absent: tuple = ()
    ending: str | None = None
    when: tuple = ()  # (variable, value, equal) conditions on the grading environment
    limits: dict = dataclasses.field(default_factory=dict)
    release_stub: bool = False

    @property
    def correct(self) -> bool:
        return self.expect == "full"

    def applies(self, environment=None) -> bool:
        """Whether the case is for this environment (``os.environ`` unless given)."""
        environment = os.environ if environment is None else environment
        return all((environment.get(name, "") == value) == equal for name, value, equal in self.when)

    def grading_limits(self) -> Limits:
        return Limits(**self.limits)

    @property
    def cells(self) -> list[str]:
        """The answer cell's code, then any cells that follow it; without the header's directives,
        which are for the corpus, not for the notebook (the examples are made from these cells)."""
        lines, in_header = [], True
        for line in self.source.splitlines():
            in_header = in_header and (line.startswith("#") or not line.strip())
            if not (in_header and DIRECTIVE.match(line)):
                lines.append(line)
        source = "\n".join(lines)
        return [part.strip("\n") + "\n" for part in CELL_SEPARATOR.split(source)]


def parse_case(lab: Lab, path: Path) -> Case:
    source = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    for line in source.splitlines():
        match = DIRECTIVE.match(line)
        if not match:
            if line.startswith("#") or not line.strip():
                continue
            break  # the header ends at the first line of code
        fields.setdefault(match.group(1), []).append(match.group(2))
    if "expect" not in fields:
        raise ValueError(f"{path.name}: no '# expect:' line in its header")
    expect_text = fields["expect"][0]
    lose: frozenset = frozenset()
    maybe: frozenset = frozenset()
    if expect_text.startswith(("lose=", "maybe=")):
        expect = "lose"
        lists = dict(part.partition("=")[::2] for part in expect_text.split())
        lose, maybe = (frozenset(c.strip() for c in lists.get(key, "").split(",") if c.strip())
                       for key in ("lose", "maybe"))
        unknown = (lose | maybe) - set(lab.categories)
        if unknown or not (lose or maybe) or set(lists) - {"lose", "maybe"}:
            raise ValueError(f"{path.name}: cannot read '# expect: {expect_text}' (categories: {sorted(unknown)})")
    elif expect_text in ("full", "zero"):
        expect = expect_text
    else:
        raise ValueError(f"{path.name}: cannot read '# expect: {expect_text}'")
    limits: dict = {}
    for text in fields.get("limits", []):
        for pair in text.split():
            key, _, value = pair.partition("=")
            limits[key] = float(value) if key.endswith("_s") else int(value)
    when = []
    for condition in fields.get("when", []):
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*(!?=)\s*(.*)", condition)
        if not match:
            raise ValueError(f"{path.name}: cannot read '# when: {condition}'")
        when.append((match.group(1), match.group(3), match.group(2) == "="))
    ending = fields.get("ending", [None])[0]
    if ending is not None and ending not in {e.value for e in Ending}:
        raise ValueError(f"{path.name}: unknown ending {ending!r}")
    return Case(lab=lab.name, name=path.stem, path=path, source=source, expect=expect, lose=lose, maybe=maybe,
                messages=tuple(fields.get("message", [])), absent=tuple(fields.get("absent", [])), ending=ending, when=tuple(when), limits=limits,
                release_stub="release-stub" in fields.get("source", []))


def corpus_folder(lab: Lab) -> Path:
    return lab.folder / "corpus"


def load_cases(lab: Lab) -> list[Case]:
    folder = corpus_folder(lab)
    return [parse_case(lab, path) for path in sorted(folder.glob("*.py"))] if folder.is_dir() else []


def release_notebook(lab: Lab) -> Path:
    return KIT_ROOT / "release" / lab.name / lab.notebook_name


def answer_cell_index(notebook: dict) -> int:
    """The released notebook's answer cell: its solution cell holding the student's code."""
    for index, cell in enumerate(notebook["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("solution") and not meta.get("grade"):
            return index
    raise ValueError("the released notebook has no answer (solution) cell")


def case_notebook(lab: Lab, case: Case, release: dict | None = None) -> dict:
    """The released notebook with the case's cells in place of its answer cell."""
    notebook = copy.deepcopy(release or json.loads(release_notebook(lab).read_text(encoding="utf-8")))
    if case.release_stub:
        return notebook
    index = answer_cell_index(notebook)
    notebook["cells"][index]["source"] = case.cells[0]
    for offset, extra in enumerate(case.cells[1:], start=1):
        notebook["cells"].insert(index + offset, {"cell_type": "code", "execution_count": None, "metadata": {},
                                                  "outputs": [], "source": extra,
                                                  "id": f"{case.name.replace('_', '-')}-{offset}"})
    return notebook


def case_bytes(lab: Lab, case: Case) -> bytes:
    return json.dumps(case_notebook(lab, case), indent=1).encode()


def judge(case: Case, grade: Grade) -> list[str]:
    """What is wrong with the grade of ``case``: empty when the grader got it right."""
    problems = []
    lost = {c.category for c in grade.checks if not c.passed}
    failing = [c for c in grade.checks if not c.passed]
    if case.expect == "full" and failing:
        problems.append(f"expected full marks, got {grade.score:g}/{grade.max_score:g}")
    elif case.expect == "zero" and grade.score != 0:
        problems.append(f"expected zero, got {grade.score:g}/{grade.max_score:g} "
                        f"(passed: {[c.name for c in grade.checks if c.passed]})")
    elif case.expect == "lose":
        if lost - case.lose - case.maybe:
            problems.append(f"categories lost that should not be: {sorted(lost - case.lose - case.maybe)}")
        if case.lose - lost:
            problems.append(f"categories kept that should lose: {sorted(case.lose - lost)}")
    for wanted in case.messages:
        if not any(wanted.lower() in c.text.lower() for c in failing):
            problems.append(f"no failing check's message says {wanted!r}")
    shown = " ".join([c.text for c in grade.checks] + [c.text() for c in grade.cells] + [grade.detail]).lower()
    for secret in case.absent:
        if secret.lower() in shown:
            problems.append(f"a message or cell report shows {secret!r}")
    if case.ending and grade.ending.value != case.ending:
        problems.append(f"ending {grade.ending.value!r} ({grade.detail}), expected {case.ending!r}")
    for check in failing:
        if check.message is None or not check.message.hint:
            problems.append(f"{check.name}: its message does not say what to try: {check.text!r}")
    if problems:
        detail = "\n".join(f"    {'ok ' if c.passed else 'X  '}{c.name} [{c.category}]: {c.text}"
                           for c in grade.checks)
        cells = "\n".join(f"    {c.text()}" for c in grade.cells)
        problems.append(f"ending: {grade.ending.value} {grade.detail}\n{detail}\n{cells}")
    return problems


def classify(case: Case, grade: Grade) -> str:
    """``ok``, ``false-pass`` (a mistake went unpunished), ``false-fail`` (points lost wrongly) or ``wrong-message``."""
    if not judge(case, grade):
        return "ok"
    lost = {c.category for c in grade.checks if not c.passed}
    if case.expect == "full" or (case.expect == "lose" and lost - case.lose - case.maybe):
        return "false-fail"
    if (case.expect == "zero" and grade.score != 0) or (case.expect == "lose" and case.lose - lost):
        return "false-pass"
    return "wrong-message"


def answer_source(lab: Lab) -> str:
    """The lab's solution, as a student would type it (the generator's answer cell, without markers)."""
    import importlib

    notebook = importlib.import_module(lab.notebook).build_notebook()
    cell = next(c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    return "\n".join(line for line in cell_source(cell).splitlines() if "### " not in line) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.corpus [LAB] [-k TEXT] [-v] [--seeds N]``: grade a lab's corpus, print a table.

    ``--seeds N`` grades each case N times, with the checks' draws fixed to seeds 0 to N-1 (or from
    ``--first-seed``): a verdict that depends on the draw shows as a case that is not ok every time.
    """
    import argparse
    import time

    from .grading import grade_notebook
    from .lab import installed_labs, load_lab

    parser = argparse.ArgumentParser(prog="python -m autograder.corpus")
    parser.add_argument("labs", nargs="*", default=None)
    parser.add_argument("-k", dest="keyword", default="")
    parser.add_argument("-v", dest="verbose", action="store_true")
    parser.add_argument("--seeds", type=int, default=None, help="grade each case this many times, one seed each")
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args(argv)
    seeds = [None] if args.seeds is None else range(args.first_seed, args.first_seed + max(args.seeds, 1))
    counts: dict[str, int] = {}
    for name in args.labs or installed_labs():
        lab = load_lab(name)
        for case in load_cases(lab):
            if not case.applies() or args.keyword not in case.name:
                continue
            for seed in seeds:
                started = time.monotonic()
                grade = grade_notebook(case_bytes(lab, case), lab, name=case.name, limits=case.grading_limits(),
                                       seed=seed)
                verdict = classify(case, grade)
                counts[verdict] = counts.get(verdict, 0) + 1
                print(f"{verdict:13} {lab.name}/{case.name:38} {grade.score:4g}/{grade.max_score:g} "
                      f"{time.monotonic() - started:5.1f} s  {'' if seed is None else f'seed {seed}  '}"
                      f"{grade.error or ''}"[:170], flush=True)
                if verdict != "ok":
                    problems = judge(case, grade)
                    print("\n".join("    " + p for p in (problems if args.verbose else problems[:-1])))
    print(counts)
    return 0 if set(counts) <= {"ok"} else 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
