"""Take the code to grade out of a notebook's cells (never its outputs).

The grader runs a submission's imports, functions and classes, in notebook
order, and the module-level assignments those read (``INIT = ...`` above the
class), and nothing else: demo cells, training runs and nbgrader's own test
cells are left out, so a student can neither slow grading down with a long
demo nor make it pass by editing a test cell or an output.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import symtable
from pathlib import Path

from . import CLASS_NAME

# The statements a cell contributes to the graded program.
_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class SubmissionError(Exception):
    """The file cannot be graded at all (missing, not a notebook, no class)."""


@dataclasses.dataclass
class Submission:
    path: str
    code: str  # the program the sandbox runs
    syntax_error: str | None = None  # a cell that does not parse, described


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _to_python(source: str) -> str:
    """Turn IPython syntax (%magics, !shell) into plain Python, or leave it as is."""
    if not any(line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?") for line in source.splitlines()):
        return source  # plain Python: spare the IPython import
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # a minimal install: drop magic lines instead
        return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    return TransformerManager().transform_cell(source)


def _imports_grader(node: ast.stmt) -> bool:
    """``from autograder import self_check`` and the like: the notebook's own set-up.

    Left out of the graded program rather than reported, since the released
    notebook's set-up cell makes them; a ``import autograder`` anywhere inside
    the class is still run past the integrity scan.
    """
    if isinstance(node, ast.Import):
        return all(alias.name.split(".")[0] == "autograder" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == "autograder"
    return False


def _only_definitions(node: ast.stmt) -> bool:
    """An import or definition, or a ``try``/``if`` holding nothing else (e.g. optional imports)."""
    if isinstance(node, _KEPT) or isinstance(node, ast.Pass):
        return True
    if isinstance(node, (ast.Try, ast.If)):
        children = list(node.body) + list(node.orelse)
        if isinstance(node, ast.Try):
            children += list(node.finalbody) + [s for h in node.handlers for s in h.body]
        return all(_only_definitions(child) for child in children)
    return False


def _assigned_names(node: ast.stmt) -> set[str]:
    """The plain names a top-level ``NAME = ...`` (or ``A, B = ...``) binds; empty for anything else."""
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        targets = [node.target]
    elif isinstance(node, ast.Assign):
        targets = node.targets
    else:
        return set()
    names: set[str] = set()
    for target in targets:
        elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
        if not all(isinstance(e, ast.Name) for e in elements):
            return set()
        names.update(e.id for e in elements)
    return names


def _global_reads(source: str) -> set[str]:
    """Module-level names that ``source`` (top-level statements) reads, now or when its functions run."""
    def walk(table, top: bool) -> set[str]:
        names = {s.get_name() for s in table.get_symbols() if s.is_referenced() and (top or s.is_global())}
        for child in table.get_children():
            names |= walk(child, False)
        return names

    try:
        return walk(symtable.symtable(source, "<cell>", "exec"), True)
    except SyntaxError:
        return set()


def _segment(lines: list[str], node: ast.stmt) -> str:
    """The node's own source lines, decorators included."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(lines[first - 1: node.end_lineno])


def read_notebook(path: str | Path) -> dict:
    """The notebook's JSON, checked just enough to walk its cells.

    Plain json rather than nbformat here: importing nbformat (through
    jsonschema) costs 1.4 s, half of what a whole cold grade may take, and the
    grader only needs each cell's type, metadata and source.
    """
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path}: no such file")
    if path.is_dir():
        raise SubmissionError(f"{path}: is a folder, not a notebook")
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SubmissionError(f"{path}: not a Jupyter notebook ({type(error).__name__})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise SubmissionError(f"{path}: not a Jupyter notebook (no list of cells)")
    if notebook.get("nbformat", 4) < 4:
        raise SubmissionError(f"{path}: notebook format {notebook.get('nbformat')} is too old; save it with Jupyter 4 or later")
    return notebook


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def extract_submission(path: str | Path) -> Submission:
    """The graded program of one notebook; raises SubmissionError if there is none."""
    notebook = read_notebook(path)
    syntax_errors: list[str] = []
    cells: list[tuple[int, list[str], list[ast.stmt]]] = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code" or _is_test_cell(cell):
            continue
        source = _to_python(_source(cell))
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            if f"class {CLASS_NAME}" in source:
                syntax_errors.append(f"cell {index + 1}, line {error.lineno}: {error.msg}")
            continue
        cells.append((index, source.splitlines(), tree.body))
    if syntax_errors:
        return Submission(str(path), "", syntax_error="; ".join(syntax_errors))
    kept = {id(node) for _, _, body in cells for node in body
            if _only_definitions(node) and not _imports_grader(node)}
    # Add the assignments the kept code reads (and those they read in turn).
    needed: set[str] = set()
    for _, lines, body in cells:
        for node in body:
            if id(node) in kept:
                needed |= _global_reads(_segment(lines, node))
    grown = True
    while grown:
        grown = False
        for _, lines, body in cells:
            for node in body:
                if id(node) not in kept and _assigned_names(node) & needed:
                    kept.add(id(node))
                    needed |= _global_reads(_segment(lines, node))
                    grown = True
    pieces: list[str] = []
    defines_class = False
    for index, lines, body in cells:
        chosen = [node for node in body if id(node) in kept]
        if any(isinstance(n, ast.ClassDef) and n.name == CLASS_NAME for n in chosen):
            defines_class = True
        if chosen:
            pieces.append(f"# --- cell {index + 1}\n" + "\n".join(_segment(lines, n) for n in chosen))
    if not defines_class:
        raise SubmissionError(f"{path}: no `class {CLASS_NAME}` found in its code cells")
    return Submission(str(path), "\n\n".join(pieces) + "\n")


def pick_notebook(notebooks: list[Path], names: tuple[str, ...] = ()) -> Path:
    """The notebook to grade among several a student handed in.

    The first named one found (e.g. ``custom_dense_layer.ipynb``), else the
    first that defines the class, else the first.
    """
    for name in names:
        for notebook in notebooks:
            if notebook.name == name:
                return notebook
    for notebook in notebooks:
        try:
            if f"class {CLASS_NAME}" in notebook.read_text(encoding="utf-8", errors="replace"):
                return notebook
        except OSError:
            pass
    return notebooks[0]
