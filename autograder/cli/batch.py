"""``python -m autograder grade-batch DIR``: grade a whole class, in parallel, resumably."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ..errors import InputError
from .options import add_limit_options, limits_from


def add_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade-batch", help="grade every submission in a course folder",
        description=(
            "Grade every submission under DIR: an nbgrader course folder (or its submitted/ folder, laid out "
            "submitted/<student>/<assignment>/*.ipynb; each assignment is graded by the lab of its name), or a "
            "folder of notebooks (the student id is the file name without .ipynb). Each result is saved as soon "
            "as it is ready, so a run that is stopped resumes where it was: a submission is graded again only if "
            "its notebook, the checks or the grader changed since, or with --force or --student."))
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--output", "-o", metavar="OUT",
                        help="output folder (default: grading-output/ in the course folder, i.e. beside "
                             "submitted/; for a folder of notebooks, grading-output/ inside it)")
    parser.add_argument("--workers", "-j", type=int, default=None, metavar="N",
                        help=f"parallel gradings on this machine (default: the number of cores, {os.cpu_count()})")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on a Dask cluster instead, e.g. tcp://10.0.0.5:8786 (workers need this "
                             "package installed; notebooks travel with the tasks, no shared disk needed)")
    parser.add_argument("--assignment", metavar="NAME",
                        help="only this assignment (it names the lab); required for a folder of notebooks "
                             "when several labs are installed")
    parser.add_argument("--student", metavar="ID", help="grade only this student, again (implies --force for them)")
    parser.add_argument("--force", action="store_true", help="grade again submissions that already have a result")
    parser.add_argument("--public", action="store_true", help="run only the public checks")
    parser.add_argument("--report", action="store_true",
                        help="afterwards, write the class report (as `python -m autograder report OUT`)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_limit_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    from .. import batch
    from ..lab import load_lab

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers must be at least 1")
    if args.workers is not None and args.scheduler:
        raise InputError("--workers and --scheduler do not go together (the cluster decides its workers)")
    layout, tasks = batch.discover(args.directory, args.assignment, args.student)
    out = Path(args.output).expanduser() if args.output else layout.default_output
    limits = limits_from(args)
    which = "public" if args.public else "all"
    labs = [load_lab(name) for name in sorted({t.assignment for t in tasks if t.content is not None})]

    # A SIGTERM (a job scheduler stopping us) ends the run like Ctrl-C: finished results are on
    # disk, the zygotes are stopped.
    previous = _on_sigterm(_interrupt)
    try:
        executor = (batch.DaskExecutor(args.scheduler) if args.scheduler
                    else batch.LocalExecutor(args.workers, labs=labs))
    except InputError:
        _on_sigterm(previous)
        raise
    progress = _Progress(quiet=args.quiet)
    try:
        with executor:
            summary = batch.run_batch(tasks, out, executor, which=which, seed=args.seed, limits=limits,
                                      force=args.force or args.student is not None,
                                      on_start=progress.start, on_result=progress.advance)
    finally:
        progress.stop()
        _on_sigterm(previous)
    _print_summary(summary)
    if args.report:
        from ..report import build_report

        build_report(out)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _on_sigterm(handler):
    """Install a SIGTERM handler; return the previous one (no-op outside the main thread)."""
    if handler is None:
        return None
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        return None


class _Progress:
    """A rich progress bar on stderr with running counts of failures and imperfect scores."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self._progress = None
        self._task = None

    def start(self, summary, pending: int) -> None:
        from rich.console import Console
        from rich.markup import escape

        console = Console(stderr=True)
        console.print(f"[bold]{summary.total}[/] submission(s): {summary.skipped} already graded, "
                      f"{pending} to grade on {escape(str(summary.executor))}. Results in {escape(str(summary.output))}")
        if self.quiet or not pending:
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._progress = Progress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed[/] · [yellow]{task.fields[below]} below max[/]"),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            console=console, transient=False)
        self._progress.start()
        self._task = self._progress.add_task("grading", total=pending,
                                             failed=summary.failed, below=summary.below_max)

    def advance(self, record: dict, summary) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, failed=summary.failed, below=summary.below_max)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _print_summary(summary) -> None:
    out = summary.output
    print(f"graded {summary.graded} now, {summary.skipped} from earlier runs, {summary.total} in all "
          f"({summary.seconds:.1f} s, {summary.workers} worker(s)); "
          f"{summary.failed} could not run fully, {summary.below_max} below the maximum score.")
    print(f"grades: {out / 'grades.csv'}   per student: {out / 'results'}/")
    print(f"what the class missed: python -m autograder report {out}", file=sys.stdout)
