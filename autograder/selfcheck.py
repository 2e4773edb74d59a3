"""The student's self-check: the public checks, run in the notebook's own kernel.

``self_check(SimpleDense)`` runs every public check (the same functions, with
the same seed, that count in the grade) and shows one line per check: passed
or not, its points, and for a failure the teaching message (expected, found,
what to try). It never raises for the student's sake and writes nothing to
stderr (nbgrader scores a cell with any stderr output as failed), so it works
on an unfinished class: a ``raise NotImplementedError()`` in ``call()`` fails
only the checks that need ``call()``.

The wording stays honest about what it cannot see: it runs the public checks
only, so it never says "all tests passed"; more checks run when the work is
graded. It knows nothing about those checks, not even how many there are:
the student's copy of the grader does not contain them.

In Jupyter the report shows as a small HTML table; everywhere else (a
terminal, ``print(report)``, a log) as plain ASCII text.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import html
import io
import linecache
import logging
import re
import textwrap

from . import checks as registry
from .results import CheckResult
from .runner import run_checks

HIDDEN_NOTE = "More checks run when your work is graded, so this is not your final score."
WIDTH = 88


def split_message(message: str) -> list[tuple[str, str]]:
    """A teaching message as (label, text) parts: Expected / Found / Try, when it has them."""
    match = re.match(r"^Expected (.*?)\. Found (.*)\. Try: (.*?)\.?$", message, re.DOTALL)
    if not match:
        return [("", message)]
    expected, found, hint = match.groups()
    return [("Expected", expected + "."), ("Found", found + "."), ("Try", hint + ".")]


@dataclasses.dataclass
class SelfCheckReport:
    """The self-check's verdicts; shows itself as text, or as HTML in Jupyter."""

    results: list[CheckResult]
    keras: str
    _shown_in: object = dataclasses.field(default=None, repr=False, compare=False)

    # --- what it found --------------------------------------------------------
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
        """Check name -> passed, for comparing with other entry points."""
        return {r.name: r.passed for r in self.results}

    def _same_as(self) -> dict[str, str]:
        """Failing checks whose message repeats an earlier failure's: name -> that earlier name."""
        first: dict[str, str] = {}
        same = {}
        for r in self.failed:
            if r.message in first:
                same[r.name] = first[r.message]
            else:
                first[r.message] = r.name
        return same

    def summary(self) -> list[str]:
        """The closing lines: the count, where to start, and the note about hidden checks."""
        n, npassed = len(self.results), sum(r.passed for r in self.results)
        lines = [f"{npassed} of {n} public checks passed ({self.points:g}/{self.max_points:g} points)."]
        if self.failed:
            lines.append(f"Start with {self.failed[0].name}: fix the class, run its cell again, "
                         "then run this check again.")
        lines.append(HIDDEN_NOTE)
        return lines

    # --- plain text -------------------------------------------------------------
    def text(self) -> str:
        lines = [f"Self-check of SimpleDense: the public checks (Keras {self.keras})", ""]
        width = max((len(r.name) for r in self.results), default=0)
        same = self._same_as()
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            head = f"{mark}  {r.name:<{width}}  {r.points:g}/{r.max_points:g}"
            if r.passed:
                lines.append(head)
            elif r.name in same:
                lines.append(f"{head}   (same problem as {same[r.name]})")
            else:
                lines.append(head)
                for label, text in split_message(r.message):
                    prefix = f"{label}: " if label else ""
                    lines += textwrap.wrap(prefix + text, width=WIDTH, initial_indent="      ",
                                           subsequent_indent="          " if label else "      ")
        lines.append("")
        lines += self.summary()
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    # --- Jupyter ------------------------------------------------------------------
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
                detail = "<br>".join(
                    (f"<b>{html.escape(label)}:</b> " if label else "") + html.escape(text)
                    for label, text in split_message(r.message))
            rows.append(
                f'<tr><td style="color:{color};font-weight:bold;white-space:nowrap;text-align:left">{mark}</td>'
                f'<td style="text-align:left"><code>{html.escape(r.name)}</code></td>'
                f'<td style="text-align:right;white-space:nowrap">{r.points:g}/{r.max_points:g}</td>'
                f'<td style="text-align:left">{detail}</td></tr>')
        summary = "<br>".join(html.escape(line) for line in self.summary())
        return (
            f"<div><b>Self-check of SimpleDense: the public checks</b> (Keras {html.escape(self.keras)})"
            "<table><thead><tr><th style='text-align:left'>result</th><th style='text-align:left'>check</th>"
            "<th style='text-align:right'>points</th><th style='text-align:left'>what to do</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p>{summary}</p></div>")

    def _ipython_display_(self) -> None:
        # self_check already showed this report in this very cell; the cell's
        # own display of its return value would only repeat it.
        shell = _ipython()
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


# --- integrity: the same verdict the grader would give ------------------------------

def _class_cell_source(layer_class) -> str | None:
    """The source of the cell (or file) that defined the class's methods, if Python kept it."""
    for value in vars(layer_class).values() if isinstance(layer_class, type) else ():
        code = getattr(value, "__code__", None)
        if code is not None:
            lines = linecache.getlines(code.co_filename)
            if lines:
                return "".join(lines)
    return None


def _definitions_without_grader_imports(source: str) -> str:
    """What the grader keeps of a cell (imports and definitions, less ``from autograder import``),
    with every other line blanked, so that line numbers stay those of the cell."""
    tree = ast.parse(source)
    lines = source.splitlines()
    kept = [False] * len(lines)
    for node in tree.body:
        if isinstance(node, ast.Import) and all(a.name.split(".")[0] == "autograder" for a in node.names):
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "autograder":
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            for index in range(first - 1, node.end_lineno):
                kept[index] = True
    return "\n".join(line if keep else "" for line, keep in zip(lines, kept))


def integrity_findings(layer_class) -> list[str]:
    """What the grader's integrity scan would report in the class's cell: empty when clean."""
    from . import integrity

    source = _class_cell_source(layer_class)
    if not source:
        return []
    try:
        return integrity.scan(_definitions_without_grader_imports(source))
    except (SyntaxError, ValueError):
        return []


def _failed_all(checks, message: str) -> list[CheckResult]:
    return [CheckResult(c.name, c.category, False, c.points, message, c.visibility) for c in checks]


@contextlib.contextmanager
def _quiet():
    """Keep library log lines and stray writes off stderr while the checks run."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl", "keras", "h5py")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def run_self_check(layer_class, seed: int = 0) -> SelfCheckReport:
    """The public checks' verdicts on ``layer_class``, computed here; shows nothing."""
    from . import integrity

    public = registry.select("public")
    with _quiet():
        from .checks.support import keras_version

        findings = integrity_findings(layer_class)
        if findings:
            return SelfCheckReport(_failed_all(public, (
                f"Your class reaches into the grader or the interpreter ({'; '.join(findings[:3])}), so "
                "grading will give the whole notebook zero. A layer needs only TensorFlow and NumPy. "
                "Try: remove those lines.")), keras_version())
        snapshot = integrity.Snapshot()
        results = list(run_checks(layer_class, public, seed))
        tampered = snapshot.changes()
    if tampered:
        results = _failed_all(public, (
            f"Your class replaced functions the grader relies on ({', '.join(tampered[:3])}), so grading "
            "will give the whole notebook zero. Try: leave other modules alone, then restart the kernel."))
    return SelfCheckReport(results, keras_version())


def self_check(layer_class, seed: int = 0) -> SelfCheckReport:
    """Run the public checks on ``layer_class`` and show the report; return it.

    In Jupyter (or IPython) the report is displayed (HTML with a plain-text
    fallback); in plain Python it is printed to stdout. Nothing goes to stderr.
    """
    report = run_self_check(layer_class, seed)
    shell = _ipython()
    if shell is not None:
        report._show(shell)
    else:
        print(report.text())
    return report
