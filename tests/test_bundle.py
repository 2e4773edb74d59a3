"""The student bundle: what is in it, what must never be, and the student's own setup and pytest.

The fast tests build the bundle in this process and look inside. The
deployed tests do what a student does with it, exactly as its README says:
unzip it, make a venv in its folder, ``pip install -r
requirements-student.txt``, then run ``pytest`` (and Jupyter's kernel) there.
That venv is built once per test session, in the Keras 3 session only: the
student's requirements install Keras 3 alone.

Lab 2 (custom_layer_activation) has its own bundle. Its requirements are lab
1's, at the same pins, plus scikit-learn (a fast test checks that), so its
deployed tests run after lab 1's in lab 1's venv, once ``pip install -r``
of lab 2's file has added scikit-learn to it (changing nothing lab 1
installed): what a clean install of lab 2's file makes, without installing
TensorFlow a second time.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograder import bundle
from autograder.corpus import answer_source, load_cases
from autograder.lab import load_lab
from deployed import common

ROOT = common.ROOT
LAB = load_lab(common.LAB)
LAB2 = load_lab(common.LAB2)
RELEASE = ROOT / "release" / LAB.name
KIT_REQUIREMENTS = ROOT / "requirements.txt"
PUBLIC = [check.name for check in LAB.checks("public")]
STUDENT_PACKAGES = {"tensorflow-cpu", "tensorflow", "keras", "numpy", "matplotlib", "ipython", "ipykernel", "pytest"}
# Files and folders of the kit that only instructors may have.
INSTRUCTOR_ONLY = ("autograder/batch/", "autograder/cli/", "autograder/nbgrader/", "autograder/gradescope.py",
                   "autograder/report.py", "autograder/bundle.py", "autograder/authoring.py", "autograder/corpus",
                   "autograder/__main__.py", "autograder/isolation/selftest.py", "/corpus/",
                   "autograder/labs/custom_dense_layer/hidden.py", "autograder/labs/custom_dense_layer/notebook.py")
INSTRUCTOR_ONLY2 = INSTRUCTOR_ONLY + tuple(f"autograder/labs/{LAB2.name}/{name}"
                                           for name in ("hidden.py", "notebook.py", "calibrate.py"))
PUBLIC2 = [check.name for check in LAB2.checks("public")]

NO_BIAS = common.reference_class().replace("+ self.bias", "")


def build(tmp_path: Path, release: Path = RELEASE, lab=LAB) -> bundle.Bundle:
    return bundle.build_bundle(tmp_path / "out" / f"{lab.name}.zip", lab, release, KIT_REQUIREMENTS)


def unzip(made: bundle.Bundle, target: Path, lab=LAB) -> Path:
    with zipfile.ZipFile(made.path) as archive:
        archive.extractall(target)
    return target / lab.name


def requirement_pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, rest = line.partition("==")
            assert sep, f"requirements-student.txt: {line!r} is not pinned"
            pins[name.strip().lower()] = rest.split(";")[0].strip()
    return pins


# --------------------------------------------------------------------------- what is in it


def test_bundle_holds_the_students_files_and_no_instructor_code(tmp_path):
    made = build(tmp_path)
    names = [name.removeprefix(f"{LAB.name}/") for name in made.files]
    assert {"README.md", "conftest.py", "pytest.ini", "requirements-student.txt", f"{LAB.name}.ipynb",
            f"test_{LAB.name}.py"} == {n for n in names if "/" not in n}
    assert {"autograder/studentpytest.py", "autograder/selfcheck.py", "autograder/grading.py",
            "autograder/labs/custom_dense_layer/__init__.py", "autograder/labs/custom_dense_layer/public.py",
            "autograder/labs/custom_dense_layer/probes.py", "autograder/isolation/zygote.py",
            "autograder/subject/agent.py"} <= set(names)
    assert not [n for n in names if any(part in f"/{n}" for part in INSTRUCTOR_ONLY)]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    folder = unzip(made, tmp_path / "student")
    readme = (folder / "README.md").read_text()
    assert "pip install -r requirements-student.txt" in readme and f"{LAB.name}.ipynb" in readme
    assert not re.search(r"\{[a-z_]+\}", readme + (folder / "conftest.py").read_text()), "an unfilled placeholder"


def test_student_requirements_are_pinned_to_what_the_kit_is_tested_on_and_lean(tmp_path):
    pins = requirement_pins((unzip(build(tmp_path), tmp_path / "student") / "requirements-student.txt").read_text())
    assert set(pins) == STUDENT_PACKAGES
    kit = requirement_pins("\n".join(line for line in KIT_REQUIREMENTS.read_text().splitlines()
                                     if "==" in line or not line.split("#", 1)[0].strip()))
    kit = {name.split("[")[0]: version for name, version in kit.items()}
    import importlib.metadata

    for name, version in pins.items():
        tested = kit.get(name) or (kit["tensorflow-cpu"] if name == "tensorflow" else importlib.metadata.version(name))
        assert version == tested, f"students get {name}=={version}; the kit is tested on {tested}"


def test_the_bundle_runs_its_own_copy_and_offers_one_test_per_public_check(tmp_path):
    folder = unzip(build(tmp_path), tmp_path / "student")
    env = common.clean_environment()
    # The kit is installed in this venv too: the bundle's own copy must be the one used.
    probe = textwrap.dedent("""
        import autograder, autograder.studentpytest, autograder.labs.custom_dense_layer as lab
        from autograder.lab import HiddenChecksMissing
        print(autograder.__file__)
        try:
            lab.LAB.checks("hidden")
        except HiddenChecksMissing:
            print("no hidden checks")
    """)
    done = subprocess.run([sys.executable, "-c", probe], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(folder / "autograder" / "__init__.py"), "no hidden checks"]
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q"], cwd=folder, env=env,
                               capture_output=True, text=True, timeout=120)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    tests = [line for line in collected.stdout.splitlines() if "::" in line]
    assert tests == [f"test_{LAB.name}.py::test_public_check[{name}]" for name in PUBLIC]


def test_lab2_bundle_holds_its_students_files_and_no_instructor_code(tmp_path):
    made = build(tmp_path, ROOT / "release" / LAB2.name, LAB2)
    names = [name.removeprefix(f"{LAB2.name}/") for name in made.files]
    assert {"README.md", "conftest.py", "pytest.ini", "requirements-student.txt", LAB2.notebook_name,
            f"test_{LAB2.name}.py"} == {n for n in names if "/" not in n}
    # its own public side, and the parts of lab 1 it imports (lab 1's public checks and probes)
    assert {f"autograder/labs/{lab}/{m}.py" for lab in (LAB.name, LAB2.name)
            for m in ("__init__", "public", "probes", "expected")} <= set(names)
    assert not [n for n in names if any(part in f"/{n}" for part in INSTRUCTOR_ONLY2)]
    folder = unzip(made, tmp_path / "student", LAB2)
    assert bundle.find_leaks(folder, LAB2) == []
    # lab 1's pins, unchanged, plus scikit-learn at the kit's pin
    pins = requirement_pins((folder / "requirements-student.txt").read_text())
    first = requirement_pins((unzip(build(tmp_path / "lab1"), tmp_path / "lab1" / "student") /
                              "requirements-student.txt").read_text())
    assert set(pins) == STUDENT_PACKAGES | {"scikit-learn"} and {k: pins[k] for k in first} == first
    assert pins["scikit-learn"] == requirement_pins("\n".join(
        line for line in KIT_REQUIREMENTS.read_text().splitlines() if line.startswith("scikit-learn==")))[
        "scikit-learn"]
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q"], cwd=folder,
                               env=common.clean_environment(), capture_output=True, text=True, timeout=120)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    tests = [line for line in collected.stdout.splitlines() if "::" in line]
    assert tests == [f"test_{LAB2.name}.py::test_public_check[{name}]" for name in PUBLIC2]


# --------------------------------------------------------------------------- what must never be in it


def planted_release(tmp_path: Path, plant) -> Path:
    """A copy of the release with something planted in its notebook (``plant`` edits the notebook's JSON)."""
    release = tmp_path / "release" / LAB.name
    shutil.copytree(RELEASE, release)
    notebook = json.loads((release / LAB.notebook_name).read_text())
    plant(notebook)
    (release / LAB.notebook_name).write_text(json.dumps(notebook))
    return release


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


HIDDEN_NAME = LAB.checks("hidden")[0].name
PLANTS = {
    "hidden check name": (lambda nb: nb["cells"].append(markdown(f"Hint: {HIDDEN_NAME} checks the kernel")),
                          f"reveals a hidden check ('{HIDDEN_NAME}')"),
    "solution block": (lambda nb: nb["cells"].append(markdown(common.reference_class())), "holds solution code"),
    "solution marker": (lambda nb: nb["cells"].append(markdown("### BEGIN SOLUTION\n### END SOLUTION")),
                        "'BEGIN SOLUTION' marker"),
}


@pytest.mark.parametrize("plant", PLANTS)
def test_a_planted_secret_stops_the_build(tmp_path, plant):
    edit, said = PLANTS[plant]
    out = tmp_path / "out.zip"
    with pytest.raises(bundle.BundleError) as raised:
        bundle.build_bundle(out, LAB, planted_release(tmp_path, edit), KIT_REQUIREMENTS)
    assert said in str(raised.value) and "\n" not in str(raised.value)
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_the_cli_refuses_a_leaking_bundle_in_one_line(tmp_path):
    release = planted_release(tmp_path, PLANTS["hidden check name"][0])
    out = tmp_path / "out.zip"
    done = subprocess.run([sys.executable, "-m", "autograder", "student-bundle", LAB.name, str(out),
                           "--release", str(release)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert HIDDEN_NAME in done.stderr and not out.exists()


def test_the_leak_search_finds_hidden_check_code_in_any_file(tmp_path):
    folder = unzip(build(tmp_path), tmp_path / "student")
    assert bundle.find_leaks(folder, LAB) == []
    hidden_source = bundle.module_file(LAB.hidden_checks[0]).read_text().splitlines()
    line = next(text.strip() for text in hidden_source if text.strip().startswith("INITIALIZER_BUILDS"))
    (folder / "notes.txt").write_text(f"copied from the grader: {line}\n")
    assert [leak for leak in bundle.find_leaks(folder, LAB) if leak.startswith("notes.txt:1: reveals a hidden check")]


def test_a_student_module_that_imports_instructor_code_stops_the_build(monkeypatch):
    imports = bundle._imports

    def selfcheck_imports_the_report(module):
        return imports(module) | ({"autograder.report"} if module == "autograder.selfcheck" else set())

    monkeypatch.setattr(bundle, "_imports", selfcheck_imports_the_report)
    with pytest.raises(bundle.BundleError, match=r"instructor-only code: .*autograder\.report"):
        bundle.shipped_modules(LAB)


@pytest.mark.parametrize("problem", ["no release", "out is a folder"])
def test_unusable_input_is_a_one_line_error(tmp_path, problem):
    arguments = [LAB.name, str(tmp_path / "out.zip")]
    if problem == "no release":
        arguments += ["--release", str(tmp_path / "nothing")]
    else:
        arguments[1] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "autograder", "student-bundle", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr


# --------------------------------------------------------------------------- as a student uses it

SKIP_IN_KERAS2_SESSION = pytest.mark.skipif(
    os.environ.get("TF_USE_LEGACY_KERAS") == "1",
    reason="the student's requirements install Keras 3 only; the bundle is installed once per test run, in the "
           "Keras 3 session")


def deployed_test(function):
    return pytest.mark.slow(SKIP_IN_KERAS2_SESSION(function))


@pytest.fixture(scope="module")
def student():
    """The bundle unzipped and set up in a new venv, as its README tells a student."""
    work = common.open_folder("student-bundle-")
    try:
        common.extract(common.make_student_bundle(work / f"{LAB.name}.zip"), work)
        folder = work / LAB.name
        seconds = common.install_student_bundle(folder)
        print(f"student install: pip install -r requirements-student.txt took {seconds:.0f} s; "
              f"the venv holds {common.folder_size(folder / '.venv') / 2**30:.2f} GiB")
        yield folder
    finally:
        common.remove(work)


def hand_in(folder: Path, name: str, notebook: dict) -> None:
    common.write_notebook(folder / name, notebook)


def summary(output: str) -> str:
    return output.strip().splitlines()[-1]


@deployed_test
def test_student_pytest_passes_a_correct_layer(student):
    hand_in(student, LAB.notebook_name, common.with_class(common.reference_class()))
    done = common.run_student(student, "pytest")
    assert done.returncode == 0, done.stdout
    assert f"{len(PUBLIC)} passed" in summary(done.stdout), done.stdout


@deployed_test
def test_student_pytest_explains_a_wrong_layer(student):
    hand_in(student, LAB.notebook_name, common.with_class(NO_BIAS))
    done = common.run_student(student, "pytest")
    assert done.returncode == 1, done.stdout
    assert f"2 failed, {len(PUBLIC) - 2} passed" in summary(done.stdout), done.stdout
    for failed in ("forward_pass", "training_converges"):
        assert f"FAILED test_{LAB.name}.py::test_public_check[{failed}]" in done.stdout
    assert "forward_pass (0/2 points)\nExpected: inputs @ kernel + bias." in done.stdout, done.stdout
    assert "Try: add self.bias" in done.stdout
    # the teaching message, never a traceback through the grader
    assert "Traceback" not in done.stdout and "autograder/" not in done.stdout and ".py:" not in done.stdout.replace(
        f"test_{LAB.name}.py::", "")


@deployed_test
def test_student_pytest_checks_another_notebook(student):
    hand_in(student, LAB.notebook_name, common.released_notebook())
    hand_in(student, "other.ipynb", common.with_class(common.reference_class()))
    stub = common.run_student(student, "pytest")
    assert stub.returncode == 1 and f"{len(PUBLIC)} failed" in summary(stub.stdout), stub.stdout
    other = common.run_student(student, "pytest", "--notebook=other.ipynb")
    assert other.returncode == 0 and f"{len(PUBLIC)} passed" in summary(other.stdout), other.stdout


# Runs a notebook in a Jupyter kernel of the student's venv, as Jupyter does: every code cell in
# order, stopping at the first error. Prints each cell's status.
KERNEL_RUNNER = '''
import json, sys
from jupyter_client.manager import start_new_kernel

notebook = json.load(open(sys.argv[1]))
manager, client = start_new_kernel(kernel_name="python3")
try:
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        outputs = []
        reply = client.execute_interactive(source, timeout=300, output_hook=outputs.append)
        status = reply["content"]["status"]
        print(f"cell {number}: {status}", flush=True)
        if status != "ok":
            print(reply["content"].get("ename"), reply["content"].get("evalue"))
            sys.exit(1)
finally:
    client.stop_channels()
    manager.shutdown_kernel(now=True)
'''


@deployed_test
def test_the_notebook_runs_in_a_jupyter_kernel_of_the_students_venv(student):
    hand_in(student, LAB.notebook_name, common.with_class(common.reference_class()))
    (student / "run_kernel.py").write_text(KERNEL_RUNNER)
    env = common.student_environment(student)
    env["MPLBACKEND"] = "agg"  # no screen here
    done = subprocess.run([str(student / ".venv" / "bin" / "python"), "run_kernel.py", LAB.notebook_name],
                          cwd=student, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=common.RUN_TIMEOUT_S)
    assert done.returncode == 0, done.stdout
    code_cells = [c for c in common.released_notebook()["cells"] if c["cell_type"] == "code"]
    assert done.stdout.count(": ok") == len(code_cells), done.stdout


# --------------------------------------------------------------------------- lab 2, as a student uses it


def freeze(folder: Path) -> dict[str, str]:
    done = common.run_student(folder, str(folder / ".venv" / "bin" / "pip"), "freeze", "--all")
    assert done.returncode == 0, done.stdout
    return dict(line.lower().split("==", 1) for line in done.stdout.splitlines() if "==" in line)


@pytest.fixture(scope="module")
def student2(student):
    """Lab 2's bundle unzipped beside lab 1's and set up with lab 1's venv (after lab 1's tests: they come
    first in this file): `pip install -r requirements-student.txt` of lab 2 must only add to it."""
    work = common.open_folder("student-bundle-lab2-")
    try:
        common.extract(common.make_student_bundle(work / f"{LAB2.name}.zip", LAB2.name), work)
        folder = work / LAB2.name
        (folder / ".venv").symlink_to(student / ".venv", target_is_directory=True)
        before = freeze(folder)
        seconds = common.pip_install_student_requirements(folder)
        after = freeze(folder)
        assert {name: after.get(name) for name in before} == before, "lab 2's requirements changed lab 1's"
        assert "scikit-learn" in set(after) - set(before)
        print(f"lab 2 student install: pip install -r requirements-student.txt in lab 1's venv took {seconds:.0f} s "
              f"and added {sorted(set(after) - set(before))}")
        yield folder
    finally:
        common.remove(work)  # the link only; lab 1's fixture removes its venv


@deployed_test
def test_lab2_student_pytest_passes_the_reference_solution(student2):
    hand_in(student2, LAB2.notebook_name, common.with_class(answer_source(LAB2), lab=LAB2.name))
    done = common.run_student(student2, "pytest")
    assert done.returncode == 0, done.stdout
    assert f"{len(PUBLIC2)} passed" in summary(done.stdout), done.stdout


@deployed_test
def test_lab2_student_pytest_explains_activation_before_bias(student2):
    case = next(c for c in load_cases(LAB2) if c.name == "activation_before_bias")
    hand_in(student2, LAB2.notebook_name, common.with_class(case.cells[0], lab=LAB2.name))
    done = common.run_student(student2, "pytest")
    assert done.returncode == 1, done.stdout
    failed = set(re.findall(rf"^FAILED test_{LAB2.name}\.py::test_public_check\[(\w+)\]", done.stdout, re.M))
    assert f"{len(failed)} failed, {len(PUBLIC2) - len(failed)} passed" in summary(done.stdout), done.stdout
    # the layer's mistake, and only checks of the categories its corpus case may lose
    assert {"activation_by_name", "activation_callable"} <= failed
    categories = {check.name: check.category for check in LAB2.checks("public")}
    assert {categories[name] for name in failed} <= case.lose | case.maybe, failed
    words = " ".join(done.stdout.split())  # messages are wrapped
    assert "activation_by_name (0/2 points) Expected: SimpleDense(units=" in words, done.stdout
    assert "the activation is applied before the bias" in words
    assert "Try: add the bias first, then apply the layer's activation" in words
    assert "Traceback" not in done.stdout and "autograder/" not in done.stdout
