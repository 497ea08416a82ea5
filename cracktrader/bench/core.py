"""``python -m cracktrader.bench core``: the deterministic core, every backend, one run.

Times ``apply`` (one call per input), ``apply_batch`` (Python dicts in and out) and
``apply_jsonl`` (bytes in and out) on the same seeded stream (``workload.core_stream``),
checks that every backend produced byte-identical canonical output, and prints events/s
(median and best of at least 5 timed iterations after warm-up) with Rust/Python ratios.
``--json-out`` writes ``{"<backend>": {"<api>": {...}}, "workload": {...}, ...}``;
``--baseline`` / ``--write-baseline``: the shared baseline file (``bench/baseline.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from cracktrader.backend import RUST, resolve_backend, rust_available
from cracktrader.bench import baseline
from cracktrader.bench.timing import build_profile, measure
from cracktrader.bench.workload import WORKLOAD_CONFIG, core_stream
from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes

APIS = ("apply", "apply_batch", "apply_jsonl")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=100_000, help="inputs in the stream (default 100000)")
    parser.add_argument(
        "--backend",
        default=None,
        help="comma-separated backends (default: python,rust when the rust build is importable, else python)",
    )
    parser.add_argument("--apis", default=",".join(APIS), help=f"comma-separated APIs (default {','.join(APIS)})")
    parser.add_argument("--iterations", type=int, default=5, help="timed iterations, at least 5 (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="workload seed (default 7)")
    parser.add_argument("--invariants", action="store_true", help="run the invariant checker after every step")
    parser.add_argument("--json-out", metavar="PATH", help="write the figures as JSON")
    parser.add_argument(
        "--write-stream",
        metavar="DIR",
        help="write the workload (DIR/stream.jsonl, DIR/config.json) and exit, for profiling the Rust core "
        "alone (cargo run --release --example core_jsonl -- DIR/config.json DIR/stream.jsonl)",
    )
    baseline.add_arguments(parser)


def parse_backends(text: str | None) -> list[str]:
    if text is None:
        return ["python", "rust"] if rust_available() else ["python"]
    backends = [resolve_backend(token) for token in text.split(",") if token.strip()]
    if not backends:
        raise ValueError("no backend given")
    return backends


def _core(backend: str, invariants: bool):
    options: dict[str, Any] = {"check_invariants": True} if invariants else {}
    return build_core(backend=backend, config=dict(WORKLOAD_CONFIG), **options)


def _outputs(backend: str, stream: list[dict[str, Any]], jsonl: bytes, invariants: bool) -> dict[str, bytes]:
    """Each API's output as canonical bytes, for the agreement check."""
    apply_core = _core(backend, invariants)
    applied = b"".join(canonical_bytes(apply_core.apply(item)) + b"\n" for item in stream)
    batch = b"".join(canonical_bytes(result) + b"\n" for result in _core(backend, invariants).apply_batch(stream))
    lines = _core(backend, invariants).apply_jsonl(jsonl)
    return {"apply": applied, "apply_batch": batch, "apply_jsonl": lines, "state_hash": apply_core.state_hash().encode()}


def run(
    events: int,
    backends: list[str],
    *,
    apis: tuple[str, ...] = APIS,
    iterations: int = 5,
    warmup: int = 1,
    seed: int = 7,
    invariants: bool = False,
) -> dict[str, Any]:
    stream = core_stream(events, seed)
    jsonl = b"".join(canonical_bytes(item) + b"\n" for item in stream)
    report: dict[str, Any] = {}
    reference: dict[str, bytes] | None = None
    disagreements: list[str] = []
    for backend in backends:
        outputs = _outputs(backend, stream, jsonl, invariants)
        if reference is None:
            reference = outputs
            results = [json.loads(line) for line in outputs["apply_batch"].splitlines()]
        else:
            disagreements += [f"{backend}:{api}" for api in outputs if outputs[api] != reference[api]]
        if outputs["apply"] != outputs["apply_batch"] or outputs["apply_batch"] != outputs["apply_jsonl"]:
            disagreements.append(f"{backend}:apis-differ")
        figures: dict[str, Any] = {}
        setup = lambda backend=backend: (_core(backend, invariants),)  # noqa: E731
        runs = {
            "apply": lambda core: [core.apply(item) for item in stream],
            "apply_batch": lambda core: core.apply_batch(stream),
            "apply_jsonl": lambda core: core.apply_jsonl(jsonl),
        }
        for api in apis:
            figures[api] = measure(runs[api], setup=setup, warmup=warmup, iterations=iterations).rate(events)
        report[backend] = figures
    report["workload"] = {
        "name": "core_stream",
        "events": events,
        "seed": seed,
        "config": WORKLOAD_CONFIG,
        "invariants": invariants,
        "fill_share": sum(1 for r in results if r["fills"]) / events,
        "refused_share": sum(1 for r in results if not r["accepted"]) / events,
    }
    report["build_profile"] = build_profile()
    report["agreement"] = {"ok": not disagreements, "disagreements": disagreements}
    if "python" in report and RUST in report:
        report["ratios"] = {
            api: report[RUST][api]["events_per_s"] / report["python"][api]["events_per_s"]
            for api in apis
            if api in report[RUST] and api in report["python"]
        }
    return report


def baseline_entry(report: dict[str, Any]) -> dict[str, Any]:
    """This run as an entry of the baseline file (bench/baseline.py)."""
    workload = {key: report["workload"][key] for key in ("name", "events", "seed", "invariants")}
    rates = {backend: {api: fig["events_per_s"] for api, fig in report[backend].items()}
             for backend in ("python", RUST) if backend in report}
    return baseline.entry(workload=workload, build_profile=report["build_profile"],
                          ratios=report.get("ratios", {}), events_per_s=rates)


def print_report(report: dict[str, Any], out=None) -> None:
    out = out or sys.stdout  # looked up at call time, so redirection (and capsys) works
    workload = report["workload"]
    print(
        f"core benchmark: {workload['events']} events (seed {workload['seed']}), "
        f"{workload['fill_share']:.0%} book fills, {workload['refused_share']:.1%} refused, "
        f"invariants {'on' if workload['invariants'] else 'off'}, rust build: {report['build_profile']}",
        file=out,
    )
    print(f"{'backend':<8} {'api':<12} {'events/s (median)':>18} {'best':>14} {'median s':>10}", file=out)
    for backend in ("python", "rust"):
        for api, fig in report.get(backend, {}).items():
            print(
                f"{backend:<8} {api:<12} {fig['events_per_s']:>18,.0f} {fig['best_events_per_s']:>14,.0f} "
                f"{fig['seconds']:>10.4f}",
                file=out,
            )
    for api, ratio in report.get("ratios", {}).items():
        print(f"rust/python {api}: {ratio:.1f}x", file=out)
    agreement = report["agreement"]
    print("outputs identical across backends and APIs" if agreement["ok"] else f"DISAGREEMENT: {agreement['disagreements']}", file=out)


def write_stream(directory: str, events: int, seed: int) -> None:
    """Write the benchmark stream as canonical JSON lines and its core config, unchanged."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "stream.jsonl"), "wb") as handle:
        handle.write(b"".join(canonical_bytes(item) + b"\n" for item in core_stream(events, seed)))
    with open(os.path.join(directory, "config.json"), "wb") as handle:
        handle.write(canonical_bytes(dict(WORKLOAD_CONFIG)) + b"\n")


def main(args: argparse.Namespace) -> int:
    if args.write_stream:
        write_stream(args.write_stream, args.events, args.seed)
        print(f"wrote {args.events} events to {args.write_stream}/stream.jsonl and the config to config.json")
        return 0
    try:
        backends = parse_backends(args.backend)
    except Exception as exc:  # a bad token or an unbuilt backend is a usage error
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if RUST in backends and not rust_available():
        print("error: the rust backend is not built; build it with: pip install -e \".[dev]\"", file=sys.stderr)
        return 2
    apis = tuple(api for api in args.apis.split(",") if api)
    unknown = [api for api in apis if api not in APIS]
    if unknown or args.iterations < 5:
        print(f"error: unknown apis {unknown} or fewer than 5 iterations", file=sys.stderr)
        return 2
    report = run(
        args.events, backends, apis=apis, iterations=args.iterations, warmup=args.warmup,
        seed=args.seed, invariants=args.invariants,
    )
    print_report(report)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
            handle.write("\n")
    status = 0 if report["agreement"]["ok"] else 1
    return status or baseline.apply_options(args, "core", baseline_entry(report), sys.stderr)
