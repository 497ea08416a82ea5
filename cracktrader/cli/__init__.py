"""The ``cracktrader`` command line: one argparse tree, one module per command group.

``GROUPS`` maps a group name to the module that defines it; each such module has
``register(subparsers)``, which adds its group parser and sub-commands and sets
``handler`` on each (a function ``(args) -> int`` returning the exit code). Adding a
group (``runtime``, ``daemon``, ...) is one line here plus its own module.

Exit codes shared by every command: 0 success, 1 a check failed (mismatch,
divergence), 2 usage error (argparse), 3 an input file (or a request to the daemon) was
refused, 4 the requested backend is unavailable, 5 ``--strict`` refused a warning, 6 the
daemon could not be reached or could not start.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Sequence

GROUPS = {
    "engine": "cracktrader.cli.engine",
    "daemon": "cracktrader.api.cli",
    "runtime": "cracktrader.runtime.cli",
}

EXIT_CODES_HELP = """exit codes:
  0  success
  1  a check failed (recovered state differs from an uninterrupted replay, divergence)
  2  usage error
  3  an input file was refused (corrupt, truncated, unsupported version, mismatched),
     or the daemon refused a request (a 4xx answer)
  4  the requested backend is not available (e.g. rust not built)
  5  --strict refused a warning (torn log tail, unclosed log, skipped steps)
  6  the daemon could not be reached, or could not start
"""


def build_parser() -> argparse.ArgumentParser:
    """The full parser (every group registered)."""
    parser = argparse.ArgumentParser(
        prog="cracktrader",
        description="cracktrader: a deterministic trading engine (python and rust cores).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    groups = parser.add_subparsers(dest="group", metavar="GROUP")
    groups.required = True
    for module in GROUPS.values():
        importlib.import_module(module).register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``[project.scripts] cracktrader``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Every group makes its sub-command required, so argparse has already exited
    # with code 2 when none was given.
    return int(args.handler(args))
