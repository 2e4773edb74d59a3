"""``python -m autograder.subject --lab-module MOD``: one subject in a fresh Python.

The ``fresh`` backend (macOS, Windows, students' machines): the judge talks
to this process over its stdin and stdout, which it keeps for the channel
before pointing 0, 1 and 2 at the null device. It contains itself as far as
the platform allows (see ``isolation.contain``), then serves one judge.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.subject")
    parser.add_argument("--lab-module", required=True)
    parser.add_argument("--memory-mb", type=int, default=None)
    parser.add_argument("--cgroup", action="append", default=[], help="CONTROLLER=PATH: the subject's cgroup")
    args = parser.parse_args(argv)
    read_fd, write_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)

    from .. import codec
    from ..isolation import contain
    from ..isolation.zygote import SUBJECT_MODULES, hidden_paths, preload, run_warden
    from ..lab import load_lab_module
    from .agent import serve
    from .channel import Channel

    lab = load_lab_module(args.lab_module)
    preload(SUBJECT_MODULES + tuple(lab.preload) + (lab.probes,))
    workdir = tempfile.mkdtemp()  # a name that says nothing about grading
    job = {"lab": args.lab_module, "workdir": workdir, "memory_mb": args.memory_mb, "hidden_paths": hidden_paths(),
           "cgroups": dict(item.split("=", 1) for item in args.cgroup)}
    if sys.platform.startswith("linux") and hasattr(os, "fork"):
        # As under the zygote: this process is the warden, the subject its child in a PID
        # namespace, and the exit code says how the subject ended (128 + signal when killed).
        def report(status: dict) -> None:
            os._exit(128 + status["signal"] if "signal" in status else min(int(status.get("exit", 1)), 127))

        run_warden(job, (read_fd, write_fd), report, None)
    if os.name == "posix":
        contain.contain({read_fd, write_fd}, workdir, args.memory_mb, job["hidden_paths"])
    try:
        serve(lab, Channel(read_fd, write_fd, max_line=codec.MAX_JUDGE_LINE_BYTES))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
