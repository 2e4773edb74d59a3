"""Benchmark: one class graded by ``nbgrader autograde`` and by ``grade-batch``, side by side.

    python benchmarks/bench_batch.py --n 50                   # Keras 3 (or whatever this environment has)
    python benchmarks/bench_batch.py --n 50 --keras 2         # legacy Keras (TF_USE_LEGACY_KERAS=1)
    python benchmarks/bench_batch.py --n 8 --plain-nbgrader   # also plain nbgrader (AUTOGRADER_NBGRADER_JUDGE=0)

1. Builds a scratch nbgrader course from the kit's own files (nbgrader_config.py
   and source/<lab>/) and runs ``nbgrader generate_assignment``.
2. Makes N submissions from the lab's corpus (autograder/labs/<lab>/corpus/),
   each the released notebook with one case in its answer cell: mostly right
   answers in many styles, about a fifth mistakes (the untouched stub among
   them), exactly one that never finishes and one that ends its process.
   Cases that attack the grader are left out: nbgrader has no limits against
   floods and bombs, so they would measure the machine, not the graders.
3. Times one cold ``python -m autograder grade NOTEBOOK`` against
   ``python -c "import tensorflow"`` (median of 3 each, interleaved).
4. Grades the class with ``python -m autograder grade-batch`` and with
   ``nbgrader autograde`` as the kit ships it (the judge's scores, JudgeGrades);
   with --plain-nbgrader also with plain nbgrader, on a copy of the course.
5. Checks that every student's score is the same in grade-batch and in the
   gradebook, and reports: the ratio nbgrader / grade-batch (wall clock), the
   looping and the exiting submission's cost in each, per-student medians,
   peak memory per worker, and the cold single grade against importing TensorFlow.

The figures are ratios against a baseline run here and now, never targets
asserted in a test. Everything is printed and saved in bench-output/
(a JSON summary, the printed report, and the logs of every command).

Duration: grade-batch takes a few seconds per student over its workers;
nbgrader 15 to 25 s per student (a kernel, TensorFlow, the notebook, then
the judge) and about 150 s for the loop (each cell that reaches it runs
into the kit's 60 s cell limit; 250 s in plain nbgrader, whose test cells
run the in-kernel checks too). Measured on a busy 2-core machine, --n 8
took 8 min (14 min with --plain-nbgrader), and the projection the script
prints for --n 50 was 26 min (37 min with --plain-nbgrader).
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import OUTPUT, ROOT, TreeMemory, fmt, keras_of, machine, median, run_timed, stack_environment

from autograder.corpus import Case, case_notebook, load_cases
from autograder.lab import installed_labs, load_lab

# Cases that attack the grader (or the machine): not part of an ordinary class.
ADVERSARIAL = re.compile(r"tamper|forge|secret|neighbour|escape|detect|object_graph|memory|bomb|flood|"
                         r"exit|swallow|loop")
LOOP_CASES = ("infinite_loop_in_build", "infinite_loop_in_call")
EXIT_CASES = ("os_exit_in_build", "sys_exit_in_build")
REFERENCE = "correct_reference_solution"


# --------------------------------------------------------------------------- the class


def applies(case: Case, env: dict) -> bool:
    """Whether the case is meant for the stack the benchmark runs on."""
    if hasattr(case, "applies"):
        return case.applies(env)
    return case.runs_on(keras_of(env) == "3")  # the corpus's older header


def pools(lab, env: dict) -> dict[str, list[Case]]:
    cases = [c for c in load_cases(lab) if applies(c, env)]
    ordinary = [c for c in cases if not ADVERSARIAL.search(c.name) and not c.limits]
    by_name = {c.name: c for c in cases}

    def first(names, pattern):
        named = [by_name[n] for n in names if n in by_name]
        return named[:1] or [c for c in cases if re.search(pattern, c.name) and c.expect == "zero"][:1]

    found = {
        "correct": [c for c in ordinary if c.correct],
        "wrong": [c for c in ordinary if not c.correct],
        "loop": first(LOOP_CASES, r"loop"),
        "exit": first(EXIT_CASES, r"exit"),
    }
    empty = [kind for kind, listed in found.items() if not listed]
    if empty:
        raise SystemExit(f"the corpus of {lab.name} has no {' and no '.join(empty)} case for this stack")
    return found


def plan_class(n: int, found: dict[str, list[Case]], wrong_share: float, seed: int) -> list[tuple[str, Case]]:
    """(student id, case) for N students: one loop, one exit, a share of mistakes, the rest right; shuffled."""
    if n < 3:
        raise SystemExit("--n must be at least 3 (one loop, one exit, one more)")
    rest = n - 2
    wrong = min(round(wrong_share * n), rest - 1)
    correct = rest - wrong
    # Every style before any repeats; the reference solution first (the cold grade uses it).
    right = sorted(found["correct"], key=lambda c: (c.name != REFERENCE, c.name))
    picks = ([right[i % len(right)] for i in range(correct)]
             + [found["wrong"][i % len(found["wrong"])] for i in range(wrong)]
             + found["loop"][:1] + found["exit"][:1])
    random.Random(seed).shuffle(picks)
    return [(f"student{i + 1:03d}", case) for i, case in enumerate(picks)]


def make_course(folder: Path, lab, env: dict, logs: Path) -> dict:
    """A scratch nbgrader course: the kit's config, the lab's source, the generated release."""
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    shutil.copytree(ROOT / "source" / lab.name, folder / "source" / lab.name,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    run_timed([sys.executable, "-m", "nbgrader", "generate_assignment", lab.name, "--force"], env, cwd=folder,
              log=logs / "generate_assignment.log")
    return json.loads((folder / "release" / lab.name / lab.notebook_name).read_text(encoding="utf-8"))


def write_submissions(course: Path, lab, release: dict, plan: list[tuple[str, Case]]) -> None:
    for student, case in plan:
        folder = course / "submitted" / student / lab.name
        folder.mkdir(parents=True)
        notebook = case_notebook(lab, case, release)
        (folder / lab.notebook_name).write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- grade-batch


def run_grade_batch(course: Path, lab, env: dict, workers: int | None, logs: Path) -> dict:
    out = course.parent / "grading-output"
    command = [sys.executable, "-m", "autograder", "grade-batch", str(course), "--assignment", lab.name,
               "--output", str(out), "--quiet", "--force"]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    with open(logs / "grade_batch.log", "w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        memory = TreeMemory(process.pid)
        memory.start()
        process.wait()
    wall = time.perf_counter() - started
    sampled = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"grade-batch failed ({process.returncode}); see {logs / 'grade_batch.log'}")
    from autograder.batch import load_records

    records = {student: record for (student, _), record in load_records(out).items()}
    run = json.loads((out / "run.json").read_text())
    return {"wall_s": round(wall, 2), "runner_s": run["seconds"], "workers": run["workers"],
            "records": records, "zygotes": run["zygotes"], "sampled_memory": sampled}


# --------------------------------------------------------------------------- nbgrader

STUDENT_LINE = re.compile(r"Creating/updating student with ID '([^']+)'")
JUDGE_LINE = re.compile(r"JudgeGrades: ([^/\s]+)/\S+: ([\d.]+)/([\d.]+) from the judge in ([\d.]+) s")


def run_nbgrader(course: Path, lab, env: dict, log: Path) -> dict:
    """One ``nbgrader autograde`` over the whole class: wall time, each student's share, the judge's share."""
    command = [sys.executable, "-m", "nbgrader", "autograde", lab.name]
    started = time.perf_counter()
    marks: list[tuple[float, str]] = []
    judged: dict[str, float] = {}
    with open(log, "w") as sink:
        process = subprocess.Popen(command, cwd=course, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace")
        memory = TreeMemory(process.pid)
        memory.start()
        for line in process.stdout:
            sink.write(line)
            if match := STUDENT_LINE.search(line):
                marks.append((time.perf_counter(), match.group(1)))
            elif match := JUDGE_LINE.search(line):
                judged[match.group(1)] = float(match.group(4))
        process.wait()
    ended = time.perf_counter()
    sampled = memory.stop()
    per_student = {student: round(nxt[0] - at, 2)
                   for (at, student), nxt in zip(marks, marks[1:] + [(ended, None)])}
    return {"wall_s": round(ended - started, 2), "returncode": process.returncode,
            "startup_s": round(marks[0][0] - started, 2) if marks else None,
            "per_student_s": per_student, "judge_in_nbgrader_s": judged,
            "scores": gradebook_scores(course, lab), "sampled_memory": sampled}


def gradebook_scores(course: Path, lab) -> dict[str, float | None]:
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict[str, float | None] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in sorted(p.name for p in (course / "submitted").iterdir()):
            try:
                scores[student] = float(gradebook.find_submission(lab.name, student).score)
            except MissingEntry:
                scores[student] = None  # nbgrader could not autograde it
    return scores


# --------------------------------------------------------------------------- cold grade


def cold_single_grade(notebook: Path, env: dict, repeats: int, logs: Path) -> dict:
    """``python -m autograder grade NOTEBOOK`` against ``python -c "import tensorflow"``, interleaved."""
    grade = [sys.executable, "-m", "autograder", "grade", str(notebook)]
    import_tf = [sys.executable, "-c", "import tensorflow"]
    run_timed(import_tf, env)  # once each first, so both start from the same warm disk cache
    run_timed(grade, env, log=logs / "cold_grade.log")
    grades, imports = [], []
    for _ in range(repeats):
        imports.append(round(run_timed(import_tf, env)[0], 2))
        grades.append(round(run_timed(grade, env, log=logs / "cold_grade.log")[0], 2))
    return {"grade_s": grades, "import_tensorflow_s": imports, "grade_median_s": median(grades),
            "import_tensorflow_median_s": median(imports),
            "ratio": round(median(grades) / median(imports), 2)}


# --------------------------------------------------------------------------- the report


class Report:
    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


def memory_lines(sampled: dict, label: str) -> list[str]:
    lines = []
    by_kind = collections.defaultdict(list)
    for group in sampled.get("groups", []):
        by_kind[group["kind"]].append(group)
    for kind, groups in sorted(by_kind.items()):
        if len(groups) > 2:  # e.g. nbgrader's kernels, one per student: in short
            peaks = [g["peak_pss_mb"] for g in groups]
            lines.append(f"  {label} {len(groups)} {kind}s, one after another (each with its children): peak "
                         f"{max(peaks):.0f} MB PSS, median {median(peaks):.0f} MB")
            continue
        for group in groups:
            lines.append(f"  {label} {kind} (pid {group['pid']}, with its children): peak "
                         f"{group['peak_pss_mb']:.0f} MB PSS ({group['peak_rss_mb']:.0f} MB RSS summed)")
    lines.append(f"  {label} whole tree: peak {sampled.get('tree_peak_pss_mb', 0):.0f} MB PSS; its main "
                 f"process {sampled.get('root_peak_pss_mb', 0):.0f} MB")
    return lines


def compare(plan, records: dict, scores: dict) -> list[dict]:
    differ = []
    for student, case in plan:
        ours = float(records[student]["score"]) if student in records else None
        theirs = scores.get(student)
        if ours != (theirs if theirs is not None else 0.0):
            differ.append({"student": student, "case": case.name, "grade_batch": ours, "nbgrader": theirs})
    return differ


def nbgrader_section(say: Report, title: str, result: dict, plan, special: dict, records: dict,
                     batch_wall: float) -> dict:
    per = result["per_student_s"]
    ordinary = [t for s, t in per.items() if s not in special]
    differ = compare(plan, records, result["scores"])
    missing = [s for s, v in result["scores"].items() if v is None]
    status = f"exit status {result['returncode']}"
    if result["returncode"] and "exit" in special.values():
        status += ": nbgrader counts the submission whose kernel died as an error"
    say(f"{title}: {result['wall_s']:.1f} s wall ({status}); per student: median "
        f"{fmt(median(per.values()))} (ordinary submissions {fmt(median(ordinary))}); "
        f"nbgrader's own start {fmt(result['startup_s'])}")
    if result["judge_in_nbgrader_s"]:
        say(f"  of which the judge (JudgeGrades): median {fmt(median(result['judge_in_nbgrader_s'].values()))} "
            "per student")
    for student, kind in special.items():
        say(f"  {kind} ({student}): {fmt(per.get(student))}")
    for line in memory_lines(result["sampled_memory"], "memory:"):
        say(line)
    if missing:
        say(f"  no score in the gradebook for {missing} (nbgrader could not autograde them; counted as 0)")
    say(f"  scores: {'the same as grade-batch for all ' + str(len(plan)) if not differ else str(len(differ)) + ' differ from grade-batch'}")
    for item in differ:
        say(f"    {item}")
    ratio = round(result["wall_s"] / batch_wall, 2)
    say(f"  ratio {title} / grade-batch: {ratio:.2f}x wall clock")
    return {"ratio": ratio, "differ": differ, "missing_scores": missing,
            "per_student_s_median": median(per.values()), "ordinary_s_median": median(ordinary),
            "special_s": {kind: per.get(student) for student, kind in special.items()}}


def project(n: int, ordinary_s: float | None, special_s: list[float | None], fixed_s: float, parallel: int = 1) -> float:
    """Seconds for a class of ``n``: ordinary students at their median, the special ones as measured."""
    special = [s or 0.0 for s in special_s]
    return fixed_s + ((n - len(special)) * (ordinary_s or 0.0) + sum(special)) / parallel


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="students in the class (default 50)")
    parser.add_argument("--workers", type=int, default=None, help="grade-batch workers (default: its own, the cores)")
    parser.add_argument("--keras", choices=("3", "2"), default=None,
                        help="the stack: 3, or 2 for legacy Keras (TF_USE_LEGACY_KERAS=1); default: this environment's")
    labs = installed_labs()
    parser.add_argument("--lab", choices=labs, default="custom_dense_layer" if "custom_dense_layer" in labs else labs[0])
    parser.add_argument("--plain-nbgrader", action="store_true",
                        help="also grade the class with plain nbgrader (AUTOGRADER_NBGRADER_JUDGE=0), on a copy")
    parser.add_argument("--skip-nbgrader", action="store_true", help="grade-batch and the cold grade only")
    parser.add_argument("--wrong-share", type=float, default=0.2, help="share of mistakes in the class (default 0.2)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the cold grade and of the import (median)")
    parser.add_argument("--seed", type=int, default=1, help="which student gets which submission")
    parser.add_argument("--keep", action="store_true", help="keep the scratch course (its path is printed)")
    args = parser.parse_args(argv)

    env = stack_environment(args.keras)
    keras = keras_of(env)
    lab = load_lab(args.lab)
    name = f"bench_batch_{lab.name}_n{args.n}_keras{keras}{'_plain' if args.plain_nbgrader else ''}"
    logs = OUTPUT / name
    logs.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    course = workdir / "course"
    course.mkdir()
    say = Report()
    summary: dict = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "n": args.n, "lab": lab.name,
                     "keras": keras, "machine": machine(), "scratch": str(workdir), "logs": str(logs)}
    started = time.perf_counter()
    ok = True
    try:
        say(f"{args.n} students of {lab.name} on Keras {keras}, {summary['machine']['cores']} cores, "
            f"load {summary['machine']['load_average_at_start']}; scratch course {course}")
        release = make_course(course, lab, env, logs)
        found = pools(lab, env)
        plan = plan_class(args.n, found, args.wrong_share, args.seed)
        write_submissions(course, lab, release, plan)
        special = {s: kind for s, c in plan for kind in ("loop", "exit") if c is found[kind][0]}
        summary["class"] = {student: case.name for student, case in plan}
        counts = collections.Counter(case.name for _, case in plan)
        say("class: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
        if args.plain_nbgrader and not args.skip_nbgrader:
            shutil.copytree(course, workdir / "course-plain")

        # 1. One cold grade against importing TensorFlow.
        reference = next((s for s, c in plan if c.name == REFERENCE), next(s for s, c in plan if c.correct))
        cold = cold_single_grade(course / "submitted" / reference / lab.name / lab.notebook_name, env,
                                 args.repeats, logs)
        summary["cold_single_grade"] = cold
        say(f"cold single grade (python -m autograder grade NB): median {fmt(cold['grade_median_s'], digits=2)} "
            f"{cold['grade_s']}; python -c 'import tensorflow': median {fmt(cold['import_tensorflow_median_s'], digits=2)} "
            f"{cold['import_tensorflow_s']}; ratio {cold['ratio']:.2f}x")

        # 2. grade-batch.
        batch = run_grade_batch(course, lab, env, args.workers, logs)
        records = batch.pop("records")
        seconds = {s: r["seconds"] for s, r in records.items()}
        ordinary = [t for s, t in seconds.items() if s not in special]
        child_peaks = [r["peak_memory_mb"] for r in records.values() if r.get("peak_memory_mb")]
        environment = next((r.get("environment") for r in records.values() if r.get("environment")), {})
        summary["environment"] = environment
        summary["grade_batch"] = {
            **batch, "per_student_s": seconds, "per_student_s_median": median(seconds.values()),
            "ordinary_s_median": median(ordinary),
            "special_s": {kind: seconds.get(s) for s, kind in special.items()},
            "scores": {s: r["score"] for s, r in records.items()},
            "endings": {s: r["ending"] for s, r in records.items() if r["ending"] != "finished"},
            "subject_peak_memory_mb_median": round(median(child_peaks), 1) if child_peaks else None,
            "subject_peak_memory_mb_max": max(child_peaks) if child_peaks else None,
        }
        say(f"grade-batch: {batch['wall_s']:.1f} s wall ({batch['workers']} workers; {environment}); per student: "
            f"median {fmt(median(seconds.values()), digits=2)} (ordinary submissions {fmt(median(ordinary), digits=2)})")
        for student, kind in special.items():
            say(f"  {kind} ({student}): {fmt(seconds.get(student))}, {records[student]['ending']}: "
                f"{(records[student].get('detail') or '')[:90]}")
        for zygote in batch["zygotes"]:
            say(f"  worker zygote pid {zygote.get('zygote_pid')}: peak {zygote.get('zygote_peak_rss_mb')} MB RSS "
                f"(the zygote alone, /proc VmHWM)")
        for line in memory_lines(batch["sampled_memory"], "memory:"):
            say(line)
        say(f"  each subject's own peak (ru_maxrss, pages shared with its zygote included): median "
            f"{summary['grade_batch']['subject_peak_memory_mb_median']} MB, max "
            f"{summary['grade_batch']['subject_peak_memory_mb_max']} MB")

        # 3. nbgrader, as the kit ships it (the judge's scores), then plain if asked.
        runs = []
        if not args.skip_nbgrader:
            runs.append(("nbgrader autograde (JudgeGrades)", "nbgrader", course, env))
            if args.plain_nbgrader:
                runs.append(("plain nbgrader autograde", "plain_nbgrader", workdir / "course-plain",
                             {**env, "AUTOGRADER_NBGRADER_JUDGE": "0"}))
        for title, key, where, run_env in runs:
            say(f"{title} (one student after another) ...")
            result = run_nbgrader(where, lab, run_env, logs / f"{key}_autograde.log")
            section = nbgrader_section(say, title, result, plan, special, records, batch["wall_s"])
            summary[key] = {**result, **section}
            if key == "nbgrader" and section["differ"]:
                ok = False  # the kit's two paths must agree on every student

        # 4. In short, and how long N=50 would take here.
        say("")
        say("summary:")
        if "nbgrader" in summary:
            nb = summary["nbgrader"]
            say(f"  ratio nbgrader (JudgeGrades) / grade-batch: {nb['ratio']:.2f}x wall clock "
                f"({batch['workers']} workers); per ordinary student {fmt(nb['ordinary_s_median'])} vs "
                f"{fmt(summary['grade_batch']['ordinary_s_median'], digits=2)}")
            say(f"  same scores: {'yes, all ' + str(args.n) if not nb['differ'] else 'NO: ' + str(len(nb['differ'])) + ' differ'}")
        if "plain_nbgrader" in summary:
            plain = summary["plain_nbgrader"]
            say(f"  ratio plain nbgrader / grade-batch: {plain['ratio']:.2f}x; scores differing from the judge's: "
                f"{len(plain['differ'])} (plain nbgrader scores what the student's kernel prints)")
        for kind in ("loop", "exit"):
            parts = [f"grade-batch {fmt(summary['grade_batch']['special_s'].get(kind))}"]
            parts += [f"{k.replace('_', ' ')} {fmt(summary[k]['special_s'].get(kind))}"
                      for k in ("nbgrader", "plain_nbgrader") if k in summary]
            say(f"  the {kind} costs: " + ", ".join(parts))
        say(f"  cold single grade / import tensorflow: {cold['ratio']:.2f}x "
            f"({cold['grade_median_s']:.2f} s / {cold['import_tensorflow_median_s']:.2f} s)")
        fixed = time.perf_counter() - started - batch["wall_s"] - sum(summary[k]["wall_s"] for _, k, _, _ in runs)
        projection = fixed + project(50, summary["grade_batch"]["ordinary_s_median"],
                                     list(summary["grade_batch"]["special_s"].values()), 5.0, batch["workers"])
        for _, key, _, _ in runs:
            projection += project(50, summary[key]["ordinary_s_median"], list(summary[key]["special_s"].values()),
                                  summary[key]["startup_s"] or 0.0)
        summary["projected_n50_s"] = round(projection)
        say(f"  this run took {(time.perf_counter() - started) / 60:.1f} min; --n 50 with the same options would "
            f"take about {projection / 60:.0f} min here")
    finally:
        summary["total_s"] = round(time.perf_counter() - started, 1)
        summary["ok"] = ok
        (OUTPUT / f"{name}.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
        (OUTPUT / f"{name}.txt").write_text("\n".join(say.lines) + "\n")
        print(f"saved: {OUTPUT / (name + '.json')}, {OUTPUT / (name + '.txt')}, logs in {logs}/")
        if args.keep or not ok:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
