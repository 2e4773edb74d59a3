"""Autograder for the "Building a Custom Dense Layer" lab.

One set of checks (``autograder.checks``) serves every entry point:

- in the notebook: ``self_check(SimpleDense)`` and nbgrader's test cells,
  which call ``run_check("<check name>", SimpleDense)``;
- on the command line: ``python -m autograder grade NOTEBOOK...``;
- for a class: ``python -m autograder grade-batch DIR``;
- for students' own machines: ``pytest`` beside the released notebook.

Importing this package does not import TensorFlow; the functions that need it do.
"""
from __future__ import annotations

__version__ = "1.0.0"

ASSIGNMENT = "custom_dense_layer"
CLASS_NAME = "SimpleDense"


def run_check(name: str, layer_class, seed: int = 0) -> None:
    """Run one check in this process; raise AssertionError with its teaching message on failure.

    Returns None on purpose: nbgrader reads a number left as a test cell's
    last value as partial credit, and a check is all-or-nothing.
    """
    from .runner import run_check as _run_check

    _run_check(name, layer_class, seed)


def self_check(layer_class, seed: int = 0):
    """Run the public checks on ``layer_class`` and show a readable report."""
    from .selfcheck import self_check as _self_check

    return _self_check(layer_class, seed)
