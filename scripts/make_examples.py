"""Rebuild examples/: a small example class for each installed lab, laid out as nbgrader's submitted/.

Each example student hands in the lab's released notebook with one case of
the lab's corpus (``autograder/labs/<lab>/corpus/``) in its answer cell, so
the examples show what a real class hands in: right answers in a few styles,
common mistakes, the untouched stub and a submission that never finishes.
``bash scripts/demo.sh`` grades them.

    python scripts/make_examples.py            # rewrite examples/submitted/ for every lab it can
    python scripts/make_examples.py --check    # exit 1 if examples/submitted/ is not what it would write

A lab is included when it has a corpus and a released notebook
(``release/<lab>/<lab>.ipynb``). Its class is the table below; a lab with no
table gets one picked from its corpus by kind (see ``pick``). Each row gives
candidates, the first case that exists is used, so a table can be written
before the lab's corpus is finished.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.corpus import Case, case_bytes, load_cases, release_notebook  # noqa: E402
from autograder.lab import Lab, installed_labs, load_lab  # noqa: E402

TARGET = ROOT / "examples" / "submitted"

# A candidate is a corpus case's name, or one of these kinds (any case of that kind not used yet):
CORRECT, MISTAKE, STUB, LOOP = "<correct>", "<mistake>", "<stub>", "<loop>"

# lab -> [(student, what the example shows, candidates)]
CLASSES: dict[str, list[tuple[str, str, list[str]]]] = {
    "custom_dense_layer": [
        ("ada", "right: the notebook's own answer", ["correct_reference_solution", CORRECT]),
        ("grace", "right: initializers named as strings, the @ operator", ["correct_string_initializers", CORRECT]),
        ("katherine", "right: Keras initializer objects, tf.add", ["correct_keras_initializer_objects", CORRECT]),
        ("alan", "mistake: glorot_uniform, Keras Dense's default, for the kernel", ["glorot_kernel", MISTAKE]),
        ("barbara", "mistake: call() forgets the bias", ["call_without_bias", MISTAKE]),
        # Keras 3 does not track tf.Variable attributes; Keras 2 does, so there edsger gets full marks.
        ("edsger", "mistake: tf.Variable attributes (the Keras 3 trap)", ["untracked_tf_variable", MISTAKE]),
        ("ken", "the stub, untouched", ["untouched_stub", STUB]),
        ("linus", "build() never returns", ["infinite_loop_in_build", LOOP]),
    ],
    # Lab 2: the same layer with an activation argument.
    "custom_layer_activation": [
        ("ada", "right: the notebook's own answer", ["correct_reference_solution", CORRECT]),
        ("grace", "right: activations imported by name, @ and tf.nn.bias_add",
         ["correct_bias_add_imported_activations", CORRECT]),
        ("katherine", "right: a Keras Activation layer made in __init__", ["correct_activation_layer", CORRECT]),
        ("alan", "mistake: the activation is resolved but never applied", ["activation_ignored", MISTAKE]),
        ("barbara", "mistake: the activation before the bias is added", ["activation_before_bias", MISTAKE]),
        ("edsger", "mistake: lab 1's layer handed in again (no activation argument)",
         ["lab1_layer_unchanged", MISTAKE]),
        ("ken", "the stub, untouched", ["untouched_stub", STUB]),
        ("linus", "never finishes", ["infinite_loop_in_build", "infinite_loop_in_call", LOOP]),
    ],
}
# For a lab with no table: two right answers, two mistakes, the stub, a loop.
DEFAULT_CLASS = [("ada", "right", [CORRECT]), ("grace", "right, another style", [CORRECT]),
                 ("alan", "a mistake", [MISTAKE]), ("barbara", "another mistake", [MISTAKE]),
                 ("ken", "the stub, untouched", [STUB]), ("linus", "never finishes", [LOOP])]

# Corpus cases that attack the grader: right or wrong, they are no example of a student's work.
ADVERSARIAL = ("tamper", "forge", "secret", "neighbour", "escape", "detect", "object_graph", "memory",
               "bomb", "flood", "exit", "swallow")


def for_every_stack(case: Case) -> bool:
    """Whether the case means the same on Keras 3 and Keras 2 (it has no condition on its environment)."""
    return not getattr(case, "when", ()) and getattr(case, "stack", None) is None


def is_kind(case: Case, kind: str) -> bool:
    ordinary = not any(word in case.name for word in ADVERSARIAL) and not case.limits
    if kind == STUB:
        return case.release_stub
    if kind == LOOP:
        return "loop" in case.name and case.expect == "zero"
    if kind == CORRECT:
        return ordinary and case.correct and for_every_stack(case)
    if kind == MISTAKE:
        return ordinary and case.expect == "lose" and "loop" not in case.name and for_every_stack(case)
    raise ValueError(kind)


def pick(lab: Lab, cases: list[Case], rows) -> list[tuple[str, str, Case]]:
    """(student, what it shows, case) for each row whose candidates the corpus has."""
    by_name = {case.name: case for case in cases}
    used: set[str] = set()
    chosen = []
    for student, shows, candidates in rows:
        found = None
        for candidate in candidates:
            if candidate in by_name and candidate not in used:
                found = by_name[candidate]
            elif candidate.startswith("<"):
                found = next((c for c in cases if c.name not in used and is_kind(c, candidate)), None)
            if found:
                break
        if found is None:
            print(f"  {lab.name}: no case for {student} ({shows}); left out", file=sys.stderr)
            continue
        used.add(found.name)
        chosen.append((student, shows, found))
    return chosen


def write_class(target: Path) -> list[str]:
    """Write every lab's example class under ``target``; returns the labs written."""
    written = []
    for name in installed_labs():
        lab = load_lab(name)
        cases = load_cases(lab)
        if not cases or not release_notebook(lab).exists():
            print(f"{name}: no corpus or no released notebook yet; skipped", file=sys.stderr)
            continue
        print(f"{name}:")
        for student, shows, case in pick(lab, cases, CLASSES.get(name, DEFAULT_CLASS)):
            folder = target / student / lab.name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / lab.notebook_name).write_bytes(case_bytes(lab, case) + b"\n")
            print(f"  {student:>10}: {case.name:38} {shows}")
        written.append(name)
    return written


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if examples/submitted/ differs from what would be written")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "submitted"
        fresh.mkdir()
        if not write_class(fresh):
            print("no lab has both a corpus and a released notebook", file=sys.stderr)
            return 2
        if args.check:
            current = tree(TARGET) if TARGET.is_dir() else {}
            wanted = tree(fresh)
            stale = sorted(k for k in set(current) | set(wanted) if current.get(k) != wanted.get(k))
            for path in stale:
                print(f"out of date: examples/submitted/{path}")
            return 1 if stale else 0
        if TARGET.exists():
            shutil.rmtree(TARGET)
        shutil.copytree(fresh, TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
