"""``python -m autograder student-bundle LAB OUT.zip``: what a student needs for one lab, and nothing more.

The zip holds one folder, ``<lab>/``, with:

- the released assignment (``release/<lab>/`` as ``nbgrader generate_assignment``
  made it): the student notebook and its pytest file;
- the modules of ``autograder`` that the notebook's self-check and the pytest
  file import, and nothing else: the set is the import closure of those entry
  points, read from the source (nothing is imported to compute it). An
  instructor-only module in that closure (batch grading, the command line,
  Gradescope, reports, this module, nbgrader's plugins, the notebook
  authoring helpers, a corpus, a hidden check or a notebook generator) stops
  the build: it means a student module imports one;
- ``requirements-student.txt``: the packages the student's work needs, each
  pinned to the version the kit is tested on; and ``conftest.py``,
  ``pytest.ini`` and ``README.md``.

Before the zip is written, every file is searched for what must not reach
students: the hidden checks' names, docstrings and distinctive lines,
nbgrader's solution and hidden-test markers, and each solution block of the
instructor's notebook. Any find stops the build with one line per find.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import importlib.metadata
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from .errors import InputError
from .lab import Lab
from .notebook import cell_source

PACKAGE = Path(__file__).resolve().parent
TEMPLATE = PACKAGE / "student_template"
# What a student runs: the pytest file (studentpytest), the notebook's self-check (selfcheck,
# through the lab's __init__) and what grading starts in other processes (a zygote, or a fresh
# subject where there is no fork).
ENTRY_POINTS = ("autograder.studentpytest", "autograder.selfcheck", "autograder.isolation.zygote",
                "autograder.subject.__main__")
# Instructor tools: never imported by a student's code, never shipped.
INSTRUCTOR_ONLY = ("autograder.__main__", "autograder.batch", "autograder.cli", "autograder.gradescope",
                   "autograder.report", "autograder.bundle", "autograder.nbgrader", "autograder.authoring",
                   "autograder.corpus", "autograder.isolation.selftest")
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
JUNK = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".DS_Store")
ZIP_DATE = (2024, 1, 1, 0, 0, 0)  # fixed, so the same inputs make the same bytes


class BundleError(InputError):
    """The bundle cannot be made (a missing input) or would leak (the message lists what)."""


@dataclasses.dataclass
class Bundle:
    path: Path
    files: list[str]  # paths inside the zip
    size: int


# --------------------------------------------------------------------------- what ships


def module_file(name: str) -> Path | None:
    """The source file of an ``autograder`` module, found on disk (nothing is imported), or None."""
    parts = name.split(".")
    if parts[0] != "autograder":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(module: str) -> set[str]:
    """The ``autograder`` modules that ``module`` imports, anywhere in its code (functions included)."""
    path = module_file(module)
    if path is None:
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            # `from package import name`: the name may be a submodule, or only an attribute
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if module_file(name) is not None}


def instructor_only(lab: Lab) -> tuple[str, ...]:
    """Modules (and packages) no student copy may hold: the engine's tools and the lab's secrets."""
    return INSTRUCTOR_ONLY + tuple(lab.hidden_checks) + ((lab.notebook,) if lab.notebook else ()) \
        + (f"{lab.module}.corpus",)


def _is_under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def shipped_modules(lab: Lab) -> list[str]:
    """The modules a student's copy needs: the import closure of the student entry points and the lab's."""
    pending = list(ENTRY_POINTS) + [lab.module, lab.probes] + list(lab.public_checks) + list(lab.student_modules)
    pending += [m for m in lab.preload if m.split(".")[0] == "autograder"]
    if lab.describe_error:
        pending.append(lab.describe_error.partition(":")[0])
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or module_file(name) is None:
            continue
        seen.add(name)
        parts = name.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]  # the packages on the way
        pending += sorted(_imports(name) - seen)
    forbidden = sorted(name for name in seen if _is_under(name, instructor_only(lab)))
    if forbidden:
        raise BundleError(f"the student's modules import instructor-only code: {', '.join(forbidden)}")
    return sorted(seen)


def _pins(kit_requirements: Path) -> dict[str, str]:
    pins = {}
    for line in kit_requirements.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\[\]-]+)==(\S+)", line.strip())
        if match:
            pins[_canonical(match.group(1).split("[")[0])] = match.group(2)
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_requirements(lab: Lab, kit_requirements: Path) -> str:
    """requirements-student.txt: the template's packages (and the lab's), each pinned to what the kit is tested on.

    The pin is the kit's requirements.txt's; for a package it does not pin (numpy, ipython come in as
    TensorFlow's and Jupyter's dependencies) it is the version installed here, where the kit's tests run.
    """
    pins = _pins(kit_requirements)
    lines = []
    for line in (TEMPLATE / "requirements.in").read_text().splitlines() + list(lab.student_requirements):
        line, _, comment = line.partition("#")
        name, _, marker = line.partition(";")
        name = name.strip()
        if not name:
            lines.append(f"#{comment}" if comment else "")
            continue
        # "# pinned as OTHER": the same release under another name (a platform's build of it).
        alias = re.match(r"\s*pinned as (\S+)", comment)
        version = pins.get(_canonical(alias.group(1) if alias else name))
        if not version:
            try:
                version = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                raise BundleError(f"{kit_requirements} pins no version of {name}, which students need, and it is "
                                  "not installed here either; pin it there") from None
        lines.append(f"{name}=={version}" + (f"; {marker.strip()}" if marker.strip() else ""))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- what must not leak


def _normalize(text: str) -> str:
    return " ".join(text.split())


def _solution_blocks(lab: Lab) -> list[str]:
    """The code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in the lab's source notebook."""
    if not lab.notebook:
        return []
    blocks = []
    for cell in importlib.import_module(lab.notebook).build_notebook()["cells"]:
        for block in re.findall(r"BEGIN SOLUTION[^\n]*\n(.*?)\n[^\n]*END SOLUTION", cell_source(cell), re.DOTALL):
            if len(_normalize(block)) >= 20:
                blocks.append(_normalize(block))
    return blocks


def _hidden_signatures(lab: Lab, shipped_sources: str) -> list[str]:
    """Names, docstrings and distinctive source lines of the hidden checks.

    A line that also appears in a shipped module (a shared helper call, say) reveals nothing.
    """
    if not lab.has_hidden_checks():
        raise BundleError("this copy of the grader has no hidden checks, so it cannot tell what must not leak; "
                          "build the bundle from the instructor's copy")
    signatures = []
    for check in lab.checks("hidden"):
        signatures += [check.name, check.function.__name__, check.summary]
    for module in lab.hidden_checks:
        for line in module_file(module).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            distinctive = len(line) >= 24 and not line.startswith(("#", '"""', "from ", "import "))
            if distinctive and line not in shipped_sources:
                signatures.append(line)
    return signatures


def _searchable(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            text += "\n" + "\n".join(cell_source(c) for c in json.loads(text).get("cells", []))
        except (ValueError, AttributeError):
            pass
    return text


def find_leaks(root: Path, lab: Lab) -> list[str]:
    """What in the folder ``root`` reveals a hidden check or the solution: one line per find."""
    shipped = "\n".join(path.read_text(encoding="utf-8") for path in sorted(root.rglob("*.py"))
                        if "autograder" in path.relative_to(root).parts)
    signatures = _hidden_signatures(lab, shipped)
    blocks = _solution_blocks(lab)
    leaks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        text = _searchable(path)
        lowered, flat = text.lower(), _normalize(text)
        for signature in signatures:
            if signature.lower() in lowered:
                where = next((i + 1 for i, line in enumerate(text.splitlines()) if signature.lower() in line.lower()),
                             "?")
                leaks.append(f"{name}:{where}: reveals a hidden check ({signature[:60]!r})")
        in_package = "autograder" in path.relative_to(root).parts  # the grader may name the markers
        for marker in () if in_package else MARKERS:
            if marker in text:
                leaks.append(f"{name}: holds nbgrader's {marker!r} marker (an instructor's version?)")
        for block in blocks:
            if block in flat:
                leaks.append(f"{name}: holds solution code ({block[:60]!r}...)")
    return leaks


# --------------------------------------------------------------------------- making it


def stage(folder: Path, lab: Lab, release_dir: Path, kit_requirements: Path) -> None:
    """Lay the student's folder out in ``folder`` (which must not exist yet)."""
    notebook, test_file = release_dir / lab.notebook_name, release_dir / f"test_{lab.name}.py"
    if not notebook.is_file():
        raise BundleError(f"{notebook} does not exist: generate the release first "
                          f"(nbgrader generate_assignment {lab.name} --force)")
    if not test_file.is_file():
        raise BundleError(f"{release_dir} has no {test_file.name}: regenerate the release, which copies it from "
                          f"source/{lab.name}/ (nbgrader generate_assignment {lab.name} --force)")
    if not kit_requirements.is_file():
        raise BundleError(f"{kit_requirements} does not exist: run this from the course root (the folder holding "
                          "requirements.txt), or give --requirements")
    shutil.copytree(release_dir, folder, ignore=shutil.ignore_patterns(*JUNK))
    for module in shipped_modules(lab):
        source = module_file(module)
        relative = source.relative_to(PACKAGE.parent)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / relative)
    values = {"title": lab.title, "notebook": lab.notebook_name, "entry": lab.entry,
              "test_file": test_file.name, "lab": lab.name}
    for template in ("README.md", "conftest.py", "pytest.ini"):
        (folder / template).write_text((TEMPLATE / template).read_text().format(**values))
    (folder / "requirements-student.txt").write_text(pinned_requirements(lab, kit_requirements))


def build_bundle(out: str | Path, lab: Lab, release_dir: str | Path, kit_requirements: str | Path,
                 check: bool = True) -> Bundle:
    """Write the student zip to ``out``; raise BundleError if an input is missing or anything leaks."""
    out = Path(out)
    if out.is_dir():
        raise BundleError(f"{out} is a folder: give the zip file to write, e.g. {out / (lab.name + '.zip')}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / lab.name
        stage(folder, lab, Path(release_dir), Path(kit_requirements))
        leaks = find_leaks(folder, lab) if check else []
        if leaks:
            shown = leaks[:3] + ([f"and {len(leaks) - 3} more"] if len(leaks) > 3 else [])
            raise BundleError("the bundle would reveal what students must not see, so nothing was written: "
                              + "; ".join(shown))
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        partial = out.with_name(out.name + ".partial")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    info = zipfile.ZipInfo(path.relative_to(folder.parent).as_posix(), ZIP_DATE)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, path.read_bytes())
            partial.replace(out)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise BundleError(f"{out}: cannot write the bundle there ({error.strerror or error})") from None
        return Bundle(out, [p.relative_to(folder.parent).as_posix() for p in files], out.stat().st_size)
