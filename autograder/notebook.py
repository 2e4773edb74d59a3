"""Take the code to grade out of a notebook's cells (never its outputs).

The grader runs a submission's imports, functions and classes, in notebook
order, and nothing else: demo cells, training runs and nbgrader's own test
cells are left out, so a student can neither slow grading down with a long
demo nor make it pass by editing a test cell or an output.
"""
from __future__ import annotations

import ast
import dataclasses
import json
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
    pieces: list[str] = []
    syntax_errors: list[str] = []
    defines_class = False
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
        kept = [node for node in tree.body if _only_definitions(node)]
        if any(isinstance(n, ast.ClassDef) and n.name == CLASS_NAME for n in kept):
            defines_class = True
        if kept:
            lines = source.splitlines()
            pieces.append(f"# --- cell {index + 1}\n" + "\n".join(_segment(lines, n) for n in kept))
    if syntax_errors:
        return Submission(str(path), "", syntax_error="; ".join(syntax_errors))
    if not defines_class:
        raise SubmissionError(f"{path}: no `class {CLASS_NAME}` found in its code cells")
    return Submission(str(path), "\n\n".join(pieces) + "\n")
