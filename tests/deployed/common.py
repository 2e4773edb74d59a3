"""What the deployed tests share: notebooks to submit, clean environments, Gradescope's format, memory.

Nothing here imports TensorFlow. The environments these helpers make hold
only what their requirements file installs: no variable of this test run
(the kit's venv, PYTHONPATH, TF_USE_LEGACY_KERAS, pytest's own) leaks into
them.
"""
from __future__ import annotations

import copy
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAB = "custom_dense_layer"
RELEASED = ROOT / "release" / LAB / f"{LAB}.ipynb"
LAB2 = "custom_layer_activation"  # the course's second lab
# A fresh TensorFlow install, run by hand at most a couple of minutes; the limit only stops a hung pip.
INSTALL_TIMEOUT_S = 1800
RUN_TIMEOUT_S = 600


# --------------------------------------------------------------------------- notebooks


def released_notebook(lab: str = LAB) -> dict:
    return json.loads((ROOT / "release" / lab / f"{lab}.ipynb").read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _entry_cell_index(notebook: dict, entry: str) -> int:
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") == "code" and f"class {entry}" in _source(cell):
            return index
    raise AssertionError(f"no cell defines class {entry}")


def reference_class(lab_name: str = LAB) -> str:
    """The lab's own solution of the entry cell, from the instructor's notebook generator, markers removed."""
    from autograder.lab import load_lab

    lab = load_lab(lab_name)
    source = importlib.import_module(lab.notebook).build_notebook()
    cell = source["cells"][_entry_cell_index(source, lab.entry)]
    return "\n".join(line for line in _source(cell).splitlines() if "SOLUTION" not in line)


def with_class(source: str, entry: str = "SimpleDense", lab: str = LAB) -> dict:
    """The lab's released notebook with its entry cell replaced by ``source`` (a student's answer)."""
    notebook = released_notebook(lab)
    notebook["cells"][_entry_cell_index(notebook, entry)]["source"] = source
    return notebook


def with_cell_after_entry(notebook: dict, source: str, entry: str = "SimpleDense") -> dict:
    """``notebook`` with an extra code cell of the student's right after the entry cell."""
    notebook = copy.deepcopy(notebook)
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    notebook["cells"].insert(_entry_cell_index(notebook, entry) + 1, cell)
    return notebook


def write_notebook(path: Path, notebook: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- clean environments


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without its Python setup: what a new shell on the machine would have."""
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "TF_USE_LEGACY_KERAS", "KERAS_STACK",
            "MPLBACKEND", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items()
           if k not in drop and not k.startswith(("PYTEST_", "AUTOGRADER_", "COV_"))}
    kit_bin = os.path.realpath(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                                  if p and os.path.realpath(p) != kit_bin)
    env.update(extra)
    return env


def base_python() -> str:
    """A Python that can make venvs and has TensorFlow wheels (3.10 to 3.13), outside the kit's venv.

    The system's own python3 first: Gradescope's image has apt's, and only a Python that the user
    nobody can read lets the grader run students' code as nobody, as it does there.
    """
    probe = "import ensurepip, sys, venv; print((3, 10) <= sys.version_info[:2] <= (3, 13))"
    for candidate in ("/usr/bin/python3", getattr(sys, "_base_executable", ""), sys.executable):
        if not candidate or not os.path.exists(candidate):
            continue
        try:
            answer = subprocess.run([candidate, "-c", probe], capture_output=True, text=True, timeout=60,
                                    env=clean_environment())
        except (OSError, subprocess.TimeoutExpired):
            continue
        if answer.stdout.strip() == "True":
            return candidate
    raise RuntimeError("no Python 3.10-3.13 with venv on this machine")


def open_folder(prefix: str) -> Path:
    """A new temporary folder that every user can enter (as /autograder is: nobody reads the venv in it)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def remove(folder: Path) -> None:
    """Delete a folder that holds a venv (rm is several times faster than shutil.rmtree on 40,000 files)."""
    if shutil.which("rm"):
        subprocess.run(["rm", "-rf", "--", str(folder)], check=False, timeout=600)
    shutil.rmtree(folder, ignore_errors=True)


def folder_size(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def extract(archive_path: Path, target: Path) -> None:
    """Unzip as unzip(1) does, keeping the Unix modes the zip records (run_autograder stays executable)."""
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                path.chmod(mode & 0o777)


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------- Gradescope


VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
STATUSES = {"passed", "failed"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# Each key Gradescope's autograder specification allows, with a test of its value.
TOP_LEVEL = {
    "score": _number,
    "execution_time": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "output": lambda v: isinstance(v, str),
    "output_format": lambda v: v in OUTPUT_FORMATS,
    "test_output_format": lambda v: v in OUTPUT_FORMATS,
    "test_name_format": lambda v: v in OUTPUT_FORMATS,
    "visibility": lambda v: v in VISIBILITIES,
    "stdout_visibility": lambda v: v in VISIBILITIES,
    "extra_data": lambda v: isinstance(v, dict),
    "tests": lambda v: isinstance(v, list),
    "leaderboard": lambda v: isinstance(v, list),
}
TEST_LEVEL = {
    "score": _number,
    "max_score": _number,
    "status": lambda v: v in STATUSES,
    "name": lambda v: isinstance(v, str) and v.strip() != "",
    "name_format": lambda v: v in OUTPUT_FORMATS,
    "number": lambda v: isinstance(v, str),
    "output": lambda v: isinstance(v, str),
    "output_format": lambda v: v in OUTPUT_FORMATS,
    "tags": lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
    "visibility": lambda v: v in VISIBILITIES,
    "extra_data": lambda v: isinstance(v, dict),
}
# What this kit promises beyond the specification's optional keys.
TOP_REQUIRED = ("score", "execution_time", "output", "stdout_visibility", "tests")
TEST_REQUIRED = ("name", "score", "max_score", "status", "output", "visibility")


def gradescope_problems(results) -> list[str]:
    """Every way ``results`` breaks Gradescope's results.json specification (or this kit's use of it)."""
    if not isinstance(results, dict):
        return [f"results is a {type(results).__name__}, not an object"]
    problems = []
    try:
        json.dumps(results, allow_nan=False)
    except (TypeError, ValueError) as error:
        problems.append(f"not strict JSON: {error}")
    problems += [f"missing top-level key {key!r}" for key in TOP_REQUIRED if key not in results]
    for key, value in results.items():
        valid = TOP_LEVEL.get(key)
        if valid is None:
            problems.append(f"unknown top-level key {key!r}")
        elif not valid(value):
            problems.append(f"top-level {key!r} has an invalid value {value!r:.80}")
    tests = results.get("tests") if isinstance(results.get("tests"), list) else []
    for position, test in enumerate(tests, start=1):
        if not isinstance(test, dict):
            problems.append(f"test {position} is not an object")
            continue
        name = test.get("name", f"test {position}")
        problems += [f"{name}: missing {key!r}" for key in TEST_REQUIRED if key not in test]
        for key, value in test.items():
            valid = TEST_LEVEL.get(key)
            if valid is None:
                problems.append(f"{name}: unknown key {key!r}")
            elif not valid(value):
                problems.append(f"{name}: {key!r} has an invalid value {value!r:.80}")
        if _number(test.get("score")) and _number(test.get("max_score")):
            if not 0 <= test["score"] <= test["max_score"]:
                problems.append(f"{name}: score {test['score']} outside 0..{test['max_score']}")
            if test.get("status") == "passed" and test["score"] != test["max_score"]:
                problems.append(f"{name}: passed with {test['score']} of {test['max_score']}")
    if tests and _number(results.get("score")) and all(_number(t.get("score")) for t in tests if isinstance(t, dict)):
        total = sum(t["score"] for t in tests if isinstance(t, dict))
        if abs(total - results["score"]) > 1e-9:
            problems.append(f"score {results['score']} is not the sum of the tests' scores ({total})")
    return problems


def make_gradescope_zip(target: Path, keras_stack: str = "keras3", lab: str = LAB) -> Path:
    """The zip an instructor uploads, made by the command the README gives; ``legacy`` bakes in legacy
    Keras 2 (--env TF_USE_LEGACY_KERAS=1)."""
    made = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--lab", lab, "--make-zip", str(target),
                           *(["--env", "TF_USE_LEGACY_KERAS=1"] if keras_stack == "legacy" else [])], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        raise RuntimeError(f"--make-zip failed:\n{made.stdout}{made.stderr}")
    return target


def build_gradescope(root: Path, keras_stack: str = "keras3") -> str:
    """Build the autograder in ``root`` as Gradescope builds /autograder: unzip into source/, run setup.sh.

    Returns setup.sh's output. Without apt (SKIP_APT=1): the machine's python3 stands for apt's.
    pip may use its cache (PIP_CACHE=1); the venv is new.
    """
    zip_path = make_gradescope_zip(root / "autograder.zip", keras_stack)
    extract(zip_path, root / "source")
    env = clean_environment(AUTOGRADER_ROOT=str(root), SKIP_APT="1", PIP_CACHE="1", PYTHON=base_python())
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root / "source", env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=INSTALL_TIMEOUT_S)
    if setup.returncode != 0:
        raise RuntimeError(f"setup.sh failed (exit {setup.returncode}):\n{tail(setup.stdout)}")
    return setup.stdout


def submit(root: Path, files: dict[str, dict | str | bytes]) -> None:
    """Put a student's files where Gradescope puts them, after clearing the last submission and result."""
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    for name, content in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            write_notebook(path, content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def run_autograder(root: Path, keras_stack: str | None = None, measure: bool = False) -> "Run":
    """Run the zip's run_autograder as Gradescope does (from /autograder), and read results.json."""
    extra = {"AUTOGRADER_ROOT": str(root)}
    if keras_stack:  # per run, as a setting in the environment wins over the zip's
        extra["TF_USE_LEGACY_KERAS"] = "1" if keras_stack == "legacy" else "0"
    command = [str(root / "source" / "run_autograder")]
    if measure:
        run = run_measured(command, clean_environment(**extra), root)
    else:
        done = subprocess.run(command, env=clean_environment(**extra), cwd=root, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=RUN_TIMEOUT_S)
        run = Run(done.returncode, done.stdout)
    path = root / "results" / "results.json"
    run.results = json.loads(path.read_text()) if path.is_file() else None
    return run


# --------------------------------------------------------------------------- memory


class Run:
    """A finished run: its exit code and output, and (when measured) its process tree's peak memory in MB."""

    def __init__(self, returncode: int, output: str, peaks: dict[str, float] | None = None):
        self.returncode, self.output = returncode, output
        self.peaks = peaks or {}
        self.results: dict | None = None


def _parents() -> dict[int, int]:
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as stat:
                    parents[int(name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return parents


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it (a PID namespace's processes keep their host pids here)."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += children.get(current, [])
    return tree


MEASURES = {"Pss:": "pss", "Pss_Anon:": "pss_anon", "Rss:": "rss"}


def _memory_kb(pid: int) -> dict[str, int]:
    """One process's PSS (shared pages split between their users), its anonymous part, and RSS, in kB."""
    found = dict.fromkeys(MEASURES.values(), 0)
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                key = MEASURES.get(line.split(" ", 1)[0])
                if key:
                    found[key] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return found


def run_measured(command: list[str], env: dict, cwd: Path, interval_s: float = 0.05) -> Run:
    """Run ``command`` and sample its whole process tree's memory until it ends; the peaks in MB.

    ``pss``: the sum over the tree of each process's proportional set size, which counts a page
    shared by n processes as 1/n in each, so the sum is the memory the tree really holds (the forked
    subject shares TensorFlow with its zygote). ``pss_anon``: the part of it that is not a mapped
    file (libraries' code can be dropped and read again under pressure; this cannot). ``rss``:
    shared pages counted in every process, an upper bound.
    """
    if not os.path.exists("/proc/self/smaps_rollup"):
        raise RuntimeError("measuring memory needs Linux's /proc/<pid>/smaps_rollup")
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.append(process.stdout.read()), daemon=True)
    reader.start()
    peaks = dict.fromkeys(MEASURES.values(), 0)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while process.poll() is None and time.monotonic() < deadline:
        samples = [_memory_kb(pid) for pid in process_tree(process.pid)]
        for key in peaks:
            peaks[key] = max(peaks[key], sum(sample[key] for sample in samples))
        time.sleep(interval_s)
    if process.poll() is None:
        process.kill()
    process.wait()
    reader.join(timeout=30)
    return Run(process.returncode, "".join(output), {key: round(kb / 1024, 1) for key, kb in peaks.items()})


# --------------------------------------------------------------------------- the student bundle


def make_student_bundle(target: Path, lab: str = LAB) -> Path:
    """The bundle an instructor hands out, made by the command the README gives, from the repo root."""
    made = subprocess.run([sys.executable, "-m", "autograder", "student-bundle", lab, str(target)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        raise RuntimeError(f"student-bundle failed:\n{made.stdout}{made.stderr}")
    return target


def install_student_bundle(folder: Path) -> float:
    """Set up as the bundle's README says (a venv in the folder, pip install -r ...); the seconds pip took."""
    subprocess.run([base_python(), "-m", "venv", ".venv"], cwd=folder, env=clean_environment(), check=True,
                   timeout=300)
    return pip_install_student_requirements(folder)


def pip_install_student_requirements(folder: Path) -> float:
    """``pip install -r requirements-student.txt`` with the folder's .venv; the seconds it took."""
    started = time.monotonic()
    install = subprocess.run([str(folder / ".venv" / "bin" / "pip"), "install", "--quiet", "-r",
                              "requirements-student.txt"], cwd=folder, env=clean_environment(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=INSTALL_TIMEOUT_S)
    seconds = time.monotonic() - started
    if install.returncode != 0:
        raise RuntimeError(f"pip install -r requirements-student.txt failed:\n{tail(install.stdout)}")
    return seconds


def student_environment(folder: Path) -> dict[str, str]:
    """What `source .venv/bin/activate` gives a student's shell."""
    venv = folder / ".venv"
    env = clean_environment(VIRTUAL_ENV=str(venv))
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env["PATH"]])
    return env


def run_student(folder: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), cwd=folder, env=student_environment(folder), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=RUN_TIMEOUT_S)
