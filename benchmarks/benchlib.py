"""What the benchmarks share: the environment their commands run in, timing, and memory sampling.

The benchmarks report ratios against a baseline run on the same machine in
the same session (nbgrader, ``import tensorflow``), never absolute targets:
the figures move with the machine and its load, the ratios much less.
Nothing here imports from tests/.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "bench-output"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def stack_environment(keras: str | None) -> dict[str, str]:
    """This environment for the commands a benchmark runs, on Keras ``"3"`` or ``"2"`` (None: as it is)."""
    env = dict(os.environ)
    if keras == "2":
        env["TF_USE_LEGACY_KERAS"] = "1"
    elif keras == "3":
        env.pop("TF_USE_LEGACY_KERAS", None)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # nbgrader runs `alembic`, and Jupyter finds its kernel, through PATH: this Python's bin/ first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("AUTOGRADER_NBGRADER_JUDGE", None)
    return env


def keras_of(env: dict[str, str]) -> str:
    """"3" or "2": the Keras that ``tf.keras`` is in this environment (decided as TensorFlow decides)."""
    return "2" if env.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true", "yes") else "3"


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in load] if load else None}


def run_timed(command: list[str], env: dict, cwd: Path = ROOT, log: Path | None = None,
              check: bool = True) -> tuple[float, int]:
    """Wall time of a command (output to ``log`` or nowhere) and its exit status."""
    started = time.perf_counter()
    with open(log, "w") if log else open(os.devnull, "w") as sink:
        result = subprocess.run(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, command))}"
                         + (f"; see {log}" if log else ""))
    return elapsed, result.returncode


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value: float | None, unit: str = "s", digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f} {unit}".rstrip()


# --------------------------------------------------------------------------- memory


def _memory_mb(pid: int) -> tuple[float, float] | None:
    """(PSS, RSS) of a process in MB. PSS splits pages shared with forked siblings fairly; RSS counts them whole."""
    pss = rss = None
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) / 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) / 1024
    except OSError:
        try:
            import psutil

            rss = psutil.Process(pid).memory_info().rss / 2**20
        except Exception:
            return None
    if rss is None:
        return None
    return (pss if pss is not None else rss), rss


def _kind(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if "autograder.isolation.zygote" in text:
        return "zygote"
    if "ipykernel" in text:
        return "kernel"
    return Path(cmdline[0]).name if cmdline else "?"


class TreeMemory(threading.Thread):
    """Samples the memory of a process tree: the root, and each child with everything under it.

    Under grade-batch each child is a worker's zygote, with the subjects it
    forked under it; under nbgrader the children are the notebook's kernel
    and the judge's zygote. The peak of each group's summed PSS is its peak
    memory (shared pages of forked subjects counted once across the group).
    """

    def __init__(self, root_pid: int, interval_s: float = 0.25):
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.interval_s = interval_s
        self.stop_event = threading.Event()
        self.root_peak_mb = 0.0
        self.groups: dict[int, dict] = {}   # child pid -> {"kind", "peak_pss_mb", "peak_rss_mb"}
        self.tree_peak_pss_mb = 0.0

    def run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            root = psutil.Process(self.root_pid)
        except psutil.NoSuchProcess:
            return
        while not self.stop_event.is_set():
            try:
                tree = root.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            parent_of = {}
            for process in tree:
                try:
                    parent_of[process.pid] = process.ppid()
                except psutil.NoSuchProcess:
                    pass
            sums: dict[int, list[float]] = {}
            for pid in parent_of:
                top = pid
                while parent_of.get(top) not in (self.root_pid, None):
                    top = parent_of[top]
                if parent_of.get(top) != self.root_pid:
                    continue
                memory = _memory_mb(pid)
                if memory:
                    total = sums.setdefault(top, [0.0, 0.0])
                    total[0] += memory[0]
                    total[1] += memory[1]
            own = _memory_mb(self.root_pid)
            if own:
                self.root_peak_mb = max(self.root_peak_mb, own[0])
            for top, (pss, rss) in sums.items():
                group = self.groups.get(top)
                if group is None:
                    try:
                        kind = _kind(psutil.Process(top).cmdline())
                    except psutil.Error:
                        kind = "?"
                    group = self.groups[top] = {"pid": top, "kind": kind, "peak_pss_mb": 0.0, "peak_rss_mb": 0.0}
                group["peak_pss_mb"] = round(max(group["peak_pss_mb"], pss), 1)
                group["peak_rss_mb"] = round(max(group["peak_rss_mb"], rss), 1)
            self.tree_peak_pss_mb = round(max(self.tree_peak_pss_mb, (own[0] if own else 0.0)
                                              + sum(p for p, _ in sums.values())), 1)
            self.stop_event.wait(self.interval_s)

    def stop(self) -> dict:
        self.stop_event.set()
        self.join(timeout=5)
        return {"root_peak_pss_mb": round(self.root_peak_mb, 1), "tree_peak_pss_mb": self.tree_peak_pss_mb,
                "groups": sorted(self.groups.values(), key=lambda g: (g["kind"], g["pid"]))}
