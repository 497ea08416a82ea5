"""``python -m cracktrader.bench <subcommand> [options]``.

Subcommands are registered below as name -> (module path, one-line help). A module
provides ``add_arguments(parser)`` and ``run(args) -> int`` (the exit status) and is
imported only when its subcommand runs, so one benchmark's imports never slow down or
break another. To add one (``core``, ``sequencer``, ``backtest``, ...), add a line here.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "feed": ("cracktrader.bench.feed", "feed acceleration: aggregation, parsing, reorder (python vs rust)"),
    # "core": ("cracktrader.bench.core", "..."),
    # "sequencer": ("cracktrader.bench.sequencer", "..."),
    # "backtest": ("cracktrader.bench.backtest", "..."),
}


def _top_parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {name:<12} {text}" for name, (_module, text) in SUBCOMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="python -m cracktrader.bench",
        description="cracktrader benchmarks: both backends on the same workload in one run.",
        epilog=f"subcommands:\n{listing}\n\nrun 'python -m cracktrader.bench <subcommand> --help' for options",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("subcommand", choices=sorted(SUBCOMMANDS), help="which benchmark to run")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the chosen subcommand's module."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in SUBCOMMANDS:
        _top_parser().parse_args(argv[:1] or ["--help"])  # prints help or the choice error
        return 2
    name, rest = argv[0], argv[1:]
    module_path, text = SUBCOMMANDS[name]
    module = importlib.import_module(module_path)
    parser = argparse.ArgumentParser(prog=f"python -m cracktrader.bench {name}", description=text)
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(rest)))


if __name__ == "__main__":
    sys.exit(main())
