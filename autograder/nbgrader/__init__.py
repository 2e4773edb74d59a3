"""The kit inside nbgrader: preprocessors and a feedback exporter that ``nbgrader_config.py`` wires in.

nbgrader runs the course as usual (``generate_assignment``, ``autograde``,
``generate_feedback``, ``export``); these pieces change what decides a grade
and what students are shown:

- ``preprocessors.JudgeGrades`` (autograde): every test cell's outcome comes
  from the kit's judge (``autograder.grading.grade_notebook``), the same
  verdict path as ``grade``, ``grade-batch`` and Gradescope, so the gradebook
  and ``grade-batch`` agree and a notebook cannot make its own test cells pass.
- ``preprocessors.ExecuteSkippingTests`` (autograde): the kernel still runs
  the notebook for the feedback, without the test cells whose outputs the
  judge replaces.
- ``preprocessors.QuietOverwriteCells`` (autograde): restores locked cells as
  nbgrader does, without the false "checksum has changed" warning for every
  hidden test cell.
- ``preprocessors.HideHiddenTests`` and ``HideLibraryFrames`` (feedback):
  no hidden test code, name or output; no traceback frames from installed
  code (server paths, the grader).
- ``feedback.FeedbackExporter`` (feedback): math drawn into the HTML, so it
  shows where scripts do not run (JupyterLab's HTML viewer, offline), and
  long output lines wrap.

Instructor-side only: nothing here is imported by the notebook's self-check
or shipped in the student bundle.
"""
