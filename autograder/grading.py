"""Grade one notebook: run it in a subject, judge the answers, assemble the grade.

``grade_notebook`` is what ``grade``, ``grade-batch`` (locally and on Dask),
Gradescope, nbgrader's ``JudgeGrades`` and the student's pytest all call, so
they cannot disagree. Its checks run in this process (the judge); the
student's code runs only in the subject process it starts.
"""
from __future__ import annotations

import time
from pathlib import Path

from .isolation import Limits, start_subject
from .judge import Clock, Session, new_seed, run_checks
from .lab import Lab, load_lab
from .notebook import Program, program_from_bytes, read_notebook
from .results import CellReport, CellStatus, Ending, Grade, Message


AFTER_GRADED = "not run: it comes after the graded cells, which judge the layer as it is above them"


def entry_missing_message(lab: Lab, cells) -> Message:
    failed = [c for c in cells if c.status is not CellStatus.OK]
    found = "; ".join(c.text() for c in failed[:3]) if failed else f"no cell defines {lab.entry}"
    return Message(f"`{lab.entry}` to be defined when the notebook runs from the top", found,
                   "fix the first cell that fails, then restart the kernel and run every cell "
                   "(Kernel > Restart Kernel and Run All Cells)")


def grade_program(program: Program, lab: Lab | str, *, which: str = "all", seed: int | None = None,
                  limits: Limits = Limits(), backend: str | None = None) -> Grade:
    """Run ``program`` in a new subject and judge it with the lab's checks."""
    lab = load_lab(lab)
    checks = lab.checks(which)
    seed = new_seed() if seed is None else int(seed)
    started = time.monotonic()
    subject = start_subject(lab, limits, backend)
    clock = Clock(limits.check_timeout_s, limits.overtime_s)
    try:
        start = subject.run([c.to_message() for c in program.cells], lab.entry)
        for number, methods in start.looped:
            clock.looping.update(methods)
            clock.looped_where = clock.looped_where or f"in cell {number}"
        if start.entry:
            results = run_checks(checks, Session(lab, subject, seed, clock, start.environment))
    finally:
        finish = subject.finish()
    if not start.entry:
        grade = Grade.not_graded(program.notebook, lab.name, checks, finish.ending, finish.detail,
                                 entry_missing_message(lab, start.cells), seed)
    else:
        grade = Grade(program.notebook, lab.name, results, finish.ending, finish.detail, seed=seed)
        if finish.ending is Ending.FINISHED and (clock.looping or clock.overtime_left is not None):
            # The grade is complete, but some of the code could not run: say where it looped.
            grade.ending = Ending.TIME_LIMIT
            grade.detail = (f"{sorted(clock.looping)[0]}() did not finish in time {clock.looped_where}".strip()
                            if clock.looping else "a check's probe of your code did not finish in time")
    grade.cells = list(start.cells) + [
        CellReport(c.number, CellStatus.NOT_RUN, AFTER_GRADED, c.first_line) for c in program.after_graded]
    grade.environment = dict(start.environment)
    grade.peak_memory_mb = finish.peak_memory_mb
    grade.seconds = time.monotonic() - started
    return grade


def grade_notebook(notebook: str | Path | bytes, lab: Lab | str, *, name: str | None = None, which: str = "all",
                   seed: int | None = None, limits: Limits = Limits(), backend: str | None = None) -> Grade:
    """Grade a notebook (a path, or its bytes). Raises SubmissionError only when there is nothing to grade."""
    lab = load_lab(lab)
    if isinstance(notebook, bytes):
        data, name = notebook, name or lab.notebook_name
    else:
        data, name = read_notebook(notebook), name or str(notebook)
    return grade_program(program_from_bytes(data, lab, name), lab, which=which, seed=seed, limits=limits,
                         backend=backend)
