"""Every lab against its corpus of known submissions (``autograder/labs/<lab>/corpus/``).

Each case goes through the real path: the lab's released notebook with the case's cells, a
subject process, the judge. A correct layer gets full marks; a wrong one loses exactly the
categories its header names, with a message that names the mistake; a hostile one scores what
its honest code earns and leaves the grader standing. The probes are drawn fresh for every run,
so each test run also tries every case on new inputs, weights and lines.

One verdict path: for each case that does not attack the process it runs in, the public checks
are also run in this process on the class the case defines, as ``self_check`` and nbgrader's test
cells run them in a student's kernel, with the same seed; the verdicts must be the grader's.
"""
from __future__ import annotations

import os
import time

import pytest

from autograder.corpus import case_bytes, judge, load_cases
from autograder.grading import grade_notebook
from autograder.isolation import Limits
from autograder.lab import installed_labs, load_lab
from autograder.selfcheck import judge_here

CASES = [(name, case) for name in installed_labs() for case in load_cases(load_lab(name))]
STARTUP_ALLOWANCE_S = 60.0  # a zygote's TensorFlow import, on a loaded machine, on top of a case's limit
# Cases that attack the process they run in (forge, poke at objects, look for files, kill, loop,
# exhaust memory) would attack this test's own process if run here: they are tried in a subject only.
HOSTILE = ("forge_", "object_graph_", "secret_", "neighbour_", "detect_", "tamper_", "escape_", "memory_bomb_",
           "os_exit", "sys_exit", "infinite_loop", "loop_swallows", "redteam_")


# scripts/test.sh runs the two stacks side by side and sets AUTOGRADER_TEST_SPLIT_ATTACKS: the
# attacks on the process (the same containment code on either stack, and most of them wait out a
# time limit) are then shared out between the two sessions, alternately by name, which keeps the run
# under 30 minutes on 2 cores. A plain pytest run grades every case.
SPLIT_ATTACKS = os.environ.get("AUTOGRADER_TEST_SPLIT_ATTACKS") == "1"
SESSION = 1 if os.environ.get("TF_USE_LEGACY_KERAS") == "1" else 0
ATTACKS = sorted(f"{name}/{case.name}" for name, case in CASES if case.name.startswith(HOSTILE))


def _param(lab_name, case):
    marks = [] if case.applies() else [pytest.mark.skip(reason="for another environment (see its '# when:')")]
    key = f"{lab_name}/{case.name}"
    if SPLIT_ATTACKS and key in ATTACKS and ATTACKS.index(key) % 2 != SESSION:
        marks.append(pytest.mark.skip(reason="an attack on the process: graded in the other stack's session "
                                             "of scripts/test.sh"))
    return pytest.param(lab_name, case, id=key, marks=marks)


def test_each_corpus_is_big_and_varied():
    for name in installed_labs():
        lab, cases = load_lab(name), load_cases(load_lab(name))
        correct = [c for c in cases if c.correct]
        wrong = [c for c in cases if not c.correct]
        assert len(correct) >= 6 and len(wrong) >= 15, name
        lost = set().union(*(c.lose for c in wrong if c.expect == "lose"))
        assert lost == set(lab.categories), f"{name}: no case loses {set(lab.categories) - lost}"
        assert len({c.name for c in cases}) == len(cases)


def test_a_category_that_may_be_lost_is_allowed_either_way_and_no_other(tmp_path):
    """``maybe=``: a wrong layer near a bound (it trains worse) may lose that category, and only that."""
    from autograder.corpus import parse_case
    from autograder.results import CheckResult, Grade, Message, Status

    lab = load_lab("custom_layer_activation")
    path = tmp_path / "twice.py"
    path.write_text("# expect: lose=activation maybe=classifier\nx = 1\n")
    case = parse_case(lab, path)

    def grade(*lost):
        failed = Message("e", "f", "h")
        return Grade("nb", lab.name, [CheckResult(c.name, c.category, c.visibility, c.max_points,
                                                  Status.FAILED if c.category in lost else Status.PASSED,
                                                  message=failed if c.category in lost else None)
                                      for c in lab.checks("all")])

    assert not judge(case, grade("activation")) and not judge(case, grade("activation", "classifier"))
    assert judge(case, grade("activation", "nonlinearity")) and judge(case, grade("classifier"))
    # maybe= alone: a known gap, a mistake that one check sees at some draws only
    path.write_text("# expect: maybe=classifier\nx = 1\n")
    gap = parse_case(lab, path)
    assert not judge(gap, grade()) and not judge(gap, grade("classifier"))
    assert judge(gap, grade("activation"))
    for nonsense in ("lose=activation maybe=nonsense", "maybe=", "lose= maybe="):
        path.write_text(f"# expect: {nonsense}\nx = 1\n")
        with pytest.raises(ValueError):
            parse_case(lab, path)


def defined_here(lab, case):
    """The entry the case's cells define when run in this process after the set-up's names."""
    import numpy as np
    import tensorflow as tf

    namespace = {"tf": tf, "np": np, "__name__": "__main__"}
    for cell in case.cells:
        try:
            exec(compile(cell, f"<{case.name}>", "exec"), namespace)
        except Exception:
            pass
    return namespace.get(lab.entry)


@pytest.mark.parametrize("lab_name, case", [_param(n, c) for n, c in CASES])
def test_corpus_case(lab_name, case):
    lab = load_lab(lab_name)
    limits = case.grading_limits()
    started = time.monotonic()
    grade = grade_notebook(case_bytes(lab, case), lab, name=case.name, limits=limits)  # never raises for it
    assert time.monotonic() - started < limits.timeout_s + STARTUP_ALLOWANCE_S
    assert [c.name for c in grade.checks] == [c.name for c in lab.checks("all")]
    problems = judge(case, grade)
    assert not problems, f"{case.name}:\n" + "\n".join(problems)

    if case.name.startswith(HOSTILE) or case.release_stub:
        return
    entry = defined_here(lab, case)
    public = {c.name: c.passed for c in grade.checks if c.visibility == "public"}
    if entry is None:
        assert not any(public.values())
        return
    here, _ = judge_here(lab, entry, "public", seed=grade.seed, limits=Limits(**case.limits))
    assert {r.name: r.passed for r in here} == public, "the in-kernel checks disagree with the grader"


def test_the_corpus_command_grades_each_case_under_each_seed(monkeypatch, capsys):
    """``--seeds N``: a verdict that depends on the draw shows up, with the seed that drew it."""
    import autograder.corpus as corpus

    real = corpus.classify
    monkeypatch.setattr(corpus, "classify", lambda case, grade: "false-pass" if grade.seed == 6 else real(case, grade))
    code = corpus.main(["custom_dense_layer", "-k", "scaled_custom_gradient", "--seeds", "2", "--first-seed", "5"])
    lines = [line for line in capsys.readouterr().out.splitlines() if "scaled_custom_gradient" in line]
    assert [line.split()[0] for line in lines] == ["ok", "false-pass"], lines
    assert "seed 5" in lines[0] and "seed 6" in lines[1]
    assert code == 1
