"""The student's self-check: the public checks, run in the notebook's own kernel."""
from __future__ import annotations

import dataclasses
import textwrap

from . import checks as registry
from .results import CheckResult
from .runner import run_checks

# How many points the hidden checks are worth is public; what they test is not.
HIDDEN_POINTS = sum(c.points for c in registry.REGISTRY.values() if c.hidden)
HIDDEN_COUNT_NOTE = "more checks run when your work is graded"


@dataclasses.dataclass
class SelfCheckReport:
    results: list[CheckResult]
    keras: str

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def summary(self) -> str:
        got = sum(r.points for r in self.results)
        total = sum(r.max_points for r in self.results)
        npassed = sum(r.passed for r in self.results)
        if self.passed:
            head = f"All {len(self.results)} public checks passed ({got:g}/{total:g} points)"
        else:
            head = f"{npassed} of {len(self.results)} public checks passed ({got:g}/{total:g} points)"
        return f"{head}; {HIDDEN_COUNT_NOTE}."

    def text(self) -> str:
        lines = [f"Self-check of SimpleDense: public checks, Keras {self.keras}", ""]
        width = max(len(r.name) for r in self.results)
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"{mark}  {r.name:<{width}}  {r.points:g}/{r.max_points:g}")
            if not r.passed:
                lines += textwrap.wrap(r.message, width=88, initial_indent="      ", subsequent_indent="      ")
        lines += ["", self.summary()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def run_self_check(layer_class, seed: int = 0) -> SelfCheckReport:
    from .checks.support import keras_version

    results = list(run_checks(layer_class, registry.select("public"), seed))
    return SelfCheckReport(results, keras_version())


def self_check(layer_class, seed: int = 0) -> SelfCheckReport:
    """Print the report (to stdout: nbgrader counts any stderr as an error) and return it."""
    report = run_self_check(layer_class, seed)
    print(report.text())
    return report
