"""An autograder for notebook labs: a judge that never runs student code, and labs that are values.

- ``autograder.lab``: what a lab is (``Lab``), and the installed labs (``autograder/labs/``);
- ``autograder.grading.grade_notebook``: the one verdict path for a notebook;
- ``python -m autograder``: grade, grade-batch, report, gradescope, student-bundle, notebook, labs,
  containment.

A lab's notebook imports its checks from the lab's package, e.g.
``from autograder.labs.<lab> import run_check, self_check``. Importing this
package imports no lab library.
"""
from __future__ import annotations

__version__ = "2.0.0"
