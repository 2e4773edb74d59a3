"""Options shared by the commands that run student code: the lab, the limits, the seed."""
from __future__ import annotations

from ..isolation import Limits
from ..lab import installed_labs


def add_lab_option(parser, help_text: str) -> None:
    parser.add_argument("--lab", metavar="NAME", choices=installed_labs() or None, help=help_text)


def add_limit_options(parser) -> None:
    """The isolation limits (see ``Limits`` for what each one bounds)."""
    defaults = Limits()
    parser.add_argument("--timeout", type=float, default=defaults.timeout_s, metavar="SECONDS",
                        help=f"wall clock for one whole submission, notebook and checks (default {defaults.timeout_s:g})")
    parser.add_argument("--cell-timeout", type=float, default=defaults.cell_timeout_s, metavar="SECONDS",
                        help=f"one notebook cell (default {defaults.cell_timeout_s:g})")
    parser.add_argument("--check-timeout", type=float, default=defaults.check_timeout_s, metavar="SECONDS",
                        help=f"one probe of one check; after a time-out the rest share "
                             f"{defaults.overtime_s:g} s (default {defaults.check_timeout_s:g})")
    parser.add_argument("--memory", type=int, default=defaults.memory_mb, metavar="MB",
                        help=f"memory a submission may use beyond its libraries' own (default {defaults.memory_mb})")
    parser.add_argument("--seed", type=int, default=None,
                        help="fix the checks' random inputs (default: fresh for every submission)")


def limits_from(args) -> Limits:
    return Limits(timeout_s=args.timeout, cell_timeout_s=args.cell_timeout, check_timeout_s=args.check_timeout,
                  memory_mb=args.memory)
