"""Benchmark: grade a class with nbgrader autograde and with grade-batch, side by side.

    python benchmarks/bench_batch.py --n 50

1. Builds a temporary nbgrader course from the kit's own files (its
   nbgrader_config.py and source/custom_dense_layer/custom_dense_layer.ipynb)
   and runs ``nbgrader generate_assignment``.
2. Makes N submissions: the released notebook with its SimpleDense cell
   replaced by a class from tests/corpus/ (mostly correct ones in several
   styles, about a fifth wrong ones, one endless loop and one that exits).
3. Times ``python -m autograder grade-batch`` and ``nbgrader autograde`` over
   the same class, checks that every student gets the same score from both
   (nbgrader's from its gradebook), and prints the ratio.
4. Times one cold ``python -m autograder grade NOTEBOOK`` against
   ``python -c "import tensorflow"`` (median of 3 each).
5. Reports peak memory: each submission's child (peak_memory_mb) and each
   worker's zygote (resident memory).

Writes a JSON summary (--json; default bench-output/bench_batch_n<N>_<stack>.json).
nbgrader takes about 20-40 s per submission with Keras 3 (the notebook's own
500-epoch model.fit) plus several minutes for the endless loop (every cell
that reaches it runs into nbgrader's cell timeout), so N=50 takes about half
an hour; use --n 6 to try it out.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "custom_dense_layer"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# Submissions that behave (no floods, bombs or tampering, right or wrong: nbgrader
# has no limits against those, and they would measure the machine, not the grader).
UNSAFE = re.compile(r"loop|memory|bomb|exit|flood|tamper|swallow")


# --------------------------------------------------------------------------- the class


def load_sources(keras3: bool) -> dict[str, list[tuple[str, str]]]:
    """(name, class source) lists: correct, wrong, loop, exit. From tests/corpus/ when present."""
    try:
        import corpus_tools

        cases = [c for c in corpus_tools.load_cases() if c.runs_on(keras3) and not c.release_stub]
    except Exception as error:  # no corpus here: a few inline variants
        print(f"(tests/corpus unavailable: {error}; using inline variants)")
        return _inline_sources()
    by_name = {c.name: c for c in cases}
    sources = {
        "correct": [(c.name, c.source) for c in cases if c.correct and not UNSAFE.search(c.name)],
        "wrong": [(c.name, c.source) for c in cases if not c.correct and not UNSAFE.search(c.name)],
        "loop": [(n, by_name[n].source) for n in ("infinite_loop_in_build",) if n in by_name],
        "exit": [(n, by_name[n].source) for n in ("os_exit_in_build", "sys_exit_in_build") if n in by_name][:1],
    }
    inline = _inline_sources()
    return {kind: found or inline[kind] for kind, found in sources.items()}


def _inline_sources() -> dict[str, list[tuple[str, str]]]:
    head = ("class SimpleDense(tf.keras.layers.Layer):\n    def __init__(self, units=32):\n"
            "        super().__init__()\n        self.units = units\n\n    def build(self, input_shape):\n")
    kernel = ("        self.kernel = self.add_weight(name='kernel', shape=(input_shape[-1], self.units), "
              "initializer=tf.random_normal_initializer(), trainable=True)\n")
    bias = ("        self.bias = self.add_weight(name='bias', shape=(self.units,), initializer='zeros', "
            "trainable=True)\n")
    call = "\n    def call(self, inputs):\n        return tf.matmul(inputs, self.kernel) + self.bias\n"
    return {
        "correct": [("inline_add_weight", head + kernel + bias + call),
                    ("inline_matmul_op", head + kernel + bias + call.replace("tf.matmul(inputs, self.kernel)",
                                                                             "inputs @ self.kernel"))],
        "wrong": [("inline_no_bias", head + kernel + call.replace(" + self.bias", "")),
                  ("inline_glorot", head + kernel.replace("tf.random_normal_initializer()", "'glorot_uniform'")
                   + bias + call)],
        "loop": [("inline_loop", head + "        while True:\n            pass\n" + call)],
        "exit": [("inline_exit", "import os\n" + head + "        os._exit(3)\n" + call)],
    }


def plan_class(n: int, sources: dict, loops: int, exits: int, seed: int) -> list[tuple[str, str, str]]:
    """(student id, case name, class source) for N students: the mix is fixed, the order shuffled."""
    loops, exits = min(loops, n), min(exits, max(0, n - loops))
    wrong = min(round(0.2 * n), n - loops - exits)
    correct = n - loops - exits - wrong
    picks = ([sources["correct"][i % len(sources["correct"])] for i in range(correct)]
             + [sources["wrong"][i % len(sources["wrong"])] for i in range(wrong)]
             + [sources["loop"][0]] * loops + [sources["exit"][0]] * exits)
    random.Random(seed).shuffle(picks)
    return [(f"student{i + 1:03d}", name, source) for i, (name, source) in enumerate(picks)]


def make_course(folder: Path, cell_timeout: int | None) -> None:
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    if (ROOT / "nbgrader_hide_hidden.py").exists():
        shutil.copy(ROOT / "nbgrader_hide_hidden.py", folder / "nbgrader_hide_hidden.py")
    if cell_timeout:
        with open(folder / "nbgrader_config.py", "a") as config:
            config.write(f"\n# bench_batch.py: per-cell time limit for this benchmark\nc.Execute.timeout = {cell_timeout}\n")
    shutil.copytree(ROOT / "source" / ASSIGNMENT, folder / "source" / ASSIGNMENT)


def write_submissions(course: Path, plan: list[tuple[str, str, str]]) -> None:
    import nbformat

    release = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    index = next(i for i, cell in enumerate(release.cells)
                 if cell.cell_type == "code" and "class SimpleDense" in cell.source)
    for student, _, source in plan:
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        notebook = nbformat.from_dict(json.loads(json.dumps(release)))
        notebook.cells[index].source = source
        nbformat.write(notebook, str(folder / f"{ASSIGNMENT}.ipynb"))
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")


# --------------------------------------------------------------------------- running things


def env() -> dict:
    e = dict(os.environ)
    e.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # nbgrader runs `alembic` and jupyter finds its kernel through PATH: put this Python's bin/ first.
    e["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), e.get("PATH", "")])
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), e.get("PYTHONPATH")]))
    return e


def timed(command: list[str], cwd: Path, log: Path | None = None, check: bool = True) -> float:
    started = time.perf_counter()
    with open(log, "w") if log else open(os.devnull, "w") as sink:
        result = subprocess.run(command, cwd=cwd, env=env(), stdout=sink, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(command)}" + (f"; see {log}" if log else ""))
    return elapsed


def run_nbgrader_autograde(course: Path, log: Path) -> tuple[float, dict[str, float]]:
    """Wall time of one ``nbgrader autograde`` over all students, and each student's share
    (from the time each student's first log line appeared)."""
    command = [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT]
    started = time.perf_counter()
    marks: list[tuple[float, str]] = []
    with open(log, "w") as sink:
        process = subprocess.Popen(command, cwd=course, env=env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            sink.write(line)
            match = re.search(r"Creating/updating student with ID '([^']+)'", line)
            if match:
                marks.append((time.perf_counter(), match.group(1)))
        process.wait()
    ended = time.perf_counter()
    per_student = {}
    for (at, student), following in zip(marks, marks[1:] + [(ended, None)]):
        per_student[student] = following[0] - at
    return ended - started, per_student


def nbgrader_scores(course: Path, students: list[str]) -> dict[str, float | None]:
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict[str, float | None] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            try:
                scores[student] = float(gradebook.find_submission(ASSIGNMENT, student).score)
            except MissingEntry:
                scores[student] = None
    return scores


def peak_rss_of_tree(root_pid: int, stop: threading.Event, peaks: dict) -> None:
    """Sample resident memory under grade-batch: its zygotes (its own children) and their forked children."""
    import psutil

    while not stop.is_set():
        try:
            tree = psutil.Process(root_pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for p in tree:
            try:
                kind = "zygote" if p.ppid() == root_pid else "child"
                peaks[(p.pid, kind)] = max(peaks.get((p.pid, kind), 0.0), p.memory_info().rss / 2**20)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        stop.wait(0.1)


def cold_timings(notebook: Path, repeats: int) -> dict:
    grade = [sys.executable, "-m", "autograder", "grade", str(notebook), "--json"]
    import_tf = [sys.executable, "-c", "import tensorflow"]
    timed(import_tf, ROOT)  # once, so both start from a warm disk cache
    grade_times, tf_times = [], []
    for _ in range(repeats):
        tf_times.append(timed(import_tf, ROOT))
        grade_times.append(timed(grade, ROOT))
    return {"grade_s": grade_times, "import_tensorflow_s": tf_times,
            "grade_median_s": statistics.median(grade_times),
            "import_tensorflow_median_s": statistics.median(tf_times),
            "ratio": statistics.median(grade_times) / statistics.median(tf_times)}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="students in the class (default 50)")
    parser.add_argument("--workers", type=int, default=None, help="grade-batch workers (default: cores)")
    parser.add_argument("--loops", type=int, default=1, help="submissions with an endless loop (default 1)")
    parser.add_argument("--exits", type=int, default=1, help="submissions that exit the process (default 1)")
    parser.add_argument("--cell-timeout", type=int, default=30,
                        help="nbgrader's per-cell time limit for this run (default 30 s, nbgrader's own "
                             "default; the kit's config says 300, which makes the endless loop cost nbgrader "
                             "over an hour; 0 keeps the kit's)")
    parser.add_argument("--repeats", type=int, default=3, help="cold single-grade runs (median; default 3)")
    parser.add_argument("--seed", type=int, default=1, help="shuffles which student gets which submission")
    parser.add_argument("--skip-nbgrader", action="store_true", help="time grade-batch only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary course (its path is printed)")
    parser.add_argument("--json", metavar="PATH", help="where to write the summary")
    args, extra = parser.parse_known_args(argv)  # anything else goes to grade-batch (e.g. --timeout 30)

    keras3 = os.environ.get("TF_USE_LEGACY_KERAS", "").lower() not in ("1", "true", "yes")
    stack = "keras3" if keras3 else "keras2"
    if not (ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists():
        raise SystemExit(f"no instructor notebook at source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    course = workdir / "course"
    course.mkdir()
    summary: dict = {"n": args.n, "stack": stack, "cores": os.cpu_count(), "course": str(course),
                     "grade_batch_extra_args": extra}
    try:
        make_course(course, args.cell_timeout or None)
        print(f"course: {course} ({stack}, {os.cpu_count()} cores)")
        summary["generate_assignment_s"] = timed(
            [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"], course,
            workdir / "generate_assignment.log")
        plan = plan_class(args.n, load_sources(keras3), args.loops, args.exits, args.seed)
        write_submissions(course, plan)
        summary["class"] = {student: name for student, name, _ in plan}
        kinds: dict[str, int] = {}
        for _, name, _ in plan:
            kinds[name] = kinds.get(name, 0) + 1
        print(f"{args.n} submissions: " + ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items())))

        # 1. One cold grade against importing TensorFlow (also warms the disk cache for both sides).
        first = course / "submitted" / next(s for s, name, _ in plan if "correct" in name or "inline_add" in name) \
            / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        cold = cold_timings(first, args.repeats)
        summary["cold_single_grade"] = cold
        print(f"cold single grade: {cold['grade_median_s']:.2f} s vs import tensorflow "
              f"{cold['import_tensorflow_median_s']:.2f} s -> {cold['ratio']:.2f}x (target <= 1.5x)")

        # 2. grade-batch over the class.
        out = workdir / "grading-output"
        command = [sys.executable, "-m", "autograder", "grade-batch", str(course), "--output", str(out), "--quiet"]
        if args.workers:
            command += ["--workers", str(args.workers)]
        command += extra
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
        peaks: dict = {}
        stop = threading.Event()
        sampler = threading.Thread(target=peak_rss_of_tree, args=(process.pid, stop, peaks), daemon=True)
        sampler.start()
        output, _ = process.communicate()
        batch_s = time.perf_counter() - started
        stop.set()
        sampler.join()
        (workdir / "grade_batch.log").write_text(output)
        if process.returncode != 0:
            raise SystemExit(f"grade-batch failed:\n{output}")
        from autograder.batch import load_records

        records = {student: r for (student, _), r in load_records(out).items()}
        run = json.loads((out / "run.json").read_text())
        child_peaks = [r["peak_memory_mb"] for r in records.values() if r.get("peak_memory_mb")]
        per_submission = sorted(r["seconds"] for r in records.values())
        summary["grade_batch"] = {
            "wall_s": batch_s, "runner_s": run["seconds"], "workers": run["workers"],
            "per_submission_s_median": statistics.median(per_submission),
            "per_submission_s_max": per_submission[-1],
            "child_peak_memory_mb_median": statistics.median(child_peaks) if child_peaks else None,
            "child_peak_memory_mb_max": max(child_peaks) if child_peaks else None,
            "zygotes": run["zygotes"],
            "sampled_zygote_peak_rss_mb": [round(mb, 1) for (_, kind), mb in sorted(peaks.items()) if kind == "zygote"],
            "sampled_child_peak_rss_mb_max": round(max([mb for (_, k), mb in peaks.items() if k == "child"] or [0]), 1),
        }
        slowest = sorted(((r["seconds"], s) for s, r in records.items()), reverse=True)[:3]
        summary["grade_batch"]["slowest"] = [{"student": s, "case": summary["class"].get(s), "seconds": t}
                                             for t, s in slowest]
        zygote_peaks = [z.get("zygote_peak_rss_mb") for z in run["zygotes"]]
        print(f"grade-batch: {batch_s:.1f} s for {args.n} ({run['workers']} workers; "
              f"median {statistics.median(per_submission):.2f} s per submission)")
        print("  slowest: " + ", ".join(f"{s['student']} ({s['case']}) {s['seconds']:.1f} s"
                                        for s in summary["grade_batch"]["slowest"]))
        print(f"memory: zygote peak RSS per worker {zygote_peaks} MB; child peak (ru_maxrss, shares the "
              f"zygote's pages) median {summary['grade_batch']['child_peak_memory_mb_median']} MB, "
              f"max {summary['grade_batch']['child_peak_memory_mb_max']} MB")

        # 3. nbgrader autograde over the same class.
        if not args.skip_nbgrader:
            print("nbgrader autograde (sequential; this is the slow part) ...", flush=True)
            nb_s, per_student = run_nbgrader_autograde(course, workdir / "autograde.log")
            scores = nbgrader_scores(course, [s for s, _, _ in plan])
            mismatches = []
            for student, name, _ in plan:
                ours = float(records[student]["score"]) if student in records else None
                theirs = scores.get(student)
                if ours != (theirs if theirs is not None else 0.0):
                    mismatches.append({"student": student, "case": name, "grade_batch": ours, "nbgrader": theirs})
            typical = statistics.median(per_student.values()) if per_student else None
            if mismatches:
                args.keep = True  # keep the logs and notebooks to look into
            summary["nbgrader"] = {
                "wall_s": nb_s, "per_student_s": per_student,
                "per_student_s_median": typical, "cell_timeout_s": args.cell_timeout or "kit default",
                "scores": scores, "missing_scores": [s for s, v in scores.items() if v is None],
            }
            summary["same_scores"] = not mismatches
            summary["mismatches"] = mismatches
            summary["ratio"] = nb_s / batch_s
            print(f"nbgrader autograde: {nb_s:.1f} s (median {typical:.1f} s per student)")
            slow = sorted(per_student.items(), key=lambda kv: -kv[1])[:3]
            print("  slowest: " + ", ".join(f"{s} ({summary['class'][s]}) {t:.0f} s" for s, t in slow))
            print(f"scores: {'identical for all ' + str(args.n) if not mismatches else str(len(mismatches)) + ' differ'}")
            for m in mismatches:
                print(f"  {m}")
            if summary["nbgrader"]["missing_scores"]:
                print(f"  nbgrader recorded no score for: {summary['nbgrader']['missing_scores']} (counted as 0)")
            print(f"ratio nbgrader / grade-batch: {summary['ratio']:.1f}x (target >= 30x)")
    finally:
        target = Path(args.json) if args.json else ROOT / "bench-output" / f"bench_batch_n{args.n}_{stack}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"summary: {target}")
        if args.keep:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    ok = summary.get("same_scores", True) and summary.get("ratio", 30) >= 30 and \
        summary.get("cold_single_grade", {}).get("ratio", 0) <= 1.5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
