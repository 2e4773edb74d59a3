"""Checks and their registry: what a lab grades, and how each check is declared.

A check is a function ``check(ctx) -> str`` that runs in the *judge*: it asks
the subject (the process that runs the student's code) for facts through
``ctx.ask(...)``, decides, and returns a short note on success or raises
:class:`CheckFailed` with a teaching message. ``@registry.check(...)``
records its name, category, points and visibility, in the manner of
otter-grader's ``@test_case(points=, hidden=)``; the summary is the first
line of its docstring (as gradescope-utils names a test by its docstring).

A *gate* is a check whose failure means the others cannot say anything
useful (for example, the class is Keras's own ``Dense`` under another name):
gates run first, and when one fails every other check is "not run" with the
gate's message.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Iterator, Mapping

from .results import Message

VISIBILITIES = ("public", "hidden")


class CheckFailed(Exception):
    """A check's verdict: the submission does not do what was asked.

    Usage: ``raise CheckFailed(expected="...", found="...", hint="...")``
    """

    def __init__(self, expected: str, found: str, hint: str):
        self.message = Message(expected, found, hint)
        super().__init__(self.message.text())


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    category: str
    max_points: float
    visibility: str  # "public" or "hidden"
    function: Callable
    summary: str
    gate: bool = False
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Settings the check reads through ``ctx.options`` (a lab that reuses a check sets its own)."""

    @property
    def hidden(self) -> bool:
        return self.visibility == "hidden"


class Registry:
    """An ordered set of checks, all in the given categories.

    Usage::

        registry = Registry(categories=("names", "shapes"))

        @registry.check("variable_names", "names", points=1)
        def check_variable_names(ctx):
            '''build() creates two variables, named kernel and bias.'''
    """

    def __init__(self, categories: Iterable[str], visibility: str = "public"):
        if visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {visibility!r}")
        self.categories = tuple(categories)
        self.visibility = visibility
        self._checks: dict[str, Check] = {}

    def check(self, name: str, category: str, points: float, *, gate: bool = False,
              options: Mapping[str, Any] | None = None):
        """Register ``function`` as the check ``name``."""
        def register(function: Callable) -> Callable:
            summary = (function.__doc__ or name).strip().splitlines()[0]
            self.add(Check(name, category, float(points), self.visibility, function, summary, gate,
                           dict(options or {})))
            return function

        return register

    def add(self, check: Check, **changes) -> Check:
        """Add a check, for instance one another lab declared (with ``changes`` such as ``options=``,
        ``points=`` or ``name=``); it takes this registry's visibility."""
        if "points" in changes:
            changes["max_points"] = float(changes.pop("points"))
        check = dataclasses.replace(check, **changes)
        if check.category not in self.categories:
            raise ValueError(f"check {check.name!r}: unknown category {check.category!r} "
                             f"(known: {', '.join(self.categories)})")
        if check.name in self._checks:
            raise ValueError(f"check {check.name!r} registered twice")
        check = dataclasses.replace(check, visibility=self.visibility)
        self._checks[check.name] = check
        return check

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __getitem__(self, name: str) -> Check:
        return self._checks[name]


def grade_cell_id(check: Check, checks: list[Check]) -> str:
    """The nbgrader grade_id of the test cell that runs ``check``.

    Hidden checks get a neutral, numbered id: grade_ids ship in the released
    notebook, and ``test_<check name>`` would tell students what a hidden
    check looks at.
    """
    if not check.hidden:
        return f"test_{check.name}"
    hidden = [c.name for c in checks if c.hidden]
    return f"hidden_check_{hidden.index(check.name) + 1}"
