"""Keep hidden tests hidden in the feedback students receive.

nbgrader puts the hidden tests back into every notebook it autogrades, and
``nbgrader generate_feedback`` renders that notebook as it is: the hidden
test code, its output or traceback, and the cell's grade_id (which here names
the check) all reach the student (jupyter/nbgrader#917, #1363; nbgrader
0.9.6 has no option for it). ``HideHiddenTests`` runs in GenerateFeedback
after ``GetGrades`` has read the scores, and, for each grade cell that holds
a hidden test region:

* removes the region from the source, as ``generate_assignment`` did for the
  released notebook (the comment above it stays);
* renames the cell's grade_id to ``hidden_check_<n>``, in its metadata, its
  nbformat cell id and any line nbgrader added to the source (a restored
  cell names its id);
* replaces the cell's outputs with one line saying whether it passed. With
  ``HideHiddenTests.show_messages = True`` a failing check also shows its
  teaching message (expected / found / try), without the check's name.

The score of every cell, hidden ones included, is unchanged.
"""
from __future__ import annotations

import re

from nbformat.v4 import new_output
from traitlets import Bool, List, Unicode

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests


class HideHiddenTests(ClearHiddenTests):
    """Strip hidden tests, their outputs and their names from feedback."""

    alias = Unicode(
        "hidden_check_{number}",
        help="What a hidden test cell's grade_id becomes in the feedback; {number} counts from 1.",
    ).tag(config=True)

    # Configurable, as in nbgrader's GetGrades: the HTML exporter configures
    # it for every preprocessor, and traitlets warns about any that refuse.
    display_data_priority = List(
        ["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png", "image/jpeg", "text/plain"],
    ).tag(config=True)

    show_messages = Bool(
        False,
        help="Show the teaching message of a failed hidden check (never its code or name).",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        self._number = 0
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        if self.begin_test_delimeter not in cell.source:
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
            line = "Hidden check passed.\n"
        else:
            line = "Hidden check did not pass. Its code is not shown.\n"
            if self.show_messages and errors:
                message = re.sub(r"^\w+: ", "", str(errors[0].get("evalue", "")))
                for name in (original_id, original_id.removeprefix("test_")):
                    message = message.replace(name, "this check")
                if message:
                    line += message.rstrip("\n") + "\n"
        cell.outputs = [new_output("stream", name="stdout", text=line)]
        return cell, resources
