"""Where student code runs: a subject process, contained, with limits.

``start_subject(lab, limits)`` gives the judge a :class:`RemoteSubject`: the
judge's end of a channel to a new subject process. Two backends make one:

- ``zygote`` (Linux): a process per worker thread that has imported the lab's
  libraries once forks each subject, which is then contained (see
  ``contain``, ``zygote``). A subject costs milliseconds, not TensorFlow's
  import.
- ``fresh`` (macOS, Windows, or ``AUTOGRADER_BACKEND=fresh``): a new Python
  per subject (``python -m autograder.subject``), with what containment the
  platform offers.
"""
from __future__ import annotations

import dataclasses
import os
import sys


@dataclasses.dataclass(frozen=True)
class Limits:
    """How long and how much a submission may take (seconds, megabytes)."""

    timeout_s: float = 240.0
    """Wall clock for the whole submission: its notebook and every check (room for a few cells
    as slow as nbgrader lets them be; a clean notebook takes 3 to 9 s)."""
    cell_timeout_s: float = 60.0
    """One notebook cell: the limit nbgrader has in this kit's configuration, so a slow but honest
    cell (a long training run) runs as far as it would there."""
    stuck_s: float = 10.0
    """One call of the student's own code stuck in a notebook cell (a loop in the layer) is stopped
    after this, without waiting for the cell's limit."""
    check_timeout_s: float = 10.0
    """One probe of one check (a correct layer's slowest, the training, takes under 1 s)."""
    overtime_s: float = 3.0
    """Shared by everything after the first time-out: one endless loop then costs the first limit,
    this, and the process's start and end (measured: 14.8 s with 4 s here, on a loaded machine)."""
    memory_mb: int = 2048
    """Address space each of a submission's processes may add to what its libraries already hold,
    and, where the machine gives cgroups, the real memory of all its processes together (see
    ``isolation.cgroups``, which also caps its tasks and shares the CPU fairly between submissions)."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def default_backend() -> str:
    chosen = os.environ.get("AUTOGRADER_BACKEND", "")
    if chosen in ("zygote", "fresh"):
        return chosen
    linux = sys.platform.startswith("linux") and hasattr(os, "fork") and os.path.exists("/proc/self/status")
    return "zygote" if linux else "fresh"


def start_subject(lab, limits: Limits = Limits(), backend: str | None = None):
    """A new subject process for ``lab``, ready to be sent a notebook."""
    from .client import start_subject as _start

    return _start(lab, limits, backend or default_backend())


def warm_up(lab) -> None:
    """Start this thread's zygote for ``lab`` now, so its libraries load while the caller works."""
    if default_backend() == "zygote":
        from .client import zygote_for

        zygote_for(lab).start()


def shutdown() -> None:
    """Stop every zygote this process started."""
    from .client import shutdown as _shutdown

    _shutdown()
