"""The judge: every verdict is decided here, from what the subject answered.

The judge never runs student code. A check asks the subject for facts
(``ctx.ask("forward", inputs=..., kernel=...)``) with arguments drawn fresh
for each run, and computes what a correct layer would have answered itself.
So a subject that lies must compute the right answer to questions it cannot
predict: as much work as writing the layer.

A :class:`Session` is one conversation with one subject. It caches answers
(several checks look at the same build), keeps the time budget (a method
that looped once is not called again, and after the first time-out everything
else shares a small allowance), and turns how each probe ended into a typed
value: an answer, :class:`StudentError` or :class:`NotRun`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import time
from typing import Any, Callable, Protocol

import numpy as np

from . import codec
from .lab import Lab
from .registry import Check, CheckFailed
from .results import CheckResult, Ending, Message, Status

# How much longer than its own limit the judge waits for an answer before it
# ends the subject: the soft limit has to reach the student's code and the
# answer travel back (measured: well under 0.1 s; a loaded machine, more).
GRACE_S = 1.5


class StudentError(Exception):
    """The student's code raised while a probe ran."""

    def __init__(self, probe: str, stage: str, type_name: str, message: str):
        self.probe, self.stage, self.type_name, self.text = probe, stage, type_name, message
        super().__init__(f"{stage}: {message}")


class NotRun(Exception):
    """A probe that could not give an answer; ``reason`` is "timeout", "loop", "overtime" or "ended"."""

    def __init__(self, reason: str, detail: str, methods: tuple[str, ...] = (), ending: Ending | None = None):
        self.reason, self.detail, self.methods, self.ending = reason, detail, tuple(methods), ending
        super().__init__(detail)


class SubjectGone(Exception):
    """The subject process ended, or was ended, before answering."""

    def __init__(self, ending: Ending, detail: str):
        self.ending, self.detail = ending, detail
        super().__init__(f"{ending.value}: {detail}")


class Subject(Protocol):
    """Where probes run: a process (the grader) or this process (the self-check)."""

    def ask(self, probe: str, args: dict, budget_s: float | None) -> dict:
        """The raw reply (``answer`` / ``raised`` / ``timeout`` / ``refused``); raises SubjectGone."""


@dataclasses.dataclass
class Clock:
    """Time limits for probes, and what earlier time-outs taught.

    Each probe may take ``probe_s``. Once anything timed out, every later probe
    shares ``overtime_s`` (one endless loop then costs about ``probe_s +
    overtime_s`` of a worker, whatever the number of checks), and a probe
    that would call a method that looped is not sent at all.
    """

    probe_s: float | None = 10.0
    overtime_s: float = 3.0
    overtime_left: float | None = None
    looping: set = dataclasses.field(default_factory=set)
    looped_where: str = ""

    def timed_out(self, methods: tuple[str, ...], where: str) -> None:
        if self.overtime_left is None:
            self.overtime_left = self.overtime_s
        if methods and not self.looping:
            self.looped_where = where
        self.looping.update(methods)

    def budget(self, uses: tuple[str, ...]) -> float | None:
        """This probe's limit; raises NotRun when it must not run."""
        looping = [m for m in uses if m in self.looping]
        if looping:
            raise NotRun("loop", f"{looping[0]}() did not finish in time {self.looped_where}".strip(),
                         tuple(looping))
        if self.overtime_left is None:
            return self.probe_s
        if self.overtime_left <= 0:
            raise NotRun("overtime", "the time allowed for this submission was used up by earlier time-outs")
        return min(self.probe_s or self.overtime_left, self.overtime_left)

    def spent(self, seconds: float) -> None:
        if self.overtime_left is not None:
            self.overtime_left -= seconds


class Session:
    """One judge's conversation with one subject."""

    def __init__(self, lab: Lab, subject: Subject, seed: int, clock: Clock | None = None,
                 environment: dict | None = None):
        self.lab, self.subject, self.seed = lab, subject, int(seed)
        self.clock = clock or Clock()
        self.environment = dict(environment or {})
        self.gone: SubjectGone | None = None
        self._answers: dict[str, Any] = {}
        self._shared: dict[str, Any] = {}

    def ask(self, probe: str, args: dict) -> dict:
        key = probe + json.dumps(codec.encode(args), sort_keys=True)
        if key not in self._answers:
            try:
                self._answers[key] = ("answer", self._ask(probe, args))
            except (StudentError, NotRun) as error:
                self._answers[key] = ("error", error)
        kind, value = self._answers[key]
        if kind == "error":
            raise value
        return value

    def _ask(self, probe: str, args: dict) -> dict:
        if self.gone is not None:
            raise NotRun("ended", self.gone.detail, ending=self.gone.ending)
        budget = self.clock.budget(tuple(self.lab.probe_uses.get(probe, ())))
        started = time.monotonic()
        try:
            reply = self.subject.ask(probe, args, budget)
        except SubjectGone as gone:
            self.gone = gone
            raise NotRun("ended", gone.detail, ending=gone.ending) from None
        finally:
            self.clock.spent(time.monotonic() - started)
        if "answer" in reply:
            answer = reply["answer"]
            if not isinstance(answer, dict):
                raise StudentError(probe, probe, "TypeError", f"the answer to {probe!r} is not a record")
            return answer
        if "raised" in reply:
            raised = reply["raised"] if isinstance(reply["raised"], dict) else {}
            raise StudentError(probe, str(raised.get("stage", probe)), str(raised.get("type", "Exception")),
                               str(raised.get("message", ""))[:1000])
        if "timeout" in reply:
            timeout = reply["timeout"] if isinstance(reply["timeout"], dict) else {}
            methods = tuple(str(m) for m in timeout.get("methods", ()) if isinstance(m, str))[:8]
            self.clock.timed_out(methods, "")
            what = f"{methods[0]}()" if methods else "your code"
            raise NotRun("timeout", f"{what} did not finish within {budget:g} s", methods)
        raise RuntimeError(f"the subject refused probe {probe!r}: {reply.get('refused', reply)}")

    def shared(self, key: str, make: Callable[[np.random.Generator], Any]) -> Any:
        """A value drawn once per run and shared by every check (e.g. the shapes a layer is built with)."""
        if key not in self._shared:
            self._shared[key] = make(rng_for(self.seed, key))
        return self._shared[key]


def new_seed() -> int:
    """A fresh seed for one run: the probes' inputs, weights and target lines cannot be predicted."""
    return secrets.randbelow(2**31 - 1)


def rng_for(seed: int, key: str) -> np.random.Generator:
    """A generator for ``key`` in the run ``seed``: independent of which checks ran before."""
    digest = hashlib.sha256(f"{seed}/{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class Context:
    """What one check works with: ``ask`` the subject, draw numbers, share facts."""

    def __init__(self, session: Session, check: Check):
        self._session = session
        self.check = check
        self.options = dict(check.options)
        self.environment = session.environment  # what the subject said it runs on, e.g. {"keras": "3.15.1"}
        self.entry = session.lab.entry
        self.rng = rng_for(session.seed, check.name)
        self.seed = int(self.rng.integers(0, 2**31 - 1))  # for the subject's own random initializers

    def ask(self, probe: str, **args) -> dict:
        return self._session.ask(probe, args)

    def shared(self, key: str, make: Callable[[np.random.Generator], Any]) -> Any:
        return self._session.shared(key, make)


# --------------------------------------------------------------------------- verdicts


def default_error_message(error: StudentError) -> Message:
    if error.type_name == "NotImplementedError":
        return Message(f"{error.stage} to run", "it still raises NotImplementedError (the unfinished stub)",
                       "replace the `raise NotImplementedError()` line with your own code")
    if error.type_name == "SystemExit":
        return Message(f"{error.stage} to run", f"{error.text}",
                       "remove exit() and sys.exit() calls from your code; raise an error instead")
    return Message(f"{error.stage} to run without an error", error.text,
                   "read the error, fix the line it points to, and run the cell again")


DEFAULT_HINTS = {
    "loop": "look for a loop in {method}() that never ends, or a very slow computation",
    "timeout": "look for a loop that never ends, or a very slow computation",
    "overtime": "fix the code that timed out first; the checks after it had no time left",
    Ending.TIME_LIMIT.value: "look for a loop that never ends, or a very slow computation",
    Ending.EXITED.value: "remove exit(), sys.exit() and os._exit() calls from your code; raise an error instead",
    Ending.CRASHED.value: "look for a huge allocation or a list that never stops growing",
    Ending.MEMORY_LIMIT.value: "look for a huge allocation, a list that never stops growing, or many processes",
}


def not_run_message(lab: Lab, error: NotRun) -> Message:
    hints = {**DEFAULT_HINTS, **dict(lab.hints)}
    key = error.ending.value if error.reason == "ended" and error.ending else error.reason
    if error.reason == "timeout" and error.methods:
        key = "loop"  # we know where it looped: say so
    method = error.methods[0] if error.methods else "your code"
    hint = hints.get(key, hints["timeout"]).format(method=method)
    return Message("this check to finish", error.detail, hint)


def run_check(check: Check, session: Session) -> CheckResult:
    """One check's verdict. A check never raises: whatever happens becomes its result."""
    def result(status: Status, note: str = "", message: Message | None = None) -> CheckResult:
        return CheckResult(check.name, check.category, check.visibility, check.max_points, status, note, message)

    try:
        note = check.function(Context(session, check))
        return result(Status.PASSED, str(note or check.summary))
    except CheckFailed as failure:
        return result(Status.FAILED, message=failure.message)
    except StudentError as error:
        describe = session.lab.error_describer() or default_error_message
        return result(Status.ERROR, message=describe(error))
    except NotRun as error:
        return result(Status.NOT_RUN, message=not_run_message(session.lab, error))
    except Exception as error:  # an answer of the wrong form: only code in the subject can have sent it
        return result(Status.ERROR, message=Message(
            "answers the grader can read from the process that runs your notebook",
            f"{type(error).__name__}: {str(error)[:200]} while reading them",
            "leave the grader's code alone in your notebook (do not replace its functions or modules)"))


def run_checks(checks: list[Check], session: Session, on_result: Callable[[CheckResult], None] | None = None
               ) -> list[CheckResult]:
    """Every check's verdict, gates first; when a gate fails the others are not run."""
    results: dict[str, CheckResult] = {}
    blocked: Message | None = None
    for check in sorted(checks, key=lambda c: not c.gate):
        if blocked is not None and not check.gate:
            outcome = CheckResult(check.name, check.category, check.visibility, check.max_points,
                                  Status.NOT_RUN, message=blocked)
        else:
            outcome = run_check(check, session)
            if check.gate and not outcome.passed:
                blocked = outcome.message
        results[check.name] = outcome
        if on_result is not None:
            on_result(outcome)
    return [results[c.name] for c in checks]
