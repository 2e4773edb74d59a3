"""Checks in the student's own kernel: ``self_check(SimpleDense)`` and nbgrader's test cells.

Here the subject is this very process (:class:`LocalSubject`): the same
probes answer, through the same codec, and the same checks judge, as when
the grader runs the notebook in a contained process. A student can fool only
themselves here; the grade comes from the grader.

``self_check`` never raises for the student's sake and writes nothing to
stderr (nbgrader scores a cell with stderr output as failed), so it works on
an unfinished class. Each probe has a time limit, so a layer that loops
costs seconds, not a hung kernel. It runs the public checks only and says
so: it never claims that all tests passed.
"""
from __future__ import annotations

import contextlib
import dataclasses
import html
import io
import logging
import textwrap

from . import codec
from .isolation import Limits
from .judge import Clock, Session, new_seed, run_checks
from .lab import Lab, load_lab
from .probing import run_probe
from .results import CheckResult

HIDDEN_NOTE = "More checks run when your work is graded, so this is not your final score."
WIDTH = 88


class LocalSubject:
    """Probes run in this process, on a value the caller holds (the class the notebook defined)."""

    def __init__(self, lab: Lab, entry):
        self.entry = entry
        self.probes = getattr(lab.probe_module(), "PROBES", {})

    def ask(self, probe: str, args: dict, budget_s: float | None) -> dict:
        # Through the codec both ways, so that arguments and answers are exactly what they would
        # be between two processes.
        args = codec.loads(codec.dumps(args))
        reply = run_probe(self.probes, self.entry, probe, args, budget_s)
        return codec.loads(codec.dumps({"op": "answer", **reply}))


@contextlib.contextmanager
def _quiet():
    """Keep library log lines and warnings off stderr while the checks run (nbgrader fails a cell for them)."""
    import warnings

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def judge_here(lab: Lab | str, entry, which: str = "public", names: list[str] | None = None,
               seed: int | None = None, limits: Limits = Limits()) -> tuple[list[CheckResult], dict]:
    """The verdicts of the lab's checks on ``entry``, computed in this process."""
    lab = load_lab(lab)
    checks = lab.checks(which)
    if names is not None:
        checks = [c for c in checks if c.name in names or c.gate]
    with _quiet():
        environment = dict(getattr(lab.probe_module(), "environment", dict)())
        session = Session(lab, LocalSubject(lab, entry), new_seed() if seed is None else seed,
                          Clock(limits.check_timeout_s, limits.overtime_s), environment)
        results = run_checks(checks, session)
    return results, environment


# --------------------------------------------------------------------------- the report


@dataclasses.dataclass
class SelfCheckReport:
    """The self-check's verdicts; shows itself as text, or as HTML in Jupyter."""

    lab: Lab
    results: list[CheckResult]
    environment: dict
    _shown_in: object = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """Whether every public check passed (the hidden ones are not known here)."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    @property
    def points(self) -> float:
        return float(sum(r.points for r in self.results))

    @property
    def max_points(self) -> float:
        return float(sum(r.max_points for r in self.results))

    def verdicts(self) -> dict[str, bool]:
        return {r.name: r.passed for r in self.results}

    def _same_as(self) -> dict[str, str]:
        """Failing checks whose message repeats an earlier failure's: name -> that earlier name."""
        first: dict = {}
        same = {}
        for r in self.failed:
            if r.message in first:
                same[r.name] = first[r.message]
            else:
                first[r.message] = r.name
        return same

    def summary(self) -> list[str]:
        n, passed = len(self.results), sum(r.passed for r in self.results)
        lines = [f"{passed} of {n} public checks passed ({self.points:g}/{self.max_points:g} points)."]
        if self.failed:
            lines.append(f"Start with {self.failed[0].name}: fix the class, run its cell again, "
                         "then run this check again.")
        lines.append(HIDDEN_NOTE)
        return lines

    @property
    def title(self) -> str:
        shown = ", ".join(f"{name} {version}" for name, version in self.environment.items())
        return f"Self-check of {self.lab.entry}: the public checks{f' ({shown})' if shown else ''}"

    def text(self) -> str:
        lines = [self.title, ""]
        width = max((len(r.name) for r in self.results), default=0)
        same = self._same_as()
        for r in self.results:
            head = f"{'PASS' if r.passed else 'FAIL'}  {r.name:<{width}}  {r.points:g}/{r.max_points:g}"
            if r.passed:
                lines.append(head)
            elif r.name in same:
                lines.append(f"{head}   (same problem as {same[r.name]})")
            else:
                lines.append(head)
                for label, sentence in r.message.parts():
                    lines += textwrap.wrap(f"{label}: {sentence}", width=WIDTH, initial_indent="      ",
                                           subsequent_indent="          ")
        return "\n".join(lines + [""] + self.summary())

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        same = self._same_as()
        rows = []
        for r in self.results:
            color = "#1a7f37" if r.passed else "#cf222e"
            mark = "&#10003; pass" if r.passed else "&#10007; fail"
            if r.passed:
                detail = ""
            elif r.name in same:
                detail = f"<i>same problem as {html.escape(same[r.name])}</i>"
            else:
                detail = "<br>".join(f"<b>{html.escape(label)}:</b> {html.escape(sentence)}"
                                     for label, sentence in r.message.parts())
            rows.append(
                f'<tr><td style="color:{color};font-weight:bold;white-space:nowrap;text-align:left">{mark}</td>'
                f'<td style="text-align:left"><code>{html.escape(r.name)}</code></td>'
                f'<td style="text-align:right;white-space:nowrap">{r.points:g}/{r.max_points:g}</td>'
                f'<td style="text-align:left">{detail}</td></tr>')
        summary = "<br>".join(html.escape(line) for line in self.summary())
        return (f"<div><b>{html.escape(self.title)}</b>"
                "<table><thead><tr><th style='text-align:left'>result</th><th style='text-align:left'>check</th>"
                "<th style='text-align:right'>points</th><th style='text-align:left'>what to do</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table><p>{summary}</p></div>")

    def _ipython_display_(self) -> None:
        shell = _ipython()
        # self_check already showed this report in this very cell; don't repeat it.
        if shell is not None and self._shown_in is not None and self._shown_in == shell.execution_count:
            return
        self._show(shell)

    def _show(self, shell) -> None:
        from IPython.display import display

        display({"text/plain": self.text(), "text/html": self._repr_html_()}, raw=True)
        self._shown_in = getattr(shell, "execution_count", None)


def _ipython():
    """The running IPython shell (Jupyter or terminal), or None in plain Python."""
    import sys

    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


# --------------------------------------------------------------------------- what notebooks call


class CheckNotPassed(AssertionError):
    """A graded check did not pass; its message says what was expected, found and what to try."""


def _show_without_traceback(shell, kind, value, tb, tb_offset=None):
    """In Jupyter, a failed check shows its teaching message, not a traceback through the grader."""
    lines = [f"{kind.__name__}: {value.args[0].splitlines()[0]}"] + value.args[0].splitlines()[1:]
    shell._showtraceback(kind, value, lines)
    return lines


def _install_display() -> None:
    shell = _ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        existing = tuple(getattr(shell, "custom_exceptions", ()) or ())
        if CheckNotPassed not in existing:
            shell.set_custom_exc(existing + (CheckNotPassed,), _show_without_traceback)


def self_check(entry, lab: Lab | str, seed: int | None = None) -> SelfCheckReport:
    """Run the public checks on ``entry`` here and show the report; return it."""
    lab = load_lab(lab)
    results, environment = judge_here(lab, entry, "public", seed=seed)
    report = SelfCheckReport(lab, results, environment)
    shell = _ipython()
    if shell is not None:
        report._show(shell)
    else:
        print(report.text())
    return report


def run_check(name: str, entry, lab: Lab | str, seed: int | None = None) -> None:
    """For a notebook's test cell: print one line if ``name`` passes, raise its teaching message if not.

    Returns None on purpose: nbgrader reads a number left as a test cell's
    last value as partial credit, and a check is all-or-nothing.
    """
    lab = load_lab(lab)
    which = "all" if lab.has_hidden_checks() else "public"
    results, _ = judge_here(lab, entry, which, names=[name], seed=seed)
    result = next((r for r in results if r.name == name), None)
    if result is None:
        raise KeyError(f"lab {lab.name} has no check named {name!r}")
    if not result.passed:
        _install_display()
        lines = [f"{name} ({result.max_points:g} point{'s' if result.max_points != 1 else ''}) did not pass."]
        for label, sentence in result.message.parts():  # wrapped: nbgrader validate cuts long lines
            lines += textwrap.wrap(f"{label}: {sentence}", width=WIDTH, subsequent_indent="    ")
        raise CheckNotPassed("\n".join(lines))
    print(f"\u2713 {name}: {result.note}")


def bind(lab: Lab):
    """``self_check`` and ``run_check`` for one lab, as its notebooks import them."""
    def lab_self_check(entry, seed: int | None = None) -> SelfCheckReport:
        return self_check(entry, lab, seed)

    def lab_run_check(name: str, entry, seed: int | None = None) -> None:
        return run_check(name, entry, lab, seed)

    lab_self_check.__doc__, lab_run_check.__doc__ = self_check.__doc__, run_check.__doc__
    return lab_self_check, lab_run_check
