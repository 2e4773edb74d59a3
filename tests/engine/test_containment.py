"""What a subject cannot do, tried from inside a real subject (``autograder.isolation.selftest``).

On Linux with Landlock every protection must hold; elsewhere the test says what the platform lacks.
The limits on a subject's resources (its tasks, the memory of all its processes, its folder's
size, its share of the CPU) need writable cgroups and a mount namespace: where this machine
offers them (found out here without the kit's code) they must hold; where it does not, the
self-test must say so, and the fallback it names must be what it measured.
"""
import ctypes
import os
import sys
import tempfile

import pytest

from autograder.isolation import landlock
from autograder.isolation.selftest import measure

LINUX = sys.platform.startswith("linux")
LINUX_WITH_LANDLOCK = LINUX and landlock.abi_version() >= 6
RESOURCES = ("cannot start processes", "all its processes together", "cannot fill the disk",
             "its processes together get")


def _cgroup_directories() -> dict[str, str]:
    """This process's cgroup directory per controller (pids, memory, cpu), read from /proc directly."""
    found = {}
    try:
        lines = open("/proc/self/cgroup").read().splitlines()
    except OSError:
        return found
    for line in lines:
        _, names, path = line.split(":", 2)
        for name in names.split(","):
            if name in ("pids", "memory", "cpu") and os.path.isdir(f"/sys/fs/cgroup/{name}"):
                found.setdefault(name, f"/sys/fs/cgroup/{name}{path}")
        if names == "":
            try:
                offered = open(f"/sys/fs/cgroup{path}/cgroup.controllers").read().split()
            except OSError:
                continue
            for name in ("pids", "memory", "cpu"):
                if name in offered:
                    found.setdefault(name, f"/sys/fs/cgroup{path}")
    return found


def _can_make_cgroups() -> set[str]:
    """The controllers in whose hierarchy this process can make a cgroup (made and removed at once)."""
    able = set()
    for name, directory in _cgroup_directories().items():
        probe = os.path.join(directory, f"probe-{os.getpid()}")
        try:
            os.mkdir(probe)
            os.rmdir(probe)
            able.add(name)
        except OSError:
            pass
    return able


def _can_mount_a_tmpfs() -> bool:
    """Whether a child can mount a tmpfs in a mount namespace of its own (via a user namespace if not root)."""
    if not LINUX:
        return False
    folder = tempfile.mkdtemp()
    pid = os.fork()
    if pid == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        flags = 0x00020000 | (0 if os.geteuid() == 0 else 0x10000000)  # CLONE_NEWNS (| CLONE_NEWUSER)
        ok = (libc.unshare(flags) == 0 and libc.mount(None, b"/", None, ctypes.c_ulong(0x4000 | 0x40000), None) == 0
              and libc.mount(b"tmpfs", folder.encode(), b"tmpfs", ctypes.c_ulong(0), b"size=1m") == 0)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    os.rmdir(folder)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


CGROUPS = _can_make_cgroups() if LINUX else set()
TMPFS = _can_mount_a_tmpfs()


@pytest.fixture(scope="module", params=["zygote", "fresh"])
def findings(request):
    if not LINUX:
        pytest.skip("the subject's limits are Linux's")
    return {what: (held, detail) for what, held, detail in measure(request.param)}


def finding(findings, start: str) -> tuple[bool, str]:
    matches = [value for what, value in findings.items() if what.startswith(start)]
    assert len(matches) == 1, sorted(findings)
    return matches[0]


@pytest.mark.skipif(not LINUX_WITH_LANDLOCK, reason="needs Linux with Landlock ABI 6 (kernel 6.12 or newer)")
def test_every_protection_holds(findings):
    open_ = [f"{what}: {detail}" for what, (held, detail) in findings.items()
             if not held and not what.startswith(RESOURCES)]
    assert not open_, open_
    assert len(findings) >= 19


def test_a_subject_cannot_start_processes_without_bound(findings):
    held, detail = finding(findings, "cannot start processes")
    uid = finding(findings, "runs as")[1].split(",")[0]
    if "a pids cgroup caps its tasks" in detail:
        assert held, detail
    else:  # where cgroups can be made, one must be used; elsewhere the fallback is RLIMIT_NPROC (never for root)
        assert "pids" not in CGROUPS and "no cgroup here" in detail, detail
        if uid != "uid 0":
            assert held and "RLIMIT_NPROC caps" in detail, detail
        else:
            assert not held and "does not bound uid 0" in detail, detail


def test_all_its_processes_together_stay_within_the_memory_limit(findings):
    held, detail = finding(findings, "all its processes together")
    if "a memory cgroup holds them all" in detail:
        assert held, detail
    else:
        assert "memory" not in CGROUPS and not held and "no cgroup here" in detail and "4 of 4 held" in detail, detail


def test_a_subject_cannot_fill_the_disk(findings):
    held, detail = finding(findings, "cannot fill the disk")
    if "its folder is a tmpfs" in detail:
        assert held and "tmpfs of 256 MB" in detail and "No space left" in detail, detail
    else:
        assert not TMPFS and not held and "no size-capped tmpfs" in detail, detail


def test_a_subject_gets_one_share_of_the_cpu(findings):
    held, detail = finding(findings, "its processes together get")
    if not held:
        assert "cpu" not in CGROUPS and "no cgroup here" in detail, detail


@pytest.mark.skipif(not LINUX or os.uname().machine not in ("x86_64", "aarch64"), reason="the filter's platforms")
def test_extended_attributes_and_unknown_calls_are_refused(findings):
    """setxattrat (463) and a call newer than the filter (467) reach no file and no kernel code."""
    held, detail = finding(findings, "cannot set extended attributes")
    assert held and ("nothing on the file afterwards" in detail or "keeps no user attributes" in detail), detail
    held, detail = finding(findings, "a system call newer than its filter")
    assert held and detail == "ENOSYS", detail


@pytest.mark.skipif(not LINUX, reason="Linux only")
def test_no_process_outlives_its_grading_even_without_landlock(monkeypatch):
    """The PID namespace (or the subreaper) ends a double-forked, setsid sleeper."""
    monkeypatch.setattr(landlock, "abi_version", lambda: 0)  # the judge side; the subject's own check runs there
    leftover = [f for f in measure("zygote") if f[0].startswith("no process")]
    assert leftover and leftover[0][1], leftover


def test_the_judge_keeps_same_user_processes_out_of_its_memory():
    if not LINUX:
        pytest.skip("Linux only")
    import subprocess

    # In a child (dumpable is per process): after protect_from_same_user, /proc/<pid>/environ is root's.
    script = ("import os, time; from autograder.isolation import contain; contain.protect_from_same_user(); "
              "print(os.stat(f'/proc/{os.getpid()}/environ').st_uid, flush=True); time.sleep(0.1)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "0", result.stderr
