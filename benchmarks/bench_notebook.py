"""Benchmark: the lab's notebook as a student runs it, and the grader on a clean and on a messy notebook.

    python benchmarks/bench_notebook.py                  # Keras 3 (or whatever this environment has)
    TF_USE_LEGACY_KERAS=1 python benchmarks/bench_notebook.py   # Keras 2 (or: --keras 2)

1. The released notebook with the lab's own solution in its answer cell,
   run top to bottom in a fresh Jupyter kernel (nbclient, no server, nothing
   from the network), as "Restart Kernel and Run All Cells" runs it: the
   kernel's start, each cell and the total, --repeats times (median), each
   time in a new kernel.
2. ``python -m autograder grade`` with its zygote already started (one
   command grades a warm-up notebook, then clean and messy in turn), on the
   clean notebook and on a messy one: the same solution, with ``%%time`` on
   the answer cell, a scratch cell that does not parse, an extra demo cell
   and a Colab-only import. Both must earn full marks; the figure is each
   grade's own time (its ``seconds``), median of --grade-repeats.

Printed and saved in bench-output/ (JSON, the printed report, and the two
notebooks). Times are of this machine now; the ratios (messy / clean) are
what compares across machines.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import OUTPUT, ROOT, keras_of, machine, median, stack_environment

from autograder.corpus import answer_cell_index, answer_source, release_notebook
from autograder.lab import installed_labs, load_lab

# Per lab: a scratch cell that does not parse and a demo cell, as a student writes them. Other labs
# get generic ones built from the lab's entry symbol.
MESS = {
    "custom_dense_layer": {
        "scratch": "# quick test\nout = SimpleDense(4)(tf.ones((2, 3))\nprint(out.shape)\n",
        "demo": "layer = SimpleDense(3)\nprint(layer(tf.ones((2, 4))))\nprint([v.name for v in layer.variables])\n",
    },
}
COLAB = "from google.colab import drive\ndrive.mount('/content/drive')\n"


def code_cell(cell_id: str, source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def clean_notebook(lab) -> dict:
    """The released notebook with the lab's solution, as a student types it, in the answer cell."""
    notebook = json.loads(release_notebook(lab).read_text(encoding="utf-8"))
    notebook["cells"][answer_cell_index(notebook)]["source"] = answer_source(lab).splitlines(keepends=True)
    return notebook


def messy_notebook(lab) -> tuple[dict, list[str]]:
    """The clean notebook as students hand it in: the same solution, with cells that fail or time themselves."""
    notebook = clean_notebook(lab)
    entry = lab.entry
    snippets = MESS.get(lab.name, {
        "scratch": f"# quick test\nprint({entry}(\n",
        "demo": f"print({entry})\nhelp({entry})\n",
    })
    index = answer_cell_index(notebook)
    answer = notebook["cells"][index]
    answer["source"] = ["%%time\n"] + answer["source"]
    notebook["cells"][index + 1:index + 1] = [code_cell("bench-scratch", snippets["scratch"]),
                                              code_cell("bench-demo", snippets["demo"])]
    setup = next((i for i, c in enumerate(notebook["cells"]) if c.get("id") == "setup"), 0)
    notebook["cells"].insert(setup + 1, code_cell("bench-colab", COLAB))
    messes = ["%%time on the answer cell", "a scratch cell with a SyntaxError", "an extra demo cell",
              "a Colab-only import (ModuleNotFoundError)"]
    return notebook, messes


# --------------------------------------------------------------------------- the notebook in a kernel


def first_line(cell) -> str:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return (lines[0].strip() if lines else text.strip().splitlines()[0] if text.strip() else "")[:60]


def run_in_kernel(path: Path, workdir: Path, kernel_log) -> dict:
    """Run the notebook top to bottom in a new kernel; the kernel's start, each code cell, the total."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(path), as_version=4)
    marks: dict = {"cells": {}}

    def notebook_started(**_):
        marks["kernel_ready"] = time.perf_counter()

    def cell_started(cell, cell_index, **_):
        marks["cells"][cell_index] = [time.perf_counter(), None]

    def cell_done(cell, cell_index, **_):
        marks["cells"][cell_index][1] = time.perf_counter()

    client = NotebookClient(notebook, timeout=600, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}},
                            on_notebook_start=notebook_started, on_cell_start=cell_started,
                            on_cell_executed=cell_done)
    started = time.perf_counter()
    client.execute(stderr=kernel_log)  # the kernel's own log lines (TensorFlow's start-up) to a file
    cells, errors = [], []
    for index, (begin, end) in sorted(marks["cells"].items()):
        if end is None:  # a markdown or empty cell: started, never executed
            continue
        cell = notebook.cells[index]
        cells.append({"index": index + 1, "id": cell.get("id", ""), "first_line": first_line(cell),
                      "seconds": round(end - begin, 3)})
        errors += [f"cell {index + 1}: {o.get('ename')}: {o.get('evalue')}"[:160]
                   for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    last = max(end for _, end in marks["cells"].values() if end is not None)
    return {"kernel_start_s": round(marks["kernel_ready"] - started, 3),
            "cells_s": round(last - marks["kernel_ready"], 3), "total_s": round(last - started, 3),
            "cells": cells, "errors": errors}


# --------------------------------------------------------------------------- the grader, warm


def warm_grades(lab, clean: Path, messy: Path, repeats: int, env: dict) -> dict:
    """One ``python -m autograder grade --json`` over [warm-up, clean, messy, clean, messy, ...]."""
    order = [clean] + [clean, messy] * repeats
    command = [sys.executable, "-m", "autograder", "grade", "--lab", lab.name, "--json", *map(str, order)]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"grade failed ({result.returncode}):\n{result.stderr[-2000:]}")
    grades = json.loads(result.stdout)
    warm_up, rest = grades[0], grades[1:]
    clean_grades, messy_grades = rest[0::2], rest[1::2]
    clean_s = [g["seconds"] for g in clean_grades]
    messy_s = [g["seconds"] for g in messy_grades]
    return {
        "command_wall_s": round(wall, 2), "warm_up_s": warm_up["seconds"],
        "clean_s": clean_s, "messy_s": messy_s,
        "clean_median_s": median(clean_s), "messy_median_s": median(messy_s),
        "ratio": round(median(messy_s) / median(clean_s), 3),
        "clean_scores": sorted({f"{g['score']:g}/{g['max_score']:g}" for g in clean_grades}),
        "messy_scores": sorted({f"{g['score']:g}/{g['max_score']:g}" for g in messy_grades}),
        "messy_cells": [c["text"] for c in messy_grades[0].get("cells", [])],
        "environment": warm_up.get("environment", {}),
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    labs = installed_labs()
    parser.add_argument("--lab", choices=labs, default="custom_dense_layer" if "custom_dense_layer" in labs else labs[0])
    parser.add_argument("--keras", choices=("3", "2"), default=None,
                        help="the stack: 3, or 2 for legacy Keras (TF_USE_LEGACY_KERAS=1); default: this environment's")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the notebook, each in a new kernel (median)")
    parser.add_argument("--grade-repeats", type=int, default=5, help="warm grades of each notebook (median)")
    parser.add_argument("--skip-kernel", action="store_true", help="only the grader's clean-against-messy part")
    args = parser.parse_args(argv)

    env = stack_environment(args.keras)
    os.environ.clear()
    os.environ.update(env)  # the kernels nbclient starts inherit this process's environment
    keras = keras_of(env)
    lab = load_lab(args.lab)
    name = f"bench_notebook_{lab.name}_keras{keras}"
    folder = OUTPUT / name
    folder.mkdir(parents=True, exist_ok=True)
    clean_path, messy_path = folder / "clean.ipynb", folder / "messy.ipynb"
    clean_path.write_text(json.dumps(clean_notebook(lab), indent=1) + "\n", encoding="utf-8")
    messy, messes = messy_notebook(lab)
    messy_path.write_text(json.dumps(messy, indent=1) + "\n", encoding="utf-8")

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    summary: dict = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "lab": lab.name, "keras": keras,
                     "tf_use_legacy_keras": env.get("TF_USE_LEGACY_KERAS", ""), "machine": machine()}
    say(f"{lab.name} on Keras {keras} (TF_USE_LEGACY_KERAS={env.get('TF_USE_LEGACY_KERAS', '')!s}), "
        f"{summary['machine']['cores']} cores, load {summary['machine']['load_average_at_start']}")

    if not args.skip_kernel:
        runs = []
        with tempfile.TemporaryDirectory(prefix="bench-notebook-") as scratch, \
                open(folder / "kernel-stderr.log", "w") as kernel_log:
            for attempt in range(args.repeats):
                run = run_in_kernel(clean_path, Path(scratch), kernel_log)
                runs.append(run)
                say(f"run {attempt + 1}: kernel start {run['kernel_start_s']:.2f} s, cells {run['cells_s']:.2f} s, "
                    f"total {run['total_s']:.2f} s")
                for error in run["errors"]:
                    say(f"  error: {error}")
        per_cell = []
        for position, cell in enumerate(runs[0]["cells"]):
            times = [r["cells"][position]["seconds"] for r in runs]
            per_cell.append({**{k: cell[k] for k in ("index", "id", "first_line")}, "seconds": times,
                             "median_s": median(times)})
        summary["kernel"] = {
            "runs": runs, "per_cell": per_cell,
            "kernel_start_median_s": median(r["kernel_start_s"] for r in runs),
            "cells_median_s": median(r["cells_s"] for r in runs),
            "total_median_s": median(r["total_s"] for r in runs),
        }
        say(f"the notebook top to bottom in a fresh kernel (median of {args.repeats}): "
            f"{summary['kernel']['total_median_s']:.2f} s = kernel start {summary['kernel']['kernel_start_median_s']:.2f} s "
            f"+ cells {summary['kernel']['cells_median_s']:.2f} s")
        for cell in sorted(per_cell, key=lambda c: -c["median_s"]):
            if cell["median_s"] >= 0.05:
                say(f"  cell {cell['index']:2d} {cell['id'][:22]:22} {cell['median_s']:6.2f} s  {cell['first_line']}")

    say(f"python -m autograder grade, zygote warm: clean against messy ({'; '.join(messes)}) ...")
    graded = warm_grades(lab, clean_path, messy_path, args.grade_repeats, env)
    summary["grade"] = graded
    say(f"  clean: median {graded['clean_median_s']:.2f} s {graded['clean_s']} -> {graded['clean_scores']}")
    say(f"  messy: median {graded['messy_median_s']:.2f} s {graded['messy_s']} -> {graded['messy_scores']}")
    say(f"  messy / clean: {graded['ratio']:.2f}x (warm-up grade {graded['warm_up_s']:.2f} s; "
        f"{graded['environment']})")
    for text in graded["messy_cells"]:
        say(f"  messy notebook's report: {text}")
    full = all(s.split("/")[0] == s.split("/")[1] for s in graded["clean_scores"] + graded["messy_scores"])
    if not full:
        say("  NOTE: not every grade is full marks; the comparison is not like for like")

    (OUTPUT / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")
    (OUTPUT / f"{name}.txt").write_text("\n".join(lines) + "\n")
    print(f"saved: {OUTPUT / (name + '.json')}, {OUTPUT / (name + '.txt')}, notebooks in {folder}/")
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
