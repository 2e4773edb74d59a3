"""The zygote: import TensorFlow once, then fork a limited child per job.

Run as ``python -m autograder.zygote`` by ``sandbox.Zygote``. It reads one
JSON job per line on stdin and writes one JSON outcome per line on stdout. It
runs no student code itself: that happens only in the forked children.
"""
from __future__ import annotations

import io
import json
import os
import secrets
import select
import signal
import sys
import time


class _CheckTimeout(BaseException):
    """Raised in a child when one check runs past its limit (a BaseException,
    so that a student's ``except Exception`` cannot swallow it)."""


def _die_with_parent(expected_parent: int | None) -> None:
    """Ask Linux to SIGKILL this process when the thread that started it ends.

    For the zygote that is the grader thread that owns it; for a child, the
    zygote. So a killed batch run (even by SIGKILL) leaves no zygote, and no
    looping submission, behind. Elsewhere than Linux this does nothing.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if expected_parent and os.getppid() != expected_parent:  # the parent was already gone
            os._exit(1)
    except (OSError, AttributeError):
        pass


def _limit_child(limits: dict, output_path: str) -> None:
    import resource  # Unix only; portable.py imports this module on Windows too

    size_kb = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                size_kb = int(line.split()[1])
    ceiling = (size_kb + limits["memory_mb"] * 1024) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cap = limits["output_kb"] * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails; it does not kill
    out = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


class _CappedOutput(io.TextIOBase):
    """The child's sys.stdout and sys.stderr: the output file until the cap, then nothing.

    Past RLIMIT_FSIZE a write fails with OSError, which would surface in the
    student's print() and cost a correct layer its checks; this drops the rest
    quietly instead. (Writes straight to the descriptors still meet the limit.)
    """

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__()
        self._fd, self._left = fd, cap

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, text: str) -> int:
        if self._left > 0:
            data = str(text).encode("utf-8", "replace")[: self._left]
            self._left -= len(data)
            try:
                os.write(self._fd, data)
            except OSError:
                self._left = 0
        return len(text)


def _child(job: dict, write_fd: int, token: str, output_path: str) -> None:
    """In the forked child: limit this process, then grade, one line per event."""
    def send(message: dict) -> None:
        message["token"] = token
        os.write(write_fd, (json.dumps(message) + "\n").encode())

    limits = job["limits"]
    _limit_child(limits, output_path)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = _CappedOutput(1, limits["output_kb"] * 1024)
    if grade_here(job, send, timed=True):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        send({"done": True, "peak_memory_mb": round(peak, 1)})


def grade_here(job: dict, send, timed: bool) -> bool:
    """Define the submission and run its checks in this process, sending each event.

    Returns True when every check ran (the caller then sends "done"), False
    when the code failed to load or tampered (already reported).

    Shared by the zygote's children and by ``portable`` (macOS, Windows),
    so both grade alike. ``timed`` arms a per-check alarm (where signals
    allow), so one endless loop costs one check.
    """
    from . import checks as registry, integrity
    from .checks.support import describe_error, keras_version
    from .runner import run_one

    limits = job.get("limits", {})
    timed = timed and hasattr(signal, "setitimer")

    def arm(seconds: float) -> None:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, seconds)

    send({"keras": keras_version()})
    snapshot = integrity.Snapshot()

    def breach(what: str) -> None:
        send({"tampered": [what]})
        os._exit(0)

    integrity.guard_call_stack("<submission>", breach)

    def on_alarm(signum, frame):
        raise _CheckTimeout()

    if timed:
        signal.signal(signal.SIGALRM, on_alarm)
    budget = limits.get("check_timeout_s", 0.0)
    namespace = {"__name__": "submission"}
    try:
        arm(budget)
        exec(compile(job["code"], "<submission>", "exec"), namespace)
        arm(0)
    except _CheckTimeout:
        send({"load_error": f"defining the class took longer than {budget:g} s"})
        return False
    except BaseException as error:  # the submission's top-level code failed
        arm(0)
        send({"load_error": describe_error(error)})
        return False
    layer_class = namespace.get("SimpleDense")
    memory = f" (limit {limits['memory_mb']} MB)" if "memory_mb" in limits else ""
    for name in job["checks"]:
        send({"running": name})
        try:
            arm(budget)
            result = run_one(registry.get(name), layer_class, job["seed"])
            arm(0)
            verdict = [result.passed, result.message]
        except _CheckTimeout:
            verdict = [False, f"This check did not finish within {budget:g} s. "
                              "Try: look for a loop in build() or call() that never ends."]
            # Code that looped once will most likely loop again: the checks
            # after it get a short budget (still ample for a check that does
            # not reach the loop), so one endless loop does not hold a worker
            # for the whole submission's time limit.
            budget = min(budget, limits["after_timeout_check_s"])
        except MemoryError:
            arm(0)
            verdict = [False, f"Your code ran out of memory{memory} in this check. "
                              "Try: the layer needs only a kernel and a bias; look for a huge allocation."]
        tampered = snapshot.changes()
        if tampered:
            send({"tampered": tampered})
            return False
        send({"verdict": [name] + verdict})
    return True


def record(outcome: dict, message: dict) -> bool:
    """Apply one event from a grading child to ``outcome``; True once the run is over."""
    if "keras" in message:
        outcome["keras"] = str(message["keras"])
    if "running" in message:
        outcome["running"] = str(message["running"])
    if "verdict" in message:
        name, passed, text = message["verdict"]
        outcome["verdicts"][str(name)] = [passed is True, str(text)[:4000]]
    if "peak_memory_mb" in message:
        outcome["peak_memory_mb"] = message["peak_memory_mb"]
    if "load_error" in message:
        outcome["load_error"] = str(message["load_error"])[:1000]
        return True
    if "tampered" in message:
        outcome["tampered"] = [str(t) for t in message["tampered"]][:20]
        return True
    if message.get("done"):
        outcome["running"] = None
        return True
    return False


def _collect(read_fd: int, token: str, deadline: float, outcome: dict) -> bool:
    """Read the child's lines until it is done, closes the pipe, or time runs out."""
    buffer = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([read_fd], [], [], remaining)
        if not ready:
            return False
        chunk = os.read(read_fd, 65536)
        if not chunk:
            return False
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not isinstance(message, dict) or message.get("token") != token:
                continue  # not from the grader: ignore forged lines
            if record(outcome, message):
                return True


def _exit_reason(status: int, limits: dict) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name
        if number in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            return (f"the grading process was ended by {name}: a crash, or more memory than the "
                    f"{limits['memory_mb']} MB limit allows")
        return f"the grading process was ended by {name}"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return (f"the grading process exited with code {code} before it finished: "
            "does your code call sys.exit() or os._exit()?")


def _tail(path: str, keep: int = 4096) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - keep))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def run_job(job: dict, protocol_fds: tuple) -> dict:
    limits = job["limits"]
    token = secrets.token_hex(16)
    zygote_pid = os.getpid()
    output_path = f"/tmp/autograder-output-{os.getpid()}-{token[:8]}"
    read_fd, write_fd = os.pipe()
    outcome = {"verdicts": {}, "keras": "unknown", "ended": None, "running": None}
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_fd)
            for fd in protocol_fds:
                os.close(fd)
            os.setsid()
            _die_with_parent(zygote_pid)
            _child(job, write_fd, token, output_path)
        finally:
            os._exit(0)  # skip teardown: TensorFlow's is slow, and so may the student's atexit be
    os.close(write_fd)
    deadline = time.monotonic() + limits["timeout_s"]
    try:
        finished = _collect(read_fd, token, deadline, outcome)
        if not finished and time.monotonic() >= deadline:
            outcome["ended"] = f"time limit: the submission ran for more than {limits['timeout_s']:g} s"
        status = None
        if not finished:
            # Give a child that closed its pipe a moment to exit before ending it.
            for _ in range(20):
                reaped, exit_status = os.waitpid(pid, os.WNOHANG)
                if reaped:
                    status = exit_status  # keep it: the exit code says why it stopped
                    break
                time.sleep(0.05)
            else:
                os.killpg(pid, signal.SIGKILL)
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever the child may have started
        except ProcessLookupError:
            pass
        if status is None:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = 0
        if not finished and outcome["ended"] is None:
            outcome["ended"] = _exit_reason(status, limits)
    finally:
        os.close(read_fd)
        outcome["output"] = _tail(output_path)
        try:
            os.unlink(output_path)
        except OSError:
            pass
    return outcome


def main() -> None:
    _die_with_parent(int(os.environ.get("AUTOGRADER_OWNER_PID", "0")))
    # The protocol gets its own descriptors; 0 and 1 are closed to anything else.
    protocol_in = os.dup(0)
    protocol_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    from . import _preload  # noqa: F401  (TensorFlow, once)

    with os.fdopen(protocol_in, "rb") as jobs, os.fdopen(protocol_out, "wb") as answers:
        for line in jobs:
            outcome = run_job(json.loads(line), (protocol_in, protocol_out))
            answers.write((json.dumps(outcome) + "\n").encode())
            answers.flush()


if __name__ == "__main__":
    main()
