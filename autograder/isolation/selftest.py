"""Measure what containment holds on this machine: a subject tries to escape, and the judge watches.

``python -m autograder containment`` (and the kit's tests) start a real
subject with this module as its lab. Each probe attempts one thing a hostile
submission would, from inside the subject, and reports what happened; the
judge then says whether the protection held. Nothing is assumed from the
platform: what is printed was tried (its share of the CPU, the one exception,
is what its cgroups were). Where a limit needs what the machine does not give
(writable cgroups, a mount namespace), the line says so and names the fallback.
"""
from __future__ import annotations

import errno
import os
import socket
import sys
import time

from ..judge import SubjectGone
from ..lab import Lab
from . import cgroups

# What the self-test tries (see measure): sizes that a limit must stop, small enough to do no harm where none does.
PROCESSES = 2000
MEMORY_MB, MEMORY_PROCESSES, MEMORY_EACH_MB = 512, 4, 200
FILES, FILE_MB = 8, 60  # 480 MB: past a 256 MB folder; each under the 64 MB limit on one file
UNKNOWN_CALL = 467  # open_tree_attr (Linux 6.15): newer than the seccomp filter's list

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
    """Who the subject is, from its own view: uid, capabilities, PID namespace, what its folder is."""
    found = {"uid": os.getuid() if hasattr(os, "getuid") else None, "pid": os.getpid(), "name": entry,
             "environment": sorted(os.environ), "argv0": sys.argv[0]}
    try:
        with open("/proc/self/status") as status:
            fields = dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)
        found["capabilities"] = fields.get("CapEff", "").strip()
        found["pid_levels"] = len(fields.get("NSpid", "").split())  # 2 or more: in a PID namespace
    except OSError:
        pass
    try:
        with open("/proc/self/mountinfo") as mounts:
            here = os.getcwd()
            for line in mounts:
                before, _, after = line.partition(" - ")
                if before.split()[4] == here:
                    found["folder_type"] = after.split()[0]
        found["folder_mb"] = round(os.statvfs(".").f_blocks * os.statvfs(".").f_frsize / (1 << 20))
    except (OSError, IndexError):
        pass
    return found


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
def send_datagram(entry, *, port: int) -> dict:
    def send():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            return udp.sendto(b"hidden probe parameters", ("127.0.0.1", port))
    return _attempt(send)


@probe
def connect_unix(entry, *, path: str) -> dict:
    def dial():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
            unix.connect(path)
            return True
    return _attempt(dial)


@probe
def change_mode(entry, *, path: str) -> dict:
    """chmod 0 on a file outside the subject's folder; done only if the mode really changed."""
    def change():
        os.chmod(path, 0)
        if os.stat(path).st_mode & 0o777:
            raise PermissionError("the call returned, but the mode did not change")
        return True
    return _attempt(change)


@probe
def shared_kernel_objects(entry) -> dict:
    """System V shared memory, a key in the user's key ring, an inotify watch: shared by a uid's processes."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    made = []
    segment = libc.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    if segment >= 0:
        made.append("shared memory")
        libc.shmctl(segment, 0, None)  # IPC_RMID
    key = libc.syscall(248 if "x86" in os.uname().machine else 217, b"user", b"autograder-selftest", b"x", 1,
                       -4)  # add_key(..., KEY_SPEC_USER_KEYRING)
    if key >= 0:
        made.append("a key in the user's key ring")
    watch = libc.inotify_init()
    if watch >= 0:
        made.append("an inotify watch")
        os.close(watch)
    if made:
        return {"done": True, "result": made}
    return {"done": False, "error": "all refused"}


@probe
def start_processes(entry, *, count: int) -> dict:
    """Start up to ``count`` sleeping processes; say how many started. All are ended before answering."""
    children, error = [], None
    try:
        for _ in range(count):
            children.append(os.posix_spawn("/bin/sleep", ["sleep", "60"], {}))
    except OSError as refused:
        error = f"{type(refused).__name__}: {refused}"
    finally:
        for pid in children:
            os.kill(pid, 9)
        for pid in children:
            os.waitpid(pid, 0)
    return {"done": error is None, "started": len(children), "error": error or "none refused"}


@probe
def use_memory(entry, *, processes: int, megabytes: int) -> dict:
    """``processes`` children each fill ``megabytes`` and hold it: how many held it at the same time."""
    import select

    read, write = os.pipe()
    children = []
    for number in range(processes):
        pid = os.fork()
        if pid == 0:
            try:
                held = b"\x01" * (megabytes << 20)  # written, so resident (not lazily mapped zeros)
                os.write(write, bytes([number]))
                time.sleep(60)
                del held
            finally:
                os._exit(0)
        children.append(pid)
    os.close(write)
    filled, ended = set(), {}
    deadline = time.monotonic() + 8.0
    while len(filled | set(ended)) < processes and time.monotonic() < deadline:
        if select.select([read], [], [], 0.05)[0]:
            filled |= set(os.read(read, 64))
        for number, pid in enumerate(children):
            if number not in ended:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    ended[number] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)
    time.sleep(0.2)  # a child killed for memory just after it filled shows now
    for number, pid in enumerate(children):
        if number not in ended:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                ended[number] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)
            else:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
    os.close(read)
    at_once = len(filled - set(ended))
    said = (f"{at_once} of {processes} held {megabytes} MB at once"
            + (f"; {len(ended)} ended early (signals {sorted(ended.values())})" if ended else ""))
    return {"done": at_once >= processes, "result": said, "error": said}


@probe
def fill_folder(entry, *, files: int, megabytes: int) -> dict:
    """Write up to ``files`` files of ``megabytes`` in its own folder; say how much got written. Removed after."""
    written, error, chunk = 0, None, b"\x01" * (1 << 20)
    names = [f"data-{n}.bin" for n in range(files)]
    try:
        for name in names:
            with open(name, "wb") as f:
                for _ in range(megabytes):
                    f.write(chunk)
                    written += 1
                f.flush()
                os.fsync(f.fileno())
    except OSError as refused:
        error = f"{type(refused).__name__}: {refused.strerror or refused}"
    finally:
        for name in names:
            try:
                os.remove(name)
            except OSError:
                pass
    return {"done": error is None, "written_mb": written, "error": error or "none refused"}


@probe
def set_attributes(entry, *, path: str) -> dict:
    """An extended attribute on a file outside its folder: setxattr, then the raw setxattrat (Linux 6.13+)."""
    import ctypes

    said = {}
    try:
        os.setxattr(path, "user.selftest", b"1")
        said["setxattr"] = "returned"
    except OSError as refused:
        said["setxattr"] = refused.strerror or str(refused)

    class Arguments(ctypes.Structure):  # struct xattr_args
        _fields_ = [("value", ctypes.c_uint64), ("size", ctypes.c_uint32), ("flags", ctypes.c_uint32)]

    value = ctypes.create_string_buffer(b"1", 1)
    arguments = Arguments(ctypes.addressof(value), 1, 0)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    answer = libc.syscall(ctypes.c_long(463), ctypes.c_int(-100), path.encode(), ctypes.c_uint(0),
                          b"user.selftest_at", ctypes.byref(arguments), ctypes.c_size_t(ctypes.sizeof(Arguments)))
    said["setxattrat"] = "returned" if answer == 0 else os.strerror(ctypes.get_errno())
    return {"done": True, "result": said}


@probe
def unknown_call(entry, *, number: int) -> dict:
    """A system call number newer than the filter: ENOSYS, as on an older kernel."""
    import ctypes
    import errno

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    answer = libc.syscall(ctypes.c_long(number), 0, 0, 0, 0, 0, 0)
    code = ctypes.get_errno() if answer < 0 else 0
    return {"done": code != errno.ENOSYS, "error": errno.errorcode.get(code, str(code)) if code else "returned 0"}


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
        attributes = os.path.join(scratch, "another_students_folder")
        with open(attributes, "w") as f:
            f.write("x")
        subject = start_subject(LAB, Limits(timeout_s=60, memory_mb=MEMORY_MB), backend)
        try:
            subject.run([{"number": 1, "source": "subject = 'probe'", "first_line": ""}], "subject")

            def ask(name, budget_s=10.0, **args):
                return subject.ask(name, args, budget_s).get("answer") or {}

            me = ask("identity")
            if os.geteuid() == 0 and isinstance(me.get("uid"), int):
                os.chown(attributes, me["uid"], -1)  # as another subject's files are: only the sandbox is in the way
            findings.append(("looks like Jupyter: __name__ is __main__ and no grader variable is set",
                             not any(k.startswith(("AUTOGRADER", "DASK", "PYTEST")) for k in me.get("environment", [])),
                             f"environment: {', '.join(me.get('environment', []))}"))
            kit = os.path.join(os.path.dirname(os.path.realpath(autograder.__file__)), "lab.py")
            for what, result in (
                    ("cannot read the grader's code (hidden checks)", ask("read_file", path=kit)),
                    ("cannot read other students' submissions", ask("read_file", path=neighbour)),
                    ("cannot read root-only files (/etc/shadow)", ask("read_file", path="/etc/shadow")),
                    ("cannot write outside its own folder", ask("write_file", path=neighbour)),
                    ("cannot connect over TCP (Dask, Jupyter kernels)",
                     ask("connect", host="127.0.0.1", port=listener.getsockname()[1])),
                    ("cannot signal the grader", ask("signal_process", pid=judge_pid)),
                    ("cannot open the grader's file descriptors", ask("open_descriptors_of", pid=judge_pid)),
                    ("cannot read the grader's memory or environment", ask("read_memory_of", pid=judge_pid))):
                findings.append((what, not result.get("done", True), str(result.get("error", "it could"))))
            datagrams = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            datagrams.bind(("127.0.0.1", 0))
            unix_path = os.path.join(scratch, "judge.sock")
            unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            unix.bind(unix_path)
            unix.listen(1)
            os.chmod(unix_path, 0o777)
            owned = os.path.join(scratch, "owned_by_the_grader")
            with open(owned, "w") as f:
                f.write("x")
            os.chmod(owned, 0o644)
            for what, result in (
                    ("cannot send UDP datagrams", ask("send_datagram", port=datagrams.getsockname()[1])),
                    ("cannot connect to Unix sockets with a path", ask("connect_unix", path=unix_path)),
                    ("cannot change files outside its folder (chmod)", ask("change_mode", path=owned)),
                    ("cannot use kernel objects its uid shares (SysV IPC, key ring, inotify)",
                     ask("shared_kernel_objects"))):
                findings.append((what, not result.get("done", True), str(result.get("error", result.get("result")))))
            datagrams.close()
            unix.close()
            attributes_said = ask("set_attributes", path=attributes).get("result")
            attributes_left = _attributes_on(attributes) if _attributes_supported(attributes) else (
                "this file system keeps no user attributes")
            unknown = ask("unknown_call", number=UNKNOWN_CALL)
            disk = ask("fill_folder", 30.0, files=FILES, megabytes=FILE_MB)
            tasks = ask("start_processes", 30.0, count=PROCESSES)
            leftover = ask("leave_a_process").get("host_pid")
            try:  # last: the kernel may end the subject itself for it
                memory = ask("use_memory", 30.0, processes=MEMORY_PROCESSES, megabytes=MEMORY_EACH_MB)
            except SubjectGone as gone:
                memory = {"done": False, "error": f"the subject was ended: {gone.ending.value}, {gone.detail}"}
        finally:
            finish = subject.finish()
            listener.close()
    account = _account(subject, finish)
    missing = f"no cgroup here: {account.get('cgroups_missing') or 'none made'}"
    findings.append(("cannot set extended attributes outside its folder (setxattr, setxattrat)",
                     attributes_left is not True,
                     f"the subject was told {attributes_said}; "
                     + ("found on the file afterwards" if attributes_left is True else
                        "nothing on the file afterwards" if attributes_left is False else
                        f"not measurable here ({attributes_left})")))
    findings.append((f"a system call newer than its filter answers ENOSYS (number {UNKNOWN_CALL})",
                     not unknown.get("done", True), str(unknown.get("error"))))
    folder = (f"its folder is a tmpfs of {me.get('folder_mb')} MB" if me.get("folder_type") == "tmpfs"
              else "its folder is no size-capped tmpfs here (no mount namespace)")
    findings.append((f"cannot fill the disk ({FILES} files of {FILE_MB} MB in its folder)", not disk.get("done", True),
                     f"{disk.get('written_mb')} MB written, then {disk.get('error')}; {folder}"))
    held_by = account.get("cgroups", [])
    findings.append((f"cannot start processes without bound ({PROCESSES} sleeping processes tried)",
                     not tasks.get("done", True),
                     f"{tasks.get('started')} started, then {tasks.get('error')}; "
                     + (f"a pids cgroup caps its tasks at {cgroups.task_limit()}" if "pids" in held_by else
                        f"{missing}; RLIMIT_NPROC caps its uid's tasks" if me.get("uid") not in (0, None) else
                        f"{missing}; RLIMIT_NPROC does not bound uid 0")))
    findings.append((f"all its processes together stay within its memory ({MEMORY_PROCESSES} processes of "
                     f"{MEMORY_EACH_MB} MB against a {MEMORY_MB} MB limit)", not memory.get("done", True),
                     f"{memory.get('error')}; " + ("a memory cgroup holds them all" if "memory" in held_by else
                                                   f"{missing}: only each process's address space is limited")))
    findings.append(("its processes together get one subject's share of the CPU", "cpu" in held_by,
                     "in a cpu cgroup of its own, weighted as every other subject's" if "cpu" in held_by else missing))
    time.sleep(0.2)
    alive = False
    if leftover:
        try:
            os.kill(int(leftover), 0)
            alive = True
        except (ProcessLookupError, PermissionError):
            alive = False
    # From the subject's own view: in a PID namespace, /proc/self/status lists its pid at each level.
    namespace = f"yes (it is pid {me.get('pid')} there)" if me.get("pid_levels", 1) >= 2 else "no (subreaper)"
    findings.append(("no process it starts outlives its grading (double fork, setsid)", not alive,
                     f"pid {leftover} {'still alive' if alive else 'gone'}; pid namespace: {namespace}"))
    capabilities = me.get("capabilities", "")
    user_namespace = finish.status.get("user_namespace")
    findings.append(("runs as", True, f"uid {me.get('uid')}, "
                     f"{'no capabilities' if capabilities and not int(capabilities, 16) else 'capabilities ' + capabilities}"
                     + (f", in a user namespace ({user_namespace})" if user_namespace else "")))
    return findings


def _attributes_supported(path: str) -> bool:
    """Whether the judge itself can set a user attribute on ``path`` (tmpfs before Linux 6.6 cannot)."""
    try:
        os.setxattr(path, "user.judge", b"1")
        os.removexattr(path, "user.judge")
        return True
    except (OSError, AttributeError):
        return False


def _attributes_on(path: str) -> bool | str:
    """Whether the self-test's extended attributes are on ``path`` (removing them); why not measurable."""
    found = False
    for name in ("user.selftest", "user.selftest_at"):
        try:
            os.getxattr(path, name)
            found = True
            os.removexattr(path, name)
        except OSError as error:
            if error.errno not in (errno.ENODATA, getattr(errno, "ENOATTR", errno.ENODATA)):
                return f"{error.strerror}"
    return found


def _account(subject, finish) -> dict:
    """What cgroups the subject's processes were in, as its zygote (or this judge) made them."""
    process = subject.process
    if getattr(process, "zygote", None) is not None:
        joined = finish.status.get("cgroups")
        return {**process.zygote.limits, **({"cgroups": joined} if joined is not None else {})}
    group = getattr(process, "group", None)
    from .client import judge_pool

    return {**judge_pool().describe(), "cgroups": sorted(group.directories) if group is not None else []}
