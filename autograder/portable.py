"""A sandbox for machines where the zygote cannot run (macOS, Windows).

The zygote (``zygote.py``) forks a child per submission and limits it with
Linux's ``/proc``, ``resource`` and ``prctl``; none of that exists on Windows,
and forking after TensorFlow is loaded is unsafe on macOS. A student's own
machine is often one of those, so ``pytest`` beside the notebook uses this
instead there: one fresh Python per notebook (``python -m autograder.portable``),
the same code, the same checks (``runner.run_one``) and the same JSON outcome
as the zygote, with a wall-clock limit for the whole run. It has no memory
limit and no per-check alarm: a check that never ends costs the rest of the
run (reported as "Not finished"), not a hung pytest.

``supported()`` says whether the zygote works here; ``install()`` routes
``sandbox.run`` (and so ``grading.grade_notebook``) through this module.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from . import sandbox
from .zygote import grade_here, record


def supported() -> bool:
    """Whether the zygote sandbox works on this machine (Linux with fork and /proc)."""
    if os.environ.get("AUTOGRADER_PORTABLE", "") == "1":  # tests exercise this module on Linux
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork") and os.path.exists("/proc/self/status")


def install() -> None:
    """Grade with this module from now on, in this process."""
    sandbox.run = run


def run(code: str, check_names: list[str], seed: int = 0, limits: sandbox.Limits = sandbox.Limits()) -> sandbox.Outcome:
    """``sandbox.run`` without fork: a fresh Python per submission, ended at the time limit."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    job = json.dumps({"code": code, "checks": list(check_names), "seed": seed})
    # TensorFlow's import is not the submission's time: allow it on top of the limit.
    deadline_s = limits.timeout_s + 60.0
    process = subprocess.Popen([sys.executable, "-m", "autograder.portable"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        process.stdin.write(job.encode() + b"\n")
        process.stdin.close()
    except OSError:
        pass
    started = time.monotonic()
    try:
        process.wait(timeout=deadline_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        timed_out = True
    reader.join(timeout=5)
    recorded = {"verdicts": {}}
    finished = False
    for line in list(lines):
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and record(recorded, message):
            finished = True
            break
    outcome = sandbox.Outcome.from_dict(recorded)
    if not finished:
        if timed_out:
            outcome.ended = f"time limit: the submission ran for more than {time.monotonic() - started:.0f} s"
        else:
            outcome.ended = (f"the grading process exited with code {process.returncode} before it finished: "
                             "does your code call sys.exit() or os._exit()?")
    return outcome


def _main() -> None:
    """In the fresh Python: run the job from stdin, one JSON line per event on the real stdout."""
    job = json.loads(sys.stdin.readline())
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the submission's prints (and TensorFlow's logs) go nowhere
    os.dup2(devnull, 2)
    sys.stdout = open(os.devnull, "w")
    sys.stderr = sys.stdout

    def send(message: dict) -> None:
        protocol.write(json.dumps(message) + "\n")

    # No per-check alarm: the caller's wall-clock limit covers the whole run.
    if grade_here(job, send, timed=False):
        send({"done": True})


if __name__ == "__main__":
    try:
        _main()
    finally:
        os._exit(0)  # skip teardown: TensorFlow's is slow, and so may the student's atexit be
