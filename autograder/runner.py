"""Run checks on a layer class in this process: the one core of every verdict.

The notebook's self-check and test cells call this directly; the command line,
pytest and batch grading call it inside an isolated child process
(``sandbox.py``). Either way a check's verdict comes from here.
"""
from __future__ import annotations

import contextlib
import io
import warnings
from typing import Iterable, Iterator

from . import checks as registry
from .checks import Check, CheckFailed
from .results import CheckResult

# Student code may print; a check keeps at most this much of it.
_PRINT_LIMIT = 2000


class _Printed(io.StringIO):
    """What the student's code prints during a check: the first _PRINT_LIMIT characters.

    A layer that prints megabytes on every call must not fill the memory the
    checks need, so the rest is counted and dropped.
    """

    def write(self, text: str) -> int:
        room = _PRINT_LIMIT - self.tell()
        if room > 0:
            super().write(str(text)[:room])
        return len(text)


def run_one(check: Check, layer_class, seed: int = 0) -> CheckResult:
    """One check's verdict; any error escaping the student's code fails it, with a message."""
    printed = _Printed()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
            warnings.simplefilter("ignore")
            note = check.function(layer_class, seed)
        passed, message = True, note or check.summary
    except CheckFailed as failure:
        passed, message = False, _teaching_message(failure)
    except SystemExit as exit_:
        passed, message = False, (f"Your code called sys.exit({exit_.code!r}) while this check ran. "
                                  "Try: remove exit() calls from the class; raise an error instead.")
    except RecursionError:
        passed, message = False, "Your code recursed without end (RecursionError). Try: look for a method that calls itself."
    except Exception as error:  # the student's code broke the check itself
        from .checks.support import describe_error

        passed, message = False, (f"The check could not finish: {describe_error(error)}. "
                                  "Try: run the cell that defines SimpleDense and read its error.")
    return CheckResult(check.name, check.category, passed, check.points, message, check.visibility)


def run_checks(layer_class, checks: Iterable[Check], seed: int = 0) -> Iterator[CheckResult]:
    """Verdicts one at a time, so a caller can keep each as soon as it exists."""
    for check in checks:
        yield run_one(check, layer_class, seed)


def _teaching_message(failure: CheckFailed) -> str:
    return f"Expected {failure.expected}. Found {failure.found}. Try: {failure.hint}."


def run_check(name: str, layer_class, seed: int = 0) -> CheckResult:
    """For nbgrader's test cells: pass quietly with one line, or fail with the teaching message."""
    result = run_one(registry.get(name), layer_class, seed)
    if not result.passed:
        raise AssertionError(f"{name}: {result.message}")
    print(f"✓ {name}: {result.message}")
    return result
