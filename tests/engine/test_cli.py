"""Bad input gets one line and exit code 2: never a traceback, never a silent wrong grade."""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, notebook_bytes


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def one_line_error(result, fragment):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr[-1500:])
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_grade_refuses_what_is_not_a_notebook(tmp_path):
    junk = tmp_path / "photo.ipynb"
    junk.write_bytes(b"\x89PNG")
    one_line_error(run("grade", str(tmp_path / "missing.ipynb"), "--lab", "custom_dense_layer"), "no such file")
    one_line_error(run("grade", str(junk), "--lab", "custom_dense_layer"), "not a Jupyter notebook")
    empty = tmp_path / "empty.ipynb"
    empty.write_bytes(notebook_bytes("print(1)"))
    one_line_error(run("grade", str(empty), "--lab", "custom_dense_layer"), "no code cell mentions SimpleDense")


def test_grade_batch_refuses_unknown_labs_and_unwritable_folders(tmp_path):
    submitted = tmp_path / "submitted" / "ada" / "custom_dense_layer"
    submitted.mkdir(parents=True)
    (submitted / "custom_dense_layer.ipynb").write_bytes(notebook_bytes("class SimpleDense: pass"))
    one_line_error(run("grade-batch", str(tmp_path), "--assignment", "no_such_lab"), "no lab named 'no_such_lab'")
    one_line_error(run("grade-batch", str(tmp_path / "nowhere")), "no such folder")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    one_line_error(run("grade-batch", str(tmp_path), "--output", str(blocker)), "not a folder")
    one_line_error(run("grade-batch", str(tmp_path), "--output", str(blocker / "inside")), "cannot")


def test_report_refuses_a_file_and_an_empty_folder(tmp_path):
    (tmp_path / "grades.csv").write_text("x")
    one_line_error(run("report", str(tmp_path / "grades.csv")), "not a folder")
    one_line_error(run("report", str(tmp_path / "nothing")), "no such folder")
    one_line_error(run("report", str(tmp_path)), "no results")


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root can write anywhere")
def test_a_read_only_output_folder_is_one_line(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    submitted = tmp_path / "course" / "submitted" / "ada" / "custom_dense_layer"
    submitted.mkdir(parents=True)
    (submitted / "custom_dense_layer.ipynb").write_bytes(notebook_bytes("class SimpleDense: pass"))
    one_line_error(run("grade-batch", str(tmp_path / "course"), "--output", str(out)), "cannot write")


def test_labs_lists_the_installed_labs():
    result = run("labs")
    assert result.returncode == 0 and "custom_dense_layer" in result.stdout


def test_grade_table_shows_student_text_as_written(capsys):
    """rich markup in a student's exception message (``[/]`` alone makes rich raise) is printed as text."""
    from autograder.cli.grade import print_table
    from autograder.results import CellReport, CellStatus, CheckResult, Ending, Grade, Message, Status

    message = Message("call() to run", "ValueError: [/] [bold]x[/bold", "[red]fix[/]")
    grade = Grade("[/]student.ipynb", "toy", [CheckResult("adds", "arithmetic", "public", 1.0, Status.FAILED, "",
                                                          message)], Ending.FINISHED, "")
    grade.cells = [CellReport(3, CellStatus.ERROR, "ValueError: [/]", "[/] x = 1")]
    print_table(grade)
    shown = capsys.readouterr().out
    assert "ValueError: [/] [bold]x[/bold" in shown and "[/]student.ipynb" in shown
