"""nbgrader preprocessors of the kit (wired in by ``nbgrader_config.py``; nbgrader 0.9.6).

Autograde: ``ExecuteSkippingTests``, ``JudgeGrades``, ``QuietOverwriteCells``.
Feedback: ``HideHiddenTests``, ``HideLibraryFrames``.
"""
from __future__ import annotations

import json
import re
import textwrap

from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from traitlets import Bool, Integer, List, Unicode

from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor, OverwriteCells

WIDTH = 88  # teaching messages are wrapped to this width: a feedback page or a dialog shows them whole
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def is_test_cell(cell) -> bool:
    """An autograded test cell: a code cell nbgrader grades that is not a student's answer."""
    return cell.cell_type == "code" and bool(utils.is_grade(cell)) and not utils.is_solution(cell)


def _points(value: float) -> str:
    return f"{value:g} point{'' if value == 1 else 's'}"


def _wrapped(label: str, sentence: str) -> list[str]:
    return textwrap.wrap(f"{label}: {sentence}", width=WIDTH, subsequent_indent="    ",
                         break_long_words=False, break_on_hyphens=False) or [f"{label}:"]


# --------------------------------------------------------------------------- autograde


class ExecuteSkippingTests(Execute):
    """nbgrader's Execute, leaving the test cells unexecuted (``skip_test_cells``).

    With ``JudgeGrades`` on, the judge replaces every test cell's outputs, so
    running the checks in the student's kernel too would only cost time: each
    test cell runs its checks with its own time limits, so a submission that
    loops pays them again in every one (measured: 0.3 to 1.9 s for an honest
    notebook, 110 s for one whose build() never returns).
    """

    skip_test_cells = Bool(
        True, help="Do not run test cells in the kernel (JudgeGrades gives them their outputs).",
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if self.skip_test_cells and is_test_cell(cell):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


class JudgeGrades(NbGraderPreprocessor):
    """Each test cell's outputs become the kit judge's verdict on its check; nbgrader scores those.

    The notebook is graded as nbgrader restored it (locked cells put back,
    deleted test cells added back), by ``grade_notebook(..., which="all")``
    for the lab named like the assignment. Then, for every test cell:

    - its check passed: one line on stdout, ``✓ name: note``;
    - it did not: an ``error`` output whose traceback is the teaching message
      (Expected / Found / Try), so nbgrader scores the cell 0 and the
      feedback shows what to fix;
    - no check has this cell's grade id, the notebook cannot be graded at all,
      or the grader itself failed: an ``error`` output saying which.

    Other cells keep what the kernel printed. The lab is the one named like
    the assignment, as in grade-batch; an assignment with no such lab is not
    graded (its test cells say so, and the log says why) unless it is listed
    in ``plain_assignments``: a misnamed assignment must not quietly fall back
    to scores that the notebook's own kernel printed.
    """

    plain_assignments = List(
        Unicode(), [],
        help="Assignments that are no lab of the kit: nbgrader scores their test cells by the kernel's outputs.",
    ).tag(config=True)

    seed = Integer(
        None, allow_none=True,
        help="Fix the checks' random inputs (default: fresh for every submission, as grade-batch does).",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict):
        cells = [cell for cell in nb.cells if is_test_cell(cell)]
        if not cells:
            return nb, resources
        info = resources.get("nbgrader", {})
        assignment, student = info.get("assignment", ""), info.get("student", "")
        notebook = info.get("notebook", "")
        where = f"{student}/{assignment}/{notebook}.ipynb"

        if assignment in self.plain_assignments:
            return nb, resources
        from autograder.errors import SubmissionError
        from autograder.lab import lab_for

        try:
            lab = lab_for(assignment)
        except Exception:
            self.log.exception("JudgeGrades: cannot load the lab %r", assignment)
            return self._not_graded(nb, cells, self._grader_failed()), resources
        if lab is None:
            self.log.error("JudgeGrades: no lab of the kit is named %r, so %s is not graded (to let nbgrader "
                           "score it by its kernel's outputs, add it to c.JudgeGrades.plain_assignments)",
                           assignment, where)
            return self._not_graded(nb, cells, [
                f"The grader has no checks for the assignment {assignment!r}, so this cell was not graded. "
                "Tell your instructor."]), resources

        try:
            grade, checks = self._grade(nb, lab, f"{notebook}.ipynb")
        except SubmissionError as error:
            self.log.warning("JudgeGrades: %s cannot be graded: %s", where, error)
            return self._not_graded(nb, cells, [f"This notebook could not be graded: {str(error).rstrip('.')}.",
                                            "Try: restart the kernel, run every cell from the top, "
                                            "save, and submit again."]), resources
        except Exception:
            self.log.exception("JudgeGrades: the grader failed on %s", where)
            return self._not_graded(nb, cells, self._grader_failed()), resources

        by_id = {self._grade_id(check, checks): result for check, result in zip(checks, grade.checks)}
        for cell in cells:
            grade_id = cell.metadata.nbgrader.get("grade_id", "")
            result = by_id.pop(grade_id, None)
            if result is None:
                self.log.warning("JudgeGrades: %s: the lab %s has no check for the test cell %s",
                                 where, lab.name, grade_id)
                cell.outputs = [self._error("NotGraded", [
                    f"This test cell ({grade_id}) has no check in the grader for {lab.name}, so it was not "
                    "graded. Tell your instructor."])]
            else:
                cell.outputs = [self._verdict(result)]
        if by_id:
            self.log.warning("JudgeGrades: %s: checks with no test cell in the notebook (not in nbgrader's "
                             "score): %s", where, ", ".join(r.name for r in by_id.values()))
        level = self.log.info if grade.ending.complete else self.log.warning
        level("JudgeGrades: %s: %g/%g from the judge in %.1f s%s", where, grade.score, grade.max_score,
              grade.seconds, "" if grade.ending.complete else f" ({grade.error})")
        return nb, resources

    def _grade(self, nb: NotebookNode, lab, name: str):
        from autograder.grading import grade_notebook

        checks = lab.checks("all")
        # What the judge reads of a notebook: cell types, metadata and sources (never outputs).
        content = {key: value for key, value in nb.items() if key != "cells"}
        content["cells"] = [{key: value for key, value in cell.items() if key != "outputs"} for cell in nb.cells]
        grade = grade_notebook(json.dumps(content).encode("utf-8"), lab, name=name, which="all", seed=self.seed)
        if [r.name for r in grade.checks] != [c.name for c in checks]:
            raise RuntimeError(f"the judge returned checks {[r.name for r in grade.checks]}, "
                               f"expected {[c.name for c in checks]}")
        return grade, checks

    @staticmethod
    def _grade_id(check, checks) -> str:
        from autograder.registry import grade_cell_id

        return grade_cell_id(check, checks)

    @staticmethod
    def _error(ename: str, lines: list[str]) -> NotebookNode:
        head, *rest = lines
        wrapped = textwrap.wrap(f"{ename}: {head}", width=WIDTH, subsequent_indent="    ",
                                break_long_words=False)
        for line in rest:
            wrapped += textwrap.wrap(line, width=WIDTH, subsequent_indent="    ", break_long_words=False)
        return new_output("error", ename=ename, evalue=head, traceback=wrapped)

    def _verdict(self, result) -> NotebookNode:
        if result.passed:
            return new_output("stream", name="stdout", text=f"\u2713 {result.name}: {result.note}\n")
        head = f"{result.name} ({_points(result.max_points)}) did not pass."
        lines = [f"CheckNotPassed: {head}"]
        if result.message is not None:
            for label, sentence in result.message.parts():
                lines += _wrapped(label, sentence)
        else:
            lines.append(f"Status: {result.status.value}.")
        return new_output("error", ename="CheckNotPassed", evalue=head, traceback=lines)

    @staticmethod
    def _grader_failed() -> list[str]:
        return ["The grader failed on this notebook, so this check was not graded. This is a fault in the "
                "grader, not in your work: your instructor has the details in nbgrader's log and can grade "
                "it again."]

    def _not_graded(self, nb: NotebookNode, cells, lines: list[str]) -> NotebookNode:
        for cell in cells:
            cell.outputs = [self._error("NotGraded", lines)]
        return nb


class QuietOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, without a false alarm for hidden test cells.

    ``generate_assignment`` stores each locked cell's checksum (SaveCells)
    *before* ClearHiddenTests removes the hidden tests, then releases the
    cleared cell. So every submitted hidden test cell differs from the
    gradebook, and OverwriteCells logs "Attribute 'checksum' for cell ... has
    changed!" for each of them, in every honest submission. When a locked
    cell's source is exactly the gradebook source with its hidden-test region
    cleared (what was released), this puts the gradebook source back
    silently; OverwriteCells then finds nothing to report. Any other change
    to a locked cell is restored and logged as before.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            try:
                source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source_cell = None  # OverwriteCells reports it
            if (source_cell is not None and source_cell.locked and cell.cell_type == source_cell.cell_type
                    and cell.source != source_cell.source and cell.source == self._released(source_cell.source)):
                cell.source = source_cell.source
        return super().preprocess_cell(cell, resources, cell_index)

    def _released(self, source: str) -> str | None:
        """``source`` as generate_assignment released it (hidden tests cleared), or None if it had none."""
        clear = ClearHiddenTests(parent=self)  # the course's delimiters, if it configured its own
        cell = NotebookNode(cell_type="code", source=source, metadata=NotebookNode())
        try:
            removed = clear._remove_hidden_test_region(cell)
        except RuntimeError:  # malformed region: never "benign"
            return None
        return cell.source if removed else None


# --------------------------------------------------------------------------- feedback

# Configurable, as in nbgrader's GetGrades: the HTML exporter configures it for every feedback
# preprocessor, and traitlets warns about any that refuse it.
def _display_data_priority() -> List:
    return List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png", "image/jpeg",
                 "text/plain"]).tag(config=True)


class HideHiddenTests(ClearHiddenTests):
    """Keep hidden tests hidden in the feedback students receive; keep their scores.

    nbgrader puts the hidden tests back into every notebook it autogrades,
    and ``generate_feedback`` renders that notebook as it is: the hidden test
    code, its output and its grade id reach the student (jupyter/nbgrader#917;
    0.9.6 has no option for it). Run after ``GetGrades`` (which reads the
    scores by grade id). For each test cell with a hidden-test region:

    - the region is removed, as generate_assignment did for the release (the
      comment above it stays);
    - its grade id becomes ``alias`` (in the metadata, the nbformat cell id and
      any line nbgrader added to the source);
    - its outputs become one line saying whether it passed; with
      ``show_messages`` a failing check's teaching message follows, without
      the check's name.
    """

    alias = Unicode(
        "hidden_check_{number}",
        help="What a hidden test cell's grade_id becomes in the feedback; {number} counts from 1.",
    ).tag(config=True)

    display_data_priority = _display_data_priority()

    show_messages = Bool(
        False, help="Show the teaching message of a failed hidden check (never its code or name).",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        self._number = 0
        self._names = self._hidden_names(resources.get("nbgrader", {}).get("assignment", ""))
        return super().preprocess(nb, resources)

    @staticmethod
    def _hidden_names(assignment: str) -> list[str]:
        try:
            from autograder.lab import lab_for

            lab = lab_for(assignment)
            return [c.name for c in lab.checks("hidden")] if lab is not None else []
        except Exception:
            return []

    def preprocess_cell(self, cell, resources, cell_index):
        if not is_test_cell(cell) or self.begin_test_delimeter not in cell.source:
            return cell, resources

        self._number += 1
        original_id = cell.metadata.nbgrader["grade_id"]
        alias = self.alias.format(number=self._number)
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        cell.source = cell.source.replace(original_id, alias)
        cell.metadata.nbgrader["grade_id"] = alias
        if "id" in cell:  # nbformat 4.5 cell ids end up in the HTML too
            cell.id = alias

        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        score = cell.metadata.nbgrader.get("score")
        points = cell.metadata.nbgrader.get("points")
        passed = not errors and (score is None or points is None or float(score) >= float(points))
        if passed:
            text = "Hidden check passed.\n"
        else:
            text = "Hidden check did not pass. Its code is not shown.\n"
            if self.show_messages and errors:
                text += self._message(errors[0], original_id)
        cell.outputs = [new_output("stream", name="stdout", text=text)]
        return cell, resources

    def _message(self, error, original_id: str) -> str:
        """The teaching lines of an error output (not its first line, which names the check)."""
        lines = [ANSI.sub("", line) for line in error.get("traceback", [])]
        lines = [line for line in "\n".join(lines).splitlines()[1:] if line.strip()]
        text = "\n".join(lines)
        for name in sorted({original_id, original_id.removeprefix("test_"), *self._names}, key=len, reverse=True):
            if name:
                text = re.sub(rf"\b{re.escape(name)}\b", "this check", text)
        return text + "\n" if text else ""


class HideLibraryFrames(NbGraderPreprocessor):
    """In feedback, tracebacks show the student's cells only, not frames in installed code.

    A frame in a library file (TensorFlow, Keras, the grader) shows where the
    course's software is installed on the server and says nothing the
    student can act on; consecutive ones become one line saying how many were
    left out. The error itself (its last line) and every frame in a notebook
    cell stay. The autograded notebook keeps the full traceback for the
    instructor.
    """

    display_data_priority = _display_data_priority()

    note = Unicode(
        "[{count} frame{s} in library code not shown]",
        help="What replaces consecutive library frames; {count} and {s} (plural) are filled in.",
    ).tag(config=True)

    # IPython's "File /path/x.py:122, in f(...)" and Python's 'File "/path/x.py", line 122, in f'.
    _FILE_FRAME = re.compile(r'^\s*(File \S[^\n]*:\d+\b|File "[^"]*", line \d+)')

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output.traceback = self.shorten(list(output.get("traceback", [])))
        return cell, resources

    def shorten(self, entries: list[str]) -> list[str]:
        kept: list[str] = []
        hidden = 0
        for entry in entries:
            if self._FILE_FRAME.match(ANSI.sub("", entry).lstrip("\n")):
                hidden += 1
                continue
            if hidden:
                kept.append(self.note.format(count=hidden, s="" if hidden == 1 else "s"))
                hidden = 0
            kept.append(entry)
        if hidden:
            kept.append(self.note.format(count=hidden, s="" if hidden == 1 else "s"))
        return kept
