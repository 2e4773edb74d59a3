"""pytest settings for checking your notebook (the tests are in {test_file})."""
import sys
from pathlib import Path

# The grader's public part is the `autograder` folder beside this file: use it, not another copy.
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser):
    parser.addoption("--notebook", action="append", metavar="PATH",
                     help="the notebook to check, as --notebook=PATH (default: {notebook} in this folder)")


def pytest_report_header(config):
    return "Public checks of your notebook as saved on disk (save it in Jupyter first)."


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line("These are the public checks only: more checks run when your work is graded.")
