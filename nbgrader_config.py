"""nbgrader configuration for the "Building a Custom Dense Layer" course kit.

nbgrader reads this file from the directory it is started in, so run every
``nbgrader`` command from the repository root (or from a copy of the course
directory holding this file and ``nbgrader_hide_hidden.py``). Written for
nbgrader 0.9.6.
"""
import os
import sys

from nbgrader.preprocessors import GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

# --- Course layout -----------------------------------------------------------
# The course is the directory holding this file: source/, release/,
# submitted/, autograded/, feedback/ and gradebook.db all live beside it,
# wherever the kit is checked out or copied.
c.CourseDirectory.root = HERE
# The one assignment is source/custom_dense_layer/; name it on the command
# line (nbgrader refuses an assignment given both here and as an argument):
#   nbgrader generate_assignment custom_dense_layer
#   nbgrader autograde custom_dense_layer

# --- Running students' notebooks ---------------------------------------------
# nbgrader's default is 30 s per cell. The lab's own model.fit (500 epochs)
# takes about 20-30 s with Keras 3 on two cores, importing TensorFlow a few
# more; 300 s leaves room for a slow or busy machine. A cell that runs longer
# (e.g. an endless loop) is stopped and scores zero; the rest still run.
c.Execute.timeout = 300
# Kernel start-up on a loaded machine can be slow too (default 60 s).
c.Execute.startup_timeout = 120

# nbgrader gives a test cell zero points for ANY output on stderr, even a
# harmless log line (TensorFlow writes start-up lines from C++ straight to
# the process's stderr, whatever TF_CPP_MIN_LOG_LEVEL says; libraries warn).
# A check's verdict here is whether run_check raised, never what was printed,
# so all stderr output is dropped after execution and before scoring.
# IgnorePattern removes every stderr stream whose text the regex matches; this
# one matches any text. Errors (tracebacks) are not stderr streams and still
# score zero.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# --- Tampering ---------------------------------------------------------------
# Locked cells (the grading cells, the setup cell and the instructions) whose
# source changed are always restored from the gradebook before grading.
# A deleted grading cell is put back too (nbgrader's default is to leave it
# out, which loses its points without running it), so every submission is
# graded on the same 17 points.
c.OverwriteCells.add_missing_cells = True

# --- Feedback ----------------------------------------------------------------
# nbgrader shows hidden tests in feedback by default (jupyter/nbgrader#917).
# HideHiddenTests removes their code, outputs and names, and keeps the scores.
# It must run after GetGrades, which looks the scores up by grade_id.
if HERE not in sys.path:
    sys.path.insert(0, HERE)
from nbgrader_hide_hidden import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
# Set to True to show a failed hidden check's teaching message (not its code).
c.HideHiddenTests.show_messages = False
