"""``python -m parity.fuzz``: generate cases and run them through two backends in lockstep.

    python -m parity.fuzz --budget 60s                 # all targets, python vs rust
    python -m parity.fuzz --budget 500cases --seed 7 --target core --record
    python -m parity.fuzz --budget 10m --workers 2 --json-out fuzz.json

Each case: a seeded generator draws a scenario and its steps (``parity.generators``),
the lockstep runner compares every output and periodic state hashes, and a divergence
is shrunk (keeping its signature), reported (text, and JSON with ``--json-out``) and,
with ``--record``, written to ``fixtures/regressions/``. The budget includes shrinking.
Exit status: 0 clean, 1 divergence found, 2 usage or environment error.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from parity import generators
from parity.coverage import CoverageTracker
from parity.fixtures import display_path, record_regression
from parity.lockstep import Lockstep
from parity.mutants import MUTANTS, build_component, split_spec
from parity.report import build_report, explain, render_text
from parity.shrink import shrink
from parity.targets import get as get_target

EXIT_CLEAN, EXIT_DIVERGENCE, EXIT_USAGE = 0, 1, 2
_BUDGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|cases?|c)?\s*$")


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class Budget:
    seconds: float | None = None
    cases: int | None = None

    def describe(self) -> str:
        return f"{self.cases} cases" if self.cases is not None else f"{self.seconds:g}s"


def parse_budget(text: str) -> Budget:
    """``10m``, ``60s``, ``90`` (seconds), ``1h`` or ``500cases``."""
    match = _BUDGET.match(text)
    if not match:
        raise UsageError(f"bad --budget {text!r}: use e.g. 60s, 10m, 1h or 500cases")
    amount, unit = float(match.group(1)), (match.group(2) or "s")
    if unit in ("c", "case", "cases"):
        if amount < 1 or amount != int(amount):
            raise UsageError("a case budget is a positive whole number")
        return Budget(cases=int(amount))
    seconds = amount * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]
    if seconds <= 0:
        raise UsageError("a time budget must be positive")
    return Budget(seconds=seconds)


@dataclass
class Options:
    budget: Budget
    seed: int
    targets: list[str]
    backends: tuple[str, str]
    workers: int = 1
    record: bool = False
    length: int = 400
    hash_every: int = 64
    shrink: bool = True
    max_divergences: int = 1
    progress: bool = False


@dataclass
class WorkerResult:
    cases: int = 0
    steps: int = 0
    per_target: dict[str, dict[str, float]] = field(default_factory=dict)
    divergences: list[dict[str, Any]] = field(default_factory=list)
    coverage: CoverageTracker = field(default_factory=CoverageTracker)


def case_rng_seed(seed: int, target: str, index: int) -> str:
    """Cases are addressed by (seed, target, index): same seed, same cases."""
    return f"{seed}:{target}:{index}"


def _make_case(target: str, seed: int, index: int, length: int) -> tuple[dict[str, Any], list[str]]:
    import random

    return generators.get(target)(random.Random(case_rng_seed(seed, target, index)), length)


def _lockstep(options: Options, target: str, config: dict[str, Any], observer: Any = None) -> Lockstep:
    return Lockstep(get_target(target), options.backends, config, hash_every=options.hash_every,
                    builder=build_component, observer=observer)


def _handle_divergence(options: Options, target: str, index: int, config: dict[str, Any], steps: list[str],
                       divergence: Any, deadline: float | None) -> dict[str, Any]:
    signature = divergence.signature
    original_steps = len(steps)
    if options.shrink:
        def still_fails(candidate: list[str]) -> bool:
            found = _lockstep(options, target, config).run(candidate)
            return found is not None and found.signature == signature

        steps = shrink(steps, still_fails, deadline)
        divergence = _lockstep(options, target, config).run(steps) or divergence
    fixture_path = None
    if options.record:
        path, _ = record_regression(
            target=target, signature=signature, config=config, steps=steps, seed=options.seed,
            description=f"found by parity.fuzz seed {options.seed} case {index} ({options.backends[0]} vs "
                        f"{options.backends[1]}); shrunk from {original_steps} to {len(steps)} steps",
        )
        fixture_path = display_path(path)
    report = build_report(divergence, seed=options.seed, fixture_path=fixture_path)
    report["case_index"] = index
    report["shrunk_steps"] = len(steps)
    report["original_steps"] = original_steps
    report["steps"] = steps
    report["config"] = config
    report["text"] = render_text({k: v for k, v in report.items()}, explain(divergence))
    return report


def run_worker(options: Options, worker: int, deadline: float | None, counters: Any = None) -> WorkerResult:
    """Cases ``worker, worker + N, ...`` until the budget is spent or enough divergences."""
    result = WorkerResult()
    index = worker
    targets = options.targets
    case_seconds = 0.0
    while True:
        if options.budget.cases is not None and index >= options.budget.cases:
            break
        now = time.monotonic()
        # stop when the next case would likely overrun the time budget
        if deadline is not None and now + case_seconds > deadline:
            break
        target = targets[index % len(targets)]
        started = time.monotonic()
        config, steps = _make_case(target, options.seed, index, options.length)
        result.coverage.reset_case()
        runner = _lockstep(options, target, config, result.coverage if target == "core" else None)
        divergence = runner.run(steps)
        elapsed = time.monotonic() - started
        case_seconds = elapsed if case_seconds == 0 else 0.8 * case_seconds + 0.2 * elapsed
        stats = result.per_target.setdefault(target, {"cases": 0, "steps": 0, "seconds": 0.0, "divergences": 0})
        stats["cases"] += 1
        stats["steps"] += len(steps)
        stats["seconds"] += elapsed
        result.cases += 1
        result.steps += len(steps)
        if counters is not None:
            with counters[0].get_lock():
                counters[0].value += 1
                counters[1].value += len(steps)
        if divergence is not None:
            stats["divergences"] += 1
            result.divergences.append(_handle_divergence(options, target, index, config, steps, divergence, deadline))
            if counters is not None:
                with counters[2].get_lock():
                    counters[2].value += 1
            if len(result.divergences) >= options.max_divergences:
                break
        index += options.workers
    return result


_COUNTERS: Any = None


def _init_worker(counters: Any) -> None:
    global _COUNTERS
    _COUNTERS = counters


def _pool_entry(args: tuple[Options, int, float | None]) -> WorkerResult:
    options, worker, deadline = args
    return run_worker(options, worker, deadline, _COUNTERS)


def fuzz(options: Options, out=None) -> dict[str, Any]:
    """Run the whole fuzz session; return the summary document."""
    out = out or sys.stderr
    started = time.monotonic()
    deadline = None if options.budget.seconds is None else started + options.budget.seconds
    counters = (multiprocessing.Value("q", 0), multiprocessing.Value("q", 0), multiprocessing.Value("q", 0))
    if options.workers == 1:
        if options.progress:
            results = [_with_progress(lambda: run_worker(options, 0, deadline, counters), counters, started, out)]
        else:
            results = [run_worker(options, 0, deadline, counters)]
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(options.workers, initializer=_init_worker, initargs=(counters,)) as pool:
            pending = pool.map_async(_pool_entry, [(options, w, deadline) for w in range(options.workers)])
            while not pending.ready():
                pending.wait(0.5)
                if options.progress:
                    _print_progress(counters, started, out)
            results = pending.get()
    elapsed = time.monotonic() - started
    if options.progress:
        out.write("\n")
    return _summary(options, results, elapsed)


def _with_progress(run: Any, counters: Any, started: float, out: Any) -> WorkerResult:
    import threading

    done = threading.Event()

    def tick() -> None:
        while not done.wait(0.5):
            _print_progress(counters, started, out)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        return run()
    finally:
        done.set()
        thread.join()


def _print_progress(counters: Any, started: float, out: Any) -> None:
    elapsed = max(time.monotonic() - started, 1e-9)
    cases, steps, divergences = (c.value for c in counters)
    out.write(f"\r{elapsed:7.1f}s  cases {cases:>7}  steps {steps:>10}  {steps / elapsed:>9,.0f} steps/s  "
              f"divergences {divergences}   ")
    out.flush()


def _summary(options: Options, results: list[WorkerResult], elapsed: float) -> dict[str, Any]:
    coverage = CoverageTracker()
    per_target: dict[str, dict[str, Any]] = {}
    divergences: list[dict[str, Any]] = []
    for result in results:
        coverage.merge(result.coverage)
        divergences += result.divergences
        for target, stats in result.per_target.items():
            merged = per_target.setdefault(target, {"cases": 0, "steps": 0, "seconds": 0.0, "divergences": 0})
            for key in merged:
                merged[key] += stats[key]
    for stats in per_target.values():
        stats["events_per_s"] = stats["steps"] / stats["seconds"] if stats["seconds"] else 0.0
    divergences.sort(key=lambda report: report["case_index"])
    steps = sum(r.steps for r in results)
    return {
        "cases": sum(r.cases for r in results),
        "steps": steps,
        "events_per_s": steps / elapsed if elapsed else 0.0,
        "divergences": divergences,
        "per_target": per_target,
        "coverage": coverage.summary(),
        "seed": options.seed,
        "budget_s": options.budget.seconds,
        "budget_cases": options.budget.cases,
        "elapsed_s": elapsed,
        "backends": list(options.backends),
        "workers": options.workers,
        "targets": options.targets,
    }


def print_summary(summary: dict[str, Any], out=None) -> None:
    out = out or sys.stdout
    print(
        f"parity.fuzz: {summary['cases']} cases, {summary['steps']} steps in {summary['elapsed_s']:.1f}s "
        f"({summary['events_per_s']:,.0f} lockstep events/s), seed {summary['seed']}, "
        f"{summary['backends'][0]} vs {summary['backends'][1]}, {summary['workers']} worker(s)",
        file=out,
    )
    for target, stats in sorted(summary["per_target"].items()):
        print(f"  {target:<11} {stats['cases']:>6} cases {stats['steps']:>9} steps "
              f"{stats['events_per_s']:>10,.0f} events/s  divergences {stats['divergences']}", file=out)
    transitions = summary["coverage"]["transitions"]
    codes = summary["coverage"]["codes"]
    if transitions["hit"] or codes["hit"]:
        print(f"  coverage: {transitions['hit']}/{transitions['total']} (state, trigger, code) triples, "
              f"{codes['hit']}/{codes['total']} result codes", file=out)
        if codes["missing"]:
            print(f"  codes never produced: {', '.join(codes['missing'])}", file=out)
    if not summary["divergences"]:
        print("  no divergence", file=out)
    for report in summary["divergences"]:
        print(report["text"], file=out)
        print(f"  (case {report['case_index']}, shrunk {report['original_steps']} -> {report['shrunk_steps']} steps)",
              file=out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m parity.fuzz",
        description="Differential fuzzing: run generated cases through two backends in lockstep, "
        "shrink and report the first divergence. Exit 0 clean, 1 divergence, 2 usage/environment error.",
        epilog="Examples: --budget 60s | --budget 10m --workers 2 | --budget 500cases --seed 7 --record. "
        "Replay a recorded case with: python -m parity.replay fixtures/regressions/<name>.json",
    )
    parser.add_argument("--budget", default="60s",
                        help="time (60s, 10m, 1h) or case count (500cases); includes shrinking (default 60s)")
    parser.add_argument("--seed", type=int, default=None, help="seed; same seed, same cases (default: from the clock, printed)")
    parser.add_argument("--target", default=None,
                        help="comma-separated targets (default: every target whose generator and component exist)")
    parser.add_argument("--backends", default="python,rust", help="two backends to compare (default python,rust)")
    parser.add_argument("--mutant", choices=sorted(MUTANTS), default=None,
                        help="compare python with a planted-bug python (proves the harness catches it)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--record", action="store_true", help="write minimized divergences to fixtures/regressions/")
    parser.add_argument("--json-out", metavar="PATH", help="write the summary as JSON")
    parser.add_argument("--length", type=int, default=400, help="steps per case (default 400)")
    parser.add_argument("--hash-every", type=int, default=64, help="compare state hashes every K steps (default 64)")
    parser.add_argument("--no-shrink", action="store_true", help="report divergences without minimizing them")
    parser.add_argument("--max-divergences", type=int, default=1,
                        help="stop a worker after this many divergences (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def options_from_args(args: argparse.Namespace) -> Options:
    from cracktrader.backend import RUST, resolve_backend, rust_available

    budget = parse_budget(args.budget)
    if args.workers < 1 or args.length < 1 or args.hash_every < 1 or args.max_divergences < 1:
        raise UsageError("--workers, --length, --hash-every and --max-divergences must be >= 1")
    if args.mutant:
        backends = ("python", f"python~{args.mutant}")
    else:
        specs = [token.strip() for token in args.backends.split(",") if token.strip()]
        if len(specs) != 2:
            raise UsageError("--backends takes exactly two backends, e.g. python,rust")
        backends = (specs[0], specs[1])
    for spec in backends:
        backend, _ = split_spec(spec)
        resolve_backend(backend)
        if backend == RUST and not rust_available():
            raise UsageError('the rust backend is not built; build it with: pip install -e ".[dev]"')
    known = generators.available()
    if args.mutant:
        known = [MUTANTS[args.mutant].target]
    targets = known if args.target is None else [t.strip() for t in args.target.split(",") if t.strip()]
    unknown = [t for t in targets if t not in generators.MODULES]
    missing = [t for t in targets if t in generators.MODULES and t not in generators.available()]
    if unknown or missing or not targets:
        raise UsageError(f"unknown targets {unknown}, targets not available yet {missing}; "
                         f"available: {', '.join(generators.available())}")
    seed = args.seed if args.seed is not None else int(time.time()) % (2**31)
    return Options(
        budget=budget, seed=seed, targets=targets, backends=backends, workers=args.workers, record=args.record,
        length=args.length, hash_every=args.hash_every, shrink=not args.no_shrink,
        max_divergences=args.max_divergences, progress=not args.quiet and sys.stderr.isatty(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options = options_from_args(args)
    except (UsageError, KeyError, ValueError) as exc:
        print(f"parity.fuzz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # e.g. InvalidConfig for a bad backend token
        print(f"parity.fuzz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"parity.fuzz: seed {options.seed}, budget {options.budget.describe()}, targets "
          f"{', '.join(options.targets)}, {options.backends[0]} vs {options.backends[1]}", file=sys.stderr)
    summary = fuzz(options)
    print_summary(summary)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump({k: v for k, v in summary.items()}, handle, indent=2, sort_keys=True, default=str)
            handle.write("\n")
    return EXIT_DIVERGENCE if summary["divergences"] else EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
