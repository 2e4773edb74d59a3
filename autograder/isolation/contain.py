"""Containment of a subject process: what the student's code can reach, and for how long.

Applied in the subject after it is forked and before any student code runs,
in this order (each step is skipped where the platform lacks it, and
:func:`report` says what holds):

1. its own session, and death with its parent (``PR_SET_PDEATHSIG``);
2. every inherited file descriptor closed but its own channel; 0, 1 and 2
   point at ``/dev/null``;
3. a private working folder as cwd, HOME and TMPDIR (a size-capped tmpfs
   where the warden could mount one);
4. resource limits: address space (memory), no core files, file size, open files;
5. as root: the unprivileged user ``nobody``, so that nothing root owns
   (the kit, other submissions, results) can be read, written or signalled;
   as an ordinary user in a user namespace: no capabilities there;
   where no cgroup caps its tasks and it is not root: RLIMIT_NPROC;
6. Landlock: reads only beneath the Python installation and system folders,
   writes only in its own folder, no TCP, no signals outside its sandbox;
   then a seccomp filter (``seccomp``);
7. an environment as Jupyter gives a kernel: no variable of the grader's.

The process tree is contained by whoever forked the subject (a PID namespace
or a subreaper, and a cgroup for its tasks, memory and CPU: see
``isolation.zygote`` and ``isolation.cgroups``): nothing the subject starts
outlives its grading, or takes more than its share.
"""
from __future__ import annotations

import ctypes
import os
import platform
import sys
import uuid

# Imported now, not when used: after the drop to nobody the kit's own files may be unreadable
# (Gradescope's setup.sh makes them root-only), and a late import there fails.
from . import landlock, seccomp

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
NOBODY = "nobody"
GRADER_PREFIXES = ("AUTOGRADER_", "DASK_", "NBGRADER_", "JUPYTERHUB_API_TOKEN", "PYTEST_", "COV_")
# What a Jupyter kernel's environment holds beside the user's own variables
# (ipykernel and jupyter_client set these), so the subject looks like one.
JUPYTER_ENVIRONMENT = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "CLICOLOR": "1", "FORCE_COLOR": "1", "PAGER": "cat", "GIT_PAGER": "cat",
    "PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING": "1", "TERM": "xterm-color",
}
KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME", "SHELL",
                  "VIRTUAL_ENV", "CONDA_PREFIX", "TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL",
                  "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "KERAS_BACKEND")


def _prctl(option: int, value: int) -> bool:
    if platform.system() != "Linux":
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(expected_parent: int | None = None) -> None:
    """SIGKILL this process when the thread that forked it ends (Linux); no-op elsewhere."""
    import signal

    if _prctl(PR_SET_PDEATHSIG, signal.SIGKILL) and expected_parent and os.getppid() != expected_parent:
        os._exit(1)  # the parent was already gone


def protect_from_same_user() -> bool:
    """Keep same-uid processes (an unsandboxed subject) out of this one's memory and descriptors.

    A non-dumpable process's ``/proc/<pid>/fd``, ``mem`` and ``environ`` need
    CAP_SYS_PTRACE; the judge and the zygote make themselves so.
    """
    return _prctl(PR_SET_DUMPABLE, 0)


def set_dumpable(on: bool) -> bool:
    return _prctl(PR_SET_DUMPABLE, 1 if on else 0)


def become_subreaper() -> bool:
    """Orphans of this process's descendants become its children (and so can be ended)."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def close_other_descriptors(keep: set[int]) -> None:
    try:
        open_fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        open_fds = list(range(3, 1024))
    for fd in open_fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def set_limits(memory_mb: int | None, file_mb: int = 64, open_files: int = 512) -> dict:
    """Resource limits for this process and its children (Unix)."""
    try:
        import resource
    except ImportError:
        return {}
    applied = {}
    if memory_mb and os.path.exists("/proc/self/status") and platform.system() == "Linux":
        with open("/proc/self/status") as status:
            size_kb = next((int(line.split()[1]) for line in status if line.startswith("VmSize:")), 0)
        # On top of what is already mapped (TensorFlow's own, about 2-3 GB of address space).
        ceiling = (size_kb + memory_mb * 1024) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        applied["memory_mb"] = memory_mb
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb << 20, file_mb << 20))
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails; it does not kill
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(open_files, hard), min(open_files, hard)))
    return applied


def tasks_of(uid: int) -> int:
    """How many tasks (processes and threads) ``uid`` has now, as far as /proc shows."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        try:
            if int(fields.get("Uid", "-1 ").split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
        except ValueError:
            continue
    return count


def limit_tasks(tasks: int) -> dict:
    """RLIMIT_NPROC, where no cgroup caps the subject's tasks: ``tasks`` more than its uid has now.

    The kernel counts a limit on processes per uid (per user namespace), not per process tree,
    and never for uid 0 of the machine: so it holds only for a subject that is not root. In
    user mode every subject has a user namespace of its own, and the count is its own. As
    ``nobody`` without namespaces (a Docker container), subjects graded at the same time share
    the count: a fork bomb there can still starve a same-uid neighbour, but no longer the judge
    (root) or the machine. Chosen over nothing; Gradescope grades one submission at a time.
    """
    import resource

    if not hasattr(os, "getuid") or os.getuid() == 0 or not hasattr(resource, "RLIMIT_NPROC"):
        return {}
    ceiling = tasks + (tasks_of(os.getuid()) if os.path.isdir("/proc") else 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_NPROC, (ceiling, ceiling))
    return {"tasks_rlimit": ceiling}


def has_capabilities() -> bool:
    """Whether this process holds any capability (as in a user namespace it made)."""
    try:
        with open("/proc/self/status") as status:
            return any(line.startswith("CapEff:") and int(line.split()[1], 16) for line in status)
    except (OSError, ValueError):
        return False


def unprivileged_ids() -> tuple[int, int] | None:
    """The uid and gid of ``nobody``, when this process is root and can drop to it."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        import pwd

        entry = pwd.getpwnam(NOBODY)
    except (ImportError, KeyError):
        return None
    return entry.pw_uid, entry.pw_gid


def drop_privileges(ids: tuple[int, int]) -> None:
    uid, gid = ids
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not drop to the unprivileged user")


def readable_by_others(path: str) -> bool:
    """Whether a user who owns nothing can reach ``path`` (every folder on the way searchable, it readable)."""
    import stat

    path = os.path.realpath(path)
    parts = path.split(os.sep)
    for depth in range(1, len(parts) + 1):
        here = os.sep.join(parts[:depth]) or os.sep
        try:
            mode = os.stat(here).st_mode
        except OSError:
            return False
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    return bool(os.stat(path).st_mode & stat.S_IROTH)


def drop_capabilities() -> bool:
    """Keep uid 0 but lose every capability (for when ``nobody`` could not read the Python installation).

    Without capabilities root is an ordinary owner of root's files: Landlock
    then decides what it may open, and it cannot load modules, mount, trace
    or override permissions.
    """
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in range(64):  # the bounding set, so that nothing run later regains any
        libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP
    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
    return libc.capset(ctypes.byref(header), data) == 0


SYSTEM_FOLDERS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/proc", "/sys", "/opt")
# Of /etc, only what programs read (the dynamic loader, time zones, user and host names, MIME types,
# certificates, fonts): never /etc/shadow, sudoers or host keys, which a subject left at uid 0
# (without capabilities, where nobody could not read the Python installation) could otherwise read.
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone", "/etc/passwd",
       "/etc/group", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/hosts", "/etc/resolv.conf", "/etc/mime.types",
       "/etc/os-release", "/etc/ssl", "/etc/ca-certificates", "/etc/fonts", "/etc/alternatives", "/etc/matplotlibrc")
# Devices a program needs (never a disk: root could read one block by block).
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full", "/dev/fd")


def readable_paths(excluded: list[str]) -> list[str]:
    """What the subject may read: system folders and the Python installation, minus ``excluded``.

    Landlock grants access beneath a path, so a folder that holds an excluded
    path (the kit's package, for instance a copy installed in site-packages
    with its hidden checks) is granted child by child instead.
    """
    import site

    roots = set(SYSTEM_FOLDERS) | set(ETC) | set(DEVICES) | {sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots |= set(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    roots |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    excluded = [os.path.realpath(p) for p in excluded]
    granted: set[str] = set()
    for root in roots:
        granted |= _beneath_except(os.path.realpath(root), excluded)
    # Keep only the outermost grants (a root may lie beneath another one).
    ordered = sorted(granted)
    return [p for i, p in enumerate(ordered)
            if not any(p.startswith(q + os.sep) for q in ordered[:i])]


def _beneath_except(path: str, excluded: list[str]) -> set[str]:
    if not os.path.exists(path) or any(path == e or path.startswith(e + os.sep) for e in excluded):
        return set()
    if not any(e.startswith(path + os.sep) for e in excluded):
        return {path}
    granted: set[str] = set()
    try:
        children = os.listdir(path)
    except OSError:
        return granted
    for child in children:
        granted |= _beneath_except(os.path.join(path, child), excluded)
    return granted


def jupyter_environment(workdir: str) -> dict[str, str]:
    """The environment a Jupyter kernel would have: the user's, minus the grader's, plus Jupyter's."""
    environment = {key: value for key, value in os.environ.items()
                   if key in KEPT_VARIABLES and not key.startswith(GRADER_PREFIXES)}
    environment.update(JUPYTER_ENVIRONMENT)
    environment.update({"HOME": workdir, "TMPDIR": os.path.join(workdir, "tmp"),
                        "JPY_PARENT_PID": str(os.getppid()), "PYTHONUNBUFFERED": "1"})
    return environment


def contain(channel_fds: int | set[int], workdir: str, memory_mb: int | None, hidden: list[str],
            tasks: int | None = None) -> dict:
    """Contain this (freshly forked) process. Returns what holds, for reports.

    ``tasks``: where no cgroup caps the subject's tasks, how many it may start (RLIMIT_NPROC).
    """
    holds: dict = {}
    try:
        os.setsid()
    except OSError:  # already a session leader (a fresh Python started in its own session)
        pass
    close_other_descriptors({channel_fds} if isinstance(channel_fds, int) else set(channel_fds))
    os.makedirs(os.path.join(workdir, "tmp"), exist_ok=True)
    ids = unprivileged_ids()
    if ids is not None and not readable_by_others(os.path.join(sys.base_prefix, "lib")):
        ids = None  # nobody could not even import the standard library here: stay root, without capabilities
        holds["user"] = "root without capabilities" if drop_capabilities() else "root"
    if ids is not None:
        for folder in (workdir, os.path.join(workdir, "tmp")):
            os.chown(folder, *ids)
    os.chdir(workdir)
    try:
        holds.update(set_limits(memory_mb))
    except (OSError, ValueError) as error:  # macOS refuses some limits
        holds["limits_error"] = str(error)
    if ids is not None:
        drop_privileges(ids)
        holds["user"] = NOBODY
    elif os.name == "posix" and os.geteuid() != 0 and has_capabilities():
        # An ordinary user's subject in a user namespace of its own holds every capability there
        # (the warden needed them for its mounts): none is needed from now on.
        holds["user"] = "own uid without capabilities" if drop_capabilities() else "own uid, capabilities kept"
    if tasks:
        try:
            holds.update(limit_tasks(tasks))
        except (OSError, ValueError) as error:
            holds["tasks_error"] = str(error)
    try:
        holds.update(landlock.restrict(readable_paths(hidden), [workdir, os.devnull]))
    except OSError as error:
        holds["landlock_error"] = str(error)
    try:
        holds.update(seccomp.install())
    except OSError as error:
        holds["seccomp_error"] = str(error)
    environment = jupyter_environment(workdir)
    os.environ.clear()
    os.environ.update(environment)
    import tempfile

    tempfile.tempdir = None  # the zygote's cached /tmp is not writable here: use TMPDIR (AutoGraph writes there)
    sys.argv = [os.path.join(os.path.dirname(os.__file__), "site-packages", "ipykernel_launcher.py"),
                "-f", os.path.join(workdir, ".local", "share", "jupyter", "runtime",
                                   f"kernel-{uuid.uuid4()}.json")]
    return holds
