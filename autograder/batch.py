"""Grade a whole class: find the submissions, grade them in parallel, keep every result.

The pieces, each small:

- :func:`discover` turns a folder into :class:`Task` objects: an nbgrader
  ``submitted/<student>/<assignment>/*.ipynb`` tree, or a flat folder of
  notebooks (student id = file stem).
- :func:`grade_one` grades one task and returns a plain-dict record. It never
  raises: a notebook that cannot be graded becomes a zero-score record with
  its reason. It is what every executor runs, wherever it runs.
- An :class:`Executor` runs ``grade_one`` over the tasks and yields records
  as they finish: :class:`LocalExecutor` (a thread pool; each thread owns a
  zygote, so each submission runs in its own forked child) or
  :class:`DaskExecutor` (a ``distributed`` cluster; each worker thread owns
  its zygote in the same way).
- :func:`run_batch` writes each record atomically to
  ``OUT/results/<student>__<assignment>.json`` the moment it arrives and
  regenerates ``OUT/grades.csv`` from all records, atomically, each time. A
  run that is interrupted loses at most the submissions under way; the next
  run grades only what is missing (or changed), never twice.
"""
from __future__ import annotations

import abc
import csv
import dataclasses
import datetime
import fcntl
import functools
import hashlib
import io
import json
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import ASSIGNMENT, CLASS_NAME, __version__, sandbox
from .notebook import pick_notebook
from .results import CheckResult, NotebookGrade

RESULTS_DIR = "results"
CSV_NAME = "grades.csv"
RUN_NAME = "run.json"
BASE_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "error", "keras",
                "seconds", "peak_memory_mb", "notebook", "graded_at"]

# A record's status: "graded" (the checks ran; see "error" for a run cut
# short), "not_graded" (nothing gradable: no notebook, no class, not JSON),
# "grader_error" (the grading machinery failed: regraded by the next run).
GRADED, NOT_GRADED, GRADER_ERROR = "graded", "not_graded", "grader_error"


class BatchError(Exception):
    """The batch cannot start (bad folder, output in use); the CLI shows it as a usage error."""


# --------------------------------------------------------------------------- discovery


@dataclasses.dataclass(frozen=True)
class Task:
    """One submission to grade. Carries the notebook's bytes, so a worker on
    another machine needs no shared file system."""

    student_id: str
    assignment: str
    path: str  # where the notebook is (or the folder that should have held one)
    content: bytes | None  # None: nothing to read (see ``problem``)
    problem: str | None = None  # why there is no content

    @property
    def key(self) -> tuple[str, str]:
        return (self.student_id, self.assignment)

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.content).hexdigest() if self.content is not None else None


@dataclasses.dataclass
class Layout:
    kind: str  # "nbgrader" or "flat"
    root: Path  # the submitted/ folder, or the flat folder
    default_output: Path


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))


def find_layout(directory: str | Path) -> Layout:
    """Where the submissions are, and where the output goes by default."""
    directory = Path(directory).expanduser()
    if not directory.exists():
        raise BatchError(f"{directory}: no such folder")
    if not directory.is_dir():
        raise BatchError(f"{directory}: not a folder (give the course folder, its submitted/ folder, "
                         "or a folder of notebooks)")
    directory = directory.resolve()
    if (directory / "submitted").is_dir():  # the nbgrader course root
        return Layout("nbgrader", directory / "submitted", directory / "grading-output")
    if directory.name == "submitted":
        return Layout("nbgrader", directory, directory.parent / "grading-output")
    if _notebooks(directory):
        return Layout("flat", directory, directory / "grading-output")
    if any((directory / name).exists() for name in ("source", "release", "nbgrader_config.py")):
        raise BatchError(f"{directory}: an nbgrader course without a submitted/ folder (collect the "
                         "submissions first, e.g. nbgrader collect or nbgrader zip_collect)")
    # A submitted/ tree under another name: <student>/<assignment>/*.ipynb.
    if any(_notebooks(a) for s in _visible_dirs(directory) for a in _visible_dirs(s)):
        return Layout("nbgrader", directory, directory.parent / "grading-output")
    raise BatchError(f"{directory}: no submissions found (expected submitted/<student>/<assignment>/*.ipynb "
                     "or .ipynb files directly in the folder)")


def _read(path: Path) -> tuple[bytes | None, str | None]:
    try:
        return path.read_bytes(), None
    except OSError as error:
        return None, f"{path}: cannot be read ({error.strerror or error})"


def discover(directory: str | Path, assignment: str | None = None) -> tuple[Layout, list[Task]]:
    """Every submission under ``directory``, in a stable order (assignment, student)."""
    layout = find_layout(directory)
    tasks: list[Task] = []
    if layout.kind == "flat":
        for notebook in _notebooks(layout.root):
            content, problem = _read(notebook)
            tasks.append(Task(notebook.stem, assignment or ASSIGNMENT, str(notebook), content, problem))
    else:
        for student in _visible_dirs(layout.root):
            for folder in _visible_dirs(student):
                if assignment and folder.name != assignment:
                    continue
                notebooks = _notebooks(folder)
                if not notebooks:
                    tasks.append(Task(student.name, folder.name, str(folder), None,
                                      f"no notebook (.ipynb) in {folder}"))
                    continue
                notebook = pick_notebook(notebooks, (f"{folder.name}.ipynb", f"{ASSIGNMENT}.ipynb"))
                content, problem = _read(notebook)
                tasks.append(Task(student.name, folder.name, str(notebook), content, problem))
    if not tasks:
        wanted = f" for assignment {assignment!r}" if assignment else ""
        raise BatchError(f"{layout.root}: no submissions found{wanted}")
    names = sorted({t.assignment for t in tasks})
    if len(names) > 1:
        raise BatchError(f"{layout.root}: submissions for several assignments ({', '.join(names)}); "
                         "choose one with --assignment")
    tasks.sort(key=lambda t: (t.assignment, t.student_id))
    return layout, tasks


# --------------------------------------------------------------------------- grading one


def _failed_grade(notebook: str, visibility: str, seed: int, reason: str, message: str) -> NotebookGrade:
    from . import checks as registry

    checks = [CheckResult(c.name, c.category, False, c.points, message, c.visibility)
              for c in registry.select(visibility)]
    return NotebookGrade(notebook=notebook, checks=checks, error=reason, seed=seed)


def _worker_info() -> dict[str, Any]:
    info: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(),
                            "thread": threading.current_thread().name}
    pid = sandbox.zygote_pid()
    if pid:
        info["zygote_pid"] = pid
        info.update(process_memory_mb(pid))
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


def grade_one(task: Task, visibility: str = "all", seed: int = 0,
              limits: sandbox.Limits = sandbox.Limits()) -> dict[str, Any]:
    """Grade one submission and return its record. Never raises for the submission's sake.

    Runs wherever the executor puts it (a local thread, a Dask worker): the
    notebook is written to a private temporary file and graded there through
    this thread's own zygote, so each submission runs in a fresh forked child.
    """
    from .grading import grade_notebook
    from .notebook import SubmissionError

    started = time.monotonic()
    status = GRADED
    try:
        if task.content is None:
            status = NOT_GRADED
            grade = _failed_grade(task.path, visibility, seed, f"not graded: {task.problem}",
                                  f"Not graded: {task.problem}. Try: submit the assignment's notebook.")
        else:
            with tempfile.TemporaryDirectory(prefix="autograder-batch-") as folder:
                copy = Path(folder) / (Path(task.path).name or "submission.ipynb")
                copy.write_bytes(task.content)
                try:
                    grade = grade_notebook(copy, visibility, seed, limits)
                except SubmissionError as error:
                    reason = str(error).replace(str(copy), task.path)
                    status = NOT_GRADED
                    grade = _failed_grade(task.path, visibility, seed, f"not graded: {reason}",
                                          f"Not graded: {reason}. Try: submit the assignment's notebook "
                                          f"with your `class {CLASS_NAME}` in it.")
            grade.notebook = task.path
            if grade.error:
                grade.error = grade.error.replace(str(copy), task.path)
    except Exception as error:  # the grader's own failure: recorded, and regraded next run
        status = GRADER_ERROR
        grade = _failed_grade(task.path, visibility, seed, f"grader error: {type(error).__name__}: {error}",
                              "Not graded: the grader itself failed on this submission. "
                              "Your instructor will regrade it.")
    if not grade.seconds:
        grade.seconds = time.monotonic() - started
    return make_record(task, grade, status, visibility)


def make_record(task: Task, grade: NotebookGrade, status: str, visibility: str) -> dict[str, Any]:
    record = {
        "student_id": task.student_id,
        "assignment": task.assignment,
        "status": status,
        "sha256": task.sha256,
        "visibility": visibility,
        "graded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "grader_version": __version__,
        "worker": _worker_info(),
    }
    record.update(grade.to_dict())
    return record


def lost_record(task: Task, error: BaseException, visibility: str, seed: int) -> dict[str, Any]:
    """The record for a task whose worker failed outside ``grade_one`` (e.g. a Dask worker died)."""
    grade = _failed_grade(task.path, visibility, seed, f"grader error: {type(error).__name__}: {error}",
                          "Not graded: the grader itself failed on this submission. "
                          "Your instructor will regrade it.")
    record = make_record(task, grade, GRADER_ERROR, visibility)
    record["worker"] = {}
    return record


# --------------------------------------------------------------------------- executors


class Executor(abc.ABC):
    """Runs a function over items and yields ``(item, result)`` as each finishes.

    A result is whatever ``fn`` returned, or the exception it raised.
    """

    workers: int = 1
    description: str = ""

    @abc.abstractmethod
    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        ...

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalExecutor(Executor):
    """A thread pool on this machine; each thread starts (and keeps) its own zygote.

    The pool lives as long as the executor, so several batches in one process
    pay TensorFlow's import once per thread.
    """

    def __init__(self, workers: int | None = None):
        from concurrent.futures import ThreadPoolExecutor

        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.description = f"{self.workers} local worker{'s' if self.workers > 1 else ''}"
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="grader",
                                        initializer=sandbox.warm_up)

    def map_unordered(self, fn, items):
        from concurrent.futures import as_completed

        futures = {self._pool.submit(fn, item): item for item in items}
        try:
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except Exception as error:
                    yield futures[future], error
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        # Ends every zygote (and so any submission still running); a thread
        # waiting on one then sees it gone and returns at once.
        self._pool.shutdown(wait=False, cancel_futures=True)
        sandbox.shutdown()
        self._pool.shutdown(wait=True)


class DaskExecutor(Executor):
    """A Dask ``distributed`` cluster. Each task calls the same ``grade_one``
    in a worker thread, which isolates it through that thread's own zygote."""

    connect_timeout_s = 20.0  # how long to try reaching the scheduler

    def __init__(self, address: str, connect_timeout: float | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise BatchError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
        try:
            self._client = Client(address, timeout=connect_timeout or self.connect_timeout_s,
                                  set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise BatchError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        threads = self._client.nthreads()
        self.workers = max(1, sum(threads.values()))
        self.description = f"Dask at {address}: {len(threads)} worker(s), {self.workers} thread(s)"

    def map_unordered(self, fn, items):
        from distributed import as_completed

        items = list(items)
        batch_id = os.urandom(4).hex()
        futures = [self._client.submit(fn, item, key=f"grade-{batch_id}-{i}", pure=False)
                   for i, item in enumerate(items)]
        by_key = {future.key: item for future, item in zip(futures, items)}
        try:
            for future in as_completed(futures, loop=self._client.loop):
                try:
                    yield by_key[future.key], future.result()
                except Exception as error:
                    yield by_key[future.key], error
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        self._client.close()


# --------------------------------------------------------------------------- the output folder


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _safe(name: str) -> str:
    if name and not _UNSAFE.search(name) and "__" not in name and not name.startswith("."):
        return name
    return (_UNSAFE.sub("_", name).replace("__", "_").lstrip(".") or "x")[:60] + "-" + \
        hashlib.sha1(name.encode()).hexdigest()[:8]


def result_path(out: Path, key: tuple[str, str]) -> Path:
    student, assignment = key
    return out / RESULTS_DIR / f"{_safe(student)}__{_safe(assignment)}.json"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never half of one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def load_records(out: str | Path) -> dict[tuple[str, str], dict]:
    """Every complete record in ``out/results`` (unreadable files are skipped)."""
    records: dict[tuple[str, str], dict] = {}
    folder = Path(out) / RESULTS_DIR
    if not folder.is_dir():
        return records
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("."):
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            key = (str(record["student_id"]), str(record["assignment"]))
            record["checks"]  # noqa: B018 (a record without checks is not one of ours)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        records[key] = record
    return records


def csv_text(records: Iterable[dict]) -> str:
    """grades.csv: one row per submission, sorted, with one column per check (its points)."""
    records = sorted(records, key=lambda r: (r["assignment"], r["student_id"]))
    check_names: list[str] = []
    for record in records:
        for check in record.get("checks", []):
            if check["name"] not in check_names:
                check_names.append(check["name"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BASE_COLUMNS + check_names)
    for record in records:
        points = {c["name"]: c["points"] for c in record.get("checks", [])}
        row = []
        for column in BASE_COLUMNS:
            value = record.get(column)
            row.append("" if value is None else (f"{value:g}" if isinstance(value, float) else value))
        row += [f"{points[n]:g}" if n in points else "" for n in check_names]
        writer.writerow(row)
    return buffer.getvalue()


def _clean_temporaries(out: Path) -> None:
    for folder in (out, out / RESULTS_DIR):
        for stale in folder.glob(".*.tmp"):
            try:
                stale.unlink()
            except OSError:
                pass


class _OutputLock:
    """One batch run per output folder at a time."""

    def __init__(self, out: Path):
        self._file = open(out / ".lock", "w")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            raise BatchError(f"{out}: another grade-batch run is writing there") from None

    def release(self) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()


# --------------------------------------------------------------------------- the run


@dataclasses.dataclass
class BatchSummary:
    output: Path
    total: int = 0  # submissions found
    skipped: int = 0  # already graded by an earlier run
    graded: int = 0  # graded by this run
    failed: int = 0  # of all records: could not run fully (any error)
    below_max: int = 0  # of all records: scored less than the maximum
    seconds: float = 0.0
    workers: int = 0
    executor: str = ""
    zygotes: list = dataclasses.field(default_factory=list)  # memory of each worker's zygote


def _is_current(record: dict | None, task: Task, visibility: str, seed: int) -> bool:
    """Whether an earlier run's record can stand: same notebook bytes, same settings, no grader failure."""
    return (record is not None and record.get("status") != GRADER_ERROR
            and record.get("sha256") == task.sha256 and record.get("seed") == seed and record.get("visibility") == visibility)


def _failed(record: dict) -> bool:
    return bool(record.get("error"))


def _below(record: dict) -> bool:
    return float(record.get("score", 0)) < float(record.get("max_score", 0))


def run_batch(tasks: list[Task], out: str | Path, executor: Executor, *, visibility: str = "all",
              seed: int = 0, limits: sandbox.Limits = sandbox.Limits(), force: bool = False,
              on_start: Callable[[BatchSummary, int], None] | None = None,
              on_result: Callable[[dict, BatchSummary], None] | None = None) -> BatchSummary:
    """Grade ``tasks`` (all of them with ``force``; otherwise those without a current
    record in ``out``), writing each record and the CSV as results arrive."""
    from . import checks as registry

    try:
        registry.select(visibility)  # fail now, not per task, if e.g. the hidden checks are missing
    except RuntimeError as error:
        raise BatchError(f"{error}; use --public to grade with the public checks only") from None
    out = Path(out)
    (out / RESULTS_DIR).mkdir(parents=True, exist_ok=True)
    lock = _OutputLock(out)
    started = time.monotonic()
    try:
        _clean_temporaries(out)
        records = load_records(out)
        pending = [t for t in tasks if force or not _is_current(records.get(t.key), t, visibility, seed)]
        summary = BatchSummary(output=out, total=len(tasks), skipped=len(tasks) - len(pending),
                               workers=executor.workers, executor=executor.description)

        def count() -> None:
            wanted = {t.key for t in tasks}
            current = [r for k, r in records.items() if k in wanted]
            summary.failed = sum(_failed(r) for r in current)
            summary.below_max = sum(_below(r) for r in current)

        count()
        write_atomic(out / CSV_NAME, csv_text(records.values()).encode())
        if on_start:
            on_start(summary, len(pending))
        fn = functools.partial(grade_one, visibility=visibility, seed=seed, limits=limits)
        for task, result in executor.map_unordered(fn, pending):
            record = result if isinstance(result, dict) else lost_record(task, result, visibility, seed)
            write_atomic(result_path(out, task.key), json.dumps(record, indent=2).encode())
            records[task.key] = record
            write_atomic(out / CSV_NAME, csv_text(records.values()).encode())
            summary.graded += 1
            count()
            if on_result:
                on_result(record, summary)
        summary.seconds = time.monotonic() - started
        summary.zygotes = _zygote_memory(records, pending)
        write_atomic(out / RUN_NAME, json.dumps(_run_info(summary, visibility, seed, limits), indent=2).encode())
        return summary
    finally:
        lock.release()


def _zygote_memory(records: dict, pending: list[Task]) -> list[dict]:
    """The last memory figures each worker's zygote reported during this run."""
    zygotes: dict[tuple, dict] = {}
    for task in pending:
        worker = records.get(task.key, {}).get("worker") or {}
        if "zygote_pid" in worker:
            zygotes[(worker.get("host"), worker["zygote_pid"])] = {
                k: worker[k] for k in ("host", "pid", "thread", "zygote_pid", "zygote_rss_mb", "zygote_peak_rss_mb")
                if k in worker}
    return list(zygotes.values())


def _run_info(summary: BatchSummary, visibility: str, seed: int, limits: sandbox.Limits) -> dict:
    return {
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "executor": summary.executor,
        "workers": summary.workers,
        "submissions": summary.total,
        "graded_now": summary.graded,
        "already_graded": summary.skipped,
        "failed": summary.failed,
        "below_max": summary.below_max,
        "seconds": round(summary.seconds, 3),
        "visibility": visibility,
        "seed": seed,
        "limits": dataclasses.asdict(limits),
        "zygotes": summary.zygotes,
    }
