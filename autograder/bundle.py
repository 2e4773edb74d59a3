"""``python -m autograder student-bundle OUT.zip``: what a student needs, and nothing more.

The zip holds one folder, ``custom_dense_layer/``, with:

- the released assignment (``release/custom_dense_layer/``, as nbgrader's
  ``generate_assignment`` made it): the student notebook and the pytest file;
- the ``autograder`` package *without* its hidden checks
  (``autograder/checks/hidden.py``), so that ``from autograder import
  self_check`` in the notebook and ``pytest`` in the folder work offline;
- ``requirements-student.txt``, ``conftest.py``, ``pytest.ini`` and a
  ``README.md`` from ``autograder/student_template/``.

Before writing the zip, every file in it is searched for what must not
reach students: the hidden checks' names, docstrings and distinctive source
lines, nbgrader's solution and hidden-test markers, and each solution block
of the instructor's notebook (``source/custom_dense_layer/``). Any find stops
the build; the zip is never written with a leak in it.
"""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from . import ASSIGNMENT

PACKAGE = Path(__file__).resolve().parent
TEMPLATE = PACKAGE / "student_template"
TEST_FILE = f"test_{ASSIGNMENT}.py"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

# Package files students never get: the hidden checks, and any module that
# uses them (an instructor's tool, such as calibrate.py, which re-creates
# them). Every other module ships: the command line imports each command's
# module, so leaving one of those out would break it.
EXCLUDED = {"checks/hidden.py", "calibrate.py"}
_USES_HIDDEN = re.compile(r"^\s*(from\s+\S*checks\s+import\s+[^\n]*\bhidden\b|from\s+\S*checks\.hidden\s+import"
                          r"|import\s+\S*checks\.hidden\b|from\s+\.\s+import\s+[^\n]*\bhidden\b)", re.M)
EXCLUDED_DIRS = {"__pycache__", "student_template"}
# Never copied from the release folder.
JUNK = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".DS_Store"}

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# A zip entry's date: fixed, so the same inputs make the same bytes.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle cannot be made (missing input) or would leak (the message lists what)."""


@dataclasses.dataclass
class Bundle:
    path: Path
    files: list[str]  # paths inside the zip
    size: int


# --- what must not leak ----------------------------------------------------------

def _normalize(text: str) -> str:
    return " ".join(text.split())


def _solution_blocks(source_notebook: Path) -> list[str]:
    """The code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in the instructor's notebook."""
    notebook = json.loads(source_notebook.read_text(encoding="utf-8"))
    blocks = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for block in re.findall(r"BEGIN SOLUTION[^\n]*\n(.*?)\n[^\n]*END SOLUTION", source, re.DOTALL):
            block = _normalize(block)
            if len(block) >= 20:
                blocks.append(block)
    return blocks


def _hidden_signatures() -> list[str]:
    """Names, docstrings and distinctive source lines of the hidden checks."""
    from . import checks as registry

    if not registry.HIDDEN_CHECKS_AVAILABLE:
        raise BundleError("this copy of the grader has no hidden checks, so it cannot tell what must "
                          "not leak; build the bundle from the instructor's copy")
    signatures = []
    for check in registry.REGISTRY.values():
        if check.hidden:
            signatures += [check.name, check.function.__name__, check.summary]
    hidden_source = (PACKAGE / "checks" / "hidden.py").read_text(encoding="utf-8")
    shared = set()
    for module in PACKAGE.rglob("*.py"):  # lines the shipped modules share are not signatures
        if "student_template" not in module.parts and not instructor_only(module):
            shared |= {line.strip() for line in module.read_text(encoding="utf-8").splitlines()}
    for line in hidden_source.splitlines():
        line = line.strip()
        if len(line) >= 24 and line not in shared and not line.startswith(("#", '"""')):
            signatures.append(line)
    return signatures


def _searchable(path: Path) -> str:
    """A file's text; for a notebook also its cells' sources, unescaped."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            notebook = json.loads(text)
        except ValueError:
            return text
        for cell in notebook.get("cells", []):
            source = cell.get("source", "")
            text += "\n" + ("".join(source) if isinstance(source, list) else str(source))
    return text


def find_leaks(root: Path, source_notebook: Path | None) -> list[str]:
    """What in the folder ``root`` reveals a hidden check or the solution: one line per find."""
    signatures = _hidden_signatures()
    blocks = _solution_blocks(source_notebook) if source_notebook is not None else []
    leaks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if path.name == "hidden.py":
            leaks.append(f"{name}: the hidden checks' module")
            continue
        text = _searchable(path)
        flat = _normalize(text)
        lowered = text.lower()
        for signature in signatures:
            if signature.lower() in lowered:
                where = next((i + 1 for i, line in enumerate(text.splitlines()) if signature.lower() in line.lower()), "?")
                leaks.append(f"{name}:{where}: reveals a hidden check ({signature[:60]!r})")
        # The grader's own modules may name the markers (this one does); a
        # notebook or any other file must not hold them.
        in_package = "autograder" in path.relative_to(root).parts
        for marker in () if in_package else MARKERS:
            if marker in text:
                leaks.append(f"{name}: holds nbgrader's {marker!r} marker (an instructor's version?)")
        for block in blocks:
            if block in flat:
                leaks.append(f"{name}: holds solution code ({block[:60]!r}...)")
    return leaks


# --- making it ----------------------------------------------------------------------

def instructor_only(path: Path) -> bool:
    """Whether a module of the package stays out of the bundle."""
    from .cli import COMMAND_MODULES

    relative = path.relative_to(PACKAGE).as_posix()
    if relative in EXCLUDED:
        return True
    if relative.removesuffix(".py") in COMMAND_MODULES:
        return False  # needed by `python -m autograder`; the leak search still reads it
    return bool(_USES_HIDDEN.search(path.read_text(encoding="utf-8")))


def _copy_package(target: Path) -> None:
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if path.is_dir() or EXCLUDED_DIRS & set(relative.parts):
            continue
        if path.suffix != ".py" or instructor_only(path):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def stage(folder: Path, release_dir: Path) -> None:
    """Lay the student's folder out in ``folder`` (which must not exist yet)."""
    release_dir = Path(release_dir)
    if not (release_dir / NOTEBOOK).is_file():
        raise BundleError(f"{release_dir / NOTEBOOK} does not exist: generate the release first "
                          f"(nbgrader generate_assignment {ASSIGNMENT} --force)")
    if not (release_dir / TEST_FILE).is_file():
        raise BundleError(f"{release_dir} has no {TEST_FILE}: regenerate the release, which copies it "
                          f"from source/{ASSIGNMENT}/ (nbgrader generate_assignment {ASSIGNMENT} --force)")
    shutil.copytree(release_dir, folder, ignore=shutil.ignore_patterns(*JUNK))
    _copy_package(folder / "autograder")
    for template in sorted(TEMPLATE.iterdir()):
        if template.is_file() and not (folder / template.name).exists():
            shutil.copy2(template, folder / template.name)


def build_bundle(out: str | Path, release_dir: str | Path = Path("release") / ASSIGNMENT,
                 source_dir: str | Path | None = Path("source") / ASSIGNMENT, check: bool = True) -> Bundle:
    """Write the student zip to ``out``; raise BundleError if an input is missing or anything leaks.

    ``check=False`` skips the leak search (for tests of the layout only).
    """
    out = Path(out)
    source_notebook = Path(source_dir) / NOTEBOOK if source_dir is not None else None
    if source_notebook is not None and not source_notebook.is_file():
        raise BundleError(f"{source_notebook} does not exist: it is needed to make sure that no "
                          "solution code reaches the bundle")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / ASSIGNMENT
        stage(folder, Path(release_dir))
        leaks = find_leaks(folder, source_notebook) if check else []
        if leaks:
            raise BundleError("the bundle would reveal what students must not see; nothing was written:\n  "
                              + "\n  ".join(leaks))
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                name = path.relative_to(folder.parent).as_posix()
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
        partial.replace(out)
        return Bundle(out, [p.relative_to(folder.parent).as_posix() for p in files], out.stat().st_size)


def add_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "student-bundle", help="zip the released notebook, its pytest file and the public grader for students",
        description=("Zip what a student needs to do the lab and check it offline: the released "
                     "assignment folder and the grader without its hidden checks. Run from the course "
                     "root (the folder holding source/ and release/)."))
    parser.add_argument("out", metavar="OUT.zip", help="the zip file to write")
    parser.add_argument("--release", default=str(Path("release") / ASSIGNMENT), metavar="DIR",
                        help="the released assignment folder (default: %(default)s)")
    parser.add_argument("--source", default=str(Path("source") / ASSIGNMENT), metavar="DIR",
                        help="the instructor's assignment folder, to check no solution leaks (default: %(default)s)")
    parser.set_defaults(func=run)


def run(args) -> int:
    try:
        bundle = build_bundle(args.out, args.release, args.source)
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {bundle.path} ({bundle.size / 1024:.0f} KB, {len(bundle.files)} files); "
          "checked: no hidden check, no solution code")
    for name in bundle.files:
        if "/autograder/" not in name:
            print(f"  {name}")
    print(f"  {ASSIGNMENT}/autograder/ (public checks only)")
    return 0
