"""``python -m autograder report OUT``: what the class missed, from a grade-batch output folder.

Reads ``OUT/results/*.json`` and shows, for each assignment, the score
distribution and, per check, how many passed and the most common failure:
as tables in the terminal, as ``OUT/report[-<assignment>].png`` (histogram
of scores, pass rate per check) and as ``OUT/report.html``, one
self-contained file (the charts are embedded) to share with the teaching
team. When failures tie in number, the more specific one wins: a mistake
the check named before an error the code raised, before "not run".
"""
from __future__ import annotations

import base64
import collections
import dataclasses
import html
import io
import re
import statistics
from pathlib import Path

from .errors import InputError
from .results import Status

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


class ReportError(InputError):
    """No results to report on."""


@dataclasses.dataclass
class CheckSummary:
    name: str
    category: str
    visibility: str
    max_points: float
    passed: int = 0
    total: int = 0
    failures: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    examples: dict = dataclasses.field(default_factory=dict)     # normalised message -> one real message
    specificity: dict = dataclasses.field(default_factory=dict)  # normalised message -> how specific

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def failed(self) -> int:
        return self.total - self.passed

    def top_failure(self) -> tuple[str, int] | None:
        """The most common failure message (numbers aside), and how many had it.

        Ties go to the more specific message: a named mistake, then an error,
        then "not run"; then the one that says more (its "found" is longer).
        """
        if not self.failures:
            return None
        pattern = max(self.failures, key=lambda p: (self.failures[p], self.specificity[p], len(p), p))
        return self.examples[pattern], self.failures[pattern]


@dataclasses.dataclass
class ClassReport:
    assignment: str
    records: list
    checks: list  # CheckSummary, in grading order
    scores: list
    max_score: float

    @property
    def n(self) -> int:
        return len(self.records)

    def stat(self, name: str) -> float:
        if not self.scores:
            return 0.0
        return {"mean": statistics.fmean, "median": statistics.median, "min": min, "max": max}[name](self.scores)

    @property
    def full_marks(self) -> int:
        return sum(s >= self.max_score for s in self.scores)

    @property
    def incomplete(self) -> list:
        """Records whose code could not run fully."""
        return [r for r in self.records if r.get("error")]

    @property
    def noted(self) -> list:
        """Records graded with a note (several notebooks handed in, for instance)."""
        return [r for r in self.records if r.get("note")]

    def error_kinds(self) -> list[tuple[str, int]]:
        kinds = collections.Counter(str(r.get("ending") or str(r["error"]).split(":")[0]) for r in self.incomplete)
        return kinds.most_common()


def analyse(assignment: str, records: list[dict]) -> ClassReport:
    checks: dict[str, CheckSummary] = {}
    for record in records:
        results = record.get("checks", [])
        # A submission that could not run at all fails every check with one message (no
        # notebook, a syntax error...): it counts against each pass rate, but says nothing
        # about the checks themselves.
        messages = {c["message"] for c in results if not c["passed"]}
        whole = len(results) > 1 and len(messages) == 1 and not any(c["passed"] for c in results)
        for c in results:
            summary = checks.get(c["name"])
            if summary is None:
                summary = checks[c["name"]] = CheckSummary(c["name"], c.get("category", ""),
                                                           c.get("visibility", "public"), float(c["max_points"]))
            summary.total += 1
            if c["passed"]:
                summary.passed += 1
            elif not whole:
                pattern = _NUMBER.sub("#", c["message"])
                summary.failures[pattern] += 1
                summary.examples.setdefault(pattern, c["message"])
                status = Status(c["status"]) if c.get("status") in {s.value for s in Status} else Status.FAILED
                summary.specificity[pattern] = status.specificity
    scores = [float(r["score"]) for r in records]
    maxima = collections.Counter(float(r["max_score"]) for r in records)
    max_score = maxima.most_common(1)[0][0] if maxima else 0.0
    return ClassReport(assignment, records, list(checks.values()), scores, max_score)


def load(out: str | Path, assignment: str | None = None) -> list[ClassReport]:
    """One report per assignment in the output folder ``out`` (or only ``assignment``)."""
    from .batch.store import RESULTS_DIR, load_records

    out = Path(out)
    if not out.exists():
        raise ReportError(f"{out}: no such folder (give the output folder of grade-batch)")
    if not out.is_dir():
        raise ReportError(f"{out}: not a folder (give the output folder of grade-batch, not a file in it)")
    records = [r for r in load_records(out).values() if assignment is None or r["assignment"] == assignment]
    if not records:
        where = f" for assignment {assignment!r}" if assignment else ""
        raise ReportError(f"{out}: no results{where} in {out / RESULTS_DIR} (run grade-batch first)")
    by_assignment: dict[str, list] = collections.defaultdict(list)
    for record in sorted(records, key=lambda r: (r["assignment"], r["student_id"])):
        by_assignment[str(record["assignment"])].append(record)
    return [analyse(name, found) for name, found in sorted(by_assignment.items())]


# --------------------------------------------------------------------------- terminal, chart, page


def print_report(report: ClassReport, console=None) -> None:
    from rich.console import Console
    from rich.markup import escape  # messages, notes and names may come from students
    from rich.table import Table

    console = console or Console(width=max(110, Console().width))
    console.print(f"[bold]{escape(report.assignment)}[/]: [bold]{report.n} submission(s)[/]: "
                  f"mean {report.stat('mean'):.1f}, median {report.stat('median'):g}, "
                  f"min {report.stat('min'):g}, max {report.stat('max'):g} of {report.max_score:g}; "
                  f"{report.full_marks} full marks; {len(report.incomplete)} could not run fully.")

    distribution = Table(title="Score distribution", title_justify="left")
    distribution.add_column("score", justify="right")
    distribution.add_column("students", justify="right")
    distribution.add_column("")
    counts = collections.Counter(report.scores)
    widest = max(counts.values()) if counts else 1
    for score in sorted(counts):
        bar = "█" * max(1, round(30 * counts[score] / widest))
        distribution.add_row(f"{score:g}", str(counts[score]), f"[cyan]{bar}[/]")
    console.print(distribution)

    table = Table(title="Checks: pass rate and the most common failure", title_justify="left")
    table.add_column("check")
    table.add_column("points", justify="right")
    table.add_column("passed", justify="right")
    table.add_column("most common failure", overflow="fold")
    for c in report.checks:
        top = c.top_failure()
        colour = "green" if c.pass_rate >= 0.9 else "yellow" if c.pass_rate >= 0.6 else "red"
        name = escape(c.name) + (" [dim](hidden)[/]" if c.visibility == "hidden" else "")
        failure = (f"[dim]{top[1]} of {c.failed}:[/] {escape(top[0])}" if top
                   else "[dim]only submissions that could not run[/]" if c.failed else "[dim]-[/]")
        table.add_row(name, f"{c.max_points:g}", f"[{colour}]{c.passed}/{c.total} ({c.pass_rate:.0%})[/]", failure)
    console.print(table)

    if report.noted:
        notes = Table(title="Submissions graded with a note", title_justify="left")
        notes.add_column("student")
        notes.add_column("note", overflow="fold")
        for record in report.noted:
            notes.add_row(escape(str(record["student_id"])), escape(str(record["note"])))
        console.print(notes)

    if report.incomplete:
        runs = Table(title="Submissions that could not run fully", title_justify="left")
        runs.add_column("why")
        runs.add_column("students", justify="right")
        for kind, count in report.error_kinds():
            runs.add_row(escape(kind), str(count))
        console.print(runs)


# --------------------------------------------------------------------------- chart


def chart_png(report: ClassReport) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(4.0, 0.45 * len(report.checks) + 1.5)
    fig, (ax_hist, ax_pass) = plt.subplots(1, 2, figsize=(13, height), gridspec_kw={"width_ratios": [1, 1.25]})
    top = int(round(report.max_score)) if report.max_score else int(max(report.scores, default=1))
    bins = [x - 0.5 for x in range(0, top + 2)]
    ax_hist.hist(report.scores, bins=bins, color="#4c72b0", edgecolor="white")
    ax_hist.set_xlim(-0.5, top + 0.5)
    ax_hist.set_xlabel(f"score (out of {report.max_score:g})")
    ax_hist.set_ylabel("students")
    ax_hist.yaxis.get_major_locator().set_params(integer=True)
    ax_hist.axvline(report.stat("mean"), color="#c44e52", linestyle="--",
                    label=f"mean {report.stat('mean'):.1f}")
    ax_hist.legend(loc="upper center")
    ax_hist.set_title(f"Scores of {report.n} submission(s)")

    names = [c.name + (" (hidden)" if c.visibility == "hidden" else "") for c in report.checks][::-1]
    rates = [100 * c.pass_rate for c in report.checks][::-1]
    colours = ["#8172b2" if c.visibility == "hidden" else "#55a868" for c in report.checks][::-1]
    bars = ax_pass.barh(names, rates, color=colours)
    for bar, c in zip(bars, report.checks[::-1]):
        ax_pass.text(min(bar.get_width() + 1, 88), bar.get_y() + bar.get_height() / 2,
                     f"{c.passed}/{c.total}", va="center", fontsize=9)
    ax_pass.set_xlim(0, 100)
    ax_pass.set_xlabel("passed (% of submissions)")
    ax_pass.set_title("Pass rate per check (purple: hidden)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


# --------------------------------------------------------------------------- html


def html_page(report: ClassReport, png: bytes) -> str:
    e = html.escape
    rows = []
    for c in report.checks:
        top = c.top_failure()
        failure = (f"<b>{top[1]} of {c.failed}:</b> {e(top[0])}" if top
                   else "only submissions that could not run" if c.failed else "–")
        rows.append(f"<tr><td>{e(c.name)}</td><td>{e(c.visibility)}</td><td class=n>{c.max_points:g}</td>"
                    f"<td class=n>{c.passed}/{c.total} ({c.pass_rate:.0%})</td><td>{failure}</td></tr>")
    students = []
    for r in sorted(report.records, key=lambda r: (float(r["score"]), r["student_id"])):
        missed = ", ".join(c["name"] for c in r.get("checks", []) if not c["passed"])
        students.append(f"<tr><td>{e(r['student_id'])}</td><td>{e(r['assignment'])}</td>"
                        f"<td class=n>{float(r['score']):g}/{float(r['max_score']):g}</td>"
                        f"<td>{e(missed) or '–'}</td><td>{e(r.get('error') or '')}</td></tr>")
    kinds = "".join(f"<tr><td>{e(k)}</td><td class=n>{n}</td></tr>" for k, n in report.error_kinds())
    incomplete = (f"<h2>Submissions that could not run fully</h2><table><tr><th>why</th><th>students</th></tr>"
                  f"{kinds}</table>") if kinds else ""
    noted = "".join(f"<tr><td>{e(str(r['student_id']))}</td><td>{e(str(r['note']))}</td></tr>" for r in report.noted)
    notes = (f"<h2>Submissions graded with a note</h2><table><tr><th>student</th><th>note</th></tr>{noted}</table>"
             if noted else "")
    image = base64.b64encode(png).decode()
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {e(report.assignment)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; font-size: 14px; }}
th {{ background: #f4f4f4; }} td.n {{ text-align: right; white-space: nowrap; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>Class report: {e(report.assignment)}</h1>
<p><b>{report.n}</b> submission(s): mean {report.stat('mean'):.1f}, median {report.stat('median'):g},
min {report.stat('min'):g}, max {report.stat('max'):g} of {report.max_score:g};
{report.full_marks} full marks; {len(report.incomplete)} could not run fully.</p>
<img alt="Histogram of scores and pass rate per check" src="data:image/png;base64,{image}">
<h2>Checks: pass rate and the most common failure</h2>
<table><tr><th>check</th><th>visibility</th><th>points</th><th>passed</th><th>most common failure</th></tr>
{''.join(rows)}</table>
{notes}
{incomplete}
<h2>Students (lowest score first)</h2>
<table><tr><th>student</th><th>assignment</th><th>score</th><th>checks missed</th><th>note</th></tr>
{''.join(students)}</table>
</body></html>
"""


def build_report(out: str | Path, assignment: str | None = None, console=None) -> list[ClassReport]:
    """Print the report and write OUT/report.html with a chart per assignment (and each chart as a PNG)."""
    from .batch.store import write_atomic

    out = Path(out)
    reports = load(out, assignment)
    pages = []
    for report in reports:
        print_report(report, console)
        png = chart_png(report)
        name = "report.png" if len(reports) == 1 else f"report-{report.assignment}.png"
        try:
            write_atomic(out / name, png)
        except OSError as error:
            raise ReportError(f"{out}: cannot write the report there ({error.strerror or error})") from None
        pages.append(html_page(report, png))
    page = pages[0] if len(pages) == 1 else _joined(pages)
    try:
        write_atomic(out / "report.html", page.encode())
    except OSError as error:
        raise ReportError(f"{out}: cannot write the report there ({error.strerror or error})") from None
    print(f"report: {out / 'report.html'}")
    return reports


def _joined(pages: list[str]) -> str:
    """Several assignments' pages as one: the first page's head, every page's body."""
    bodies = [page.split("<body>", 1)[1].rsplit("</body>", 1)[0] for page in pages]
    head = pages[0].split("<body>", 1)[0].replace(re.search(r"<title>.*?</title>", pages[0]).group(0),
                                                   "<title>Class report</title>")
    return head + "<body>\n" + "\n<hr>\n".join(bodies) + "</body></html>\n"
