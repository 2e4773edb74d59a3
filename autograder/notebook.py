"""From a notebook file to the program a subject runs: its code cells, as nbgrader would run them.

Every code cell runs, in order, up to nbgrader's first test cell: the test
cells judge the class as it stands where they are, so what comes after them
cannot change a grade (nbgrader runs it, but its verdicts are already given).
The test cells themselves are not run (they only call checks, which the
judge runs instead). A locked
cell (the set-up cell, for instance) runs as the lab wrote it, whatever the
student's copy says: ``nbgrader autograde`` restores those too. Outputs are
never read.

Plain ``json`` rather than nbformat: importing nbformat costs over a second,
and the judge needs only each cell's type, metadata and source.
"""
from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

from .codec import MAX_CODE_BYTES
from .errors import SubmissionError
from .lab import Lab


@dataclasses.dataclass(frozen=True)
class Cell:
    number: int  # the cell's position in the notebook, counting every cell from 1
    source: str
    first_line: str

    def to_message(self) -> dict:
        return {"number": self.number, "source": self.source, "first_line": self.first_line}


@dataclasses.dataclass(frozen=True)
class Program:
    notebook: str  # how to name the notebook in reports
    cells: tuple[Cell, ...]
    restored: tuple[int, ...] = ()  # locked cells whose original source replaced the student's
    after_graded: tuple[Cell, ...] = ()  # code cells below the first test cell: not run


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def first_line(source: str, width: int = 40) -> str:
    for line in source.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line if len(line) <= width else line[: width - 3] + "..."
    return ""


def parse_notebook(data: bytes, name: str) -> dict:
    """The notebook's JSON, checked just enough to walk its cells."""
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SubmissionError(f"{name}: not a Jupyter notebook ({type(error).__name__})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise SubmissionError(f"{name}: not a Jupyter notebook (no list of cells)")
    version = notebook.get("nbformat", 4)
    if not isinstance(version, int) or version < 4:
        raise SubmissionError(f"{name}: notebook format {version!r} is too old; save it with Jupyter 4 or later")
    return notebook


def read_notebook(path: str | Path) -> bytes:
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path}: no such file")
    if path.is_dir():
        raise SubmissionError(f"{path}: is a folder, not a notebook")
    try:
        return path.read_bytes()
    except OSError as error:
        raise SubmissionError(f"{path}: cannot be read ({error.strerror or error})") from None


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}


def is_test_cell(cell: dict) -> bool:
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


@functools.lru_cache(maxsize=None)
def locked_sources(lab: Lab) -> dict[str, str]:
    """The lab's locked code cells as it wrote them, by grade_id (empty without a notebook generator)."""
    if not lab.notebook:
        return {}
    import importlib

    notebook = importlib.import_module(lab.notebook).build_notebook()
    return {_nbgrader(cell)["grade_id"]: cell_source(cell) for cell in notebook["cells"]
            if cell.get("cell_type") == "code" and _nbgrader(cell).get("locked") and not is_test_cell(cell)}


def program_for(notebook: dict, lab: Lab, name: str) -> Program:
    """What the subject runs for this notebook. Raises SubmissionError if nothing of the lab is in it."""
    originals = locked_sources(lab)
    cells, restored, after, mentions = [], [], [], False
    graded = False
    for number, cell in enumerate(notebook["cells"], start=1):
        graded = graded or is_test_cell(cell)
        if cell.get("cell_type") != "code" or is_test_cell(cell):
            continue
        source = cell_source(cell)
        if graded:
            after.append(Cell(number, source, first_line(source)))
            mentions = mentions or lab.entry in source
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        if _nbgrader(cell).get("locked") and grade_id in originals and originals[grade_id] != source:
            source = originals[grade_id]
            restored.append(number)
        mentions = mentions or lab.entry in source
        cells.append(Cell(number, source, first_line(source)))
    if not mentions:
        raise SubmissionError(f"{name}: no code cell mentions {lab.entry}, so there is nothing of the lab "
                              f"{lab.name} to grade")
    size = sum(len(c.source.encode("utf-8", "replace")) for c in cells)
    if size > MAX_CODE_BYTES:
        raise SubmissionError(f"{name}: its code cells hold {size / 2**20:.0f} MB of source; the grader runs "
                              f"at most {MAX_CODE_BYTES >> 20} MB (keep data in files, not in cells)")
    return Program(name, tuple(cells), tuple(restored), tuple(after))


def program_from_bytes(data: bytes, lab: Lab, name: str) -> Program:
    return program_for(parse_notebook(data, name), lab, name)


@dataclasses.dataclass(frozen=True)
class Pick:
    path: Path
    note: str = ""  # set when the choice was not obvious: what else was there, and why this one


def pick_notebook(notebooks: list[Path], lab: Lab) -> Pick:
    """The notebook to grade among those a student handed in.

    The one named for the assignment (``<lab>.ipynb``); else the only one
    whose code mentions the lab's entry; else the newest of those, with a
    note saying that the choice was a guess. Never silently a stray one.
    """
    notebooks = sorted(notebooks)
    if not notebooks:
        raise SubmissionError("no notebook (.ipynb) was submitted")
    named = [n for n in notebooks if n.name == lab.notebook_name]
    others = [n.name for n in notebooks if n.name != lab.notebook_name]
    if named:
        note = f"also handed in, not graded: {', '.join(others)}" if others else ""
        return Pick(named[0], note)
    mentioning = [n for n in notebooks if _mentions(n, lab.entry)]
    if len(mentioning) == 1:
        note = (f"no {lab.notebook_name}; graded {mentioning[0].name}, the only notebook with {lab.entry} "
                f"(also handed in: {', '.join(n.name for n in notebooks if n != mentioning[0])})"
                if len(notebooks) > 1 else "")
        return Pick(mentioning[0], note)
    candidates = mentioning or notebooks
    # Jupyter names a notebook nobody renamed "Untitled", and a duplicate "... -Copy1": those are
    # rarely the work handed in. Among the others, the newest.
    chosen = max(candidates, key=lambda n: (not _stray(n.name), n.stat().st_mtime, n.name))
    why = "the newest" + (" not named like a scratch notebook" if any(_stray(n.name) for n in candidates) else "")
    return Pick(chosen, f"ambiguous: no {lab.notebook_name} and {len(candidates)} candidates "
                        f"({', '.join(n.name for n in candidates)}); graded {why}, {chosen.name}")


def _stray(name: str) -> bool:
    return name.startswith("Untitled") or "-Copy" in name or "checkpoint" in name.lower()


def _mentions(path: Path, entry: str) -> bool:
    try:
        notebook = parse_notebook(path.read_bytes(), path.name)
    except (OSError, SubmissionError):
        return False
    return any(c.get("cell_type") == "code" and entry in cell_source(c) for c in notebook["cells"])
