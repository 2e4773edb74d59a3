"""How much memory the Gradescope autograder needs: grade the lab's solution as deployed, and measure.

    .venv/bin/python tests/deployed/gradescope_memory.py [--runs N] [--keras-stack legacy] [--root DIR]

Builds /autograder in a temporary folder as Gradescope does (unzip, setup.sh
without apt, a new venv; about a minute), or reuses ``--root DIR`` when it
holds one already, then runs run_autograder on the reference solution
``--runs`` times while sampling the memory of its whole process tree
(grader, zygote, warden and subject) every 50 ms. Prints each run's peaks in
MB: PSS (what the tree holds, shared pages counted once), its anonymous part
(what cannot be dropped and read back from a file), and the sum of RSS (an
upper bound). Gradescope's default limit is 768 MB.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deployed import common  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keras-stack", choices=("keras3", "legacy"), default="keras3")
    parser.add_argument("--root", type=Path, help="an autograder root built before (kept); default: a new one")
    args = parser.parse_args()
    root = args.root
    built_here = root is None or not (root / "venv" / "bin" / "python").exists()
    if root is None:
        root = common.open_folder("autograder-memory-")
    try:
        if built_here:
            print(f"building the autograder in {root} (setup.sh, a new venv) ...", flush=True)
            common.build_gradescope(root)
        notebook = common.with_class(common.reference_class())
        for number in range(1, args.runs + 1):
            common.submit(root, {f"{common.LAB}.ipynb": notebook})
            run = common.run_autograder(root, args.keras_stack, measure=True)
            score = run.results["score"] if run.results else "no results.json"
            peaks = run.peaks
            print(f"run {number} ({args.keras_stack}): score {score}; peak PSS {peaks['pss']:.0f} MB "
                  f"(anonymous {peaks['pss_anon']:.0f} MB), sum of RSS {peaks['rss']:.0f} MB", flush=True)
    finally:
        if args.root is None:
            common.remove(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
