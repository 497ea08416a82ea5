"""``python -m cracktrader.bench <benchmark> [options]``: one entry point for all benchmarks.

Each benchmark module exposes ``add_arguments(parser)`` and ``main(args) -> int``; they
are imported lazily so one missing optional dependency cannot break the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = {
    "core": ("cracktrader.bench.core", "the deterministic core: apply, apply_batch, apply_jsonl"),
    "sequencer": ("cracktrader.bench.sequencer", "the sequencer on multi-producer batches"),
    "normalizer": ("cracktrader.bench.normalizer", "the event normalizer on CCXT payloads"),
    "feed": ("cracktrader.bench.feed", "trade-to-candle aggregation, parsing and reorder"),
    "backtest": ("cracktrader.bench.backtest", "an SMA-cross backtest end to end"),
    "recovery": ("cracktrader.bench.recovery", "recovery from a checkpoint and a replay log"),
    "runtime": ("cracktrader.bench.runtime", "the runtime daemon: runtimes publishing, readers paginating"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cracktrader.bench",
        description="Benchmarks comparing the python and rust backends on the same workload.",
    )
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # not built yet in this checkout
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.module.main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
