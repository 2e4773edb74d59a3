"""nbgrader's Validate button on the released notebook, called as the Jupyter server extension calls it.

The extension (nbgrader/server_extensions/validate_assignment/handlers.py)
loads the nbgrader configuration found from the server's working directory,
builds ``Validator(config=config)`` and returns ``{"success", "value"}`` to
the page. Here that same handler code runs on a student's copy of the
released notebook:

* a correct solution, from a server started in the student's home (no course
  configuration: nbgrader's defaults, 30 s per cell): success, every cell ran,
  none hit the time limit;
* the untouched stub, from a server started in a course folder (the kit's
  nbgrader_config.py is loaded): it fails, listing each public test cell with
  its teaching message, not a traceback through the grader.

Both for each lab of the course. Lab 2's kernel runs offline (downloads
refused, no Keras cache): its notebook trains on scikit-learn's digits, as
where nothing can be downloaded.
"""
from __future__ import annotations

import logging
import pathlib
import shutil

import nbformat
import pytest

from autograder.lab import load_lab

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENTS = ["custom_dense_layer", "custom_layer_activation"]
PUBLIC = {name: [c.name for c in load_lab(name).checks("public")] for name in ASSIGNMENTS}
REFUSE = "http://127.0.0.1:9"  # a proxy on a closed local port: every download fails at once


def solution_code(assignment: str) -> str:
    source = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in source.cells if c.get("id") == "simple_dense")
    return "\n".join(line for line in cell.source.splitlines() if "### " not in line)


def timed_out(nb) -> list[str]:
    """The cells that Execute stopped at its time limit (nbgrader's CellTimeoutError output)."""
    return [cell.get("id", str(i)) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            and any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))]


class Server:
    """What the handler reads of itself: the server's root folder and a log; its own two methods."""

    def __init__(self, root_dir: pathlib.Path):
        from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler

        self.root_dir = str(root_dir)
        self.log = logging.getLogger("validate")
        self._handler = ValidateAssignmentHandler

    def load_config(self):
        return self._handler.load_config(self)

    def validate(self, path: str) -> dict:
        return self._handler.validate_notebook(self, path)


@pytest.fixture
def executed(monkeypatch):
    """The notebooks as the Validator's kernel left them (what it judged), in order."""
    from nbgrader.validator import Validator

    seen = []
    original = Validator._preprocess

    def keep(self, nb):
        nb = original(self, nb)
        seen.append(nb)
        return nb

    monkeypatch.setattr(Validator, "_preprocess", keep)
    return seen


@pytest.fixture
def home(tmp_path, monkeypatch, assignment):
    """A student's home with the released notebook, and a kernel that can import the kit (offline)."""
    folder = tmp_path / "home" / assignment
    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "release" / assignment / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    for variable in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(variable, REFUSE)
    for variable in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))  # no MNIST cached from another run
    return tmp_path / "home"


@pytest.mark.nbgrader
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validate_a_correct_notebook(home, executed, monkeypatch, assignment):
    notebook = f"{assignment}.ipynb"
    nb = nbformat.read(home / assignment / notebook, as_version=4)
    next(c for c in nb.cells if c.get("id") == "simple_dense").source = solution_code(assignment)
    nbformat.write(nb, str(home / assignment / "mine.ipynb"))
    monkeypatch.chdir(home)
    server = Server(home)
    assert "timeout" not in server.load_config().get("Execute", {}), "expected nbgrader's default time limit"

    result = server.validate(f"{assignment}/mine.ipynb")

    assert result == {"success": True, "value": {}}
    [ran] = executed
    assert timed_out(ran) == []
    for cell in ran.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, f"cell {cell.get('id')} did not run"
            assert not [o for o in cell.outputs if o.output_type == "error"], f"cell {cell.get('id')} failed"


@pytest.mark.nbgrader
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validate_the_stub_lists_failing_cells_with_teaching_messages(home, executed, tmp_path, monkeypatch,
                                                                     assignment):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    monkeypatch.chdir(course)
    server = Server(home)
    assert server.load_config().Execute.timeout == 60, "the kit's configuration did not load"

    result = server.validate(f"{assignment}/{assignment}.ipynb")

    assert result["success"] is True, result
    failed = result["value"]["failed"]
    public = PUBLIC[assignment]
    assert [next(n for n in public if f'run_check("{n}"' in f["source"]) for f in failed] == public
    for cell in failed:
        error = cell["raw_error"]
        assert error.startswith("CheckNotPassed: ") and "did not pass." in error.splitlines()[0]
        for label in ("Expected: ", "Found: ", "Try: "):
            assert f"\n{label}" in error, error
        for leak in ("Traceback", "File ", "site-packages", "autograder/"):
            assert leak not in error, error
    assert timed_out(executed[0]) == []


def test_timed_out_finds_a_cell_stopped_by_the_time_limit():
    """The helper above does see a time-out (as nbgrader's Execute records one)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("fit()", id="train"),
                                         nbformat.v4.new_code_cell("x = 1", id="other")])
    nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    assert timed_out(nb) == ["train"]
