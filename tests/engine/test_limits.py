"""A subject's resources: its cgroup (tasks, memory of all its processes, CPU), its folder, its user namespace.

Where this machine gives no writable cgroups (a container, an ordinary user), the tests that need
one check that the fallback is reported, then skip: what they would assert cannot hold there.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grading import grade_notebook
from autograder.isolation import Limits, cgroups, client, contain, zygote
from autograder.results import Ending
from conftest import ROOT, notebook_bytes

LINUX = sys.platform.startswith("linux")
pytestmark = pytest.mark.skipif(not LINUX, reason="cgroups and namespaces are Linux's")
CORRECT = "def add(a, b):\n    return a + b"


class ScratchPool:
    """A pool of cgroups of the test's own, named after a sleeping process (so not after this one,
    whose own pool the fresh backend's subjects use), removed at the end."""

    def __enter__(self) -> cgroups.Pool:
        self.owner = subprocess.Popen(["sleep", "600"])
        self.pool = cgroups.Pool.create(owner=self.owner.pid)
        return self.pool

    def __exit__(self, *exc) -> None:
        self.pool.close()
        self.owner.kill()
        self.owner.wait()


def pool_holds() -> dict:
    with ScratchPool() as pool:
        return pool.describe()


def require(controller: str) -> None:
    held = pool_holds()
    if controller not in held["cgroups"]:
        assert held["cgroups_missing"], "no cgroup, and no reason given"
        pytest.skip(f"no {controller} cgroup here: {held['cgroups_missing']}")


def pools_of(owner: int) -> list[str]:
    return [path for _, base in set(cgroups.locate().values())
            if os.path.isdir(path := os.path.join(base, f"{cgroups.POOL_PREFIX}{owner}"))]


# --------------------------------------------------------------------------- cgroup v2, on a model of it


def test_on_cgroup_v2_the_processes_move_to_a_leaf_and_the_pool_gets_the_controllers(tmp_path, monkeypatch):
    """This machine has cgroup v1; CI's likely v2. A model of cgroupfs v2 where it matters: a cgroup
    holding processes refuses to give its children controllers (EBUSY), and a pid written to a
    cgroup.procs leaves the one it was in."""
    root = tmp_path / "cg"
    base = root / "service"
    base.mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu io memory pids\n")
    (base / "cgroup.controllers").write_text("cpu io memory pids\n")
    (base / "cgroup.subtree_control").write_text("")
    (base / "cgroup.procs").write_text("111\n222\n")
    where = {"cgroup": "0::/service\n",
             "mountinfo": f"30 23 0:26 / {root} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"}
    real_read, real_write = cgroups._read, cgroups._write

    def read(path):
        return where[path.rsplit("/", 1)[1]] if path.startswith("/proc/self/") else real_read(path)

    def write(path, text):
        folder, name = os.path.split(path)
        if name == "cgroup.subtree_control":
            if Path(folder, "cgroup.procs").exists() and Path(folder, "cgroup.procs").read_text().split():
                raise OSError(16, "Device or resource busy")  # EBUSY: the no-internal-processes rule
            enabled = set(real_read(path).split()) if os.path.exists(path) else set()
            return real_write(path, " ".join(sorted(enabled | {text.lstrip("+")})))
        if name == "cgroup.procs":
            for procs in root.rglob("cgroup.procs"):
                procs.write_text("".join(f"{p}\n" for p in procs.read_text().split() if p != text))
            return real_write(path, real_read(path) + f"{text}\n" if os.path.exists(path) else f"{text}\n")
        return real_write(path, text)

    monkeypatch.setattr(cgroups, "_read", read)
    monkeypatch.setattr(cgroups, "_write", write)
    assert cgroups.locate() == {c: (2, str(base)) for c in ("cpu", "memory", "pids")}
    pool = cgroups.Pool.create(owner=os.getpid())
    assert pool.describe() == {"cgroups": ["cpu", "memory", "pids"], "cgroups_missing": ""}
    assert (base / "cgroup.procs").read_text().split() == []
    assert sorted((base / cgroups.LEAF / "cgroup.procs").read_text().split()) == ["111", "222"]
    assert (base / "cgroup.subtree_control").read_text().split() == ["cpu", "memory", "pids"]
    pool_folder = base / f"{cgroups.POOL_PREFIX}{os.getpid()}"
    assert (pool_folder / "cgroup.subtree_control").read_text().split() == ["cpu", "memory", "pids"]
    group = pool.group(300, 80)
    assert group.paths == [str(pool_folder / "1")]
    assert (pool_folder / "1" / "pids.max").read_text() == "80"
    assert (pool_folder / "1" / "memory.max").read_text() == str(300 << 20)
    # Once moved, this process is in the leaf: its pools still go beside the leaf, not inside it.
    where["cgroup"] = f"0::/service/{cgroups.LEAF}\n"
    assert cgroups.locate() == {c: (2, str(base)) for c in ("cpu", "memory", "pids")}


# --------------------------------------------------------------------------- memory


def test_a_subject_over_the_memory_limit_in_several_processes_ends_with_memory(toy):
    """Four children hold 45 MB each, then the subject fills 200 MB: each process is far under its
    own address-space limit, all together over the 300 MB limit. The kernel ends the largest, the
    subject, and the grade says memory, not a crash."""
    require("memory")
    hog = ("import os, time\n"
           "for _ in range(4):\n"
           "    if os.fork() == 0:\n"
           "        held = b'x' * (45 << 20)\n"
           "        time.sleep(60)\n"
           "        os._exit(0)\n"
           "time.sleep(1)\n"
           "mine = b'y' * (200 << 20)\n")
    limits = Limits(timeout_s=20, cell_timeout_s=5, check_timeout_s=2, overtime_s=1, memory_mb=300)
    result = grade_notebook(notebook_bytes(CORRECT, hog), toy, backend="zygote", limits=limits)
    assert result.ending is Ending.MEMORY_LIMIT, (result.ending, result.detail)
    assert "300 MB memory limit (all its processes together)" in result.detail
    assert result.score == 0  # the checks could not run: the notebook did not finish


# --------------------------------------------------------------------------- what a killed zygote leaves


def test_a_killed_zygote_leaves_no_folder_and_no_cgroup(toy, monkeypatch):
    """The judge kills a zygote with a subject running (its slow goodbye); the subject's folder and
    cgroups go when the zygote is replaced. What a killed judge's zygote left (its folder, its pool)
    goes when any zygote starts."""
    temporary = tempfile.mkdtemp()  # of this test alone: other graders on this machine clean /tmp too
    os.chmod(temporary, 0o711)
    monkeypatch.setattr(tempfile, "tempdir", temporary)
    gone = subprocess.Popen(["true"])
    gone.wait()
    killed_judge = subprocess.run([sys.executable, "-c", "from autograder.isolation import client; "
                                   "print(client.subjects_folder())"], cwd=ROOT, capture_output=True, text=True,
                                  env={**os.environ, "TMPDIR": temporary},
                                  check=True).stdout.strip()  # as a judge killed before its clean-up leaves it
    assert os.path.dirname(killed_judge) == temporary
    planted = []
    for _, base in set(cgroups.locate().values()):
        try:
            os.makedirs(os.path.join(base, f"{cgroups.POOL_PREFIX}{gone.pid}", "1"))
            planted.append(os.path.join(base, f"{cgroups.POOL_PREFIX}{gone.pid}"))
        except OSError:
            pass
    grading = client.Zygote(("numpy", toy.module, toy.probes))
    try:
        assert os.path.isdir(killed_judge)
        grading.start()
        assert planted == [] or not any(os.path.exists(p) for p in planted), "a dead zygote's pool was kept"
        assert not os.path.exists(killed_judge), "a killed judge's folder was kept"
        folder, first = grading.folder, grading.pid
        channel, process = grading.spawn(toy.module, Limits())
        subject = client.RemoteSubject(channel, process, Limits(timeout_s=20))
        subject.hello()
        subject.run([{"number": 1, "source": "open('notes.txt', 'w').write('x' * 1000)", "first_line": ""}], "add")
        assert len(set(os.listdir(folder)) - {client.OWNER_MARK}) == 1  # the subject's folder
        assert bool(pools_of(first)) == bool(planted)  # and its zygote's cgroups, where they can be made
        os.kill(first, signal.SIGKILL)
        while Path(f"/proc/{first}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.01)  # dead, not yet reaped
        grading.start()  # the next grading finds it dead and starts another
        assert grading.pid != first
        assert not os.path.exists(folder), os.listdir(folder)
        assert pools_of(first) == []
        subject.channel.close()
        second, folder = grading.pid, grading.folder
    finally:
        grading.close()  # as at the judge's exit: the zygote is killed, then its pool and folder removed
    assert pools_of(second) == [] and not os.path.exists(folder)
    os.rmdir(temporary)


# --------------------------------------------------------------------------- user mode (item 5 of the red team)


def test_an_ordinary_users_subject_keeps_its_uid_and_no_capabilities(tmp_path):
    """A non-dumpable warden (the zygote makes itself so) maps its uid in its user namespace: the
    subject is its own uid there, in a PID namespace, its folder a tmpfs, and holds no capability."""
    folder = tempfile.mkdtemp()
    os.chmod(folder, 0o711)
    workdir = os.path.join(folder, "work")
    os.mkdir(workdir)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            if os.geteuid() == 0:  # as root, play an ordinary user: nobody
                os.chown(workdir, 65534, 65534)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            contain.protect_from_same_user()
            uid = os.getuid()
            held = zygote.enter_namespaces(workdir, 16)
            if not held["user_namespace"]:
                os.write(write, json.dumps({"skip": True}).encode())
                os._exit(0)
            child = os.fork()
            if child == 0:  # the subject
                before = contain.has_capabilities()
                holds = contain.contain({write}, workdir, None, [])
                seen = {"held": held, "uid": uid, "uid_inside": os.getuid(), "pid_inside": os.getpid(),
                        "capabilities_before": before, "capabilities_after": contain.has_capabilities(),
                        "user": holds.get("user"),
                        "folder_mb": round(os.statvfs(workdir).f_blocks * os.statvfs(workdir).f_frsize / 2 ** 20)}
                os.write(write, json.dumps(seen).encode())
                os._exit(0)
            os.waitpid(child, 0)
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        seen = json.loads(pipe.read() or "{}")
    os.rmdir(workdir)
    os.rmdir(folder)
    if seen.get("skip"):
        pytest.skip("no user namespaces for an ordinary user here")
    assert seen["held"] == {"pid_namespace": True, "user_namespace": "mapped", "folder_mb": 16}, seen
    assert seen["uid_inside"] == seen["uid"] and seen["pid_inside"] == 1, seen
    assert seen["capabilities_before"] and not seen["capabilities_after"], seen
    assert seen["user"] == "own uid without capabilities", seen
    assert seen["folder_mb"] == 16, seen


# --------------------------------------------------------------------------- end to end: a batch


@pytest.mark.slow
def test_a_fork_bomb_does_not_harm_its_neighbour_in_a_batch(tmp_path):
    """grade-batch --workers 2 grades a fork bomb beside honest notebooks, all in a cgroup of at most
    GUARD tasks (standing in for the machine's limit, so that no test harms the machine). The bomb
    gets its own subject's task limit; the honest neighbours their full marks."""
    require("pids")
    from autograder.corpus import Case, case_bytes, load_cases
    from autograder.lab import load_lab

    lab = load_lab("custom_dense_layer")
    honest = case_bytes(lab, next(c for c in load_cases(lab) if c.name == "correct_reference_solution"))
    bomb = ("import os, time\n"
            "started = 0\n"
            "try:\n"
            "    while started < 5000:\n"
            "        os.posix_spawn('/bin/sleep', ['sleep', '60'], {})\n"
            "        started += 1\n"
            "except OSError:\n"
            "    pass\n"
            "time.sleep(6)\n")
    for student, data in (("a_bomb", case_bytes(lab, Case(lab=lab.name, name="bomb", path=tmp_path, source=bomb,
                                                            expect="zero"))),
                          ("b_honest", honest), ("c_honest", honest)):
        folder = tmp_path / "submitted" / student / lab.name
        folder.mkdir(parents=True)
        (folder / f"{lab.name}.ipynb").write_bytes(data)
    with ScratchPool() as guard_pool:
        guard = guard_pool.group(None, GUARD)
        out = tmp_path / "out"
        enter = ("import os, sys; [open(p + '/cgroup.procs', 'w').write(str(os.getpid())) for p in sys.argv[1:-1]]; "
                 "os.execv(sys.executable, [sys.executable, '-m', 'autograder', 'grade-batch', sys.argv[-1], "
                 f"'--output', {str(out)!r}, '--workers', '2', '--quiet', '--timeout', '60', "
                 "'--cell-timeout', '20', '--check-timeout', '10'])")
        run = subprocess.run([sys.executable, "-c", enter, *guard.paths, str(tmp_path / "submitted")],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
        peak = guard.peak().get("tasks")
    records = {p.stem.split("__")[0]: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    full = records["b_honest"]["max_score"]
    for student in ("b_honest", "c_honest"):
        assert records[student]["score"] == full and not records[student]["error"], records[student]
    assert peak is None or peak <= GUARD


# The whole batch's tasks, a stand-in for the machine's limit: the honest batch (a judge, two zygotes with
# TensorFlow, their subjects) peaked at 34 tasks here (pids.peak of this group, three honest notebooks;
# 32 with Keras 2); a bounded bomb adds at most task_limit() = 64 + 8 per core. Three times the honest
# peak leaves room for machines with more cores. Without a limit per subject the bomb takes all that is
# left, and the neighbours cannot start a thread (the red team's guard of 400: every grade crashed).
GUARD = 3 * 34 + cgroups.task_limit()
