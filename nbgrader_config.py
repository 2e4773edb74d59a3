"""nbgrader configuration for the "Building a Custom Dense Layer" course kit (written for nbgrader 0.9.6).

nbgrader reads this file from the directory it is started in, so run every
``nbgrader`` command from the repository root, or from a copy of the course
(this file beside source/). The kit's package must be importable there
(``pip install -e .`` as scripts/setup.sh does, or PYTHONPATH), with the
environment's bin/ on PATH (nbgrader runs ``alembic``).

Environment:
    AUTOGRADER_NBGRADER_JUDGE=0   plain nbgrader: test cells are scored by what
                                  they print in the student's own kernel
                                  (for comparing the two; default on).
"""
import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, Execute, GetGrades, IgnorePattern,
    LimitOutput, OverwriteKernelspec, SaveAutoGrades,
)

from autograder.nbgrader.feedback import FeedbackExporter
from autograder.nbgrader.preprocessors import (
    ExecuteSkippingTests, HideHiddenTests, HideLibraryFrames, JudgeGrades, QuietOverwriteCells,
)

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

# --- Course layout -----------------------------------------------------------
# The course is the directory holding this file: source/, release/,
# submitted/, autograded/, feedback/ and gradebook.db all live beside it.
# Name the assignment on the command line, not here (nbgrader refuses it in both):
#   nbgrader generate_assignment custom_dense_layer
#   nbgrader autograde custom_dense_layer
c.CourseDirectory.root = HERE

# --- Who decides a grade -----------------------------------------------------
# By default the kit's judge does. In plain nbgrader the test cells run in the
# student's own kernel, where the notebook can make them pass (redefine
# run_check, patch the checks). JudgeGrades grades the notebook, as nbgrader
# restored it, with the same judge as `python -m autograder grade-batch`, and
# writes each test cell's verdict as its output: a pass is one printed line, a
# failure an error whose text is the teaching message. nbgrader scores those
# outputs as usual, so the gradebook and grade-batch give the same scores.
# JudgeGrades runs after the clean-up of outputs (IgnorePattern, LimitOutput)
# and before SaveAutoGrades reads the scores.
#
# The kernel still runs the notebook, for the feedback (plots, printed
# values, the student's own errors), but not the test cells: JudgeGrades
# replaces their outputs anyway, and their in-kernel checks only cost time:
# 0.3 to 1.9 s per honest notebook, but 110 s for one whose build() loops
# (each test cell runs its checks with its own time limits). Set
# c.ExecuteSkippingTests.skip_test_cells = False to run them all the same.
#
# AUTOGRADER_NBGRADER_JUDGE=0 in the environment turns all this off: plain
# nbgrader, every cell run in the kernel, test cells scored by their outputs.
#
# The lab is the one named like the assignment (as in grade-batch). A course
# assignment that is no lab of the kit is not graded (its test cells and the
# log say why) unless it is listed here, to be scored by its kernel outputs:
c.JudgeGrades.plain_assignments = []
JUDGE = os.environ.get("AUTOGRADER_NBGRADER_JUDGE", "1").strip().lower() not in ("0", "false", "no", "off")

c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, QuietOverwriteCells, CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    ExecuteSkippingTests if JUDGE else Execute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    *([JudgeGrades] if JUDGE else []),
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# --- Running students' notebooks ---------------------------------------------
# Per cell. The lab's slowest cell is the set-up, which imports TensorFlow:
# 3.3 s (Keras 3) and 3.8 s (Keras 2) on a busy 2-core machine; the training
# cell takes 0.8 s and 1.6 s. So 60 s is ample, and a cell that never ends
# costs a minute, not five. Students' Validate button runs with nbgrader's
# default of 30 s unless their server starts where this file is, which is
# also ample (tests/test_validate.py).
c.Execute.timeout = 60
c.Execute.startup_timeout = 120  # kernel start-up on a loaded machine (default 60 s)

# nbgrader gives a test cell zero for ANY output on stderr, even a harmless
# log line (TensorFlow writes start-up lines from C++ to the process's stderr
# whatever TF_CPP_MIN_LOG_LEVEL says). This pattern matches every stderr
# stream and drops it before scoring; errors (tracebacks) still score zero.
# With the judge on it only keeps that noise out of the feedback.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# --- Tampering ---------------------------------------------------------------
# Locked cells (test cells, the set-up cell, the instructions) whose source
# changed are restored from the gradebook before grading, and a deleted test
# cell is put back (nbgrader's default leaves it out, losing its points).
# QuietOverwriteCells is OverwriteCells without a false alarm: nbgrader
# stores a hidden test cell's checksum before it clears the hidden tests, so
# it warned "checksum ... has changed!" for every hidden test cell of every
# honest submission. Real changes are still logged.
c.OverwriteCells.add_missing_cells = True

# --- Feedback ----------------------------------------------------------------
# HideHiddenTests: no hidden test code, name or output in feedback (nbgrader
# shows them, jupyter/nbgrader#917); scores stay. It must run after GetGrades,
# which looks the scores up by grade id. Set show_messages = True to show a
# failed hidden check's teaching message (never its code or name).
# HideLibraryFrames: tracebacks keep the student's cells, not frames inside
# installed code (server paths, TensorFlow internals, the grader).
# FeedbackExporter: formulas drawn into the page (MathJax, which nbgrader's
# template loads, does not run in JupyterLab's HTML viewer or offline), and
# long output lines wrap.
c.GenerateFeedback.exporter_class = FeedbackExporter
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, HideLibraryFrames, CSSHTMLHeaderPreprocessor]
c.HideHiddenTests.show_messages = False
