"""Run a notebook's code cells the way Jupyter runs them, in the subject process.

An IPython ``InteractiveShell`` runs each cell in order, in one ``__main__``
namespace, with IPython's own magics (``%%time``, ``%matplotlib inline``) and
syntax. A cell that fails is reported and the next one still runs, as in
Jupyter with "Run All" and as ``nbgrader autograde`` runs a notebook. Two
things differ, on purpose:

- shell escapes (``!pip install``, ``%pip``, ``%%bash``) are not executed:
  grading installs nothing and runs no commands;
- every cell has nbgrader's time limit, and a call of the student's own
  layer stuck in one cell for much less is stopped then (a loop in the
  layer). The first cell stopped lets the notebook go on; after that the
  cells share a small overtime allowance, so a layer that loops costs
  seconds, not a cell limit per cell.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Iterator

from ..probing import Deadline, ProbeTimeout, describe_error

# Line and cell magics that run programs outside Python; each becomes a no-op.
SHELL_LINE_MAGICS = ("pip", "conda", "mamba", "micromamba", "uv", "sx", "system")
SHELL_CELL_MAGICS = ("bash", "sh", "script", "perl", "ruby", "python", "python2", "python3", "pypy",
                     "system", "sx")


@dataclasses.dataclass
class CellBudget:
    """Time limits for the notebook's cells (seconds)."""

    cell_s: float = 60.0     # one cell, as nbgrader allows it (a long training run)
    stuck_s: float = 10.0    # one call of the entry's own methods, in one cell (a loop in the layer)
    overtime_s: float = 3.0  # all later cells together, once a cell has been stopped


@dataclasses.dataclass
class CellOutcome:
    number: int
    status: str  # a results.CellStatus value
    detail: str = ""
    methods: tuple[str, ...] = ()  # the entry's methods on the stack when it was stopped
    seconds: float = 0.0


def kernel_classes():
    """The shell class a Jupyter kernel runs cells in, and a publisher that publishes nowhere.

    ipykernel's own ``ZMQInteractiveShell`` where ipykernel is installed, so the notebook finds the
    shell it would find in Jupyter (``type(get_ipython())``, ``get_ipython().kernel``); else
    IPython's ``InteractiveShell``.
    """
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    try:
        from ipykernel.ipkernel import IPythonKernel
        from ipykernel.zmqshell import ZMQDisplayPublisher, ZMQInteractiveShell
    except ImportError:
        return InteractiveShell, DisplayPublisher, None

    class Publisher(ZMQDisplayPublisher):
        """Outputs are not kept while grading: publishing them goes nowhere."""

        def publish(self, *args, **kwargs):
            return None

        def clear_output(self, *args, **kwargs):
            return None

    Publisher.__name__ = Publisher.__qualname__ = "ZMQDisplayPublisher"
    return ZMQInteractiveShell, Publisher, IPythonKernel


_prepared = None


def prepare_shell():
    """Make the shell once, in the zygote, before any subject is forked: each subject then starts
    with its own copy of a fresh shell (measured: 0.2 s of every grade on Keras 3, 0.5 s on Keras 2)."""
    global _prepared
    if _prepared is None:
        _prepared = _new_shell()
    return _prepared


def make_shell():
    """A shell as a Jupyter kernel has it, minus shell escapes and history (the prepared one, if any)."""
    return _prepared if _prepared is not None else _new_shell()


def _new_shell():
    from IPython.utils.text import SList
    from traitlets.config import Config

    shell_class, publisher, kernel_class = kernel_classes()
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.autocall = 0
    shell = shell_class.instance(config=config)
    shell.display_pub = publisher(shell=shell)
    # A kernel's display hook fills a message that start_displayhook makes from its session; with no
    # session there is none, and a cell ending in an expression would fail on the missing attribute.
    if not hasattr(shell.displayhook, "msg"):
        shell.displayhook.msg = None
    if kernel_class is not None:
        shell.kernel = kernel_class.__new__(kernel_class)  # the kernel's class; no kernel runs
    shell.system = lambda *args, **kwargs: 0
    # `%matplotlib inline` needs no event loop; a kernel-less shell's enable_gui would raise instead.
    shell.enable_gui = lambda gui=None: None
    shell.getoutput = lambda *args, **kwargs: SList()
    # The subject reads errors from each cell's result; formatting a traceback
    # through TensorFlow's deep stacks would only cost time.
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None
    # Outputs are not kept: compute plain text only, never render figures.
    shell.display_formatter.active_types = ["text/plain"]

    def nothing(line="", cell=None):
        return None

    for name in SHELL_LINE_MAGICS:
        shell.register_magic_function(nothing, "line", name)
    for name in SHELL_CELL_MAGICS:
        shell.register_magic_function(nothing, "cell", name)
    return shell


def run_cells(shell, cells: list[dict], budget: CellBudget, entry_name: str) -> Iterator[CellOutcome]:
    """Run ``cells`` (``{"number", "source"}``) in order; yield each one's outcome as it ends."""
    overtime_left: float | None = None  # None until a cell is stopped
    for cell in cells:
        number = int(cell["number"])
        if overtime_left is not None and overtime_left <= 0:
            yield CellOutcome(number, "not run", "the notebook's time allowance was used up by earlier cells")
            continue
        limit = budget.cell_s if overtime_left is None else min(budget.cell_s, overtime_left)
        started = time.monotonic()
        deadline = Deadline(min(budget.stuck_s, limit), find_entry=lambda: shell.user_ns.get(entry_name),
                            patience=limit)
        result = None
        try:
            with deadline:
                result = shell.run_cell(str(cell["source"]), store_history=True, silent=False)
        except ProbeTimeout:
            pass
        elapsed = time.monotonic() - started
        if overtime_left is not None:
            overtime_left -= elapsed
        if deadline.expired or isinstance(getattr(result, "error_in_exec", None), ProbeTimeout):
            if overtime_left is None:
                overtime_left = budget.overtime_s
            stopped_at = limit if deadline.extended else deadline.seconds
            yield CellOutcome(number, "timed out", f"did not finish within {stopped_at:g} s", deadline.methods,
                              elapsed)
        elif result is not None and result.error_before_exec is not None:
            yield CellOutcome(number, "syntax error", _syntax_detail(result.error_before_exec), (), elapsed)
        elif result is not None and result.error_in_exec is not None:
            yield CellOutcome(number, "error", describe_error(result.error_in_exec), (), elapsed)
        else:
            yield CellOutcome(number, "ok", "", (), elapsed)


def _syntax_detail(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        where = f" (line {error.lineno})" if error.lineno else ""
        return f"{type(error).__name__}: {error.msg}{where}"
    return describe_error(error)


def entry_value(shell, entry_name: str) -> Any:
    return shell.user_ns.get(entry_name)
