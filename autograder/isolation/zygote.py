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

Before it forks, the warden joins the subject's cgroup (a cap on tasks and on
the memory of every process together, a fair share of the CPU: see
``cgroups``), and makes the subject's folder a tmpfs of ``FOLDER_MB`` in a
mount namespace of its own, so that a subject cannot fill the disk; the
mount ends with the namespace. Every subject folder lies in a folder the
judge made for this zygote and removes when the zygote ends, whoever killed it.
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

from . import cgroups, contain

CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWCGROUP = 0x10000000, 0x20000000, 0x00020000, 0x02000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
# The subject's folder: room for what a notebook writes (a saved model, a few plots, a data set of
# tens of MB), not for 20 GB of 60 MB files (red team: 350 MB/s). tmpfs pages are memory, charged to
# the subject's memory cgroup where there is one.
FOLDER_MB, FOLDER_INODES = 256, 16384
SUBJECT_MODULES = ("autograder.subject.agent", "autograder.subject.cells", "IPython.core.interactiveshell")
# The kernel's own shell and stream classes, for a subject that looks like a Jupyter kernel (optional:
# without ipykernel, IPython's are used).
KERNEL_MODULES = ("ipykernel.zmqshell", "ipykernel.ipkernel", "ipykernel.iostream")


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


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str | None) -> bool:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    encode = (lambda text: text.encode() if text is not None else None)
    return libc.mount(encode(source), encode(target), encode(kind), ctypes.c_ulong(flags), encode(data)) == 0


def _enter_user_namespace() -> bool | None:
    """Unprivileged: a user namespace in which this process keeps its own uid and gid.

    True when mapped, None when the namespace was made but could not be mapped
    (the process is then the overflow uid, 65534, inside), False when none was made.
    """
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(CLONE_NEWUSER):
        return False
    # A non-dumpable process's /proc/self files belong to root, so the zygote's forked warden (the
    # zygote keeps itself non-dumpable) could not open its own maps: dumpable just for these writes.
    contain.set_dumpable(True)
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    except OSError:
        return None
    finally:
        contain.set_dumpable(False)
    return True


def enter_namespaces(workdir: str, folder_mb: int | None) -> dict:
    """Make this process's next child the first of new namespaces (as root, or inside a user namespace):
    PID (its tree ends with it), cgroup (its cgroup looks like the root), and mount, where its folder
    becomes a tmpfs of ``folder_mb``. Returns what holds."""
    held = {"pid_namespace": False, "user_namespace": False, "folder_mb": None}
    if sys.platform != "linux":
        return held
    if os.geteuid() != 0:
        mapped = _enter_user_namespace()
        if mapped is False:
            return held
        held["user_namespace"] = "mapped" if mapped else "unmapped"
    held["pid_namespace"] = _unshare(CLONE_NEWPID)
    _unshare(CLONE_NEWCGROUP)
    if folder_mb and _unshare(CLONE_NEWNS):
        # Private first: a mount here must not propagate to the machine's own namespace.
        if _mount(None, "/", None, MS_REC | MS_PRIVATE, None) and _mount(
                "tmpfs", workdir, "tmpfs", MS_NOSUID | MS_NODEV,
                f"size={folder_mb}m,nr_inodes={FOLDER_INODES},mode=0700"):
            held["folder_mb"] = folder_mb
    return held


def _unlikely_for_the_oom_killer() -> None:
    """The warden holds the subject's status: the kernel's OOM killer should end the subject's processes."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("-1000")
    except OSError:  # an ordinary user may not lower it
        pass


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


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
    """In the warden: start the subject in its own namespaces and cgroup, wait, clean up, ``report`` how it ended.

    ``job["cgroups"]`` (controller -> the subject's cgroup) is joined before anything is forked,
    so that every process of the subject is in it. Where it holds no task limit, the subject
    limits its uid's processes instead (``job["tasks"]``, RLIMIT_NPROC; see ``contain``).
    """
    if _threads() > 1:
        # A user namespace is made only by a process of one thread: a warden with threads (a fresh
        # Python that imported TensorFlow) hands over to a child, and exits as the child does.
        child = os.fork()
        if child:
            for fd in channel_fds:
                os.close(fd)
            _, status = os.waitpid(child, 0)
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
        parent_pid = os.getppid()
    contain.die_with_parent(parent_pid)
    contain.become_subreaper()
    groups = job.get("cgroups") or {}
    joined = set(cgroups.join(sorted(set(groups.values()))))
    held_by = sorted(c for c, path in groups.items() if path in joined)
    job = {**job, "tasks": None if "pids" in held_by else cgroups.task_limit()}
    held = enter_namespaces(job["workdir"], job.get("folder_mb", FOLDER_MB))
    isolated = held["pid_namespace"]
    pid = os.fork()
    if pid == 0:
        if isolated:
            run_init(job, channel_fds)
        else:
            run_subject(job, channel_fds)
        os._exit(0)
    if os.geteuid() == 0:
        _unlikely_for_the_oom_killer()  # after the fork: the subject keeps the default score
    for fd in channel_fds:
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)
    kill_descendants()  # nothing is left in a namespace; without one, the orphans the subreaper adopted
    if not held["folder_mb"]:  # a tmpfs ends with its mount namespace: nothing to remove
        shutil.rmtree(job["workdir"], ignore_errors=True)
    report({**_encode_status(status, isolated), "maxrss_kb": usage.ru_maxrss, **held, "cgroups": held_by})


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
    from .. import codec
    from ..lab import load_lab_module
    from ..subject.agent import serve
    from ..subject.channel import Channel

    contain.die_with_parent()
    lab = load_lab_module(job["lab"])
    contain.contain(set(channel_fds), job["workdir"], job.get("memory_mb"), job.get("hidden_paths", []),
                    tasks=job.get("tasks"))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a Jupyter kernel
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    serve(lab, Channel(*channel_fds, max_line=codec.MAX_JUDGE_LINE_BYTES))
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


def preload(modules) -> None:
    """Import what every subject needs, once, before any subject is forked."""
    for module in KERNEL_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    for module in modules:
        importlib.import_module(module)
    from ..subject.cells import prepare_shell

    prepare_shell()


class _Warden:
    """What the zygote keeps of one subject: its warden's status pipe, its folder, its cgroup."""

    def __init__(self, status_read: int, workdir: str, group: cgroups.Group):
        self.status_read, self.workdir, self.group = status_read, workdir, group

    def clean_up(self) -> dict:
        """After the warden has ended: what the cgroup saw, then the cgroup and the folder removed."""
        found = {"peak": self.group.peak()}
        if self.group.oom_kills():
            found["memory_limit"] = True  # the kernel ended a process of this subject for its memory
        self.group.remove()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return found


def serve(control: socket.socket, modules: list[str], folder: str | None = None) -> None:
    preload(modules)
    hidden = hidden_paths()
    pool = cgroups.Pool.create()
    wardens: dict[int, _Warden] = {}
    try:
        send(control, {"op": "ready", "pid": os.getpid(), **pool.describe()})
        _serve(control, hidden, pool, wardens, folder)
    finally:
        for pid, warden in wardens.items():
            _wait_then_kill(pid, 0.0)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            warden.clean_up()
        pool.close()


def _serve(control: socket.socket, hidden: list[str], pool: cgroups.Pool, wardens: dict, folder: str | None) -> None:
    zygote_pid = os.getpid()
    while True:
        message, fd = receive(control)
        if message is None:
            return
        if message.get("op") == "spawn" and fd is not None:
            workdir = tempfile.mkdtemp(dir=folder)  # a name that says nothing about grading
            group = pool.group(message.get("memory_mb"), cgroups.task_limit())
            job = {**message, "workdir": workdir, "hidden_paths": hidden, "cgroups": group.directories,
                   "folder_mb": FOLDER_MB}
            status_read, status_write = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    control.close()
                    os.close(status_read)
                    for other in wardens.values():
                        os.close(other.status_read)
                    run_warden(job, (fd,), lambda status: os.write(status_write, (json.dumps(status) + "\n").encode()),
                               zygote_pid)
                finally:
                    os._exit(1)
            os.close(fd)
            os.close(status_write)
            wardens[pid] = _Warden(status_read, workdir, group)
            send(control, {"op": "spawned", "pid": pid})
        elif message.get("op") == "end":
            pid = int(message.get("pid", 0))
            warden = wardens.pop(pid, None)
            if warden is None:
                send(control, {"op": "ended", "pid": pid, "status": {"unknown": True}})
                continue
            if message.get("kill"):
                _wait_then_kill(pid, float(message.get("grace_s", 0.0)))
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:  # already reaped while waiting
                pass
            with os.fdopen(warden.status_read, "rb") as pipe:
                line = pipe.readline()
            status = json.loads(line) if line else {"killed": True}
            kill_descendants()  # a warden killed before cleaning up leaves its adoptees to us
            status.update(warden.clean_up())
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
    parser.add_argument("--folder", default=None, help="where the subjects' folders go (the judge removes it)")
    args = parser.parse_args(argv)
    contain.die_with_parent(args.owner or None)
    contain.protect_from_same_user()
    contain.become_subreaper()
    control = socket.socket(fileno=args.control_fd)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    serve(control, list(SUBJECT_MODULES) + list(args.preload), args.folder)


if __name__ == "__main__":
    main()
