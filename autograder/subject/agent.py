"""The subject's side of a grading run: run the notebook, then answer the judge's probes.

The conversation, one JSON message per line on a channel that belongs to this
submission alone:

1. judge -> ``{"op": "run", "cells": [...], "entry": "SimpleDense", "budget": {...}}``;
   subject -> one ``{"op": "cell", ...}`` per cell as it ends, then
   ``{"op": "ready", "entry": bool, "environment": {...}}``.
2. judge -> ``{"op": "probe", "id": n, "probe": name, "args": {...}, "budget_s": s}``;
   subject -> ``{"op": "answer", "id": n, ...}`` (see ``probing.run_probe``).
3. judge -> ``{"op": "bye"}``; subject -> ``{"op": "bye", "peak_memory_mb": m}``, then exits.

Nothing here decides anything: the subject reports, the judge judges. The
student's code runs in this process, so it may read or rewrite anything
here, and may send whatever it likes on the channel: it can only speak for
this submission, and only in answers that the judge checks against probes
it chose.
"""
from __future__ import annotations

import io
import sys

from ..lab import Lab
from ..probing import run_probe
from .cells import CellBudget, make_shell, run_cells
from .channel import Channel, ChannelClosed

OUTPUT_CAP = 64 << 10  # what the student's code may print, in all; the rest is dropped


class CappedOutput(io.TextIOBase):
    """sys.stdout and sys.stderr while student code runs: kept up to a cap, then dropped.

    A layer that prints megabytes on every call costs nothing but its own time. Named as a Jupyter
    kernel's streams are (ipykernel's OutStream), so that a notebook finds what it finds in Jupyter.
    """

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str, cap: int = OUTPUT_CAP):
        io.TextIOBase.__init__(self)
        self.name = name
        self._left = cap
        self.kept = io.StringIO()

    def fileno(self):
        raise io.UnsupportedOperation("fileno")

    def readable(self) -> bool:
        return False


    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text) -> int:
        text = str(text)
        if self._left > 0:
            self.kept.write(text[: self._left])
            self._left -= min(len(text), self._left)
        return len(text)

    def flush(self) -> None:
        pass


CappedOutput.__name__ = CappedOutput.__qualname__ = "OutStream"
CappedOutput.__module__ = "ipykernel.iostream"


def peak_memory_mb() -> float | None:
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def serve(lab: Lab, channel: Channel) -> None:
    """Answer one judge over ``channel`` until it says goodbye or goes away."""
    probes_module = lab.probe_module()
    probes = getattr(probes_module, "PROBES", {})
    sys.stdout, sys.stderr = CappedOutput("stdout"), CappedOutput("stderr")
    try:
        channel.send({"op": "hello"})
        request = channel.receive() or {}
        if request.get("op") != "run":
            return
        setup = getattr(probes_module, "setup_subject", None)
        if setup is not None:
            setup()
        shell = make_shell()
        # As in a Jupyter kernel, the working folder comes first on sys.path (a module the notebook
        # writes there with %%writefile imports).
        if sys.path[:1] != [""]:
            sys.path.insert(0, "")
        budget = CellBudget(**request.get("budget", {}))
        entry_name = str(request.get("entry", lab.entry))
        for outcome in run_cells(shell, list(request.get("cells", [])), budget, entry_name):
            channel.send({"op": "cell", "number": outcome.number, "status": outcome.status,
                          "detail": outcome.detail, "methods": list(outcome.methods),
                          "seconds": round(outcome.seconds, 3)})
        entry = shell.user_ns.get(entry_name)
        environment = getattr(probes_module, "environment", dict)()
        channel.send({"op": "ready", "entry": entry is not None, "environment": environment})
        while True:
            request = channel.receive() or {}
            if request.get("op") != "probe":
                break
            reply = run_probe(probes, entry, str(request.get("probe")), dict(request.get("args") or {}),
                              request.get("budget_s"))
            channel.send({"op": "answer", "id": request.get("id"), **reply})
        channel.send({"op": "bye", "peak_memory_mb": peak_memory_mb()})
    except ChannelClosed:
        pass
