"""Sequencer benchmark: python vs rust on the same generated stream.

Times the three entry points of the component protocol (D-020) per backend, each on
a fresh sequencer: ``apply`` (one call per batch), ``apply_batch`` (all batches in
one call, Python dicts in and out) and ``apply_jsonl`` (bytes in, bytes out). Every
run's output is hashed in canonical form; the backends (and the dict and JSON-lines
paths) must agree byte for byte, or ``identical`` is False.
"""

from __future__ import annotations

import hashlib
import platform
import random
import statistics
import sys
from typing import Any, Callable

from cracktrader.backend import resolve_backend
from cracktrader.bench import baseline
from cracktrader.bench.timing import build_profile, measure
from cracktrader.engine import build_sequencer
from cracktrader.engine.canonical import canonical_bytes

APIS = ("apply", "apply_batch", "apply_jsonl")
SOURCES = ("market_data",) * 14 + ("broker_report",) * 4 + ("timer", "control")
VENUES = ("binance", "kraken", "coinbase", None)
INSTRUMENTS = tuple(f"{base}/USDT" for base in ("BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "DOT", "LTC"))


def generate_batches(events: int, batch_size: int = 1000, seed: int = 0) -> list[list[dict]]:
    """A seeded stream of engine events in batches: 4 producers, ties, nulls, ~1% late."""
    rng = random.Random(seed)
    batches: list[list[dict]] = []
    clock = 1_700_000_000_000
    for start in range(0, events, batch_size):
        batch = []
        for n in range(start, min(events, start + batch_size)):
            clock += rng.choice((0, 0, 1, 5, 20))
            # Jitter around the clock; a large step back now and then makes late events.
            event_time = clock - (rng.randrange(5_000) if rng.random() < 0.01 else rng.randrange(3))
            source = rng.choice(SOURCES)
            venue = rng.choice(VENUES)
            instrument = rng.choice(INSTRUMENTS) if source != "timer" else None
            payload: dict[str, Any]
            if source == "market_data":
                event_type = "trade"
                payload = {
                    "price": f"{rng.randrange(1, 10**7)}.{rng.randrange(100):02d}",
                    "amount": f"0.{rng.randrange(1, 10**6):06d}",
                    "side": rng.choice(("buy", "sell")),
                    "trade_id": f"t{n}",
                }
            elif source == "broker_report":
                event_type = "order_accepted"
                payload = {"order_id": f"o{rng.randrange(10**4)}"}
            elif source == "timer":
                event_type, payload = "timer", {"name": "tick"}
            else:
                event_type, payload = "kill_switch", {"enabled": rng.random() < 0.5}
            batch.append(
                {
                    "kind": "event",
                    "seq_id": None,
                    "event_time": event_time,
                    "ingest_time": clock,
                    "source": source,
                    "venue": venue,
                    "instrument": instrument,
                    "event_type": event_type,
                    "payload": payload,
                    "idempotency_key": None,
                    "producer": rng.randrange(4),
                }
            )
        batches.append(batch)
    return batches


def run(
    events: int = 100_000,
    backends: list[str] | None = None,
    iterations: int = 5,
    warmup: int = 1,
    batch_size: int = 1000,
    late_policy: str = "accept",
    seed: int = 0,
) -> dict:
    """Time every backend on one generated stream and check identical output.

    Returns a JSON-able dict: per backend and API the median and min seconds and
    events/s, the rust/python ratio of median events/s per API, the build profile,
    the canonical output hash per backend and API, and ``identical``.
    """
    backends = [resolve_backend(b) for b in (backends or ["python", "rust"])]
    if iterations < 1 or warmup < 0 or events < 0 or batch_size < 1:
        raise ValueError("need iterations >= 1, warmup >= 0, events >= 0, batch_size >= 1")
    batches = generate_batches(events, batch_size, seed)
    jsonl = b"".join(canonical_bytes(batch) + b"\n" for batch in batches)
    runners: dict[str, Callable[[Any], Any]] = {
        "apply": lambda seq: [seq.apply(batch) for batch in batches],
        "apply_batch": lambda seq: seq.apply_batch(batches),
        "apply_jsonl": lambda seq: seq.apply_jsonl(jsonl),
    }
    figures: dict[str, dict[str, dict[str, float]]] = {}
    hashes: dict[str, dict[str, str]] = {}
    for backend in backends:
        figures[backend], hashes[backend] = {}, {}
        for api in APIS:
            timing = measure(
                runners[api], setup=lambda: (build_sequencer(backend, late_policy=late_policy),),
                warmup=warmup, iterations=iterations, minimum=1,
            )
            seconds, cpu, output = timing.samples, timing.cpu_samples, timing.output
            # The JSON-lines output is already canonical lines; the dict outputs are
            # hashed in the same line form so every path must give one digest.
            body = output if api == "apply_jsonl" else b"".join(canonical_bytes(r) + b"\n" for r in output)
            hashes[backend][api] = hashlib.sha256(body).hexdigest()
            median, best, cpu_median = statistics.median(seconds), min(seconds), statistics.median(cpu)
            figures[backend][api] = {
                "median_s": median,
                "min_s": best,
                "median_cpu_s": cpu_median,
                "median_events_per_s": events / median if median else float("inf"),
                "max_events_per_s": events / best if best else float("inf"),
                "median_cpu_events_per_s": events / cpu_median if cpu_median else float("inf"),
            }
    digests = {digest for per_api in hashes.values() for digest in per_api.values()}
    ratios, cpu_ratios = {}, {}
    if "python" in figures and "rust" in figures:
        for api in APIS:
            py, rs = figures["python"][api]["median_s"], figures["rust"][api]["median_s"]
            ratios[api] = py / rs if rs else float("inf")
            py, rs = figures["python"][api]["median_cpu_s"], figures["rust"][api]["median_cpu_s"]
            cpu_ratios[api] = py / rs if rs else float("inf")
    return {
        "benchmark": "sequencer",
        "events": events,
        "batches": len(batches),
        "batch_size": batch_size,
        "late_policy": late_policy,
        "seed": seed,
        "iterations": iterations,
        "warmup": warmup,
        "build_profile": build_profile() if "rust" in backends else None,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": figures,
        "rust_over_python": ratios,
        "rust_over_python_cpu": cpu_ratios,
        "output_sha256": hashes,
        "identical": len(digests) == 1,
    }


def format_table(report: dict) -> str:
    """A plain-text table of a ``run`` report."""
    lines = [
        f"sequencer: {report['events']} events in {report['batches']} batches of {report['batch_size']}, "
        f"{report['iterations']} timed runs (+{report['warmup']} warm-up), rust build: {report['build_profile']}",
        f"{'backend':<8} {'api':<12} {'median ev/s':>14} {'best ev/s':>14} {'cpu ev/s':>14} {'median s':>10}",
    ]
    for backend, per_api in report["results"].items():
        for api, row in per_api.items():
            lines.append(
                f"{backend:<8} {api:<12} {row['median_events_per_s']:>14,.0f} "
                f"{row['max_events_per_s']:>14,.0f} {row['median_cpu_events_per_s']:>14,.0f} "
                f"{row['median_s']:>10.4f}"
            )
    for api, ratio in report["rust_over_python"].items():
        cpu_ratio = report["rust_over_python_cpu"][api]
        lines.append(f"rust/python {api:<12} {ratio:>8.1f}x wall {cpu_ratio:>8.1f}x cpu")
    lines.append("outputs identical: " + ("yes" if report["identical"] else "NO"))
    return "\n".join(lines)


def add_arguments(parser) -> None:
    """Options of ``python -m cracktrader.bench sequencer``."""
    parser.add_argument("--events", type=int, default=100_000, help="events in the stream (default 100000)")
    parser.add_argument("--backend", default="python,rust", help="comma-separated backends (default python,rust)")
    parser.add_argument("--iterations", type=int, default=5, help="timed runs per API (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--batch-size", type=int, default=1000, help="events per batch (default 1000)")
    parser.add_argument("--json-out", help="also write the figures as JSON to this path")
    baseline.add_arguments(parser)


def baseline_entry(report: dict) -> dict:
    """This run as an entry of the baseline file (bench/baseline.py)."""
    workload = {key: report[key] for key in ("events", "batch_size", "late_policy", "seed")}
    rates = {backend: {api: row["median_events_per_s"] for api, row in per_api.items()}
             for backend, per_api in report["results"].items()}
    return baseline.entry(workload=workload, build_profile=report["build_profile"],
                          ratios=report["rust_over_python"], events_per_s=rates)


def main(args) -> int:
    """Run, print the table, optionally save JSON; exit 1 when the backends disagree."""
    import json

    report = run(
        events=args.events,
        backends=[b for b in args.backend.split(",") if b],
        iterations=args.iterations,
        warmup=args.warmup,
        batch_size=args.batch_size,
    )
    print(format_table(report))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
            handle.write("\n")
    if not report["identical"]:
        return 1
    return baseline.apply_options(args, "sequencer", baseline_entry(report), sys.stderr)
