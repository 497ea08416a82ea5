"""``python -m parity.bench``: what the lockstep harness costs over the backends alone.

On the same generated cases (the fuzz CLI's seeded core generator), times each
backend alone through ``apply_jsonl`` and the lockstep runner driving both, and
reports events/s and the ratio lockstep / python-alone (the harness should add little:
issue 6 asks for at least 60%). Generation is timed separately, as the fuzz CLI pays it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any

from parity import generators
from parity.lockstep import Lockstep
from parity.steps import is_directive, step_bytes
from parity.targets import get


def _cases(target: str, count: int, length: int, seed: int) -> tuple[list[tuple[dict[str, Any], list[str]]], float]:
    started = time.perf_counter()
    cases = [generators.get(target)(random.Random(f"{seed}:{target}:{i}"), length) for i in range(count)]
    return cases, time.perf_counter() - started


def _solo(target: str, backend: str, cases) -> float:
    started = time.perf_counter()
    for config, steps in cases:
        component = get(target).build(backend, dict(config))
        data = b"".join(step_bytes(step) + b"\n" for step in steps if not is_directive(step))
        component.apply_jsonl(data)
        if get(target).stateful:
            component.state_hash()
    return time.perf_counter() - started


def _lockstep(target: str, cases) -> float:
    started = time.perf_counter()
    for config, steps in cases:
        if Lockstep(get(target), ("python", "rust"), config).run(steps) is not None:
            raise SystemExit("the backends diverged on a benchmark case: run python -m parity.fuzz")
    return time.perf_counter() - started


def run(target: str = "core", cases: int = 40, length: int = 500, seed: int = 1, repeats: int = 5) -> dict[str, Any]:
    generated, generation_s = _cases(target, cases, length, seed)
    steps = sum(len(s) for _, s in generated)
    best = {"python": float("inf"), "rust": float("inf"), "lockstep": float("inf")}
    for _ in range(repeats):
        best["python"] = min(best["python"], _solo(target, "python", generated))
        best["rust"] = min(best["rust"], _solo(target, "rust", generated))
        best["lockstep"] = min(best["lockstep"], _lockstep(target, generated))
    rates = {name: steps / seconds for name, seconds in best.items()}
    return {
        "target": target, "cases": cases, "steps": steps, "seed": seed, "repeats": repeats,
        "events_per_s": rates, "generation_events_per_s": steps / generation_s,
        "lockstep_over_python": rates["lockstep"] / rates["python"],
        "lockstep_with_generation_events_per_s": steps / (best["lockstep"] + generation_s),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parity.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="core", help="target (default core)")
    parser.add_argument("--cases", type=int, default=40, help="generated cases (default 40)")
    parser.add_argument("--length", type=int, default=500, help="steps per case (default 500)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats, best kept (default 5)")
    parser.add_argument("--json-out", metavar="PATH")
    args = parser.parse_args(argv)
    from cracktrader.backend import rust_available

    if not rust_available():
        print('parity.bench: the rust backend is not built (pip install -e ".[dev]")', file=sys.stderr)
        return 2
    report = run(args.target, args.cases, args.length, args.seed, args.repeats)
    rates = report["events_per_s"]
    print(f"parity.bench {report['target']}: {report['steps']} steps in {report['cases']} cases, best of {args.repeats}")
    print(f"  python alone     {rates['python']:>12,.0f} events/s")
    print(f"  rust alone       {rates['rust']:>12,.0f} events/s")
    print(f"  lockstep         {rates['lockstep']:>12,.0f} events/s  ({report['lockstep_over_python']:.0%} of python alone)")
    print(f"  generation       {report['generation_events_per_s']:>12,.0f} events/s")
    print(f"  lockstep + generation {report['lockstep_with_generation_events_per_s']:>7,.0f} events/s")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
