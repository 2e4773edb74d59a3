"""Students check themselves, in the notebook and with pytest, with the grade's own verdict.

Three ways a student sees the public checks, and the grader's, must agree on
every public check of every submission:

- the notebook's ``self_check(SimpleDense)``, run in-process here for every
  case and, for a few, for real in a Jupyter kernel (nbclient);
- ``pytest`` beside the notebook (``test_custom_dense_layer.py``), as a
  subprocess, the way a student runs it;
- ``grade_notebook(..., "all")``, filtered to the public checks.

The student bundle (``python -m autograder student-bundle``) is checked for
what it must not hold (hidden checks, solution code) and for working on its
own: unzipped outside the repository, with a Python that cannot see the
repository's ``autograder``.
"""
from __future__ import annotations

import json
import linecache
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder import checks as registry  # noqa: E402
from autograder import integrity  # noqa: E402
from autograder.grading import grade_notebook  # noqa: E402
from autograder.selfcheck import HIDDEN_NOTE, SelfCheckReport, run_self_check, self_check  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "custom_dense_layer"
SOURCE_DIR = ROOT / "source" / ASSIGNMENT
RELEASE_DIR = ROOT / "release" / ASSIGNMENT
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
TEST_FILE = f"test_{ASSIGNMENT}.py"
OWN_CASES = Path(__file__).resolve().parent / "selfcheck_cases"

PUBLIC = [c.name for c in registry.select("public")]
HIDDEN_NAMES = ("kernel_initializer", "gradients_reach_weights", "learns_other_lines")
KERAS3 = os.environ.get("TF_USE_LEGACY_KERAS", "").lower() not in ("1", "true", "yes")

pytestmark = pytest.mark.skipif(not (RELEASE_DIR / NOTEBOOK).is_file() or not (SOURCE_DIR / NOTEBOOK).is_file(),
                                reason="needs source/ and release/ notebooks")


# --- submissions ---------------------------------------------------------------------

def class_cell(notebook: Path) -> str:
    nb = nbformat.read(str(notebook), as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code" and "class SimpleDense" in c.source)


def notebook_with_class(class_source: str, path: Path) -> Path:
    """The released notebook with ``class_source`` in place of its class cell."""
    nb = nbformat.read(str(RELEASE_DIR / NOTEBOOK), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "class SimpleDense" in cell.source:
            cell.source = class_source
    nbformat.write(nb, str(path))
    return path


# Cases whose code could harm the process that runs it unguarded (exit it,
# exhaust its memory, loop for ever, rewrite its modules) are only run
# sandboxed: by pytest and by the grader, never in-process.
_DANGEROUS = re.compile(
    r"_exit|sys\.exit|while True|bytearray|sys\.modules|setattr|os\.write|__traceback__|tb_frame|f_back"
    r"|stderr|print\(|\.append\(|signal|kill|fork|allclose|getattr\(|\b1e9\b|10 ?\*\* ?\d")


class Case:
    def __init__(self, name: str, source: str, sandbox_only: bool = False):
        self.name, self.source, self.sandbox_only = name, source, sandbox_only

    @property
    def in_process(self) -> bool:
        """Safe to define and self-check in this process."""
        if self.sandbox_only:
            return False
        import ast

        try:
            tree = ast.parse(self.source)
        except SyntaxError:
            return False  # a student would see the SyntaxError in the class cell itself
        only_definitions = all(isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef, ast.FunctionDef))
                               for node in tree.body)
        if integrity.scan(self.source) and only_definitions:
            return True  # the self-check's own scan stops it before any of its methods run
        return not _DANGEROUS.search(self.source)

    def __repr__(self) -> str:
        return self.name


def own_cases() -> list[Case]:
    cases = [Case("release_stub", class_cell(RELEASE_DIR / NOTEBOOK)),
             Case("solution", class_cell(SOURCE_DIR / NOTEBOOK))]
    cases += [Case(p.stem, p.read_text(encoding="utf-8")) for p in sorted(OWN_CASES.glob("*.py"))]
    return cases


def corpus_cases() -> list[Case]:
    """tests/corpus/ (when present), less the cases about the sandbox's limits."""
    try:
        import corpus_tools
    except ImportError:
        return []
    cases = []
    for case in corpus_tools.load_cases():
        if not case.runs_on(KERAS3) or case.limits or case.error:
            continue  # limit cases test the sandbox's limits, which pytest and grading share
        source = class_cell(RELEASE_DIR / NOTEBOOK) if case.release_stub else case.source
        cases.append(Case(f"corpus_{case.name}", source, sandbox_only=case.name.startswith("tamper_")))
    return cases


def define_class(case: Case):
    """Run the case's class cell here, as a kernel would (its source kept for tracebacks)."""
    import numpy as np
    import tensorflow as tf

    filename = f"<selfcheck-case-{case.name}>"
    linecache.cache[filename] = (len(case.source), None, case.source.splitlines(True), filename)
    namespace = {"tf": tf, "np": np, "__name__": "__main__"}
    exec(compile(case.source, filename, "exec"), namespace)
    return namespace["SimpleDense"]


def public_verdicts(grade) -> dict[str, bool]:
    return {c.name: c.passed for c in grade.checks if c.visibility == "public"}


# --- the student's pytest, as a subprocess -----------------------------------------------

@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    """release/custom_dense_layer, or (until it is regenerated with the current pytest file)
    the released notebook plus the source's pytest file, as generate_assignment lays them out."""
    released = RELEASE_DIR / TEST_FILE
    if released.is_file() and released.read_bytes() == (SOURCE_DIR / TEST_FILE).read_bytes():
        return RELEASE_DIR
    folder = tmp_path_factory.mktemp("release") / ASSIGNMENT
    folder.mkdir()
    shutil.copy2(RELEASE_DIR / NOTEBOOK, folder / NOTEBOOK)
    shutil.copy2(SOURCE_DIR / TEST_FILE, folder / TEST_FILE)
    return folder


def student_env(**extra) -> dict:
    env = dict(os.environ)
    env.pop("AUTOGRADER_NOTEBOOK", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in source/ or release/
    env.update(extra)
    return env


def run_student_pytest(target: Path, *args: str, python: str = sys.executable, cwd: Path | None = None,
                       env: dict | None = None, timeout: float = 600):
    """``python -m pytest TARGET``: (exit code, output, {test id: passed})."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        started = time.monotonic()
        process = subprocess.run(
            [python, "-m", "pytest", str(target), "-p", "no:cacheprovider", f"--junitxml={report}", *args],
            cwd=cwd or scratch, env=env or student_env(), capture_output=True, text=True, timeout=timeout)
        seconds = time.monotonic() - started
        outcomes = {}
        if report.exists():
            for case in ElementTree.parse(report).iter("testcase"):
                match = re.search(r"\[(.*)\]$", case.get("name", ""))
                failed = case.find("failure") is not None or case.find("error") is not None
                outcomes[match.group(1) if match else case.get("name")] = not failed
    return process.returncode, process.stdout + process.stderr, outcomes, seconds


def assert_no_traceback(output: str) -> None:
    assert "Traceback" not in output, output
    assert not re.search(r"^E\s", output, re.M), output  # pytest's assertion-explanation lines
    assert "pytest.fail(" not in output and "def test_public_check" not in output, output


# --- the in-notebook self-check ------------------------------------------------------------

def test_stub_fails_with_a_helpful_first_message():
    report = run_self_check(define_class(own_cases()[0]))
    assert not report.passed
    first = report.failed[0]
    assert first.name == PUBLIC[0] == "layer_builds"
    assert "NotImplementedError" in first.message and "Try:" in first.message
    text = report.text()
    assert f"0 of {len(PUBLIC)} public checks passed" in text
    assert "Start with layer_builds" in text
    # One explanation, then "same problem" instead of the same paragraph six times.
    assert text.count("NotImplementedError (the unfinished stub)") <= 2
    assert "same problem as layer_builds" in text
    assert HIDDEN_NOTE in text and "Traceback" not in text


def test_solution_passes_and_says_more_checks_come():
    report = run_self_check(define_class(own_cases()[1]))
    assert report.passed, report.text()
    text = report.text()
    assert f"{len(PUBLIC)} of {len(PUBLIC)} public checks passed" in text
    assert "More checks run when your work is graded" in text
    for boast in ("all tests passed", "all checks passed", "all passed"):
        assert boast not in text.lower()
    assert "FAIL" not in text


def test_half_done_notebook_fails_only_what_is_unfinished():
    case = next(c for c in own_cases() if c.name == "half_done_call")
    report = run_self_check(define_class(case))
    failed = {r.name for r in report.failed}
    assert failed == {"forward_pass", "training_converges"}, report.text()
    assert all("NotImplementedError" in r.message for r in report.failed)


def test_integrity_finding_gives_the_graders_zero():
    case = next(c for c in own_cases() if c.name == "import_gc_in_build")
    report = run_self_check(define_class(case))
    assert not any(r.passed for r in report.results)
    assert "imports gc" in report.results[0].message and "zero" in report.results[0].message


def test_self_check_prints_to_stdout_only(capfd):
    classes = [define_class(case) for case in own_cases()[:3]]
    capfd.readouterr()  # TensorFlow's own start-up lines (the notebook's setup cell shows those)
    for layer_class in classes:
        self_check(layer_class)
    out, err = capfd.readouterr()
    assert "public checks passed" in out
    assert err == ""


def test_html_report_escapes_and_keeps_the_same_content():
    case = next(c for c in own_cases() if c.name == "units_not_stored")
    report = run_self_check(define_class(case))
    page = report._repr_html_()
    assert page.count("<tr>") == len(PUBLIC) + 1
    assert "<table>" in page and "&#10007; fail" in page
    assert HIDDEN_NOTE in page
    assert repr(report) == report.text() == str(report)
    from autograder.results import CheckResult

    odd = CheckResult("layer_builds", "construction", False, 1.0, "Expected <b>x</b>. Found <script>. Try: y.")
    page = SelfCheckReport([odd], report.keras)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_self_check_in_a_real_kernel_agrees_with_the_grade(tmp_path):
    """stub -> half done -> wrong -> right, in one Jupyter session, as a student works."""
    from nbclient import NotebookClient

    names = ["release_stub", "half_done_call", "corpus_call_without_bias", "solution"]
    every = {c.name: c for c in own_cases() + corpus_cases()}
    cases = [every[n] for n in names if n in every]
    released = nbformat.read(str(RELEASE_DIR / NOTEBOOK), as_version=4)
    setup = next(c for c in released.cells if c.cell_type == "code" and "from autograder import" in c.source)
    check_cell = next(c for c in released.cells if c.cell_type == "code" and "self_check(SimpleDense)" in c.source)
    nb = nbformat.v4.new_notebook(metadata=released.metadata)
    nb.cells.append(setup)
    for case in cases:
        nb.cells += [new_code_cell(case.source), new_code_cell(check_cell.source),
                     new_code_cell("import json\nprint(json.dumps(report.verdicts()))")]
    started = time.monotonic()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    print(f"kernel: {len(cases)} cases in {time.monotonic() - started:.1f} s")
    for index, case in enumerate(cases):
        class_out, check_out, json_out = (nb.cells[1 + 3 * index + k].outputs for k in range(3))
        assert not [o for o in class_out + check_out if o.output_type == "error"], case
        assert not [o for o in check_out if o.output_type == "stream" and o.name == "stderr"], case
        shown = [o for o in check_out if o.output_type in ("display_data", "execute_result")]
        assert len(shown) == 1, f"{case}: the report must show once, not {len(shown)} times"
        assert {"text/plain", "text/html"} <= set(shown[0].data)
        assert "public checks passed" in shown[0].data["text/plain"]
        in_kernel = json.loads("".join(o.text for o in json_out if o.output_type == "stream"))
        graded = public_verdicts(grade_notebook(notebook_with_class(case.source, tmp_path / f"{case}.ipynb"), "all"))
        assert in_kernel == graded, case


# --- the student's pytest -------------------------------------------------------------------

def test_student_pytest_passes_the_solution(release_dir, tmp_path):
    solution = notebook_with_class(class_cell(SOURCE_DIR / NOTEBOOK), tmp_path / "solution.ipynb")
    code, output, outcomes, seconds = run_student_pytest(release_dir, env=student_env(AUTOGRADER_NOTEBOOK=str(solution)))
    print(f"student pytest on the solution: {seconds:.1f} s")
    assert code == 0, output
    assert outcomes == {name: True for name in PUBLIC}, output  # one test per public check, ids = names
    assert f"{len(PUBLIC)} passed" in output


def test_student_pytest_fails_a_wrong_submission_with_the_teaching_message(release_dir, tmp_path):
    case = next(c for c in own_cases() if c.name == "half_done_bias")
    wrong = notebook_with_class(case.source, tmp_path / "wrong.ipynb")
    code, output, outcomes, _ = run_student_pytest(release_dir, env=student_env(AUTOGRADER_NOTEBOOK=str(wrong)))
    assert code == 1, output
    grade = grade_notebook(wrong, "public")
    for check in grade.checks:
        assert outcomes[check.name] == check.passed, output
        if not check.passed:
            assert check.message in " ".join(output.split()), (check.name, output)
    assert_no_traceback(output)


def test_student_pytest_on_the_released_stub_runs_in_its_folder(release_dir, tmp_path):
    """``cd release/custom_dense_layer && pytest``: the stub beside the file, graded by default."""
    code, output, outcomes, _ = run_student_pytest(Path("."), cwd=release_dir)
    assert code == 1, output
    assert set(outcomes) == set(PUBLIC) and not any(outcomes.values()), output
    assert "NotImplementedError" in output
    assert_no_traceback(output)


def test_student_pytest_reports_a_missing_notebook_in_one_line(release_dir, tmp_path):
    code, output, outcomes, _ = run_student_pytest(
        release_dir, env=student_env(AUTOGRADER_NOTEBOOK=str(tmp_path / "nowhere.ipynb")))
    assert code == 1 and not any(outcomes.values()), output
    assert "no such file" in output
    assert_no_traceback(output)


def test_repository_pytest_does_not_collect_the_student_file():
    """The kit's own ``pytest`` looks in tests/ only, never at the student file in source/ or release/."""
    tomllib = pytest.importorskip("tomllib")
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests"]
    assert not (ROOT / "conftest.py").exists() and not (ROOT / "pytest.ini").exists()
    assert not list((ROOT / "tests").rglob(TEST_FILE))


# --- the same verdict everywhere ----------------------------------------------------------------

def test_self_check_pytest_and_grade_agree_on_every_public_check(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    cases = own_cases() + corpus_cases()
    notebooks = {c.name: notebook_with_class(c.source, tmp_path / f"{c.name}.ipynb") for c in cases}
    folder = tmp_path / "student"
    folder.mkdir()
    shutil.copy2(SOURCE_DIR / TEST_FILE, folder / TEST_FILE)
    report = tmp_path / "junit.xml"
    # The student's pytest grades every notebook in one run (one id per notebook and
    # check), in the background while this process runs the self-checks.
    env = student_env(AUTOGRADER_NOTEBOOK=os.pathsep.join(str(p) for p in notebooks.values()))
    started = time.monotonic()
    student = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        in_notebook = {c.name: run_self_check(define_class(c)).verdicts() for c in cases if c.in_process}
        output, _ = student.communicate(timeout=900)
    finally:
        student.kill()
    print(f"self-checks and student pytest on {len(cases)} notebooks: {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:  # a zygote per thread: two submissions at a time
        graded = dict(zip(notebooks, pool.map(lambda nb: public_verdicts(grade_notebook(nb, "all")),
                                              notebooks.values())))
    print(f"grading {len(cases)} notebooks: {time.monotonic() - started:.1f} s")
    outcomes = {}
    for testcase in ElementTree.parse(report).iter("testcase"):
        notebook_id = re.search(r"\[(.*)\]$", testcase.get("name")).group(1)
        outcomes[notebook_id] = testcase.find("failure") is None and testcase.find("error") is None
    assert len(outcomes) == len(cases) * len(PUBLIC), output[-3000:]
    disagreements = []
    for case in cases:
        assert list(graded[case.name]) == PUBLIC
        from_pytest = {name: outcomes[f"{case.name}/{name}"] for name in PUBLIC}
        if from_pytest != graded[case.name]:
            disagreements.append(f"{case}: pytest {from_pytest} != grade {graded[case.name]}")
        if case.name in in_notebook and in_notebook[case.name] != graded[case.name]:
            disagreements.append(f"{case}: self-check {in_notebook[case.name]} != grade {graded[case.name]}")
    assert not disagreements, "\n".join(disagreements)
    assert len(in_notebook) >= len(own_cases())
    # Both verdicts occur: the comparison is not between all-passes.
    assert any(all(g.values()) for g in graded.values()) and any(not any(g.values()) for g in graded.values())


def test_portable_sandbox_for_macos_and_windows_agrees_with_the_grade(tmp_path):
    """Where the zygote cannot run, the student's pytest grades in a fresh Python per notebook."""
    every = {c.name: c for c in own_cases() + corpus_cases()}
    names = ["solution", "half_done_call", "corpus_os_exit_in_build"]
    cases = [every[n] for n in names if n in every]
    notebooks = [notebook_with_class(c.source, tmp_path / f"{c.name}.ipynb") for c in cases]
    env = student_env(AUTOGRADER_PORTABLE="1", AUTOGRADER_NOTEBOOK=os.pathsep.join(map(str, notebooks)))
    folder = tmp_path / "student"
    folder.mkdir()
    shutil.copy2(SOURCE_DIR / TEST_FILE, folder / TEST_FILE)
    code, output, outcomes, seconds = run_student_pytest(folder, env=env)
    print(f"portable sandbox, {len(cases)} notebooks: {seconds:.1f} s")
    for case, notebook in zip(cases, notebooks):
        graded = public_verdicts(grade_notebook(notebook, "all"))
        assert {n: outcomes[f"{case.name}/{n}"] for n in PUBLIC} == graded, (case, output[-3000:])
    assert_no_traceback(output)


# --- the student bundle ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def bundle_zip(release_dir, tmp_path_factory) -> Path:
    """The student zip, made from the release without the leak search (tested on its own below)."""
    from autograder.bundle import build_bundle

    out = tmp_path_factory.mktemp("bundle") / "student.zip"
    build_bundle(out, release_dir, SOURCE_DIR, check=False)
    return out


@pytest.fixture(scope="session")
def isolated_python(tmp_path_factory) -> str:
    """A Python with the repository's dependencies but not its ``autograder`` (no editable install)."""
    import sysconfig

    venv = tmp_path_factory.mktemp("isolated") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # A path line, not the site directory itself: its .pth files (the editable install) stay unread.
    Path(site, "kit-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run([str(python), "-c", "import autograder"], cwd=tempfile.gettempdir(),
                           capture_output=True, text=True, env=student_env(PYTHONPATH=""))
    assert probe.returncode != 0, "the isolated Python can still import the repository's autograder"
    return str(python)


def test_bundle_holds_what_a_student_needs_and_no_hidden_check(bundle_zip):
    with zipfile.ZipFile(bundle_zip) as archive:
        names = set(archive.namelist())
        texts = {n: archive.read(n).decode("utf-8", "replace") for n in names}
    top = f"{ASSIGNMENT}/"
    for needed in (NOTEBOOK, TEST_FILE, "requirements-student.txt", "conftest.py", "pytest.ini", "README.md",
                   "autograder/__init__.py", "autograder/selfcheck.py", "autograder/checks/public.py",
                   "autograder/grading.py", "autograder/zygote.py"):
        assert top + needed in names
    assert not [n for n in names if n.endswith("hidden.py") or "__pycache__" in n or not n.startswith(top)]
    requirements = texts[top + "requirements-student.txt"]
    for package in ("tensorflow", "numpy", "pytest", "rich", "jupyter", "matplotlib"):
        assert re.search(rf"^{package}\b", requirements, re.M), package
    solution_lines = ["self.kernel = self.add_weight(", "self.bias = self.add_weight(",
                      "return tf.matmul(inputs, self.kernel) + self.bias"]
    for name, text in texts.items():
        if name.startswith(top + "autograder/"):  # the grader's code; the notebook is tested below
            for hidden in HIDDEN_NAMES:
                assert hidden not in text, (name, hidden)
        for line in solution_lines:
            assert line not in text, (name, line)
        assert "BEGIN SOLUTION" not in text or name.endswith("autograder/bundle.py"), name


def test_bundle_reveals_no_hidden_check_name_anywhere(release_dir, tmp_path):
    """The whole bundle, notebook included (its cell ids and nbgrader grade_ids too)."""
    from autograder.bundle import find_leaks, stage

    folder = tmp_path / ASSIGNMENT
    stage(folder, release_dir)
    found = [f"{p.relative_to(folder)}: {h}" for p in folder.rglob("*") if p.is_file()
             for h in HIDDEN_NAMES if h in p.read_text(encoding="utf-8", errors="replace")]
    assert not found, ("the released notebook names hidden checks (cell id / grade_id test_<name>): "
                       "give the hidden grading cells neutral ids in scripts/make_source_notebook.py\n"
                       + "\n".join(found))
    assert find_leaks(folder, SOURCE_DIR / NOTEBOOK) == []


def test_leak_search_finds_solutions_and_hidden_checks(release_dir, tmp_path):
    from autograder.bundle import find_leaks, stage

    folder = tmp_path / ASSIGNMENT
    stage(folder, release_dir)
    shutil.copy2(SOURCE_DIR / NOTEBOOK, folder / NOTEBOOK)  # the instructor's notebook by mistake
    shutil.copy2(ROOT / "autograder" / "checks" / "hidden.py", folder / "autograder" / "checks" / "hidden.py")
    (folder / "notes.txt").write_text("remember: learns_other_lines trains y = -3x + 0.5\n")
    leaks = "\n".join(find_leaks(folder, SOURCE_DIR / NOTEBOOK))
    assert "holds solution code" in leaks and "BEGIN SOLUTION" in leaks
    assert "autograder/checks/hidden.py: the hidden checks' module" in leaks
    assert "notes.txt:1: reveals a hidden check" in leaks


def test_bundle_command_refuses_an_incomplete_release(tmp_path):
    folder = tmp_path / ASSIGNMENT
    folder.mkdir()
    shutil.copy2(RELEASE_DIR / NOTEBOOK, folder / NOTEBOOK)
    process = subprocess.run([sys.executable, "-m", "autograder", "student-bundle", str(tmp_path / "out.zip"),
                              "--release", str(folder), "--source", str(SOURCE_DIR)],
                             cwd=ROOT, capture_output=True, text=True, env=student_env())
    assert process.returncode == 2
    assert f"has no {TEST_FILE}" in process.stderr and "generate_assignment" in process.stderr
    assert not (tmp_path / "out.zip").exists()


def test_bundle_works_unzipped_outside_the_repository(bundle_zip, isolated_python, tmp_path):
    with zipfile.ZipFile(bundle_zip) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / ASSIGNMENT
    env = student_env()
    env.pop("PYTHONPATH", None)

    # The notebook's own import, from the notebook's folder (Jupyter's working directory).
    probe = subprocess.run(
        [isolated_python, "-c", "import autograder, autograder.checks as c; from autograder import self_check, "
         "run_check; print(autograder.__file__); print(c.HIDDEN_CHECKS_AVAILABLE)"],
        cwd=folder, capture_output=True, text=True, env=env)
    where, hidden = probe.stdout.split()
    assert Path(where).resolve().is_relative_to(folder.resolve()) and hidden == "False", probe

    # pytest in the folder: the stub fails every public check, with teaching messages.
    code, output, outcomes, seconds = run_student_pytest(Path("."), python=isolated_python, cwd=folder, env=env)
    print(f"bundle pytest on the stub: {seconds:.1f} s")
    assert code == 1 and set(outcomes) == set(PUBLIC) and not any(outcomes.values()), output
    assert "public checks only" in output and "NotImplementedError" in output
    assert_no_traceback(output)

    # ... and with --notebook, a finished notebook passes them all.
    solution = notebook_with_class(class_cell(SOURCE_DIR / NOTEBOOK), folder / "finished.ipynb")
    code, output, outcomes, _ = run_student_pytest(Path("."), f"--notebook={solution}", python=isolated_python,
                                                   cwd=folder, env=env)
    assert code == 0 and outcomes == {name: True for name in PUBLIC}, output

    # The notebook's self-check, run by the bundle's own copy of the grader.
    script = (f"import tensorflow as tf, numpy as np\nfrom autograder import self_check\n"
              f"{class_cell(SOURCE_DIR / NOTEBOOK)}\nreport = self_check(SimpleDense)\n"
              "import autograder; assert autograder.__file__.startswith({!r})\n".format(str(folder)))
    process = subprocess.run([isolated_python, "-c", script], cwd=folder, capture_output=True, text=True, env=env)
    assert process.returncode == 0, process.stderr[-3000:]
    assert f"{len(PUBLIC)} of {len(PUBLIC)} public checks passed" in process.stdout


def test_release_test_file_is_the_source_one():
    released = RELEASE_DIR / TEST_FILE
    if not released.exists():
        pytest.skip("release/ not regenerated since the pytest file was added to source/")
    assert released.read_text() == (SOURCE_DIR / TEST_FILE).read_text(), "regenerate release/"
