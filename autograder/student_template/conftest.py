"""pytest settings for checking your notebook (the tests are in test_custom_dense_layer.py)."""


def pytest_addoption(parser):
    parser.addoption(
        "--notebook", action="append", metavar="PATH",
        help="the notebook to check, as --notebook=PATH (default: custom_dense_layer.ipynb in this folder)",
    )


def pytest_report_header(config):
    return "Public checks of your notebook as saved on disk (save it in Jupyter first)."


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line(
        "These are the public checks only: more checks run when your work is graded."
    )
