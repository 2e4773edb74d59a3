"""Run a submission's code and checks in a child process with limits.

Process tree: the caller (no TensorFlow) -> a zygote (``autograder.zygote``,
which has imported TensorFlow once) -> one forked child per submission. A
child costs only its checks, not TensorFlow's 2.5 s import. The zygote, which
runs no student code, enforces the limits, reaps the child and answers with
one JSON line per job; the caller restarts a zygote that dies, so no result
is ever lost, only marked with why it is incomplete.

Each caller thread has its own zygote, so a thread pool grades in parallel.
"""
from __future__ import annotations

import atexit
import dataclasses
import json
import os
import select
import subprocess
import sys
import threading


@dataclasses.dataclass(frozen=True)
class Limits:
    timeout_s: float = 60.0  # wall clock for one whole submission
    check_timeout_s: float = 10.0  # one check (a correct one takes under 1 s), so one endless loop costs one check
    after_timeout_check_s: float = 2.0  # each later check, once one has timed out
    memory_mb: int = 2048  # address space a submission may add to TensorFlow's own
    output_kb: int = 256  # what the student's code may print (the last 4 KB are kept)


@dataclasses.dataclass
class Outcome:
    """What came back: verdicts so far and how the run ended."""

    verdicts: dict = dataclasses.field(default_factory=dict)  # check name -> (passed, message)
    keras: str = "unknown"
    ended: str | None = None  # None: finished; else why it stopped early
    running: str | None = None  # the check under way when it stopped
    load_error: str | None = None  # the code itself failed to run
    tampered: list = dataclasses.field(default_factory=list)
    peak_memory_mb: float | None = None
    output: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> "Outcome":
        outcome = cls()
        for field in dataclasses.fields(cls):
            if field.name in data:
                setattr(outcome, field.name, data[field.name])
        outcome.verdicts = {k: (bool(v[0]), str(v[1])) for k, v in dict(outcome.verdicts).items()}
        return outcome


class Zygote:
    """A TensorFlow-loaded process that forks one child per job."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        # One thread per TensorFlow pool: parallelism comes from processes.
        env.setdefault("TF_NUM_INTRAOP_THREADS", "1")
        env.setdefault("TF_NUM_INTEROP_THREADS", "1")
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["AUTOGRADER_OWNER_PID"] = str(os.getpid())  # the zygote ends when its owner does
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.zygote"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, start_new_session=True,
        )

    def run(self, job: dict, timeout_s: float) -> Outcome:
        self.start()
        process = self._process
        try:
            process.stdin.write((json.dumps(job) + "\n").encode())
            process.stdin.flush()
            # The zygote enforces the job's own limit; this one covers the zygote
            # itself (its TensorFlow import, or the unthinkable: a hang).
            ready, _, _ = select.select([process.stdout], [], [], timeout_s + 60.0)
            line = process.stdout.readline() if ready else b""
            if line:
                return Outcome.from_dict(json.loads(line))
        except (OSError, ValueError):
            pass
        self.close()
        return Outcome(ended="the grading process itself was killed or stopped answering")

    @property
    def pid(self) -> int | None:
        """The zygote's process id while it runs (for memory reports)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def close(self) -> None:
        # Safe to call from another thread (batch grading's shutdown on Ctrl-C):
        # the owner's pending read then sees end-of-file and reports the job lost.
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass


_local = threading.local()
_all: list[Zygote] = []
_all_lock = threading.Lock()


def _zygote() -> Zygote:
    zygote = getattr(_local, "zygote", None)
    if zygote is None:
        zygote = _local.zygote = Zygote()
        with _all_lock:
            _all.append(zygote)
    return zygote


@atexit.register
def shutdown() -> None:
    """Stop every zygote this process started."""
    with _all_lock:
        for zygote in _all:
            zygote.close()


def warm_up() -> None:
    """Start this thread's zygote now, so TensorFlow loads while the caller works."""
    _zygote().start()


def zygote_pid() -> int | None:
    """This thread's zygote's process id, if it is running."""
    zygote = getattr(_local, "zygote", None)
    return zygote.pid if zygote is not None else None


def run(code: str, check_names: list[str], seed: int = 0, limits: Limits = Limits()) -> Outcome:
    """Run ``code`` and the named checks in a fresh child; never raises for the submission's sake."""
    job = {"code": code, "checks": list(check_names), "seed": seed, "limits": dataclasses.asdict(limits)}
    return _zygote().run(job, limits.timeout_s)
