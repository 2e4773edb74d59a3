"""Find the submissions under a folder: one :class:`Task` per student and assignment.

Two layouts: nbgrader's ``submitted/<student>/<assignment>/*.ipynb`` (the
course folder, its ``submitted/`` folder, or a folder laid out the same way),
and a flat folder of notebooks (student id = file stem). Each assignment is
graded by the lab of the same name; an assignment with no installed lab
becomes a "not graded" record that says so, never a silent misgrade.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from ..errors import InputError, SubmissionError
from ..lab import LabError, installed_labs, load_lab
from ..notebook import pick_notebook


class BatchError(InputError):
    """The batch cannot start (bad folder, unknown lab, output in use)."""


@dataclasses.dataclass(frozen=True)
class Task:
    """One submission to grade. Carries the notebook's bytes, so a worker on
    another machine needs no shared file system."""

    student_id: str
    assignment: str
    path: str                # the notebook graded (or the folder that should have held one)
    content: bytes | None    # None: nothing to grade (see ``problem``)
    problem: str | None = None
    note: str = ""           # how the notebook was chosen, when it was not obvious

    @property
    def key(self) -> tuple[str, str]:
        return (self.student_id, self.assignment)

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.content).hexdigest() if self.content is not None else None


@dataclasses.dataclass
class Layout:
    kind: str             # "nbgrader" or "flat"
    root: Path            # the submitted/ folder, or the flat folder
    default_output: Path


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))


def notebooks_in(folder: Path) -> list[Path]:
    """The notebooks a student handed in (Jupyter's checkpoints and hidden files aside)."""
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))


def find_layout(directory: str | Path) -> Layout:
    directory = Path(directory).expanduser()
    if not directory.exists():
        raise BatchError(f"{directory}: no such folder")
    if not directory.is_dir():
        raise BatchError(f"{directory}: not a folder (give the course folder, its submitted/ folder, "
                         "or a folder of notebooks)")
    directory = directory.resolve()
    if (directory / "submitted").is_dir():
        return Layout("nbgrader", directory / "submitted", directory / "grading-output")
    if directory.name == "submitted":
        return Layout("nbgrader", directory, directory.parent / "grading-output")
    if notebooks_in(directory):
        return Layout("flat", directory, directory / "grading-output")
    if any((directory / name).exists() for name in ("source", "release", "nbgrader_config.py")):
        raise BatchError(f"{directory}: an nbgrader course without a submitted/ folder (collect the "
                         "submissions first, e.g. nbgrader collect or nbgrader zip_collect)")
    if any(notebooks_in(a) for s in _visible_dirs(directory) for a in _visible_dirs(s)):
        return Layout("nbgrader", directory, directory.parent / "grading-output")
    raise BatchError(f"{directory}: no submissions found (expected submitted/<student>/<assignment>/*.ipynb "
                     "or .ipynb files directly in the folder)")


def _read(path: Path) -> tuple[bytes | None, str | None]:
    try:
        return path.read_bytes(), None
    except OSError as error:
        return None, f"{path}: cannot be read ({error.strerror or error})"


def _task(student: str, assignment: str, folder: Path) -> Task:
    notebooks = notebooks_in(folder)
    if assignment not in installed_labs():
        return Task(student, assignment, str(folder), None,
                    f"no lab named {assignment!r} is installed (installed: {', '.join(installed_labs())})")
    try:
        pick = pick_notebook(notebooks, load_lab(assignment))
    except SubmissionError as error:
        return Task(student, assignment, str(folder), None, f"{error} in {folder}")
    content, problem = _read(pick.path)
    return Task(student, assignment, str(pick.path), content, problem, pick.note)


def discover(directory: str | Path, assignment: str | None = None,
             student: str | None = None) -> tuple[Layout, list[Task]]:
    """Every submission under ``directory``, in a stable order (assignment, student).

    ``assignment`` keeps only that assignment (and names the lab of a flat
    folder); ``student`` keeps only that student.
    """
    layout = find_layout(directory)
    if assignment is not None:
        try:
            load_lab(assignment)
        except LabError as error:
            raise BatchError(str(error)) from None
    tasks: list[Task] = []
    if layout.kind == "flat":
        labs = installed_labs()
        name = assignment or (labs[0] if len(labs) == 1 else None)
        if name is None:
            raise BatchError(f"{layout.root}: a folder of notebooks needs --assignment NAME "
                             f"(installed labs: {', '.join(labs)})")
        lab = load_lab(name)
        for notebook in notebooks_in(layout.root):
            content, problem = _read(notebook)
            tasks.append(Task(notebook.stem, lab.name, str(notebook), content, problem))
    else:
        for folder_of_student in _visible_dirs(layout.root):
            for folder in _visible_dirs(folder_of_student):
                if assignment is None or folder.name == assignment:
                    tasks.append(_task(folder_of_student.name, folder.name, folder))
    if student is not None:
        tasks = [t for t in tasks if t.student_id == student]
    if not tasks:
        wanted = " ".join(part for part in (f"for assignment {assignment!r}" if assignment else "",
                                            f"for student {student!r}" if student else "") if part)
        raise BatchError(f"{layout.root}: no submissions found{' ' + wanted if wanted else ''}")
    tasks.sort(key=lambda t: (t.assignment, t.student_id))
    return layout, tasks
