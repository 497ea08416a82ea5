"""``python -m cracktrader.bench <name> ...``: benchmarks (never run as tests).

``SUBCOMMANDS`` maps a benchmark name to its module; each module has ``HELP`` (one
line), ``add_arguments(parser)`` and ``main(args) -> int``. Adding a benchmark is
one line here plus its module.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "recovery": "cracktrader.bench.recovery",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cracktrader.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    benches = parser.add_subparsers(dest="bench", metavar="BENCHMARK")
    benches.required = True
    modules = {}
    for name, path in SUBCOMMANDS.items():
        module = modules[name] = importlib.import_module(path)
        module.add_arguments(benches.add_parser(name, help=module.HELP, description=module.HELP))
    args = parser.parse_args(argv)
    return int(modules[args.bench].main(args))


if __name__ == "__main__":
    sys.exit(main())
