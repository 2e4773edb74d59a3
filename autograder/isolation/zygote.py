"""The zygote: import the lab's libraries once, then fork a contained subject per submission.

Run as ``python -m autograder.isolation.zygote --preload MOD...`` by
:class:`autograder.isolation.client.Zygote`. It never runs student code, and
never sees a submission, a check or a result: the judge hands it only "start
a subject for lab L" with the subject's end of a fresh socket pair (passed
as a file descriptor), and the subject and the judge then talk directly.
So what a subject inherits from the zygote's memory is the libraries and the
lab's probes, and nothing about anyone else.

Process tree per submission::

    zygote (subreaper) -> warden (subreaper; in a new PID namespace where allowed)
                              -> init (PID 1 of that namespace) -> subject

When the subject ends, its namespace ends with it: the kernel kills every
process left in it, double-forked and ``setsid``-ed ones included. Where no
PID namespace can be made, the warden is a subreaper and kills every
descendant left once the subject has ended. The judge can end a subject at
any time by asking the zygote to kill its warden.
"""
from __future__ import annotations

import argparse
import array
import importlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile

from . import contain

CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
SUBJECT_MODULES = ("autograder.subject.agent", "autograder.subject.cells", "IPython.core.interactiveshell")


# --------------------------------------------------------------------------- messages with descriptors


def send(sock: socket.socket, message: dict, fd: int | None = None) -> None:
    data = (json.dumps(message) + "\n").encode()
    if fd is None:
        sock.sendall(data)
    else:
        sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])


def receive(sock: socket.socket) -> tuple[dict | None, int | None]:
    """One message (and the descriptor sent with it, if any). None at end of file."""
    fds = array.array("i")
    data, ancillary, _, _ = sock.recvmsg(1 << 16, socket.CMSG_LEN(fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if not data:
        return None, None
    return json.loads(data.decode().splitlines()[0]), (fds[0] if fds else None)


# --------------------------------------------------------------------------- the process tree


def _unshare(flags: int) -> bool:
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).unshare(flags) == 0
    except (OSError, AttributeError):
        return False


def new_pid_namespace() -> bool:
    """Make this process's next child the first of a new PID namespace (root, or via a user namespace)."""
    if sys.platform != "linux":
        return False
    if os.geteuid() == 0:
        return _unshare(CLONE_NEWPID)
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(CLONE_NEWUSER | CLONE_NEWPID):
        return False
    try:  # keep our own uid and gid inside (the subject looks like an ordinary process)
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    except OSError:
        return False
    return True


def _encode_status(status: int, through_init: bool) -> dict:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    if through_init and code >= 128:  # run_init passes on a signal as 128 + its number
        return {"signal": code - 128}
    return {"exit": code}


def kill_descendants() -> None:
    """End every process this (subreaper) process has adopted or started, until none is left."""
    me = str(os.getpid())
    while True:
        children = []
        for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[1] == me:
                    children.append(int(name))
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def run_warden(job: dict, channel_fds: tuple[int, ...], report, parent_pid: int | None) -> None:
    """In the warden: start the subject in its own PID namespace, wait, clean up, ``report`` how it ended."""
    contain.die_with_parent(parent_pid)
    contain.become_subreaper()
    isolated = new_pid_namespace()
    pid = os.fork()
    if pid == 0:
        if isolated:
            run_init(job, channel_fds)
        else:
            run_subject(job, channel_fds)
        os._exit(0)
    for fd in channel_fds:
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)
    kill_descendants()  # nothing is left in a namespace; without one, the orphans the subreaper adopted
    shutil.rmtree(job["workdir"], ignore_errors=True)
    report({**_encode_status(status, isolated), "maxrss_kb": usage.ru_maxrss, "pid_namespace": isolated})


def run_init(job: dict, channel_fds: tuple[int, ...]) -> None:
    """PID 1 of the subject's namespace: start the subject, reap orphans, end with the subject."""
    contain.die_with_parent()
    pid = os.fork()
    if pid == 0:
        run_subject(job, channel_fds)
        os._exit(0)
    for fd in channel_fds:
        os.close(fd)
    while True:
        try:
            reaped, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if reaped == pid:  # leaving ends the namespace: the kernel kills whatever is left in it
            if os.WIFSIGNALED(status):
                os._exit(128 + os.WTERMSIG(status))
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def run_subject(job: dict, channel_fds: tuple[int, ...]) -> None:
    """In the subject: contain this process, then serve the judge."""
    from ..lab import load_lab_module
    from ..subject.agent import serve
    from ..subject.channel import Channel

    contain.die_with_parent()
    lab = load_lab_module(job["lab"])
    contain.contain(set(channel_fds), job["workdir"], job.get("memory_mb"), job.get("hidden_paths", []))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a Jupyter kernel
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    serve(lab, Channel(*channel_fds))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown: TensorFlow's is slow, and so may the student's atexit be


# --------------------------------------------------------------------------- the server


def hidden_paths() -> list[str]:
    """Folders a subject must not read: the kit's own package, wherever it is installed."""
    import site

    import autograder

    paths = {os.path.dirname(os.path.realpath(autograder.__file__))}
    for folder in set(site.getsitepackages()) | {p for p in sys.path if p.endswith("-packages")}:
        candidate = os.path.join(folder, "autograder")
        if os.path.isdir(candidate):
            paths.add(os.path.realpath(candidate))
    return sorted(paths)


def serve(control: socket.socket, preload: list[str]) -> None:
    for module in preload:
        importlib.import_module(module)
    hidden = hidden_paths()
    send(control, {"op": "ready", "pid": os.getpid()})
    wardens: dict[int, int] = {}  # warden pid -> read end of its status pipe
    zygote_pid = os.getpid()
    while True:
        message, fd = receive(control)
        if message is None:
            return
        if message.get("op") == "spawn" and fd is not None:
            workdir = tempfile.mkdtemp(prefix="autograder-subject-")
            job = {**message, "workdir": workdir, "hidden_paths": hidden}
            status_read, status_write = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    control.close()
                    os.close(status_read)
                    for other in wardens.values():
                        os.close(other)
                    run_warden(job, (fd,), lambda status: os.write(status_write, (json.dumps(status) + "\n").encode()),
                               zygote_pid)
                finally:
                    os._exit(1)
            os.close(fd)
            os.close(status_write)
            wardens[pid] = status_read
            send(control, {"op": "spawned", "pid": pid})
        elif message.get("op") == "end":
            pid = int(message.get("pid", 0))
            status_read = wardens.pop(pid, None)
            if status_read is None:
                send(control, {"op": "ended", "pid": pid, "status": {"unknown": True}})
                continue
            if message.get("kill"):
                _wait_then_kill(pid, float(message.get("grace_s", 0.0)))
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:  # already reaped while waiting
                pass
            with os.fdopen(status_read, "rb") as pipe:
                line = pipe.readline()
            status = json.loads(line) if line else {"killed": True}
            kill_descendants()  # a warden killed before cleaning up leaves its adoptees to us
            send(control, {"op": "ended", "pid": pid, "status": status})


def _wait_then_kill(pid: int, grace_s: float) -> None:
    """Give a warden ``grace_s`` to finish on its own (its subject is ending), then kill it."""
    import time

    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.isolation.zygote")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--owner", type=int, default=0)
    parser.add_argument("--preload", nargs="*", default=[])
    args = parser.parse_args(argv)
    contain.die_with_parent(args.owner or None)
    contain.protect_from_same_user()
    contain.become_subreaper()
    control = socket.socket(fileno=args.control_fd)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    serve(control, list(SUBJECT_MODULES) + list(args.preload))


if __name__ == "__main__":
    main()
