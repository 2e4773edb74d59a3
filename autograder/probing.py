"""Running probes on the student's code: the subject side of every verdict.

A *probe* is a lab function ``probe(entry, **args) -> facts`` that calls the
student's code (the ``entry``, e.g. the ``SimpleDense`` class) with
arguments the judge chose, and reports what happened as plain data: shapes,
names, values, outputs. It decides nothing. The same :func:`run_probe` serves
a subject process (through ``subject.agent``) and the in-process subject of
the notebook's self-check, so a probe answers alike in both.

A probe wraps each call into the student's code with :func:`student`, which
names the stage ("build()", "call()") if that code raises. :class:`Deadline`
interrupts student code that runs past its time (a ``BaseException``, so an
``except Exception`` in the student's code cannot swallow it) and records
which of the entry's methods were running, so that the judge does not call a
method that looped once again.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
import signal
import threading
import time
from typing import Any, Callable, Mapping


class ProbeTimeout(BaseException):
    """Raised inside student code at its time limit."""


@dataclasses.dataclass
class StudentRaised(Exception):
    """The student's code raised ``error`` while the probe was at ``stage``."""

    stage: str
    error: BaseException

    def __str__(self) -> str:
        return f"{self.stage}: {describe_error(self.error)}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_KERAS_WRAPPER = re.compile(r"Exception encountered when calling [\w.]+\(\)\.?$")


def describe_error(error: BaseException) -> str:
    """``Type: first line of the message`` (or just the type)."""
    if isinstance(error, SystemExit):
        return f"SystemExit: sys.exit({error.code!r}) was called"
    lines = [line.strip() for line in _ANSI.sub("", str(error)).strip().splitlines() if line.strip()]
    if lines and lines[0].rstrip(":") == "in user code":
        # TensorFlow wraps errors raised inside a graph as "in user code:" and a traceback; what
        # went wrong is the last line.
        lines = lines[-1:]
    elif len(lines) > 1 and _KERAS_WRAPPER.match(lines[0]):
        # Keras 3: "Exception encountered when calling L.call().", then the cause (in bold), then
        # the arguments: the cause is what the student needs.
        lines = lines[1:]
    first = lines[0][:300] if lines else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def student(stage: str, function: Callable, *args, **kwargs):
    """Call the student's code; whatever it raises becomes :class:`StudentRaised` at ``stage``."""
    try:
        return function(*args, **kwargs)
    except (ProbeTimeout, StudentRaised):
        raise
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: student code raised them
        raise StudentRaised(stage, error) from None


class Deadline:
    """A soft time limit on the student's code in this thread (Unix main thread; elsewhere none).

    At the limit, :class:`ProbeTimeout` is raised in whatever runs, and again
    every half second until the block ends, so a loop that catches it once is
    interrupted again. ``methods`` names the entry's methods that were stuck:
    a call that was already running at half the limit and still is at the end
    (the stack is looked at then, without interrupting anything). A correct
    method called many times by a slow cell is never one call that long.

    Deadlines nest (a notebook cell's limit around the probes of the
    student's own ``self_check`` in that cell): the timer is always set for
    the nearest event, and a block that ends hands the rest of the time back
    to the one around it.
    """

    RETRY_S = 0.5
    _active: list["Deadline"] = []  # outermost first

    def __init__(self, seconds: float | None, entry: Any = None, *, patience: float | None = None,
                 find_entry: Callable[[], Any] | None = None):
        self.seconds = seconds
        self.entry = entry
        # With ``patience``, ``seconds`` stops only the entry's own code stuck in one call (a loop in
        # the layer); anything else may run on to ``patience`` (a slow but honest cell, as Jupyter
        # and nbgrader would let it). ``find_entry`` looks the entry up when the stack is looked at
        # (a cell may define it).
        self.patience = patience if patience and seconds and patience > seconds else None
        self.find_entry = find_entry
        self.extended = False
        self.expired = False
        self.methods: tuple[str, ...] = ()
        self._ends_at: float | None = None
        self._sample_at: float | None = None
        self._sampled: list | None = None  # the entry's frames at half time (kept alive, compared by identity)
        self._previous = None

    @staticmethod
    def _usable() -> bool:
        return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def __enter__(self) -> "Deadline":
        if self.seconds and self.seconds > 0 and self._usable():
            now = time.monotonic()
            self._ends_at, self._sample_at = now + self.seconds, now + self.seconds / 2
            if not Deadline._active:
                self._previous = signal.signal(signal.SIGALRM, Deadline._fire)
            Deadline._active.append(self)
            Deadline._arm()
        return self

    def __exit__(self, *exc) -> None:
        if self in Deadline._active:
            Deadline._active.remove(self)
            self._sampled = None
            if Deadline._active:
                Deadline._arm()
            else:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self._previous or signal.SIG_DFL)

    @staticmethod
    def _arm() -> None:
        now = time.monotonic()
        pending = [d._ends_at - now for d in Deadline._active if not d.expired]
        pending += [d._sample_at - now for d in Deadline._active if d._sampled is None and not d.expired]
        wait = min(pending) if pending else Deadline.RETRY_S
        signal.setitimer(signal.ITIMER_REAL, max(wait, 0.001))

    @staticmethod
    def _fire(signum, frame) -> None:
        now = time.monotonic()
        for deadline in Deadline._active:
            if deadline._sampled is None and deadline._sample_at <= now + 0.001:
                deadline._sampled = deadline._entry_frames(frame)
            if not deadline.expired and deadline._ends_at <= now + 0.001:
                still = deadline._entry_frames(frame)
                stuck = [f for f in still if any(f is g for g in deadline._sampled or ())]
                deadline._sampled = []  # let the frames go
                if deadline.patience is not None and not deadline.extended and not stuck:
                    deadline.extended = True
                    deadline._ends_at += deadline.patience - deadline.seconds
                    continue
                deadline.expired = True
                deadline.methods = tuple(dict.fromkeys(f.f_code.co_name.removeprefix("tf__") for f in stuck))
        if any(d.expired for d in Deadline._active):
            signal.setitimer(signal.ITIMER_REAL, Deadline.RETRY_S)
            raise ProbeTimeout()
        Deadline._arm()

    def _entry_frames(self, frame) -> list:
        """The frames on the stack that run code of the entry: the methods its class and the classes
        it shares a module with define (not those it inherits from a library), or the function."""
        if self.find_entry is not None:
            self.entry = self.find_entry()
        codes = _own_code(self.entry)
        # A method under tf.function runs as AutoGraph's converted copy ("tf__call"), with other code:
        # it is known by its name and by its `self`, an instance of the entry.
        converted = {f"tf__{c.co_name}" for c in codes} if isinstance(self.entry, type) else set()
        found: list = []
        while frame is not None and codes:
            if frame.f_code in codes or (frame.f_code.co_name in converted
                                         and isinstance(frame.f_locals.get("self"), self.entry)):
                found.append(frame)
            frame = frame.f_back
        return found


def _own_code(entry: Any) -> set:
    if not isinstance(entry, type):
        code = getattr(entry, "__code__", None)
        return {code} if code is not None else set()
    codes = set()
    for klass in getattr(entry, "__mro__", ()):
        if klass.__module__ != entry.__module__:
            continue
        for value in vars(klass).values():
            function = getattr(value, "__func__", getattr(value, "fget", value))
            function = getattr(function, "python_function", function)  # a tf.function's own Python function
            try:
                code = getattr(inspect.unwrap(function), "__code__", None)
            except (ValueError, TypeError):  # a __wrapped__ chain that loops
                code = None
            if code is not None:
                codes.add(code)
    return codes


def run_probe(probes: Mapping[str, Callable], entry: Any, name: str, args: dict,
              budget_s: float | None) -> dict:
    """Run one probe and describe how it went, as one of:

    ``{"answer": facts}``, ``{"raised": {"stage", "type", "message"}}``,
    ``{"timeout": {"seconds", "methods"}}`` or ``{"refused": why}``.
    """
    probe = probes.get(name)
    if probe is None:
        return {"refused": f"no probe named {name!r}"}
    started = time.monotonic()
    deadline = Deadline(budget_s, entry)
    try:
        with deadline:
            facts = probe(entry, **args)
    except ProbeTimeout:
        if not deadline.expired:
            raise  # an outer limit (the notebook cell this runs in) ran out, not this probe's
        facts = None
    except StudentRaised as raised:
        if not deadline.expired:
            return {"raised": {"stage": raised.stage, "type": type(raised.error).__name__,
                               "message": describe_error(raised.error)}}
    except RecursionError:
        return {"raised": {"stage": name, "type": "RecursionError",
                           "message": "RecursionError: maximum recursion depth exceeded"}}
    except Exception as error:  # the probe's own code, tripped by what the student's code gave it
        if not deadline.expired:
            return {"raised": {"stage": f"looking at your {getattr(entry, '__name__', 'code')} ({name})",
                               "type": type(error).__name__, "message": describe_error(error)}}
    if deadline.expired:
        return {"timeout": {"seconds": round(time.monotonic() - started, 3), "methods": list(deadline.methods)}}
    return {"answer": facts}
