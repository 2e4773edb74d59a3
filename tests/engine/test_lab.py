"""A lab is a value the engine is handed; the engine names none."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.lab import HiddenChecksMissing, LabError, installed_labs, load_lab

ENGINE = Path(__file__).resolve().parents[2] / "autograder"


def test_installed_labs_are_found_and_unknown_names_refused():
    assert "custom_dense_layer" in installed_labs()
    for name in ("no_such_lab", "../evil", "os", "custom_dense_layer.public"):
        with pytest.raises(LabError, match="no lab named"):
            load_lab(name)


def test_a_lab_without_its_hidden_checks_refuses_to_grade_all(toy, monkeypatch):
    assert [c.name for c in toy.checks("public")] == ["is_a_function", "adds_numbers"]
    monkeypatch.setattr(type(toy), "has_hidden_checks", lambda self: False)
    with pytest.raises(HiddenChecksMissing):
        toy.checks("all")


def code_words(path: Path) -> set[str]:
    """The names and string literals of a module's code (its docstrings and comments aside)."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    words = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.update(node.value.replace("/", " ").replace(".", " ").split())
    return words


def test_no_engine_module_names_a_lab():
    """Everything lab-specific lives in autograder/labs/: the engine's code names no lab, no entry
    and no library of a lab (its docstrings may give one as an example)."""
    lab_words = {"SimpleDense", "tensorflow", "keras", "tf_keras", "Keras"} | set(installed_labs())
    for name in installed_labs():
        lab_words.add(load_lab(name).entry)
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        if "labs" in path.relative_to(ENGINE).parts:
            continue
        offenders += [f"{path.relative_to(ENGINE)}: {word}" for word in sorted(code_words(path) & lab_words)]
    # The one exception: grades.csv keeps its "keras" column (the column set stays stable), filled
    # from whatever environment the lab's subject reports.
    assert set(offenders) <= {"batch/store.py: keras", "results.py: keras"}, offenders


def test_grading_the_toy_lab_never_imports_tensorflow(tmp_path):
    """The judge imports no lab library: the toy lab grades in a process that never loads TensorFlow."""
    script = (
        "import sys, json; sys.path.insert(0, 'tests')\n"
        "from conftest import notebook_bytes\n"
        "from toy_lab import LAB\n"
        "from autograder.grading import grade_notebook\n"
        "grade = grade_notebook(notebook_bytes('def add(a, b):\\n    return a + b'), LAB)\n"
        "print(json.dumps([grade.score, grade.max_score, 'tensorflow' in sys.modules, 'keras' in sys.modules]))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            cwd=ENGINE.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[4.0, 4.0, false, false]"
