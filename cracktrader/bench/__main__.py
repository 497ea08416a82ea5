"""``python -m cracktrader.bench <benchmark> ...``: run one benchmark, print its table.

Exits 1 when the backends disagree (a benchmark of diverging backends is a bug).
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the chosen benchmark, print (and optionally save) figures."""
    parser = argparse.ArgumentParser(prog="python -m cracktrader.bench", description=__doc__)
    commands = parser.add_subparsers(dest="benchmark", required=True)
    seq = commands.add_parser("sequencer", help="sequencer: apply, apply_batch, apply_jsonl per backend")
    seq.add_argument("--events", type=int, default=100_000, help="events in the stream (default 100000)")
    seq.add_argument("--backend", default="python,rust", help="comma-separated backends (default python,rust)")
    seq.add_argument("--iterations", type=int, default=5, help="timed runs per API (default 5)")
    seq.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    seq.add_argument("--batch-size", type=int, default=1000, help="events per batch (default 1000)")
    seq.add_argument("--json-out", help="also write the figures as JSON to this path")
    args = parser.parse_args(argv)

    from cracktrader.bench import sequencer

    report = sequencer.run(
        events=args.events,
        backends=[b for b in args.backend.split(",") if b],
        iterations=args.iterations,
        warmup=args.warmup,
        batch_size=args.batch_size,
    )
    print(sequencer.format_table(report))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
            handle.write("\n")
    return 0 if report["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
