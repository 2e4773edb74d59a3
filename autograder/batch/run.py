"""Grade a whole class: each task graded where the executor puts it, every record kept at once.

:func:`run_batch` writes each record atomically to
``OUT/results/<student>__<assignment>.json`` the moment it arrives and
rewrites ``OUT/grades.csv`` from all records, atomically, each time. A run
that is interrupted loses at most the submissions under way; the next run
grades only what is missing, changed or stale (graded by other checks or
another grader version), never twice.
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import importlib.util
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..errors import SubmissionError
from ..grading import grade_notebook
from ..isolation import Limits
from ..lab import HiddenChecksMissing, Lab, installed_labs, load_lab
from ..results import Ending, Grade, Message
from . import store
from .discover import BatchError, Task
from .executors import Executor

# A record's status: "graded" (the checks ran; see "error" for a run cut short), "not_graded"
# (nothing gradable: no notebook, no lab), "grader_error" (the grading machinery failed: the
# next run grades it again).
GRADED, NOT_GRADED, GRADER_ERROR = "graded", "not_graded", "grader_error"


def fingerprint(lab: Lab, which: str, limits: Limits) -> str:
    """What a record's verdicts depend on: the grader's version, the lab's check and probe code, the settings."""
    digest = hashlib.sha256(f"{__version__}|{which}|{json.dumps(limits.to_dict(), sort_keys=True)}".encode())
    modules = list(lab.public_checks) + [lab.probes] + list(lab.student_modules)
    if which != "public":
        modules += list(lab.hidden_checks)
    for module in sorted(set(modules)):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin and os.path.isfile(spec.origin):
            digest.update(module.encode() + Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]


def _checks(assignment: str, which: str):
    return load_lab(assignment).checks(which) if assignment in installed_labs() else []


def _failed_grade(task: Task, which: str, ending: Ending, detail: str, message: Message) -> Grade:
    return Grade.not_graded(task.path, task.assignment, _checks(task.assignment, which), ending, detail, message)


def _worker_info() -> dict[str, Any]:
    from ..isolation.client import zygote_pids

    info: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(),
                            "thread": threading.current_thread().name}
    pids = zygote_pids()
    if pids:
        info["zygote_pid"] = pids[0]
        info.update(process_memory_mb(pids[0]))
    return info


def process_memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory now and at its peak (Linux /proc), in MB."""
    memory: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    memory["zygote_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
                elif line.startswith("VmHWM:"):
                    memory["zygote_peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return memory


GRADER_FAILED = Message("your notebook to be graded", "the grader itself failed on this submission",
                        "nothing: your instructor will regrade it")


def grade_one(task: Task, which: str = "all", seed: int | None = None, limits: Limits = Limits()) -> dict:
    """Grade one submission and return its record. Never raises for the submission's sake.

    Runs wherever the executor puts it (a local thread, a Dask worker): the
    notebook's bytes travel with the task and are graded through this
    thread's own zygote, each in a subject process of its own.
    """
    started = time.monotonic()
    status = GRADED
    try:
        if task.content is None:
            status = NOT_GRADED
            grade = _failed_grade(task, which, Ending.NOT_GRADED, task.problem or "nothing to grade",
                                  Message("the assignment's notebook", f"{task.problem}",
                                          f"submit {task.assignment}.ipynb in the assignment's folder"))
        else:
            lab = load_lab(task.assignment)
            try:
                grade = grade_notebook(task.content, lab, name=task.path, which=which, seed=seed, limits=limits)
            except SubmissionError as error:
                status = NOT_GRADED
                grade = _failed_grade(task, which, Ending.NOT_GRADED, str(error), Message(
                    f"a notebook with your `{lab.entry}` in a code cell", str(error),
                    f"submit the assignment's notebook, {lab.notebook_name}, saved from Jupyter"))
    except Exception as error:  # the grader's own failure: recorded, and regraded by the next run
        status = GRADER_ERROR
        grade = _failed_grade(task, which, Ending.GRADER_ERROR, f"{type(error).__name__}: {error}", GRADER_FAILED)
    if not grade.seconds:
        grade.seconds = time.monotonic() - started
    return make_record(task, grade, status, which, limits)


def make_record(task: Task, grade: Grade, status: str, which: str, limits: Limits) -> dict:
    record = {
        "student_id": task.student_id, "assignment": task.assignment, "status": status, "sha256": task.sha256,
        "which": which, "note": task.note,
        "fingerprint": fingerprint(load_lab(task.assignment), which, limits)
        if task.assignment in installed_labs() else "",
        "graded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "grader_version": __version__, "worker": _worker_info(),
    }
    record.update(grade.to_dict())
    return record


def lost_record(task: Task, error: BaseException, which: str, limits: Limits) -> dict:
    """The record for a task whose worker failed outside ``grade_one`` (e.g. a Dask worker died)."""
    grade = _failed_grade(task, which, Ending.GRADER_ERROR, f"{type(error).__name__}: {error}", GRADER_FAILED)
    record = make_record(task, grade, GRADER_ERROR, which, limits)
    record["worker"] = {}
    return record


@dataclasses.dataclass
class BatchSummary:
    output: Path
    total: int = 0        # submissions found
    skipped: int = 0      # already graded by an earlier run, and still current
    graded: int = 0       # graded by this run
    failed: int = 0       # of all records: could not run fully (any error)
    below_max: int = 0    # of all records: scored less than the maximum
    seconds: float = 0.0
    workers: int = 0
    executor: str = ""
    zygotes: list = dataclasses.field(default_factory=list)


def is_current(record: dict | None, task: Task, which: str, limits: Limits) -> bool:
    """Whether an earlier run's record can stand: same notebook, same checks and settings, no grader failure."""
    if record is None or record.get("status") == GRADER_ERROR or record.get("sha256") != task.sha256:
        return False
    if task.assignment not in installed_labs():
        return record.get("status") == NOT_GRADED
    return record.get("fingerprint") == fingerprint(load_lab(task.assignment), which, limits)


def run_batch(tasks: list[Task], out: str | Path, executor: Executor, *, which: str = "all",
              seed: int | None = None, limits: Limits = Limits(), force: bool = False,
              on_start: Callable[[BatchSummary, int], None] | None = None,
              on_result: Callable[[dict, BatchSummary], None] | None = None) -> BatchSummary:
    """Grade ``tasks`` (all of them with ``force``; otherwise those without a current record in
    ``out``), writing each record and the CSV as results arrive."""
    for assignment in sorted({t.assignment for t in tasks if t.assignment in installed_labs()}):
        try:
            load_lab(assignment).checks(which)  # now, not per task: e.g. a student copy without hidden checks
        except HiddenChecksMissing as error:
            raise BatchError(f"{error}; use --public to grade with the public checks only") from None
    out = Path(out)
    store.prepare(out)
    lock = store.OutputLock(out)
    started = time.monotonic()
    try:
        store.clean_temporaries(out)
        records = store.load_records(out)
        pending = [t for t in tasks if force or not is_current(records.get(t.key), t, which, limits)]
        summary = BatchSummary(output=out, total=len(tasks), skipped=len(tasks) - len(pending),
                               workers=executor.workers, executor=executor.description)
        wanted = {t.key for t in tasks}

        def count() -> None:
            current = [r for k, r in records.items() if k in wanted]
            summary.failed = sum(bool(r.get("error")) for r in current)
            summary.below_max = sum(float(r.get("score", 0)) < float(r.get("max_score", 0)) for r in current)

        count()
        store.write_atomic(out / store.CSV_NAME, store.csv_text(records.values()).encode())
        if on_start:
            on_start(summary, len(pending))
        grade = functools.partial(grade_one, which=which, seed=seed, limits=limits)
        for task, result in executor.map_unordered(grade, pending):
            record = result if isinstance(result, dict) else lost_record(task, result, which, limits)
            store.write_atomic(store.result_path(out, task.key), json.dumps(record, indent=2).encode())
            records[task.key] = record
            store.write_atomic(out / store.CSV_NAME, store.csv_text(records.values()).encode())
            summary.graded += 1
            count()
            if on_result:
                on_result(record, summary)
        summary.seconds = time.monotonic() - started
        summary.zygotes = _zygote_memory(records, pending)
        store.write_atomic(out / store.RUN_NAME, json.dumps(_run_info(summary, which, seed, limits),
                                                            indent=2).encode())
        return summary
    finally:
        lock.release()


def _zygote_memory(records: dict, pending: list[Task]) -> list[dict]:
    zygotes: dict[tuple, dict] = {}
    for task in pending:
        worker = records.get(task.key, {}).get("worker") or {}
        if "zygote_pid" in worker:
            zygotes[(worker.get("host"), worker["zygote_pid"])] = {
                k: worker[k] for k in ("host", "pid", "thread", "zygote_pid", "zygote_rss_mb", "zygote_peak_rss_mb")
                if k in worker}
    return list(zygotes.values())


def _run_info(summary: BatchSummary, which: str, seed: int | None, limits: Limits) -> dict:
    return {
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "executor": summary.executor, "workers": summary.workers, "submissions": summary.total,
        "graded_now": summary.graded, "already_graded": summary.skipped, "failed": summary.failed,
        "below_max": summary.below_max, "seconds": round(summary.seconds, 3), "which": which, "seed": seed,
        "limits": limits.to_dict(), "zygotes": summary.zygotes, "grader_version": __version__,
    }
