"""Gradescope: the autograder zip, built and run as Gradescope builds and runs it.

Gradescope unzips the autograder into /autograder/source, runs setup.sh there
once (as root) to build the image, then for each submission puts the
student's files in /autograder/submission, runs run_autograder (as root) and
reads /autograder/results/results.json. The deployed tests do exactly that
in a temporary root (AUTOGRADER_ROOT), without apt (SKIP_APT=1): a new venv
holding only gradescope/requirements.txt, and the grader run from the zip's
copy. The venv is built once per test session and used for every
submission; it grades with Keras 3 and with Keras 2 (an --env TF_USE_LEGACY_KERAS=1 zip), so
the Keras 2 session of scripts/test.sh does not build it again.

Lab 2 (custom_layer_activation) has its own zip: its scripts name its lab
(``--lab`` is baked in when the zip is made, not chosen per run). Its image
would hold the same venv, since setup.sh builds the venv from the zip's
requirements.txt alone and both zips carry the same file (a fast test checks
that, and that lab 2's setup.sh is lab 1's but for the lab's name): lab 2's
deployed tests put its zip's source/ beside lab 1's venv instead of
installing TensorFlow a second time.

The fast tests check the pins, the zip and results.json's format in the
kit's own venv.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.errors import InputError

from autograder import gradescope
from autograder.corpus import answer_source
from autograder.isolation import Limits
from autograder.lab import load_lab
from deployed import common

ROOT = common.ROOT
LAB = load_lab(common.LAB)
FULL_MARKS = sum(check.max_points for check in LAB.checks("all"))
LAB2 = load_lab(common.LAB2)
FULL_MARKS2 = sum(check.max_points for check in LAB2.checks("all"))
GRADESCOPE_REQUIREMENTS = ROOT / "gradescope" / "requirements.txt"
KIT_REQUIREMENTS = ROOT / "requirements.txt"

# The memory the README tells instructors to give the autograder on Gradescope: 1 GB for lab 1, and
# 1.5 GB for lab 2, whose reference solution peaked at 1040-1054 MB (PSS, both stacks, measured by
# test_deployed_lab2_reference_solution_gets_full_marks -s).
README_MEMORY_MB = 1024
LAB2_MEMORY_MB = 1536

NO_BIAS = common.reference_class().replace("+ self.bias", "")


def pins(path: Path) -> dict[str, str]:
    """name -> version for every ``name==version`` line (names in PyPI's normal form)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"{path.name}: {line!r} is not pinned with =="
            found[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower().strip()] = version.split(";")[0].strip()
    return found


# --------------------------------------------------------------------------- what the image installs


def test_gradescope_pins_agree_with_the_kit():
    """The image gets the versions the kit is tested on: requirements.txt's pins, else what its tests run with."""
    kit = pins(KIT_REQUIREMENTS)
    for name, version in pins(GRADESCOPE_REQUIREMENTS).items():
        tested = kit.get(name) or importlib.metadata.version(name)
        assert version == tested, f"gradescope/requirements.txt pins {name}=={version}; the kit is tested on {tested}"


def _distribution_closure(requirements: dict[str, str]) -> set[str]:
    """The distributions that installing ``requirements`` brings in (as installed here), in normal form."""
    from packaging.requirements import Requirement

    pending, seen = list(requirements), set()
    while pending:
        name = re.sub(r"[-_.]+", "-", pending.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return seen


def _imported_top_level(source: str) -> set[str]:
    import ast

    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("!", "%")))
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module.split(".")[0])
    return names


def needed_imports(lab=LAB) -> set[str]:
    """Third-party modules that grading imports: the released notebook's, the subject's preload, the judge's."""
    from autograder.isolation.zygote import SUBJECT_MODULES

    names = set()
    for cell in common.released_notebook(lab.name)["cells"]:
        if cell.get("cell_type") == "code":
            names |= _imported_top_level("".join(cell["source"]) if isinstance(cell["source"], list)
                                         else cell["source"])
    names |= {m.split(".")[0] for m in SUBJECT_MODULES + lab.preload}
    names |= {"numpy", "IPython", "matplotlib_inline"}  # the judge's arithmetic; the kernel's shell and plots
    return {n for n in names if n not in sys.stdlib_module_names and n != "autograder"}


def missing_imports(requirements: dict[str, str], lab=LAB) -> set[str]:
    """What grading ``lab`` imports and ``requirements`` would not install."""
    closure = _distribution_closure(requirements)
    providers = importlib.metadata.packages_distributions()
    return {name for name in needed_imports(lab)
            if not {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(name, [])} & closure}


def test_gradescope_requirements_install_what_grading_imports():
    requirements = pins(GRADESCOPE_REQUIREMENTS)
    assert {"tensorflow", "matplotlib", "IPython", "numpy"} <= needed_imports()
    assert missing_imports(requirements) == set()
    # The bug this guards against: without matplotlib, the setup cell fails and every check scores 0.
    assert missing_imports({k: v for k, v in requirements.items() if k != "matplotlib"}) == {"matplotlib"}
    # Lab 2 also needs scikit-learn (its offline digits, preloaded by its subjects).
    assert "sklearn" in needed_imports(LAB2)
    assert missing_imports(requirements, LAB2) == set()
    assert missing_imports({k: v for k, v in requirements.items() if k != "scikit-learn"}, LAB2) == {"sklearn"}


# --------------------------------------------------------------------------- the zip


def test_make_zip_holds_what_gradescope_runs(tmp_path):
    target = gradescope.make_zip(tmp_path / "autograder.zip", LAB)
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "requirements.txt", "autograder/__main__.py",
                "autograder/gradescope.py", "autograder/labs/custom_dense_layer/hidden.py",
                "autograder/labs/custom_dense_layer/notebook.py"} <= names
        for script in ("setup.sh", "run_autograder"):
            assert (archive.getinfo(script).external_attr >> 16) & stat.S_IXUSR, f"{script} is not executable"
            text = archive.read(script).decode()
            assert not re.search(r"@[A-Z_]+@", text), f"{script} has an unfilled placeholder"
            assert "--lab custom_dense_layer" in text
        assert "export" not in archive.read("environment.sh").decode()  # no extra settings by default
        assert archive.read("requirements.txt") == GRADESCOPE_REQUIREMENTS.read_bytes()
        assert not any("__pycache__" in n or "/corpus/" in n for n in names)
    legacy = gradescope.make_zip(tmp_path / "legacy.zip", LAB, {"TF_USE_LEGACY_KERAS": "1"})
    with zipfile.ZipFile(legacy) as archive:
        assert 'export TF_USE_LEGACY_KERAS="${TF_USE_LEGACY_KERAS-1}"' in archive.read("environment.sh").decode()
    with pytest.raises(InputError):
        gradescope.make_zip(tmp_path / "bad.zip", LAB, {"NOT A NAME": "1"})


def test_lab2_zip_is_lab1s_but_for_the_lab(tmp_path):
    """Lab 2's zip grades lab 2 and builds the image lab 1's builds (so its deployed tests reuse that venv)."""
    first = gradescope.make_zip(tmp_path / "lab1.zip", LAB)
    second = gradescope.make_zip(tmp_path / "lab2.zip", LAB2)
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        names = set(two.namelist())
        assert {f"autograder/labs/{LAB2.name}/{m}.py" for m in ("__init__", "hidden", "notebook", "probes",
                                                                "public", "expected")} <= names
        # lab 2 reuses lab 1's checks and probes, so its zip carries them too
        assert {f"autograder/labs/{LAB.name}/{m}.py" for m in ("hidden", "public", "probes")} <= names
        assert not any("__pycache__" in n or "/corpus/" in n for n in names)
        assert two.read("requirements.txt") == one.read("requirements.txt")
        for script in ("setup.sh", "run_autograder"):
            text = two.read(script).decode()
            assert f"--lab {LAB2.name}" in text and f"--lab {LAB.name}" not in text
            assert text == one.read(script).decode().replace(LAB.name, LAB2.name), script


def test_make_zip_to_a_folder_that_cannot_be_written_is_a_one_line_error(tmp_path):
    made = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--lab", LAB.name, "--make-zip",
                           str(tmp_path / "no" / "such" / "folder" / "autograder.zip")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 2, made.stderr
    assert made.stderr.startswith("error: ") and len(made.stderr.strip().splitlines()) == 1, made.stderr


# --------------------------------------------------------------------------- setup.sh's self-test

HIDE_MATPLOTLIB = """
import sys


class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "matplotlib":
            raise ModuleNotFoundError(name)


sys.meta_path.insert(0, Hide())
"""


def self_test(tmp_path: Path, hide_matplotlib: bool = False) -> subprocess.CompletedProcess:
    env = common.clean_environment()  # the kit's venv, on this session's Keras stack:
    env.update({k: v for k, v in os.environ.items() if k == "TF_USE_LEGACY_KERAS"})
    if hide_matplotlib:  # a Python without matplotlib: setup.sh's build before the fix
        (tmp_path / "hide").mkdir()
        (tmp_path / "hide" / "sitecustomize.py").write_text(HIDE_MATPLOTLIB)
        env["PYTHONPATH"] = str(tmp_path / "hide")
    return subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--lab", LAB.name, "--self-test"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_the_self_test_fails_the_build_without_a_library_the_notebook_needs(tmp_path):
    done = self_test(tmp_path, hide_matplotlib=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "self-test FAILED" in done.stdout and "matplotlib.pyplot" in done.stdout, done.stdout


@pytest.mark.slow
def test_the_self_test_passes_where_grading_works(tmp_path):
    done = self_test(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"scores {FULL_MARKS:g}/{FULL_MARKS:g}" in done.stdout


# --------------------------------------------------------------------------- results.json


def test_the_schema_check_catches_what_gradescope_rejects():
    good = {"score": 1.0, "execution_time": 3, "output": "", "stdout_visibility": "hidden",
            "tests": [{"name": "a", "score": 1.0, "max_score": 1.0, "status": "passed", "output": "",
                       "visibility": "visible"}]}
    assert common.gradescope_problems(good) == []
    bad_cases = {
        "no score": lambda r: r.pop("score"),
        "float time": lambda r: r.update(execution_time=2.5),
        "bad visibility": lambda r: r["tests"][0].update(visibility="after_grading"),
        "bad stdout visibility": lambda r: r.update(stdout_visibility="shown"),
        "bad status": lambda r: r["tests"][0].update(status="ok"),
        "no max_score": lambda r: r["tests"][0].pop("max_score"),
        "score over max": lambda r: r["tests"][0].update(score=2.0),
        "score as text": lambda r: r.update(score="1"),
        "typo": lambda r: r.update(stdout_visiblity="hidden"),
        "NaN": lambda r: r.update(score=float("nan")),
    }
    for name, spoil in bad_cases.items():
        results = json.loads(json.dumps(good))
        spoil(results)
        assert common.gradescope_problems(results), f"the schema check let through: {name}"


def layout(tmp_path: Path) -> Path:
    root = tmp_path / "autograder"
    for folder in ("submission", "results", "source"):
        (root / folder).mkdir(parents=True)
    return root


@pytest.mark.parametrize("submission", ["nothing", "not_json", "no_class", "pdf_only"])
def test_no_gradable_notebook_scores_zero_with_a_reason(tmp_path, submission):
    root = layout(tmp_path)
    folder = root / "submission"
    if submission == "not_json":
        (folder / "custom_dense_layer.ipynb").write_text("{ broken")
    elif submission == "no_class":
        notebook = common.released_notebook()
        notebook["cells"] = [c for c in notebook["cells"] if "SimpleDense" not in "".join(c["source"])]
        common.write_notebook(folder / "custom_dense_layer.ipynb", notebook)
    elif submission == "pdf_only":
        (folder / "custom_dense_layer.pdf").write_bytes(b"%PDF-1.4")
    results = gradescope.run_gradescope(root, LAB.name)
    saved = json.loads((root / "results" / "results.json").read_text())
    assert saved == results
    assert common.gradescope_problems(saved) == []
    assert saved["score"] == 0
    expected = {"nothing": "the submission is empty", "not_json": "not a Jupyter notebook",
                "no_class": "no code cell mentions SimpleDense", "pdf_only": "custom_dense_layer.pdf"}[submission]
    assert expected in saved["output"], saved["output"]
    assert str(root) not in json.dumps(saved)  # no grader paths shown to students
    assert all(t["status"] == "failed" for t in saved["tests"])
    assert sum(t["max_score"] for t in saved["tests"]) == FULL_MARKS


def test_results_are_written_even_if_the_grader_cannot_start(tmp_path):
    root = layout(tmp_path)
    shutil.copy(ROOT / "gradescope" / "run_autograder", root / "source" / "run_autograder")
    python = root / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\nexit 3\n")
    python.chmod(0o755)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=root, capture_output=True,
                          text=True, timeout=60, env=common.clean_environment(AUTOGRADER_ROOT=str(root)))
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert common.gradescope_problems(results) == []
    assert results["score"] == 0 and "could not start (exit code 3)" in results["output"]


@pytest.mark.slow
def test_a_wrong_layer_gets_failed_tests_with_teaching_messages(tmp_path):
    root = layout(tmp_path)
    # Gradescope keeps the student's own file name and folders
    common.write_notebook(root / "submission" / "work" / "my_lab.ipynb", common.with_class(NO_BIAS))
    results = gradescope.run_gradescope(root, LAB.name, hidden_visibility="after_due_date")
    assert common.gradescope_problems(results) == []
    assert 0 < results["score"] < FULL_MARKS
    failed = {t["name"].split(" ")[0]: t for t in results["tests"] if t["status"] == "failed"}
    assert {"forward_pass", "training_converges"} <= set(failed)
    assert all(t["score"] == 0 and "Try:" in t["output"] and "Traceback" not in t["output"]
               for t in failed.values())
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_due_date"}


@pytest.mark.slow
def test_an_endless_loop_still_gets_a_result(tmp_path):
    root = layout(tmp_path)
    loop = common.reference_class().replace("def build(self, input_shape):",
                                            "def build(self, input_shape):\n        while True:\n            pass")
    common.write_notebook(root / "submission" / "custom_dense_layer.ipynb", common.with_class(loop))
    results = gradescope.run_gradescope(root, LAB.name, limits=Limits(timeout_s=20.0, cell_timeout_s=2.0,
                                                                      check_timeout_s=2.0, overtime_s=2.0))
    assert common.gradescope_problems(results) == []
    assert results["score"] == 0, results["output"]
    assert all(t["status"] == "failed" for t in results["tests"])


# --------------------------------------------------------------------------- as deployed

# The Keras 3 session builds the image and grades with both stacks; the Keras 2 session of
# scripts/test.sh would only build the same image again.
SKIP_IN_KERAS2_SESSION = pytest.mark.skipif(
    os.environ.get("TF_USE_LEGACY_KERAS") == "1",
    reason="the deployed Gradescope image is built once per test run, in the Keras 3 session, and grades with "
           "both stacks there (an --env TF_USE_LEGACY_KERAS=1 zip)")


def deployed_test(function):
    return pytest.mark.slow(SKIP_IN_KERAS2_SESSION(function))


@pytest.fixture(scope="module")
def deployed():
    """/autograder as Gradescope builds it: the zip in source/, setup.sh run, a new venv."""
    root = common.open_folder("autograder-deployed-")
    try:
        common.build_gradescope(root)
        yield root
    finally:
        common.remove(root)


def grade_as_deployed(root: Path, files: dict, keras_stack: str | None = None, measure: bool = False):
    common.submit(root, files)
    run = common.run_autograder(root, keras_stack, measure)
    assert run.returncode == 0, run.output
    assert run.results is not None, f"no results.json:\n{run.output}"
    assert common.gradescope_problems(run.results) == [], run.results
    return run


@deployed_test
@pytest.mark.parametrize("stack", ["keras3", "legacy"])
def test_deployed_reference_solution_gets_full_marks(deployed, stack):
    run = grade_as_deployed(deployed, {"custom_dense_layer.ipynb": common.with_class(common.reference_class())},
                            keras_stack=stack, measure=True)
    results = run.results
    assert results["score"] == FULL_MARKS, results["output"]
    assert all(t["status"] == "passed" for t in results["tests"]) and len(results["tests"]) == len(LAB.checks())
    assert results["extra_data"]["environment"]["keras"].startswith("3." if stack == "keras3" else "2.")
    # What the README asks instructors to give the autograder (Gradescope's default, 768 MB, is too little).
    print(f"peak memory of run_autograder's process tree ({stack}): {run.peaks} (MB)")
    assert run.peaks["pss"] < README_MEMORY_MB, f"grading now needs {run.peaks['pss']} MB: update the README"


@deployed_test
def test_deployed_released_stub_scores_zero(deployed):
    results = grade_as_deployed(deployed, {"custom_dense_layer.ipynb": common.released_notebook()}).results
    assert results["score"] == 0
    assert "NotImplementedError" in results["output"] and "Traceback" not in json.dumps(results)


@deployed_test
def test_deployed_empty_submission_scores_zero_with_a_reason(deployed):
    results = grade_as_deployed(deployed, {}).results
    assert results["score"] == 0
    assert "no Jupyter notebook (.ipynb) was submitted (the submission is empty)" in results["output"]
    assert "Submit custom_dense_layer.ipynb" in results["output"]


@deployed_test
def test_deployed_non_notebook_scores_zero_with_a_reason(deployed):
    results = grade_as_deployed(deployed, {"custom_dense_layer.py": common.reference_class()}).results
    assert results["score"] == 0
    assert "no Jupyter notebook (.ipynb) was submitted (found: custom_dense_layer.py)" in results["output"]


@deployed_test
def test_deployed_grades_the_notebook_named_for_the_lab(deployed):
    results = grade_as_deployed(deployed, {
        "custom_dense_layer.ipynb": common.with_class(common.reference_class()),
        "Untitled.ipynb": common.released_notebook(),
    }).results
    assert results["score"] == FULL_MARKS, results["output"]
    assert "also handed in, not graded: Untitled.ipynb" in results["output"]


# A student who reaches for the grader's files: the hidden checks, and the notebook generator
# that holds the solution (which it runs, if it can read it, in place of its unfinished class).
THIEF = '''
import ast, pathlib, textwrap
kit = pathlib.Path({kit!r})
found = {{}}
for name in ("hidden.py", "notebook.py"):
    try:
        found[name] = (kit / name).read_text()
    except Exception as error:
        found[name] = type(error).__name__
if "class SimpleDense" in found["notebook.py"]:
    for node in ast.walk(ast.parse(found["notebook.py"])):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "class SimpleDense" in node.value:
            exec(textwrap.dedent(node.value), globals())
print(found["hidden.py"])
# on one line, so that a report of the error shows all of it
raise RuntimeError("read " + "; ".join(f"{{name}}: {{' | '.join(text.splitlines())}}" for name, text in found.items()))
'''


@deployed_test
def test_deployed_submission_cannot_read_the_grader(deployed):
    kit = deployed / "source" / "autograder" / "labs" / "custom_dense_layer"
    notebook = common.with_cell_after_entry(common.released_notebook(), THIEF.format(kit=str(kit)))
    results = grade_as_deployed(deployed, {"custom_dense_layer.ipynb": notebook}).results
    # Both reads were refused (not merely missed: the paths are right), and the stub earns its 0.
    assert "read hidden.py: PermissionError; notebook.py: PermissionError" in results["output"], results["output"]
    assert results["score"] == 0, results["output"]
    text = json.dumps(results)
    hidden = (kit / "hidden.py").read_text().splitlines()
    secret_lines = [hidden[0].strip('" ')] + [line.strip() for line in hidden
                                              if re.match(r"\s*(def |@REGISTRY|[A-Z_]{4,} = |from |import )", line)]
    assert len(secret_lines) > 10
    assert not [line for line in secret_lines if line in text]


# --------------------------------------------------------------------------- lab 2, as deployed


@pytest.fixture(scope="module")
def deployed2(deployed):
    """Lab 2's /autograder: its own zip in source/, lab 1's venv (the same requirements.txt builds it),
    and what setup.sh does after the venv: the source readable by root only. (Its self-test, which grades
    the lab's solution, is what the full-marks test below does with run_autograder.)"""
    root = common.open_folder("autograder-deployed-lab2-")
    try:
        common.extract(common.make_gradescope_zip(root / "autograder.zip", lab=LAB2.name), root / "source")
        (root / "venv").symlink_to(deployed / "venv", target_is_directory=True)
        subprocess.run(["chmod", "-R", "go-rwx", str(root / "source")], check=True, timeout=60)
        yield root
    finally:
        common.remove(root)  # rm -rf removes the link, not lab 1's venv


@deployed_test
@pytest.mark.parametrize("stack", ["keras3", "legacy"])
def test_deployed_lab2_reference_solution_gets_full_marks(deployed2, stack):
    notebook = common.with_class(answer_source(LAB2), lab=LAB2.name)
    run = grade_as_deployed(deployed2, {LAB2.notebook_name: notebook}, keras_stack=stack, measure=True)
    results = run.results
    assert results["score"] == FULL_MARKS2 == 28, results["output"]
    assert [t["name"].split(" ")[0] for t in results["tests"]] == [c.name for c in LAB2.checks("all")]
    assert all(t["status"] == "passed" for t in results["tests"]), results["output"]
    assert results["extra_data"]["environment"]["keras"].startswith("3." if stack == "keras3" else "2.")
    print(f"peak memory of run_autograder's process tree, lab 2 ({stack}): {run.peaks} (MB)")
    assert run.peaks["pss"] < LAB2_MEMORY_MB, f"grading lab 2 needs {run.peaks['pss']} MB: update the README"


@deployed_test
def test_deployed_lab2_released_stub_scores_zero(deployed2):
    results = grade_as_deployed(deployed2, {LAB2.notebook_name: common.released_notebook(LAB2.name)}).results
    assert results["score"] == 0 and len(results["tests"]) == len(LAB2.checks("all"))
    assert sum(t["max_score"] for t in results["tests"]) == FULL_MARKS2
    assert all(t["status"] == "failed" and t["output"] for t in results["tests"])
    assert "NotImplementedError" in results["output"] and "Traceback" not in json.dumps(results)
