"""Errors that mean "this input cannot be used": each command shows one line and exits with 2."""
from __future__ import annotations


class InputError(Exception):
    """Bad input from the user (a missing file, an unknown lab, an unwritable folder).

    The command line maps it, in one place, to a one-line ``error: ...`` and exit code 2.
    """


class SubmissionError(InputError):
    """A file that cannot be graded at all: missing, not a notebook, nothing of the lab in it."""
