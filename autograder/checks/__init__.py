"""The registry of checks: every entry point grades with these and only these.

A check is a plain function ``check_something(layer_class, seed)`` that
returns a short success note or raises :class:`CheckFailed` with a teaching
message. The ``@check`` decorator records its name, category, points and
visibility. Each check is one nbgrader grade cell and is all-or-nothing, so
the kit's own score and nbgrader's score for a notebook are the same number.

Public checks live in ``public.py`` and ship to students; hidden checks live
in ``hidden.py``, which the student bundle leaves out (see ``bundle.py``).
"""
from __future__ import annotations

import dataclasses
import importlib
from typing import Callable

from ..results import CATEGORIES


class CheckFailed(Exception):
    """A check's verdict: the submission does not do what was asked.

    The message says what was expected, what was found and what to try.
    """

    def __init__(self, expected: str, found: str, hint: str):
        self.expected, self.found, self.hint = expected, found, hint
        super().__init__(f"Expected {expected}. Found {found}. Try: {hint}")


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    category: str
    points: float
    visibility: str
    function: Callable
    summary: str

    @property
    def hidden(self) -> bool:
        return self.visibility == "hidden"


REGISTRY: dict[str, Check] = {}


def check(name: str, category: str, points: float, visibility: str = "public"):
    """Register a check function under ``name``; the docstring's first line is its summary."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if visibility not in ("public", "hidden"):
        raise ValueError(f"unknown visibility {visibility!r}")

    def register(function: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        summary = (function.__doc__ or name).strip().splitlines()[0]
        REGISTRY[name] = Check(name, category, points, visibility, function, summary)
        return function

    return register


def _load() -> bool:
    """Import the check modules; return whether the hidden checks are present."""
    importlib.import_module(".public", __name__)
    try:
        importlib.import_module(".hidden", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.hidden":
            raise
        return False
    return True



def select(visibility: str = "all") -> list[Check]:
    """The checks to run, in grading order: ``"public"``, ``"hidden"`` or ``"all"``."""
    if visibility == "all":
        if not HIDDEN_CHECKS_AVAILABLE:
            raise RuntimeError(
                "the hidden checks are not installed here (this is a student copy of the "
                "grader); only public checks can run"
            )
        return list(REGISTRY.values())
    if visibility == "hidden" and not HIDDEN_CHECKS_AVAILABLE:
        raise RuntimeError("the hidden checks are not installed here")
    return [c for c in REGISTRY.values() if c.visibility == visibility]


def grade_cell_id(check: Check) -> str:
    """The nbgrader grade_id of the test cell that runs ``check``.

    Hidden checks get a neutral, numbered id: grade_ids ship in the released
    notebook, and a ``test_<check name>`` id would tell
    students what a hidden check looks at.
    """
    if not check.hidden:
        return f"test_{check.name}"
    hidden = [c.name for c in REGISTRY.values() if c.hidden]
    return f"hidden_check_{hidden.index(check.name) + 1}"


def get(name: str) -> Check:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no check named {name!r}; known: {', '.join(REGISTRY)}") from None


class _LazyModule:
    """Stands for a module and imports it on the first attribute read through it.

    Not entered in ``sys.modules`` (as importlib's LazyLoader would be): tools
    that walk every module there and read ``__file__`` (``inspect.getmodule``,
    pytest formatting any failure) would otherwise import TensorFlow into a
    process that never grades.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str):
    """``name``, imported on first attribute access (so the registry loads without TensorFlow)."""
    import sys

    if name in sys.modules:
        return sys.modules[name]
    return _LazyModule(name)


HIDDEN_CHECKS_AVAILABLE = _load()
