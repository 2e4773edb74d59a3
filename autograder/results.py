"""The grader's results: typed values from the judge to every report.

A check's teaching message stays three fields (expected, found, hint) until
something shows it; how a run ended is an :class:`Ending`; how a check ended
is a :class:`Status`; how a notebook cell ran is a :class:`CellStatus`. The
score is always summed from the checks, never stored on its own.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Any


class Ending(enum.Enum):
    """How the run of one submission ended."""

    FINISHED = "finished"          # every check got its answers
    TIME_LIMIT = "time limit"      # the submission's wall-clock limit ran out
    EXITED = "exited"              # the student's code ended the process (os._exit, a signal to itself)
    CRASHED = "crashed"            # the process died: a crash in native code, or one process over its memory
    MEMORY_LIMIT = "memory limit"  # the kernel ended it: all its processes together over the memory limit
    NOT_GRADED = "not graded"      # nothing to grade: no notebook, not a notebook, no entry symbol
    GRADER_ERROR = "grader error"  # the grader itself failed; a batch regrades it next run

    @property
    def complete(self) -> bool:
        return self is Ending.FINISHED


class Status(enum.Enum):
    """How one check ended."""

    PASSED = "passed"
    FAILED = "failed"    # the check found a mistake and named it
    ERROR = "error"      # the student's code raised while the check ran
    NOT_RUN = "not run"  # no verdict could be had: a time limit, a crash, an earlier gate

    @property
    def specificity(self) -> int:
        """How much a failure of this kind says about the check itself (for reports)."""
        return {Status.FAILED: 3, Status.ERROR: 2, Status.NOT_RUN: 1, Status.PASSED: 0}[self]


class CellStatus(enum.Enum):
    """How one notebook cell ran in the subject."""

    OK = "ok"
    ERROR = "error"              # it raised; the next cell still ran
    SYNTAX_ERROR = "syntax error"
    TIMED_OUT = "timed out"      # interrupted at its time limit
    NOT_RUN = "not run"          # the run ended before this cell


@dataclasses.dataclass(frozen=True)
class Message:
    """A teaching message: what was expected, what was found, what to try."""

    expected: str
    found: str
    hint: str

    def text(self) -> str:
        return f"Expected {_clause(self.expected)}. Found {_clause(self.found)}. Try: {_clause(self.hint)}."

    def parts(self) -> list[tuple[str, str]]:
        """(label, sentence) pairs for displays that show one per line."""
        return [("Expected", _clause(self.expected) + "."), ("Found", _clause(self.found) + "."),
                ("Try", _clause(self.hint) + ".")]

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def _clause(text: str) -> str:
    return str(text).strip().rstrip(".")


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one submission."""

    name: str
    category: str
    visibility: str  # "public" or "hidden"
    max_points: float
    status: Status
    note: str = ""                  # what a passing check confirmed
    message: Message | None = None  # why a check did not pass

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def points(self) -> float:
        return self.max_points if self.passed else 0.0

    @property
    def text(self) -> str:
        """One line for tables and CSV-like views."""
        return self.note if self.message is None else self.message.text()

    def to_dict(self) -> dict[str, Any]:
        data = {
            "name": self.name, "category": self.category, "visibility": self.visibility,
            "passed": self.passed, "status": self.status.value, "points": self.points,
            "max_points": self.max_points, "message": self.text,
        }
        if self.message is not None:
            data.update(self.message.to_dict())
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CheckResult":
        message = None
        if all(key in data for key in ("expected", "found", "hint")):
            message = Message(str(data["expected"]), str(data["found"]), str(data["hint"]))
        status = Status(data.get("status", "passed" if data.get("passed") else "failed"))
        return cls(str(data["name"]), str(data.get("category", "")), str(data.get("visibility", "public")),
                   float(data["max_points"]), status, "" if message else str(data.get("message", "")), message)


@dataclasses.dataclass(frozen=True)
class CellReport:
    """A notebook cell that did not simply run: what happened to it."""

    number: int        # position in the notebook, counting every cell from 1 (as a student counts them)
    status: CellStatus
    detail: str = ""   # the error, e.g. "NameError: name 'x' is not defined"
    first_line: str = ""

    def text(self) -> str:
        where = f'cell {self.number} ("{self.first_line}")' if self.first_line else f"cell {self.number}"
        what = {
            CellStatus.ERROR: f"{self.detail}; the next cells still ran",
            CellStatus.SYNTAX_ERROR: f"{self.detail or 'SyntaxError'}, skipped",
            CellStatus.TIMED_OUT: f"{self.detail or 'did not finish in time'}, stopped",
            CellStatus.NOT_RUN: self.detail or "not run",
            CellStatus.OK: "ran",
        }[self.status]
        return f"{where}: {what}"

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "status": self.status.value, "detail": self.detail,
                "first_line": self.first_line, "text": self.text()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CellReport":
        return cls(int(data["number"]), CellStatus(data["status"]), str(data.get("detail", "")),
                   str(data.get("first_line", "")))


@dataclasses.dataclass
class Grade:
    """Every check's verdict on one notebook, and how its run went."""

    notebook: str
    lab: str
    checks: list[CheckResult]
    ending: Ending = Ending.FINISHED
    detail: str = ""  # why the run ended as it did, when it did not finish
    cells: list[CellReport] = dataclasses.field(default_factory=list)  # cells that did not simply run
    environment: dict[str, str] = dataclasses.field(default_factory=dict)  # e.g. {"keras": "3.15.1"}
    seconds: float = 0.0
    peak_memory_mb: float | None = None
    seed: int | None = None

    @property
    def score(self) -> float:
        return float(sum(c.points for c in self.checks))

    @property
    def max_score(self) -> float:
        return float(sum(c.max_points for c in self.checks))

    @property
    def error(self) -> str | None:
        """A one-line reason when the run did not finish, else None (the CSV's ``error`` column)."""
        if self.ending is Ending.FINISHED:
            return None
        return f"{self.ending.value}: {self.detail}" if self.detail else self.ending.value

    @classmethod
    def not_graded(cls, notebook: str, lab: str, checks, ending: Ending, detail: str,
                   message: Message, seed: int | None = None) -> "Grade":
        """Every check fails with one message: the submission could not, or may not, be graded."""
        results = [CheckResult(c.name, c.category, c.visibility, c.max_points, Status.NOT_RUN, message=message)
                   for c in checks]
        return cls(notebook=notebook, lab=lab, checks=results, ending=ending, detail=detail, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook, "lab": self.lab, "score": self.score, "max_score": self.max_score,
            "ending": self.ending.value, "error": self.error, "detail": self.detail,
            "cells": [c.to_dict() for c in self.cells], "environment": dict(self.environment),
            "keras": self.environment.get("keras", ""), "seed": self.seed,
            "seconds": round(self.seconds, 3), "peak_memory_mb": self.peak_memory_mb,
            "checks": [c.to_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Grade":
        return cls(
            notebook=str(data.get("notebook", "")), lab=str(data.get("lab", data.get("assignment", ""))),
            checks=[CheckResult.from_dict(c) for c in data.get("checks", [])],
            ending=Ending(data.get("ending", "finished")), detail=str(data.get("detail", "")),
            cells=[CellReport.from_dict(c) for c in data.get("cells", [])],
            environment={str(k): str(v) for k, v in dict(data.get("environment", {})).items()},
            seconds=float(data.get("seconds", 0.0)), peak_memory_mb=data.get("peak_memory_mb"),
            seed=data.get("seed"),
        )
