"""One cgroup per subject: a cap on its tasks and on its memory, and no more than its share of the CPU.

Resource limits (``RLIMIT_*``) are per process, and a subject can start many:
a fork bomb, memory spread over many processes, or forty busy processes made
the honest neighbours graded at the same time crash or run out of time (red
team, issue 8). So each subject's warden joins a cgroup of its own, before it
forks anything::

    <the zygote's cgroup>/nbsandbox-<zygote pid>/<n>

- ``pids``: at most :func:`task_limit` tasks (processes *and* threads);
- ``memory``: ``memory_mb`` of real memory for every process together, no swap;
  the kernel's OOM killer ends a process of this subject only;
- ``cpu``: the default weight, so a subject with forty processes gets what
  its neighbour with one gets (CPU time is shared between groups, then within).

The zygote makes the groups and removes each when its subject has ended (the
kernel refuses to remove a group that still holds a process, so what is left
is killed first); a pool left by a zygote that was killed is removed when the
next one starts. Both cgroup versions are handled: v1 (one hierarchy per
controller, as on this project's machine) and v2 (one unified hierarchy; a
group may hold processes or child groups with controllers, not both, so the
processes of the cgroup we start in move into a leaf of it first). Where no
hierarchy is writable (a Docker container such as Gradescope's, or an
ordinary user without a delegated cgroup), :meth:`Pool.create` says why, and
the subject keeps its per-process limits (``contain.set_limits``).
"""
from __future__ import annotations

import errno
import itertools
import os
import signal
import threading
import time

CONTROLLERS = ("pids", "memory", "cpu")
# Names a subject could read in /sys/fs/cgroup (its own /proc/self/cgroup shows "/": the warden gives it
# a cgroup namespace): nothing that says "graded", and unlike any other program's, since a pool whose
# owner has ended is killed and removed.
POOL_PREFIX = "nbsandbox-"
LEAF = "nbsandbox-main"  # v2: where the processes of the cgroup we start in go, so that it may hold groups


def task_limit(cpus: int | None = None) -> int:
    """Tasks (processes and threads) one subject may have at once.

    TensorFlow starts threads per core (Eigen's pool, the inter-op and intra-op pools, the
    allocator's), and the judge starts each subject with one-thread TF pools. Honest peak
    measured on this project's machine (2 cores, pids.peak of the subject's group): 16 tasks for
    a correct custom_dense_layer notebook graded in full (Keras 3; 15 with Keras 2), zygote and
    fresh subjects alike; its memory, 79-101 MB (pages shared with the zygote are the zygote's).
    Measured with ``Finish.status["peak"]`` (what the zygote reads from the group when the
    subject ends) of ``grade_notebook`` on the corpus case ``correct_reference_solution``.
    64 + 8 per core leaves room for TensorFlow's pools where the judge's one-thread setting is
    not used, and for a notebook's own worker processes.
    """
    return 64 + 8 * (cpus or os.cpu_count() or 1)


# --------------------------------------------------------------------------- where our cgroups are


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """Each cgroup mount: (root within its hierarchy, mount point, type, super options)."""
    found = []
    try:
        lines = _read("/proc/self/mountinfo").splitlines()
    except OSError:
        return found
    for line in lines:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            found.append((fields[3], fields[4].replace("\\040", " "), tail[0], set(tail[2].split(","))))
    return found


def _inside(root: str, path: str) -> str | None:
    """``path`` (as /proc/self/cgroup gives it) relative to a mount's ``root``, if beneath it."""
    if root == "/":
        return path
    if path == root or path.startswith(root.rstrip("/") + "/"):
        return path[len(root.rstrip("/")):] or "/"
    return None


def locate() -> dict[str, tuple[int, str]]:
    """Per controller this module uses: (cgroup version, the directory of this process's cgroup).

    A controller mounted as v1 is taken there; otherwise from the unified (v2)
    hierarchy, if it offers it to this cgroup's children.
    """
    try:
        lines = _read("/proc/self/cgroup").splitlines()
    except OSError:
        return {}
    memberships = {}
    for line in lines:
        _, names, path = line.split(":", 2)
        memberships[names] = path
    mounts = _mounts()
    found: dict[str, tuple[int, str]] = {}
    for root, point, kind, options in mounts:
        if kind != "cgroup":
            continue
        for names, path in memberships.items():
            listed = set(names.split(",")) - {""}
            relative = _inside(root, path)
            if listed and listed <= options and relative is not None:
                for controller in listed & set(CONTROLLERS):
                    found.setdefault(controller, (1, os.path.normpath(point + relative)))
    unified = memberships.get("")
    for root, point, kind, _ in mounts:
        relative = _inside(root, unified) if kind == "cgroup2" and unified is not None else None
        if relative is None:
            continue
        directory = os.path.normpath(point + relative)
        if os.path.basename(directory) == LEAF:  # moved there by an earlier pool: its parent is ours
            directory = os.path.dirname(directory)
        try:
            offered = set(_read(os.path.join(directory, "cgroup.controllers")).split())
        except OSError:
            continue
        for controller in set(CONTROLLERS) & offered:
            found.setdefault(controller, (2, directory))
    return found


# --------------------------------------------------------------------------- groups and pools


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _members(directory: str) -> list[int]:
    try:
        return [int(p) for p in _read(os.path.join(directory, "cgroup.procs")).split()]
    except (OSError, ValueError):
        return []


def _counter(directory: str, file: str, key: str) -> int:
    """``key``'s value in a flat-keyed file (memory.events, memory.oom_control); 0 if absent."""
    try:
        for line in _read(os.path.join(directory, file)).splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _kill_and_remove(directory: str, wait_s: float = 5.0) -> bool:
    """Kill every process in a group (and its children groups), then remove it. True when gone."""
    try:
        children = [name for name in os.listdir(directory) if os.path.isdir(os.path.join(directory, name))]
    except FileNotFoundError:  # gone already (another zygote removing the same stale pool)
        return True
    except OSError:
        return False
    for child in children:
        _kill_and_remove(os.path.join(directory, child), wait_s)
    deadline = time.monotonic() + wait_s
    killer = os.path.join(directory, "cgroup.kill")  # v2, Linux 5.14+: the whole group at once
    while True:
        members = _members(directory)
        if os.path.exists(killer) and members:
            try:
                _write(killer, "1")
            except OSError:
                pass
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.rmdir(directory)
            return True
        except FileNotFoundError:
            return True
        except OSError as error:  # EBUSY: processes still exiting
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                return False
        time.sleep(0.01)


class Group:
    """One subject's cgroup, in each hierarchy that holds one of its limits."""

    def __init__(self, directories: dict[str, str]):
        self.directories = directories  # controller -> directory

    @property
    def paths(self) -> list[str]:
        return sorted(set(self.directories.values()))

    def oom_kills(self) -> int:
        """How many of its processes the kernel ended for the group's memory limit."""
        directory = self.directories.get("memory")
        if directory is None:
            return 0
        return max(_counter(directory, "memory.events", "oom_kill"),
                   _counter(directory, "memory.oom_control", "oom_kill"))

    def peak(self) -> dict:
        """The most tasks and memory the group held at once (where the kernel keeps them)."""
        found = {}
        for controller, files, key in (("pids", ("pids.peak",), "tasks"),
                                       ("memory", ("memory.peak", "memory.max_usage_in_bytes"), "memory_mb")):
            directory = self.directories.get(controller)
            for name in files if directory else ():
                try:
                    value = int(_read(os.path.join(directory, name)).split()[0])
                    found[key] = value if key == "tasks" else round(value / (1 << 20), 1)
                    break
                except (OSError, ValueError, IndexError):
                    continue
        return found

    def remove(self) -> None:
        for path in self.paths:
            _kill_and_remove(path)


def join(paths: list[str]) -> list[str]:
    """Move this process (and so all it starts from now on) into the groups; those it could join."""
    joined = []
    for path in paths:
        try:
            _write(os.path.join(path, "cgroup.procs"), str(os.getpid()))
            joined.append(path)
        except OSError:
            pass
    return joined


class Pool:
    """Groups for the subjects of one process (a zygote, or a judge with fresh subjects)."""

    def __init__(self, directories: dict[str, str], reason: str, version: int = 1):
        self.directories = directories  # controller -> this pool's directory
        self.reason = reason  # why a controller is missing, for reports ("" when all hold)
        self.version = version  # of the memory controller's hierarchy
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def holds(self) -> list[str]:
        return sorted(self.directories)

    def describe(self) -> dict:
        return {"cgroups": self.holds, "cgroups_missing": self.reason}

    @classmethod
    def create(cls, owner: int | None = None) -> "Pool":
        """This process's pool (``nbsandbox-<owner pid>``), after removing those of owners that are gone.

        One pool per owner: one found under the owner's name is taken for a dead owner's (whose
        pid was reused) and emptied. Never raises: grading goes on without cgroups (and says why) whatever the machine offers.
        """
        try:
            return cls._create(owner or os.getpid())
        except Exception as error:  # an unforeseen layout must not stop grading
            return cls({}, f"cgroups unusable here ({type(error).__name__}: {error})")

    @classmethod
    def _create(cls, owner: int) -> "Pool":
        name = f"{POOL_PREFIX}{owner}"
        places = locate()
        directories: dict[str, str] = {}
        problems: dict[str, list[str]] = {}  # why -> the controllers it keeps out
        if not places:
            return cls({}, "no cgroup hierarchy is mounted")
        for base in sorted({directory for _, directory in places.values()}):
            controllers = sorted(c for c, (_, d) in places.items() if d == base)
            version = places[controllers[0]][0]
            remove_stale(base)
            pool = os.path.join(base, name)
            _kill_and_remove(pool, wait_s=1.0)  # a dead owner's, whose pid is ours now
            try:
                if version == 2:
                    enabled = _delegate(base, controllers)
                    if enabled != controllers:
                        problems.setdefault("not delegated", []).extend(sorted(set(controllers) - set(enabled)))
                    controllers = enabled
                os.makedirs(pool, exist_ok=True)
                if version == 2:
                    for controller in controllers:
                        _write(os.path.join(pool, "cgroup.subtree_control"), f"+{controller}")
            except OSError as error:
                problems.setdefault(f"not writable ({error.strerror or error})", []).extend(controllers)
                try:
                    os.rmdir(pool)
                except OSError:
                    pass
                continue
            for controller in controllers:
                directories[controller] = pool
        missing = [c for c in CONTROLLERS if c not in places]
        if missing:
            problems.setdefault("not offered", []).extend(missing)
        return cls(directories, "; ".join(f"{', '.join(sorted(names))} {why}" for why, names in problems.items()),
                   places.get("memory", (1, ""))[0])

    def group(self, memory_mb: int | None, tasks: int | None) -> Group:
        """A new group with these limits; only the controllers whose limits could be set."""
        with self._lock:
            number = next(self._numbers)
        directories: dict[str, str] = {}
        for pool in sorted(set(self.directories.values())):
            directory = os.path.join(pool, str(number))
            try:
                os.mkdir(directory)
            except OSError:
                continue
            for controller in (c for c, p in self.directories.items() if p == pool):
                try:
                    if controller == "pids" and tasks:
                        _write(os.path.join(directory, "pids.max"), str(tasks))
                    elif controller == "memory" and memory_mb:
                        _limit_memory(directory, memory_mb << 20, self.version)
                except OSError:
                    continue
                directories[controller] = directory
            if directory not in directories.values():
                os.rmdir(directory)
        return Group(directories)

    def close(self) -> None:
        for path in sorted(set(self.directories.values())):
            _kill_and_remove(path)


def _limit_memory(directory: str, size: int, version: int) -> None:
    if version == 2:
        _write(os.path.join(directory, "memory.max"), str(size))
        if os.path.exists(os.path.join(directory, "memory.swap.max")):
            _write(os.path.join(directory, "memory.swap.max"), "0")
        return
    _write(os.path.join(directory, "memory.limit_in_bytes"), str(size))  # v1
    if os.path.exists(os.path.join(directory, "memory.memsw.limit_in_bytes")):  # memory + swap: no swap
        _write(os.path.join(directory, "memory.memsw.limit_in_bytes"), str(size))
    try:
        _write(os.path.join(directory, "memory.swappiness"), "0")
    except OSError:
        pass


def _delegate(base: str, controllers: list[str]) -> list[str]:
    """v2: let ``base``'s children have ``controllers``; returns those enabled (raises if none).

    A v2 cgroup other than the root may not both hold processes and give its
    children controllers; the processes of ``base`` (this grader, and whatever
    shares its cgroup) then move into ``base/leaf``, still beneath ``base``
    and its limits.
    """
    enabled, last = [], None
    for controller in controllers:
        try:
            _enable(base, controller)
            enabled.append(controller)
        except OSError as error:
            last = error
    if not enabled and last is not None:
        raise last
    return enabled


def _enable(base: str, controller: str) -> None:
    control = os.path.join(base, "cgroup.subtree_control")
    for attempt in range(5):
        if controller in _read(control).split():
            return
        try:
            _write(control, f"+{controller}")
            return
        except OSError as error:
            if error.errno != errno.EBUSY or attempt == 4:
                raise
        leaf = os.path.join(base, LEAF)  # EBUSY: base holds processes (new ones may appear: try again)
        os.makedirs(leaf, exist_ok=True)
        for pid in _members(base):
            try:
                _write(os.path.join(leaf, "cgroup.procs"), str(pid))
            except OSError:
                pass


def remove_stale(base: str) -> None:
    """Remove the pools in ``base`` whose owner has ended (a zygote killed before it could)."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        owner = name[len(POOL_PREFIX):]
        if name.startswith(POOL_PREFIX) and owner.isdigit() and not alive(int(owner)):
            _kill_and_remove(os.path.join(base, name), wait_s=1.0)


def remove_pool_of(owner: int) -> None:
    """Remove the pool of ``owner`` (a zygote that has ended), wherever it is."""
    for _, base in set(locate().values()):
        _kill_and_remove(os.path.join(base, f"{POOL_PREFIX}{owner}"), wait_s=2.0)
