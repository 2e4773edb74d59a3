"""Keep a submission from grading itself.

Two guards. Before anything runs, ``scan`` reads the submission's code for the
few things a layer never needs but a forged pass does: reaching into the
grader, the interpreter's module table, the garbage collector or raw memory.
While it runs, ``Snapshot`` remembers every function of the grader and of the
libraries the checks compute with, and tells if any was replaced. Either
finding makes the whole grade zero, with a message that says what was found.
"""
from __future__ import annotations

import ast
import sys
import types

# Modules a layer has no business importing: the grader, and the tools to
# rewrite a running interpreter or to stop its clock (signal).
_FORBIDDEN_MODULES = {"autograder", "builtins", "ctypes", "gc", "inspect", "importlib", "signal"}
# Attributes that reach the same places without an import.
_FORBIDDEN_ATTRIBUTES = {
    ("sys", "modules"), ("sys", "_getframe"), ("sys", "settrace"), ("sys", "setprofile"),
    ("os", "write"), ("os", "dup2"), ("os", "kill"),
}
# Names and attributes that reach around the code as written. The frame
# attributes climb from a traceback or generator into the grader's own frames
# (and the secret its results are signed with).
_FORBIDDEN_NAMES = {"__builtins__", "__import__", "globals", "eval", "exec"}
_FORBIDDEN_DUNDERS = {
    "__builtins__", "__globals__", "__subclasses__", "__code__",
    "tb_frame", "f_back", "f_locals", "f_globals", "f_builtins", "gi_frame", "cr_frame", "ag_frame",
}


def scan(code: str) -> list[str]:
    """Findings in the graded code, one line each; empty when it is clean."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # reported as a syntax error elsewhere
    findings = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            if name.split(".")[0] in _FORBIDDEN_MODULES:
                findings.append(f"line {line}: imports {name}")
        if isinstance(node, ast.Attribute):
            # `sys.modules`, and also `os.sys.modules`: judge by the last name before the dot.
            base = node.value.id if isinstance(node.value, ast.Name) else getattr(node.value, "attr", None)
            if (base, node.attr) in _FORBIDDEN_ATTRIBUTES:
                findings.append(f"line {line}: uses {base}.{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr in _FORBIDDEN_DUNDERS:
            findings.append(f"line {line}: uses .{node.attr}")
        if isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            findings.append(f"line {line}: uses {node.id}")
    return sorted(set(findings), key=lambda f: (len(f.split(":")[0]), f))


# Audit events that hand out the interpreter's frames (from which a forged
# result could read the secret the real ones are signed with), and the frame
# attributes Python audits as "object.__getattr__".
_FRAME_EVENTS = {"sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile"}
_FRAME_ATTRIBUTES = {"tb_frame", "gi_frame", "cr_frame", "ag_frame"}


def guard_call_stack(filename: str, on_breach) -> None:
    """From now on, call ``on_breach(what)`` when code compiled as ``filename`` reaches for a frame.

    ``scan`` catches ``tb_frame`` and ``f_locals`` as written; this catches
    them spelled through ``getattr``. Only a reach made directly by that code
    counts, so Keras filtering a traceback the student's error passed through
    is not one. Audit hooks cannot be removed: install this only in a process
    that ends after grading (the sandbox's child).
    """
    busy: list = []

    def hook(event: str, args: tuple) -> None:
        if busy:
            return
        if event in _FRAME_EVENTS:
            what = event
        elif event == "object.__getattr__" and len(args) > 1 and args[1] in _FRAME_ATTRIBUTES:
            what = str(args[1])
        else:
            return
        busy.append(True)  # sys._getframe below is audited too
        try:
            caller = sys._getframe(1)
        finally:
            busy.pop()
        if caller.f_code.co_filename == filename:
            on_breach(f"reached for the grader's call stack ({what})")

    sys.addaudithook(hook)


def _watched_modules() -> list[types.ModuleType]:
    names = ["builtins", "math", "json", "os", "numpy", "numpy.linalg", "tensorflow"]
    names += [m for m in sys.modules if m == "autograder" or m.startswith("autograder.")]
    return [sys.modules[m] for m in names if m in sys.modules]


def _functions(module: types.ModuleType) -> dict[str, int]:
    # Everything callable (numpy's own functions, such as np.allclose, are
    # dispatcher objects rather than plain functions) and, in the grader, every
    # value (its tolerances). Never submodules: lazily loaded ones replace
    # themselves on first use, which is not tampering.
    grader = module.__name__.split(".")[0] == "autograder"
    return {
        name: id(value)
        for name, value in list(vars(module).items())
        if not isinstance(value, types.ModuleType) and (grader or callable(value))
    }


class Snapshot:
    """The identity of every watched function, taken before student code runs."""

    def __init__(self) -> None:
        self._before = {m.__name__: _functions(m) for m in _watched_modules()}

    def changes(self) -> list[str]:
        changed = []
        for module in _watched_modules():
            before = self._before.get(module.__name__, {})
            now = _functions(module)
            for name, identity in before.items():
                if now.get(name) != identity:
                    changed.append(f"{module.__name__}.{name}")
        return changed
