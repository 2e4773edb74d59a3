"""The whole grading path on the toy lab: a notebook runs as Jupyter runs it, in a contained subject.

Every case here goes through a real subject process (the zygote's, and a fresh Python's), a real
channel and the real judge, with nothing but NumPy: fast enough for the engine's own tests.
"""
import pytest

from autograder.grading import grade_notebook
from autograder.isolation import Limits
from autograder.results import CellStatus, Ending, Status
from conftest import notebook_bytes

BACKENDS = ["zygote", "fresh"]
SHORT = Limits(timeout_s=20, cell_timeout_s=2, check_timeout_s=2, overtime_s=1)
CORRECT = "def add(a, b):\n    return a + b"


def grade(toy, *cells, backend="zygote", limits=SHORT, **kwargs):
    return grade_notebook(notebook_bytes(*cells), toy, backend=backend, limits=limits, **kwargs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_correct_notebook_gets_full_marks(toy, backend):
    result = grade(toy, "import numpy as np", CORRECT, backend=backend)
    assert result.score == result.max_score == 4 and result.ending is Ending.FINISHED
    assert result.environment.get("numpy") and not result.cells


def test_a_wrong_one_loses_exactly_its_check(toy):
    result = grade(toy, "def add(a, b):\n    return float(round(a + b))")
    assert [c.name for c in result.checks if not c.passed] == ["adds_fractions"]


def test_cells_run_in_order_and_a_failing_cell_does_not_stop_the_next(toy):
    result = grade(toy, "def add(a, b):\n    return a - b", "x = 1 +", "import google.colab",
                   "raise ValueError('scratch')", CORRECT)
    assert result.score == 4
    assert [(c.number, c.status) for c in result.cells] == [
        (2, CellStatus.SYNTAX_ERROR), (3, CellStatus.ERROR), (4, CellStatus.ERROR)]
    assert result.cells[0].text() == 'cell 2 ("x = 1 +"): SyntaxError: invalid syntax (line 1), skipped'


def test_a_later_cell_that_changes_the_entry_counts(toy):
    result = grade(toy, CORRECT, "_right = add\ndef add(a, b):\n    return _right(a, b) + 1")
    assert [c.name for c in result.checks if c.passed] == ["is_a_function"]


def test_magics_work_and_shell_lines_do_not_run(toy, tmp_path):
    marker = tmp_path / "ran"
    result = grade(toy, f"!touch {marker}\n%pip install pandas", "%%time\n" + CORRECT,
                   f"%%bash\ntouch {marker}", "files = !ls\nassert files == []")
    assert result.score == 4 and not result.cells and not marker.exists()


def test_the_notebook_sees_what_a_jupyter_kernel_sees(toy):
    probe = ("import os, sys\n"
             "assert __name__ == '__main__', __name__\n"
             "assert not [k for k in os.environ if k.startswith(('AUTOGRADER', 'PYTEST', 'DASK'))], sorted(os.environ)\n"
             "assert 'JPY_PARENT_PID' in os.environ and 'ipykernel' in sys.argv[0]\n"
             "assert get_ipython() is not None\n" + CORRECT)
    result = grade(toy, probe)
    assert result.score == 4, [c.text() for c in result.cells]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_loop_in_the_entry_costs_one_limit_then_is_not_called_again(toy, backend):
    result = grade(toy, "def add(a, b):\n    while True:\n        pass", backend=backend)
    assert result.ending is Ending.TIME_LIMIT
    passed = {c.name for c in result.checks if c.passed}
    assert passed == {"is_a_function"}
    messages = [c.message for c in result.checks if not c.passed]
    assert "add() did not finish within 2 s" in messages[0].found
    assert all("add() did not finish" in m.found for m in messages) and "loop in add()" in messages[0].hint


def test_a_loop_in_a_cell_is_stopped_and_the_notebook_goes_on(toy):
    result = grade(toy, CORRECT, "while True:\n    pass", "y = 1")
    assert result.score == 4 and result.ending is Ending.FINISHED
    assert [(c.number, c.status) for c in result.cells] == [(2, CellStatus.TIMED_OUT)]


def test_a_loop_that_swallows_its_interruption_is_ended_by_the_judge(toy):
    swallow = "def add(a, b):\n    while True:\n        try:\n            while True: pass\n        except BaseException:\n            pass"
    result = grade(toy, swallow)
    assert result.ending is Ending.TIME_LIMIT and result.score == 1
    assert {c.status for c in result.checks if not c.passed} == {Status.NOT_RUN}


@pytest.mark.parametrize("backend", BACKENDS)
def test_exits_and_crashes_end_the_run_with_a_reason(toy, backend):
    result = grade(toy, "import os\ndef add(a, b):\n    os._exit(3)", backend=backend)
    assert result.ending is Ending.EXITED and "code 3" in result.detail and result.score == 1
    result = grade(toy, "import sys\ndef add(a, b):\n    sys.exit(2)", backend=backend)
    assert result.ending is Ending.FINISHED and result.score == 1
    assert "sys.exit(2)" in result.checks[1].message.found


def test_memory_is_limited(toy):
    result = grade(toy, "def add(a, b):\n    return len(bytearray(8 * 2**30))", limits=Limits(memory_mb=512))
    assert result.checks[1].status is Status.ERROR and "MemoryError" in result.checks[1].message.found


def test_printing_megabytes_costs_nothing_but_time(toy):
    result = grade(toy, "import sys\ndef add(a, b):\n    print('x' * 10**6); sys.stderr.write('y' * 10**6)\n    return a + b")
    assert result.score == 4


def test_the_same_seed_asks_the_same_questions(toy):
    first = grade(toy, "def add(a, b):\n    return a * b", seed=7)
    second = grade(toy, "def add(a, b):\n    return a * b", seed=7)
    assert first.checks[1].message == second.checks[1].message and first.seed == 7


def test_a_slow_cell_that_calls_the_entry_many_times_is_not_taken_for_a_loop(toy):
    """The cell runs past its limit inside add(), but no single call of add() is slow: add is not stuck."""
    slow = "import time\ndef add(a, b):\n    time.sleep(0.001)\n    return a + b"
    result = grade(toy, slow, "for _ in range(10**6):\n    add(1, 2)")
    assert [(c.number, c.status) for c in result.cells] == [(2, CellStatus.TIMED_OUT)]
    assert result.score == 4 and result.ending is Ending.FINISHED


def test_a_slow_honest_cell_gets_the_cell_limit_and_a_stuck_entry_is_stopped_early(toy):
    """As nbgrader, a slow cell runs up to the cell's limit; a loop inside the entry is stopped at stuck_s."""
    limits = Limits(timeout_s=40, cell_timeout_s=8, stuck_s=1, check_timeout_s=2, overtime_s=1)
    result = grade(toy, CORRECT, "import time\ntime.sleep(2.5)\nslept = True", "assert slept", limits=limits)
    assert result.score == 4 and not result.cells, [c.text() for c in result.cells]
    stuck = grade(toy, "def add(a, b):\n    while True:\n        pass", "add(1, 2)", limits=limits)
    assert [(c.number, c.status) for c in stuck.cells] == [(2, CellStatus.TIMED_OUT)]
    assert stuck.cells[0].detail == "did not finish within 1 s"
    endless = grade(toy, CORRECT, "while True:\n    pass", limits=Limits(timeout_s=40, cell_timeout_s=3, stuck_s=1))
    assert endless.cells[0].detail == "did not finish within 3 s" and endless.score == 4


def test_matplotlib_inline_and_a_module_written_by_the_notebook_work_as_in_jupyter(toy):
    result = grade(toy, "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n42",
                   "%%writefile adding.py\ndef add(a, b):\n    return a + b", "from adding import add")
    assert result.score == 4 and not result.cells, [c.text() for c in result.cells]


def test_cells_after_the_graded_cells_are_reported_and_not_run(toy):
    """nbgrader's test cells judge the entry where they stand: a later change cannot change a grade."""
    test_cell = {"grade": True, "solution": False, "locked": True, "grade_id": "test_adds", "points": 2}
    result = grade_notebook(notebook_bytes(CORRECT, "run_check('adds_numbers', add)",
                                           "def add(a, b):\n    return a - b"),
                            toy, limits=SHORT)
    assert result.score == 1  # no test cell: every cell counts, the last definition too
    result = grade_notebook(notebook_bytes(CORRECT, "run_check('adds_numbers', add)",
                                           "def add(a, b):\n    return a - b", metadata=[None, test_cell, None]),
                            toy, limits=SHORT)
    assert result.score == 4
    assert [(c.number, c.status) for c in result.cells] == [(3, CellStatus.NOT_RUN)]
    assert "after the graded cells" in result.cells[0].text()


def test_a_run_the_judge_had_to_end_names_the_cell_it_ended_in(toy):
    """Cells that ran well are not blamed: the report is on the first cell that never reported."""
    deaf = "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\nwhile True:\n    pass"
    result = grade(toy, CORRECT, "x = 1", deaf, "y = 2")
    assert [(c.number, c.status) for c in result.cells] == [(3, CellStatus.NOT_RUN)]
    assert result.ending is Ending.TIME_LIMIT
