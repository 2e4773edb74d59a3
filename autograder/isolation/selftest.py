"""Measure what containment holds on this machine: a subject tries to escape, and the judge watches.

``python -m autograder containment`` (and the kit's tests) start a real
subject with this module as its lab. Each probe attempts one thing a hostile
submission would, from inside the subject, and reports what happened; the
judge then says whether the protection held. Nothing is assumed from the
platform: what is printed was tried.
"""
from __future__ import annotations

import os
import socket
import sys
import time

from ..lab import Lab

LAB = Lab(name="containment_selftest", module=__name__, title="Containment self-test", entry="subject",
          categories=("containment",), public_checks=(), probes=__name__)

PROBES: dict = {}


def probe(function):
    PROBES[function.__name__] = function
    return function


def _attempt(action) -> dict:
    try:
        result = action()
        return {"done": True, "result": result}
    except BaseException as error:  # every refusal is an answer here
        return {"done": False, "error": f"{type(error).__name__}: {error}"[:200]}


@probe
def identity(entry) -> dict:
    return {"uid": os.getuid() if hasattr(os, "getuid") else None, "pid": os.getpid(), "name": entry,
            "environment": sorted(os.environ), "argv0": sys.argv[0]}


@probe
def read_file(entry, *, path: str) -> dict:
    return _attempt(lambda: len(open(path, "rb").read(100)))


@probe
def list_folder(entry, *, path: str) -> dict:
    return _attempt(lambda: len(os.listdir(path)))


@probe
def write_file(entry, *, path: str) -> dict:
    def write():
        with open(path, "a") as f:
            f.write("")
        return True
    return _attempt(write)


@probe
def connect(entry, *, host: str, port: int) -> dict:
    def dial():
        with socket.create_connection((host, port), timeout=2):
            return True
    return _attempt(dial)


@probe
def signal_process(entry, *, pid: int) -> dict:
    return _attempt(lambda: os.kill(pid, 0) or True)


@probe
def open_descriptors_of(entry, *, pid: int) -> dict:
    """Open the process's descriptors through /proc (how a forged line could reach its pipes)."""
    def reach():
        opened = []
        for name in os.listdir(f"/proc/{pid}/fd"):
            try:
                os.close(os.open(f"/proc/{pid}/fd/{name}", os.O_WRONLY))
                opened.append(name)
            except OSError:
                pass
        if not opened:
            raise PermissionError("listed, but none could be opened")
        return opened
    return _attempt(reach)


@probe
def read_memory_of(entry, *, pid: int) -> dict:
    return _attempt(lambda: len(open(f"/proc/{pid}/environ", "rb").read(100)))


@probe
def leave_a_process(entry) -> dict:
    """Double-fork a detached sleeper in a new session, and say its pid as the system sees it."""
    read, write = os.pipe()
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write, f"{_host_pid()}\n".encode())
            time.sleep(600)
        os._exit(0)
    os.waitpid(first, 0)
    return {"host_pid": int(os.read(read, 32).decode().strip())}


def _host_pid() -> int:
    """This process's pid as the machine sees it (a PID namespace numbers it differently inside)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("NSpid:"):
                    return int(line.split()[1])  # the first is in the namespace that mounted /proc
    except OSError:
        pass
    return os.getpid()


# --------------------------------------------------------------------------- the judge's side


def measure(backend: str | None = None) -> list[tuple[str, bool, str]]:
    """Start a subject, let it try each escape, and say what held: (protection, held, detail)."""
    import tempfile

    import autograder

    from . import Limits, start_subject

    findings: list[tuple[str, bool, str]] = []
    judge_pid = os.getpid()
    with tempfile.TemporaryDirectory(prefix="autograder-selftest-") as scratch:
        neighbour = os.path.join(scratch, "another_student.ipynb")
        with open(neighbour, "w") as f:
            f.write("{}")
        os.chmod(scratch, 0o755)
        os.chmod(neighbour, 0o644)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        subject = start_subject(LAB, Limits(timeout_s=30), backend)
        try:
            subject.run([{"number": 1, "source": "subject = 'probe'", "first_line": ""}], "subject")

            def ask(name, **args):
                return subject.ask(name, args, 10.0).get("answer") or {}

            me = ask("identity")
            findings.append(("looks like Jupyter: __name__ is __main__ and no grader variable is set",
                             not any(k.startswith(("AUTOGRADER", "DASK", "PYTEST")) for k in me.get("environment", [])),
                             f"environment: {', '.join(me.get('environment', []))}"))
            kit = os.path.join(os.path.dirname(os.path.realpath(autograder.__file__)), "lab.py")
            for what, result in (
                    ("cannot read the grader's code (hidden checks)", ask("read_file", path=kit)),
                    ("cannot read other students' submissions", ask("read_file", path=neighbour)),
                    ("cannot write outside its own folder", ask("write_file", path=neighbour)),
                    ("cannot connect over TCP (Dask, Jupyter kernels)",
                     ask("connect", host="127.0.0.1", port=listener.getsockname()[1])),
                    ("cannot signal the grader", ask("signal_process", pid=judge_pid)),
                    ("cannot open the grader's file descriptors", ask("open_descriptors_of", pid=judge_pid)),
                    ("cannot read the grader's memory or environment", ask("read_memory_of", pid=judge_pid))):
                findings.append((what, not result.get("done", True), str(result.get("error", "it could"))))
            leftover = ask("leave_a_process").get("host_pid")
        finally:
            finish = subject.finish()
            listener.close()
    time.sleep(0.2)
    alive = False
    if leftover:
        try:
            os.kill(int(leftover), 0)
            alive = True
        except (ProcessLookupError, PermissionError):
            alive = False
    findings.append(("no process it starts outlives its grading (double fork, setsid)", not alive,
                     f"pid {leftover} {'still alive' if alive else 'gone'}; "
                     f"pid namespace: {'yes' if finish.pid_namespace else 'no (subreaper)'}"))
    findings.append(("runs as", True, f"uid {me.get('uid')}"))
    return findings
