"""The judge's end of a subject process: start it, talk to it, end it, say how it ended.

Every deadline is the judge's own: a subject that ignores its soft time
limit (or never answers) is killed at the limit plus a grace period, and the
checks still waiting are "not run" with the reason. Nothing a subject sends
is trusted beyond its shape: a message out of turn, too long or malformed
ends the subject's run like a crash.
"""
from __future__ import annotations

import atexit
import dataclasses
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from ..judge import GRACE_S, SubjectGone
from ..results import CellReport, CellStatus, Ending
from ..subject.channel import Channel, ChannelClosed, ChannelTimeout
from . import Limits, cgroups, contain, zygote as zygote_module

STARTUP_S = 180.0  # importing TensorFlow on a loaded machine, once per zygote or fresh subject
BYE_GRACE_S = 2.0  # for a subject that has answered everything to say goodbye and exit
STATUSES = {status.value for status in CellStatus}


def _child_environment() -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # One thread per TensorFlow pool: a batch gets its parallelism from processes.
    env.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    env.setdefault("TF_NUM_INTEROP_THREADS", "1")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # as a Jupyter kernel has it
    # oneDNN's CPU allocator retries a failed allocation for 10 s before it gives up; without it a
    # submission that asks for 40 GB fails at once (measured: 10.04 s against 0.01 s) and the
    # student hears about the allocation, not about a time limit. Same speed otherwise.
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    # The child finds every module this process can (the kit, a toy lab in the tests).
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
    return env


# --------------------------------------------------------------------------- process handles


def describe_status(status: dict, limits: Limits) -> tuple[Ending, str]:
    """How a subject process ended, from its status, as an ending and a sentence."""
    if status.get("memory_limit"):  # its cgroup's OOM killer ended one of its processes
        return Ending.MEMORY_LIMIT, (f"the process was ended for using more than the {limits.memory_mb} MB "
                                     "memory limit (all its processes together)")
    if "signal" in status:
        number = int(status["signal"])
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            return Ending.CRASHED, (f"the process was ended by {name}: a crash, or more memory than the "
                                    f"{limits.memory_mb} MB limit allows")
        return Ending.EXITED, f"the process was ended by {name}"
    code = status.get("exit")
    return Ending.EXITED, (f"the process exited with code {code} before it finished: "
                           "does your code call os._exit() or exit the kernel?")


class ZygoteProcess:
    """A subject forked by a zygote; ended through it."""

    def __init__(self, zygote: "Zygote", pid: int):
        self.zygote, self.pid = zygote, pid
        self._status: dict | None = None

    def end(self, kill: bool, grace_s: float = 0.0) -> dict:
        if self._status is None:
            self._status = self.zygote.end(self.pid, kill, grace_s)
        return self._status


OWNER_MARK = ".nbsandbox-owner"  # in a subjects' folder: the pid of the judge that removes it


def subjects_folder() -> str:
    """A folder for subjects' folders, removed by whoever made it (neutral name; others may not list it)."""
    folder = tempfile.mkdtemp()
    os.chmod(folder, 0o711)  # nobody (the subject, as root's) must reach its own folder inside
    with open(os.path.join(folder, OWNER_MARK), "w") as mark:
        mark.write(str(os.getpid()))
    return folder


def remove_stale_folders() -> None:
    """Remove the subjects' folders of judges that were killed before they could (SIGKILL, a lost machine)."""
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return
    for entry in entries:
        try:
            if not entry.name.startswith("tmp") or not entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_uid != os.geteuid():
                continue
            with open(os.path.join(entry.path, OWNER_MARK)) as mark:
                owner = int(mark.read().strip() or 0)
        except (OSError, ValueError):
            continue
        if owner and owner != os.getpid() and not cgroups.alive(owner):
            shutil.rmtree(entry.path, ignore_errors=True)


class FreshProcess:
    """A subject in a new Python (``python -m autograder.subject``)."""

    def __init__(self, process: subprocess.Popen, group: cgroups.Group | None = None, folder: str | None = None):
        self.process, self.group, self.folder = process, group, folder
        self._status: dict | None = None

    def end(self, kill: bool, grace_s: float = 0.0) -> dict:
        if self._status is None:
            self._status = self._end(kill, grace_s)
            if self.group is not None:
                if self.group.oom_kills():
                    self._status["memory_limit"] = True
                self._status["peak"] = self.group.peak()
                self.group.remove()
            if self.folder:
                shutil.rmtree(self.folder, ignore_errors=True)
        return self._status

    def _end(self, kill: bool, grace_s: float) -> dict:
        if kill and grace_s:
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                pass
        if kill and self.process.poll() is None:
            self._kill_group()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._kill_group()
            self.process.wait()
        self._kill_group()  # whatever it started
        code = self.process.returncode
        if code < 0:
            return {"signal": -code}
        # On Linux the fresh subject's warden exits with 128 + the signal that ended the subject.
        return {"signal": code - 128} if code > 128 and sys.platform.startswith("linux") else {"exit": code}

    def _kill_group(self) -> None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass


# --------------------------------------------------------------------------- the zygote client


class Zygote:
    """A TensorFlow-loaded (or whatever the lab preloads) process that forks subjects."""

    def __init__(self, preload: tuple[str, ...]):
        self.preload = preload
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._folder: str | None = None
        self._lock = threading.Lock()
        self.limits: dict = {}  # what the zygote's cgroups hold (see cgroups.Pool.describe)

    def start(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            self.close()  # a zygote that died: its subjects' folders and cgroups go with it
            remove_stale_folders()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self._folder = subjects_folder()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "autograder.isolation.zygote", "--control-fd", str(theirs.fileno()),
                 "--owner", str(os.getpid()), "--folder", self._folder, "--preload", *self.preload],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=_child_environment(), start_new_session=True)
            theirs.close()
            ours.settimeout(STARTUP_S)
            self._control = ours
            message, _ = zygote_module.receive(ours)
            if not message or message.get("op") != "ready":
                self.close()
                raise RuntimeError("the grading process (zygote) did not start")
            self.limits = {k: message[k] for k in ("cgroups", "cgroups_missing") if k in message}

    @property
    def folder(self) -> str | None:
        """Where this zygote's subjects have their folders (removed with the zygote)."""
        return self._folder

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _call(self, message: dict, fd: int | None = None, timeout: float = 30.0) -> dict:
        control = self._control
        if control is None:
            raise OSError("the zygote is not running")
        control.settimeout(timeout)
        zygote_module.send(control, message, fd)
        reply, _ = zygote_module.receive(control)
        if reply is None:
            raise OSError("the zygote closed its channel")
        return reply

    def spawn(self, lab_module: str, limits: Limits) -> tuple[Channel, ZygoteProcess]:
        for attempt in (1, 2):  # a zygote that died (it never should) is restarted once
            self.start()
            judge_end, subject_end = socket.socketpair()
            try:
                reply = self._call({"op": "spawn", "lab": lab_module, "memory_mb": limits.memory_mb},
                                   subject_end.fileno())
                return Channel(judge_end.detach()), ZygoteProcess(self, int(reply["pid"]))
            except (OSError, ValueError, KeyError):
                judge_end.close()
                self.close()
                if attempt == 2:
                    raise
            finally:
                subject_end.close()
        raise AssertionError("unreachable")

    def end(self, pid: int, kill: bool, grace_s: float = 0.0) -> dict:
        try:
            reply = self._call({"op": "end", "pid": pid, "kill": kill, "grace_s": grace_s}, timeout=60.0 + grace_s)
            return dict(reply.get("status") or {})
        except (OSError, ValueError):
            self.close()  # the zygote and, through it, the subject are gone
            return {"signal": int(signal.SIGKILL)}

    def close(self) -> None:
        process, self._process = self._process, None
        control, self._control = self._control, None
        folder, self._folder = self._folder, None
        if control is not None:
            control.close()
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            # Killed, its wardens die with it before they clean up (PR_SET_PDEATHSIG): what they
            # leave, and what the zygote's own clean-up could not reach, goes now.
            cgroups.remove_pool_of(process.pid)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


_local = threading.local()
_all: list[Zygote] = []
_all_lock = threading.Lock()
_judge_pool: list[cgroups.Pool] = []


def judge_pool() -> cgroups.Pool:
    """This process's pool of cgroups, for the subjects it starts itself (the ``fresh`` backend)."""
    with _all_lock:
        if not _judge_pool:
            _judge_pool.append(cgroups.Pool.create())
        return _judge_pool[0]


def zygote_for(lab) -> Zygote:
    """This thread's zygote for the lab's preload (labs that preload alike share one)."""
    zygotes = getattr(_local, "zygotes", None)
    if zygotes is None:
        zygotes = _local.zygotes = {}
    key = tuple(lab.preload) + (lab.module, lab.probes)
    if key not in zygotes:
        zygotes[key] = Zygote(key)
        with _all_lock:
            _all.append(zygotes[key])
    return zygotes[key]


def zygote_pids() -> list[int]:
    zygotes = getattr(_local, "zygotes", {}) or {}
    return [z.pid for z in zygotes.values() if z.pid]


@atexit.register
def shutdown() -> None:
    with _all_lock:
        for zygote in _all:
            zygote.close()
        for pool in _judge_pool:
            pool.close()
        _judge_pool.clear()


# --------------------------------------------------------------------------- the subject, as the judge sees it


def _accepts(wanted, message: dict) -> bool:
    """Whether ``message`` is the one awaited; a message that makes the test itself fail is not."""
    try:
        return bool(wanted(message))
    except Exception:
        return False


_VERSION = re.compile(r"[\w.+-]{1,40}")


def _versions(environment) -> dict[str, str]:
    """What the subject says it ran on (library versions), kept only if it looks like versions: it
    reaches grades.csv and the instructor's terminal, so no formulas, markup or megabytes."""
    if not isinstance(environment, dict):
        return {}
    return {k: v for k, v in list(environment.items())[:8]
            if isinstance(k, str) and isinstance(v, str) and _VERSION.fullmatch(k) and _VERSION.fullmatch(v)}


@dataclasses.dataclass
class Start:
    """What running the notebook gave: the cells that did not simply run, and the entry."""

    cells: list[CellReport]
    entry: bool
    environment: dict
    looped: list[tuple[int, tuple[str, ...]]]  # (cell number, entry methods) for each cell stopped


@dataclasses.dataclass
class Finish:
    ending: Ending
    detail: str
    peak_memory_mb: float | None
    pid_namespace: bool | None
    status: dict = dataclasses.field(default_factory=dict)  # the warden's and the cgroup's account


class RemoteSubject:
    """The judge's end of one subject process."""

    def __init__(self, channel: Channel, process, limits: Limits):
        self.channel, self.process, self.limits = channel, process, limits
        self.deadline = time.monotonic() + limits.timeout_s
        self.gone: SubjectGone | None = None
        self._peak: float | None = None

    # --- the conversation ---------------------------------------------------------

    def _receive(self, limit_s: float | None, what: str, wanted) -> dict:
        """The next message that ``wanted(message)`` accepts, within the limit.

        Whatever else arrives (a line that is not JSON, a message out of turn,
        something the student's code wrote to this channel) is skipped: the
        subject can only slow itself down, and the deadline bounds that.
        """
        if self.gone is not None:
            raise self.gone
        deadline = self.deadline if limit_s is None else min(self.deadline, time.monotonic() + limit_s + GRACE_S)
        try:
            while True:
                message = self.channel.receive(deadline)
                if message is not None and _accepts(wanted, message):
                    return message
        except ChannelTimeout:
            whole = time.monotonic() >= self.deadline - 0.01
            detail = (f"the submission ran for more than {self.limits.timeout_s:g} s" if whole
                      else f"{what} did not stop at its time limit")
            self._end(kill=True)
            self.gone = SubjectGone(Ending.TIME_LIMIT, detail)
        except ChannelClosed as closed:
            status = self._end(kill=True, grace_s=2.0)  # it closed the channel: it is most likely exiting
            ending, detail = describe_status(status, self.limits)
            if "longer than" in str(closed):
                ending, detail = Ending.EXITED, f"the process sent a message over the size limit ({closed})"
            self.gone = SubjectGone(ending, detail)
        raise self.gone

    def hello(self) -> None:
        self._receive(STARTUP_S, "starting", lambda m: m.get("op") == "hello")
        self.deadline = time.monotonic() + self.limits.timeout_s  # the limit starts with the notebook

    def run(self, cells: list[dict], entry: str) -> Start:
        """Send the notebook; collect one report per cell, then whether ``entry`` exists."""
        self.channel.send({"op": "run", "entry": entry, "cells": cells,
                           "budget": {"cell_s": self.limits.cell_timeout_s, "stuck_s": self.limits.stuck_s,
                                      "overtime_s": self.limits.overtime_s}})
        reports, looped, answered = [], [], set()
        overtime_left: float | None = None
        first_lines = {int(c["number"]): c.get("first_line", "") for c in cells}
        try:
            for cell in cells:
                limit = (self.limits.cell_timeout_s if overtime_left is None
                         else min(self.limits.cell_timeout_s, max(overtime_left, 0.0)))
                started = time.monotonic()
                message = self._receive(limit, f"cell {cell['number']}", lambda m, n=cell["number"]: (
                    m.get("op") == "cell" and m.get("number") == n and m.get("status") in STATUSES
                    and isinstance(m.get("detail", ""), str) and isinstance(m.get("methods", []), list)))
                number = message["number"]
                answered.add(number)
                status = CellStatus(message["status"])
                if overtime_left is not None:
                    overtime_left -= time.monotonic() - started
                if status is CellStatus.TIMED_OUT:
                    overtime_left = self.limits.overtime_s if overtime_left is None else overtime_left
                    methods = tuple(str(m) for m in message.get("methods", []) if isinstance(m, str))[:8]
                    looped.append((int(number), methods))
                if status is not CellStatus.OK:
                    reports.append(CellReport(int(number), status, str(message.get("detail", ""))[:300],
                                              first_lines.get(int(number), "")))
            ready = self._receive(self.limits.cell_timeout_s, "the notebook", lambda m: m.get("op") == "ready")
        except SubjectGone:
            for cell in cells:  # the first cell that never reported is the one the run ended in
                if cell["number"] not in answered:
                    reports.append(CellReport(int(cell["number"]), CellStatus.NOT_RUN, self.gone.detail,
                                              first_lines.get(int(cell["number"]), "")))
                    break
            return Start(reports, False, {}, looped)
        return Start(reports, ready.get("entry") is True, _versions(ready.get("environment")), looped)

    def ask(self, probe: str, args: dict, budget_s: float | None) -> dict:
        if self.gone is not None:
            raise self.gone
        # Each question has an id nobody can guess, so an answer written into the channel before
        # the question was asked (to be taken for the answer to it) matches nothing.
        wanted = secrets.token_hex(8)
        try:
            self.channel.send({"op": "probe", "id": wanted, "probe": probe, "args": args, "budget_s": budget_s})
        except ChannelClosed:
            pass  # the receive below reports how the process ended
        return self._receive(budget_s, probe, lambda m: m.get("op") == "answer" and m.get("id") == wanted)

    # --- the end ------------------------------------------------------------------

    def _end(self, kill: bool, grace_s: float = 0.0) -> dict:
        status = self.process.end(kill, grace_s)
        if "maxrss_kb" in status:
            self._peak = round(float(status["maxrss_kb"]) / 1024, 1)
        self._status = status
        self.channel.close()
        return status

    def finish(self) -> Finish:
        if self.gone is None:
            # The checks are done: the goodbye (with the subject's peak memory) is a courtesy, and
            # the subject is ended after a short grace whatever it does (it may hang on purpose).
            try:
                self.channel.send({"op": "bye"})
                deadline = time.monotonic() + BYE_GRACE_S
                while True:
                    bye = self.channel.receive(deadline)
                    if bye is not None and bye.get("op") == "bye":
                        break
                if isinstance(bye.get("peak_memory_mb"), (int, float)):
                    self._peak = float(bye["peak_memory_mb"])
            except (ChannelClosed, ChannelTimeout):
                pass
            status = self._end(kill=True, grace_s=BYE_GRACE_S)
            ending, detail = Ending.FINISHED, ""
        else:
            status = getattr(self, "_status", {})
            ending, detail = self.gone.ending, self.gone.detail
        return Finish(ending, detail, self._peak, status.get("pid_namespace"), dict(status))


# --------------------------------------------------------------------------- starting one


def start_subject(lab, limits: Limits, backend: str) -> RemoteSubject:
    # The judge's descriptors and memory stay out of reach of same-uid processes (an unsandboxed
    # subject), even where Landlock is missing: /proc/<judge>/fd then needs CAP_SYS_PTRACE.
    contain.protect_from_same_user()
    if backend == "zygote":
        channel, process = zygote_for(lab).spawn(lab.module, limits)
    else:
        command = [sys.executable, "-m", "autograder.subject", "--lab-module", lab.module,
                   "--memory-mb", str(limits.memory_mb)]
        environment, group, folder = _child_environment(), None, None
        if sys.platform.startswith("linux"):
            folder = environment["TMPDIR"] = subjects_folder()  # where its warden makes its folder
            group = judge_pool().group(limits.memory_mb, cgroups.task_limit())
            command += [f"--cgroup={controller}={path}" for controller, path in sorted(group.directories.items())]
        popen = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 env=environment, start_new_session=hasattr(os, "setsid"))
        # The channel owns duplicates; Popen's own pipe objects are closed now, so that nothing
        # closes a descriptor number twice (a later one could be another subject's socket).
        channel = Channel(os.dup(popen.stdout.fileno()), os.dup(popen.stdin.fileno()))
        popen.stdout.close()
        popen.stdin.close()
        process = FreshProcess(popen, group, folder)
    subject = RemoteSubject(channel, process, limits)
    subject.hello()
    return subject
