"""A lab is a value: everything lab-specific reaches the engine as one :class:`Lab`.

Each lab is a package, ``autograder/labs/<name>/``, whose ``__init__`` builds
``LAB = Lab(...)``. Its fields name modules rather than import them, because
the processes of a grading run need different parts of a lab and must not
hold the others:

- the *subject* (where the student's code runs) imports only ``probes`` and
  what ``preload`` lists: nothing there may be secret;
- the *judge* imports the check modules, hidden ones included;
- the student bundle ships ``student_modules`` and never the hidden checks
  or the notebook generator (which holds the solution).

The engine names no lab: it is handed one (``load_lab(name)``), and a toy lab
in the tests, with no TensorFlow, grades end to end through the same code.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Callable, Mapping

from .errors import InputError
from .registry import Check

LABS_PACKAGE = "autograder.labs"


class LabError(InputError):
    """No such lab, or a lab that cannot be loaded."""


class HiddenChecksMissing(LabError):
    """This copy of the grader has no hidden checks (a student copy)."""


@dataclasses.dataclass(frozen=True, eq=False)  # one value per lab: compared and hashed by identity
class Lab:
    """One lab, as the engine sees it.

    Every module is named by its full dotted path, imported only by the
    process that needs it.
    """

    name: str
    """The nbgrader assignment id, the notebook's stem and the results' ``assignment``."""
    module: str
    """The module that defines this value as ``LAB`` (a subject process loads the lab from it)."""
    title: str
    """A human title, e.g. "Building a Custom Dense Layer"."""
    entry: str
    """The symbol the notebook must define; the probes receive its final value."""
    categories: tuple[str, ...]
    """What the checks are about, in report order (e.g. "names", "shapes")."""
    public_checks: tuple[str, ...]
    """Modules whose ``REGISTRY`` holds the public checks, in grading order."""
    hidden_checks: tuple[str, ...] = ()
    """Modules whose ``REGISTRY`` holds the hidden checks; never shipped to students."""
    probes: str = ""
    """The subject-side module: ``PROBES`` (name -> function), ``setup_subject()``, ``environment()``."""
    probe_uses: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """For each probe, the entry's methods it calls: a method that looped once is not called again."""
    preload: tuple[str, ...] = ()
    """Modules a subject process has imported before the student's code runs (none may hold a secret)."""
    student_modules: tuple[str, ...] = ()
    """Modules of this lab (or of a lab it builds on) that the student bundle ships."""
    notebook: str = ""
    """The instructor-only module that writes the source notebook (``build_notebook()``)."""
    describe_error: str = ""
    """``module:function`` turning a :class:`~autograder.probing.StudentError` into a teaching Message."""
    hints: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """What to try after the run ended early, by ending ("time limit", "crashed", "exited")."""
    student_requirements: tuple[str, ...] = ()
    """Packages the lab's notebook needs beyond the kit's usual ones (pinned from requirements.txt)."""

    # --- the parts, imported on demand ---------------------------------------------------

    def checks(self, which: str = "all") -> list[Check]:
        """The checks to run, in grading order: ``"public"``, ``"hidden"`` or ``"all"``."""
        if which not in ("public", "hidden", "all"):
            raise ValueError(f"unknown selection {which!r}")
        modules = []
        if which in ("public", "all"):
            modules += list(self.public_checks)
        if which in ("hidden", "all"):
            if not self.has_hidden_checks():
                raise HiddenChecksMissing(
                    f"lab {self.name}: the hidden checks are not installed here (a student copy of the "
                    "grader); only the public checks can run")
            modules += list(self.hidden_checks)
        checks: list[Check] = []
        for module in modules:
            checks += list(importlib.import_module(module).REGISTRY)
        names = [c.name for c in checks]
        if len(set(names)) != len(names):
            raise LabError(f"lab {self.name}: a check name is used twice ({names})")
        return checks

    def has_hidden_checks(self) -> bool:
        try:
            return all(importlib.util.find_spec(m) is not None for m in self.hidden_checks)
        except ModuleNotFoundError:
            return False

    def probe_module(self) -> ModuleType:
        return importlib.import_module(self.probes)

    def error_describer(self) -> Callable | None:
        if not self.describe_error:
            return None
        module, _, attribute = self.describe_error.partition(":")
        return getattr(importlib.import_module(module), attribute)

    @property
    def folder(self) -> Path:
        """The lab's package folder (its corpus lives in ``corpus/`` there)."""
        module = importlib.import_module(self.public_checks[0].rsplit(".", 1)[0])
        return Path(module.__file__).resolve().parent

    @property
    def notebook_name(self) -> str:
        return f"{self.name}.ipynb"


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def load_lab(name: str | Lab) -> Lab:
    """The installed lab called ``name`` (its folder in ``autograder/labs/``); a Lab is returned as is."""
    if isinstance(name, Lab):
        return name
    if not isinstance(name, str) or not _NAME.match(name) or "." in name or name not in installed_labs():
        known = ", ".join(installed_labs()) or "none"
        raise LabError(f"no lab named {name!r} (installed labs: {known})")
    return load_lab_module(f"{LABS_PACKAGE}.{name}")


def load_lab_module(module_name: str) -> Lab:
    """The ``LAB`` that the module ``module_name`` defines (how a subject process finds its lab)."""
    lab = getattr(importlib.import_module(module_name), "LAB", None)
    if not isinstance(lab, Lab):
        raise LabError(f"{module_name} defines no LAB")
    return lab


def installed_labs() -> list[str]:
    """The names of the labs in ``autograder/labs/``, sorted."""
    package = importlib.import_module(LABS_PACKAGE)
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                  if info.ispkg and not info.name.startswith("_"))


def lab_for(assignment: str) -> Lab | None:
    """The installed lab graded for an nbgrader assignment of that name, if any."""
    return load_lab(assignment) if assignment in installed_labs() else None

