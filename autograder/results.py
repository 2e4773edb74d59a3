"""The grader's results format: one record per check, one per notebook.

Kept deliberately small, in the spirit of Gradescope's results.json: every
number a grade is made of is here, and nothing that could contradict it (the
score is always recomputed from the checks, never stored on its own).
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any

CATEGORIES = (
    "construction",   # the class can be made and built at all
    "names",          # a `kernel` and a `bias` variable
    "shapes",         # (input_dim, units) and (units,)
    "initializers",   # random normal kernel, zero bias
    "trainability",   # tracked by Keras, trainable, gradients reach them
    "forward",        # call() computes inputs @ kernel + bias
    "training",       # the layer learns y = 2x - 1 as model.fit would
    "integrity",      # the submission left the grader and its libraries alone
)


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one submission."""

    name: str
    category: str
    passed: bool
    max_points: float
    message: str
    visibility: str = "public"  # "public" or "hidden"

    @property
    def points(self) -> float:
        return self.max_points if self.passed else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message,
            "visibility": self.visibility,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CheckResult":
        return cls(
            name=str(data["name"]),
            category=str(data["category"]),
            passed=bool(data["passed"]),
            max_points=float(data["max_points"]),
            message=str(data["message"]),
            visibility=str(data.get("visibility", "public")),
        )


@dataclasses.dataclass
class NotebookGrade:
    """All check results for one notebook, plus how the run went."""

    notebook: str
    checks: list[CheckResult]
    keras: str = "unknown"
    error: str | None = None  # why the code could not (fully) run, if it could not
    seconds: float = 0.0
    peak_memory_mb: float | None = None
    seed: int = 0

    @property
    def score(self) -> float:
        return float(sum(c.points for c in self.checks))

    @property
    def max_score(self) -> float:
        return float(sum(c.max_points for c in self.checks))

    def to_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "score": self.score,
            "max_score": self.max_score,
            "keras": self.keras,
            "error": self.error,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
            "peak_memory_mb": self.peak_memory_mb,
            "checks": [c.to_dict() for c in self.checks],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "NotebookGrade":
        return cls(
            notebook=str(data["notebook"]),
            checks=[CheckResult.from_dict(c) for c in data["checks"]],
            keras=str(data.get("keras", "unknown")),
            error=data.get("error"),
            seconds=float(data.get("seconds", 0.0)),
            peak_memory_mb=data.get("peak_memory_mb"),
            seed=int(data.get("seed", 0)),
        )
