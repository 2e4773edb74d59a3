"""The output folder of a batch: one JSON record per submission, ``grades.csv``, and a lock.

Every file is written atomically (a reader sees the old file or the new one,
never half of one) and readable by the group, so teaching assistants can
read results without the grader's account.
"""
from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Iterable

from .discover import BatchError

RESULTS_DIR = "results"
CSV_NAME = "grades.csv"
RUN_NAME = "run.json"
BASE_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "error", "keras",
                "seconds", "peak_memory_mb", "notebook", "graded_at"]
FILE_MODE = 0o644  # what the umask leaves of it: group-readable at the usual 022 or 027


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _safe(name: str) -> str:
    if name and not _UNSAFE.search(name) and "__" not in name and not name.startswith("."):
        return name
    return (_UNSAFE.sub("_", name).replace("__", "_").lstrip(".") or "x")[:60] + "-" + \
        hashlib.sha1(name.encode()).hexdigest()[:8]


def result_path(out: Path, key: tuple[str, str]) -> Path:
    student, assignment = key
    return out / RESULTS_DIR / f"{_safe(student)}__{_safe(assignment)}.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never half of one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, FILE_MODE & ~_umask())  # mkstemp makes 0600
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def prepare(out: Path) -> None:
    """Create the output folder, or say in one line why it cannot be used."""
    if out.exists() and not out.is_dir():
        raise BatchError(f"{out}: exists and is not a folder")
    try:
        (out / RESULTS_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BatchError(f"{out}: cannot create the output folder ({error.strerror or error})") from None
    for folder in (out, out / RESULTS_DIR):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise BatchError(f"{folder}: cannot write there (permission denied); choose another --output")
    try:
        write_atomic(out / ".write-test", b"")
        (out / ".write-test").unlink()
    except OSError as error:
        raise BatchError(f"{out}: cannot write there ({error.strerror or error}); choose another --output") from None


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
            if not isinstance(record["checks"], list):
                continue
        except (OSError, ValueError, KeyError, TypeError):
            continue
        records[key] = record
    return records


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """A text cell a spreadsheet shows as text: one that starts like a formula (``=HYPERLINK(...)``
    in a student's folder name or notebook) gets a leading apostrophe, as OWASP advises for CSV."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    writer.writerow(BASE_COLUMNS + [spreadsheet_safe(name) for name in check_names])
    for record in records:
        points = {c["name"]: c["points"] for c in record.get("checks", [])}
        row = []
        for column in BASE_COLUMNS:
            value = record.get(column)
            row.append("" if value is None else f"{value:g}" if isinstance(value, float)
                       else str(value) if isinstance(value, int) else spreadsheet_safe(value))
        row += [f"{points[n]:g}" if n in points else "" for n in check_names]
        writer.writerow(row)
    return buffer.getvalue()


def clean_temporaries(out: Path) -> None:
    for folder in (out, out / RESULTS_DIR):
        for stale in folder.glob(".*.tmp"):
            try:
                stale.unlink()
            except OSError:
                pass


class OutputLock:
    """One batch run per output folder at a time."""

    def __init__(self, out: Path):
        try:
            self._file = open(out / ".lock", "w")
        except OSError as error:
            raise BatchError(f"{out}: cannot write there ({error.strerror or error})") from None
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            raise BatchError(f"{out}: another grade-batch run is writing there") from None

    def release(self) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
