"""``python -m cracktrader.bench normalizer``: the event normalizer, every backend.

The workload is the recorded CCXT corpus (tests/data/ccxt_unified: trades, OHLCV rows,
orders of several exchanges) repeated, with the venue and ingest time varied, so both
backends normalize real exchange shapes. Times ``apply``, ``apply_batch`` and
``apply_jsonl``; exits 1 when the backends (or the APIs) disagree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from typing import Any

from cracktrader.bench import baseline
from cracktrader.bench.timing import build_profile, measure, ratio
from cracktrader.engine import build_event_normalizer
from cracktrader.engine.canonical import canonical_bytes

APIS = ("apply", "apply_batch", "apply_jsonl")


def workload(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` normalizer inputs drawn from the corpus (parity's seed list)."""
    from parity.generators.normalizer import seeds

    rng = random.Random(seed)
    corpus = seeds()
    out = []
    for index in range(count):
        kind, payload = corpus[index % len(corpus)]
        context: dict[str, Any] = {"venue": rng.choice(("kraken", "bitvavo")), "ingest_time": 1_720_000_000_000 + index,
                                   "producer": index % 3}
        if kind == "ohlcv":
            context.update(instrument="BTC/USDT", timeframe_ms=60_000)
        out.append({"kind": kind, "payload": payload, "context": context})
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--inputs", type=int, default=20_000, help="normalizer inputs (default 20000)")
    parser.add_argument("--backend", default="python,rust", help="comma-separated backends (default python,rust)")
    parser.add_argument("--iterations", type=int, default=5, help="timed runs, at least 5 (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="timing clock (default wall)")
    parser.add_argument("--json-out", metavar="PATH", help="write the figures as JSON")
    baseline.add_arguments(parser)


def baseline_entry(report: dict[str, Any], clock: str) -> dict[str, Any]:
    """This run as an entry of the baseline file (bench/baseline.py)."""
    workload = {**report["workload"], "clock": clock}
    rates = {backend: {api: fig["events_per_s"] for api, fig in report[backend].items()}
             for backend in ("python", "rust") if backend in report}
    return baseline.entry(workload=workload, build_profile=report["build_profile"],
                          ratios=report.get("ratios", {}), events_per_s=rates)


def run(inputs: int, backends: list[str], iterations: int = 5, warmup: int = 1, clock: str = "wall") -> dict[str, Any]:
    items = workload(inputs)
    jsonl = b"".join(canonical_bytes(item) + b"\n" for item in items)
    runs = {
        "apply": lambda n: [n.apply(item) for item in items],
        "apply_batch": lambda n: n.apply_batch(items),
        "apply_jsonl": lambda n: n.apply_jsonl(jsonl),
    }
    report: dict[str, Any] = {"workload": {"inputs": inputs, "seed": 7, "source": "tests/data/ccxt_unified"}}
    digests = set()
    for backend in backends:
        report[backend] = {}
        for api in APIS:
            timing = measure(runs[api], setup=lambda backend=backend: (build_event_normalizer(backend),),
                             warmup=warmup, iterations=iterations, clock=clock)
            output = timing.output
            body = output if api == "apply_jsonl" else b"".join(canonical_bytes(r) + b"\n" for r in output)
            digests.add(hashlib.sha256(body).hexdigest())
            report[backend][api] = timing.rate(inputs)
    if "python" in report and "rust" in report:
        report["ratios"] = {api: ratio(report["python"][api]["seconds"], report["rust"][api]["seconds"]) for api in APIS}
    report["build_profile"] = build_profile()
    report["agreement"] = len(digests) == 1
    return report


def main(args: argparse.Namespace) -> int:
    backends = [b for b in args.backend.split(",") if b]
    report = run(args.inputs, backends, args.iterations, args.warmup, args.clock)
    print(f"normalizer benchmark: {args.inputs} inputs from the CCXT corpus, rust build {report['build_profile']}, "
          f"clock {args.clock}")
    for backend in backends:
        for api, fig in report[backend].items():
            print(f"  {backend:<7} {api:<12} {fig['events_per_s']:>12,.0f} inputs/s (best {fig['best_events_per_s']:,.0f})")
    for api, value in report.get("ratios", {}).items():
        print(f"  rust/python {api}: {value:.1f}x")
    print("outputs identical across backends and APIs" if report["agreement"] else "DISAGREEMENT between backends")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
            handle.write("\n")
    if not report["agreement"]:
        return 1
    return baseline.apply_options(args, "normalizer", baseline_entry(report, args.clock), sys.stderr)

