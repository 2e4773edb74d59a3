"""Check your SimpleDense before you submit: run ``pytest`` in this folder.

One test per public check of the lab "Activation in Custom Layers": the same checks, with the
same verdicts, as the notebook's self-check and the grader. A failing test
says what was expected, what was found and what to try. These are the
public checks only; more checks run when your work is graded.

What is checked is the notebook *as saved on disk*, so save it first. It runs
from the top in a separate process, as "Restart Kernel and Run All Cells"
would, once per pytest run, with a time limit on every cell and check: a
loop that never ends fails a check instead of hanging pytest.

    pytest                                  # checks custom_layer_activation.ipynb
    pytest --notebook=path/to/other.ipynb   # checks another notebook
"""
from autograder.studentpytest import NotebookChecks

checks = NotebookChecks("custom_layer_activation", __file__)


def pytest_generate_tests(metafunc):
    checks.parametrize(metafunc)


def test_public_check(notebook, check):
    checks.verify(notebook, check)
