"""``python -m cracktrader.bench backtest``: an SMA-cross backtest end to end, every engine.

Runs the SMA-cross strategy (``examples/sma_cross.py``'s logic) on seeded synthetic
1-minute bars with the python core and the rust core in one process, and with
Backtrader (if installed) on the first ``--bt-bars`` bars of the same data. The bars are
generated once, as columns in memory; each timed run is then the whole backtest:
loading and validating the bars, computing the indicators, the bar loop, the orders.
Reported per engine: bars/s (median and best of
``--iterations`` timed runs), and the peak resident memory of a fresh process running
one backtest (``VmHWM``, which also sees the Rust core's allocations) next to the same
process's footprint before the run.

It refuses to report figures when the cores disagree: the run results
(``RunResult.comparable()``: intent stream hash, state hash, orders, fills, trades,
final value) must be identical, and Backtrader's trades and final value must match
cracktrader's on the bars it ran (to 1e-6).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from cracktrader.backend import rust_available
from cracktrader.bench.timing import build_profile, measure

START_MS = 1_577_836_800_000  # 2020-01-01
STEP_MS = 60_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bars", type=int, default=1_000_000, help="synthetic 1-minute bars (default 1000000)")
    parser.add_argument(
        "--backend",
        default=None,
        help="comma-separated core backends (default: python,rust when the rust core is available, else python)",
    )
    parser.add_argument("--iterations", type=int, default=5, help="timed runs per engine, at least 5 (default 5)")
    parser.add_argument("--warmup", type=int, default=0, help="untimed runs first (default 0: each run is long)")
    parser.add_argument("--seed", type=int, default=7, help="data seed (default 7)")
    parser.add_argument("--fast", type=int, default=10, help="fast SMA period (default 10)")
    parser.add_argument("--slow", type=int, default=30, help="slow SMA period (default 30)")
    parser.add_argument(
        "--backtrader",
        choices=("auto", "off"),
        default="auto",
        help="also time Backtrader when it is installed (default auto)",
    )
    parser.add_argument(
        "--bt-bars",
        type=int,
        default=100_000,
        help="bars for Backtrader, the first N of the same data (default 100000; it is ~20x slower)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocess runs")
    parser.add_argument("--json-out", metavar="PATH", help="write the figures as JSON")


# ------------------------------------------------------------------ the strategy
def sma_cross_class(fw: Any) -> type:
    """The example's SMA-cross strategy for ``fw`` (cracktrader or backtrader)."""

    class SmaCross(fw.Strategy):
        params = (("fast", 10), ("slow", 30))

        def __init__(self):
            fast = fw.ind.SMA(self.data.close, period=self.p.fast)
            slow = fw.ind.SMA(self.data.close, period=self.p.slow)
            self.crossover = fw.ind.CrossOver(fast, slow)

        def next(self):
            if not self.position:
                if self.crossover > 0:
                    self.buy()
            elif self.crossover < 0:
                self.close()

    return SmaCross


def make_columns(seed: int, bars: int) -> dict[str, Any]:
    """The benchmark's bars as columns (``array`` of int times and float values)."""
    from array import array

    from cracktrader.feeds.synthetic import synthetic_rows

    names = ("datetime", "open", "high", "low", "close", "volume", "openinterest")
    columns = {name: array("q" if name == "datetime" else "d") for name in names}
    appends = [columns[name].append for name in names]
    for row in synthetic_rows(seed, bars, start=START_MS, step_ms=STEP_MS):
        for append, value in zip(appends, row):
            append(value)
    return columns


def _head(columns: dict[str, Any], bars: int) -> dict[str, Any]:
    return {name: column[:bars] for name, column in columns.items()}


def run_cracktrader(backend: str, columns: dict[str, Any], fast: int, slow: int):
    """One backtest on a fresh Cerebro; returns the RunResult."""
    import cracktrader as ct

    cerebro = ct.Cerebro(engine_backend=backend)
    cerebro.adddata(ct.feeds.InMemoryData(dataname=columns, timeframe=ct.TimeFrame.Minutes))
    cerebro.addstrategy(sma_cross_class(ct), fast=fast, slow=slow)
    cerebro.run()
    return cerebro.run_result


def run_backtrader(columns: dict[str, Any], fast: int, slow: int):
    """The same backtest in Backtrader; returns (final value, closed trades)."""
    import backtrader as bt

    from cracktrader.strategy.lines import ms_to_datetime

    names = ("datetime", "open", "high", "low", "close", "volume", "openinterest")

    class ColumnFeed(bt.feed.DataBase):
        def start(self):
            super().start()
            self._source = zip(*(columns[name] for name in names))

        def _load(self):
            row = next(self._source, None)
            if row is None:
                return False
            stamp, open_, high, low, close, volume, interest = row
            lines = self.lines
            lines.datetime[0] = bt.date2num(ms_to_datetime(stamp))
            lines.open[0], lines.high[0], lines.low[0], lines.close[0] = open_, high, low, close
            lines.volume[0], lines.openinterest[0] = volume, interest
            return True

    closed: list[tuple[float, float]] = []

    class Recording(sma_cross_class(bt)):
        def notify_trade(self, trade):
            if trade.isclosed:
                closed.append((trade.pnl, trade.pnlcomm))

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(ColumnFeed(timeframe=bt.TimeFrame.Minutes, compression=1))
    cerebro.addstrategy(Recording, fast=fast, slow=slow)
    cerebro.run()
    return cerebro.broker.getvalue(), closed


# ----------------------------------------------------------------------- memory
_CHILD = r"""
import json, sys
from cracktrader.bench import backtest as b
engine, bars, seed, fast, slow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
if engine == "backtrader":
    import backtrader
else:
    import cracktrader.strategy, cracktrader.indicators, cracktrader.feeds.memory
    from cracktrader.engine import build_core
    build_core(backend=engine)
columns = b.make_columns(seed, bars)
before = b.peak_rss_kib()
if engine == "backtrader":
    b.run_backtrader(columns, fast, slow)
else:
    b.run_cracktrader(engine, columns, fast, slow)
print(json.dumps({"before_kib": before, "peak_kib": b.peak_rss_kib()}))
"""


def peak_rss_kib() -> int:
    """This process's peak resident memory in KiB.

    Linux: ``VmHWM`` of ``/proc/self/status``, which starts afresh in a new program;
    ``ru_maxrss`` would carry the parent's peak across fork and exec. Elsewhere:
    ``ru_maxrss`` (KiB on Linux and BSD, bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def peak_memory(engine: str, bars: int, seed: int, fast: int, slow: int) -> dict[str, float]:
    """Peak resident memory (MiB) of a fresh process running one backtest, and its
    footprint before the run (imports and the generated bars, the same for every
    engine)."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, engine, str(bars), str(seed), str(fast), str(slow)],
        check=True, capture_output=True, text=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return {"before_mib": figures["before_kib"] / 1024, "peak_mib": figures["peak_kib"] / 1024}


# ------------------------------------------------------------------------- run
def parse_backends(text: str | None) -> list[str]:
    from cracktrader.backend import resolve_backend

    if text is None:
        return ["python", "rust"] if _rust_core_available() else ["python"]
    backends = [resolve_backend(token) for token in text.split(",") if token.strip()]
    if not backends:
        raise ValueError("no backend given")
    return backends


def _rust_core_available() -> bool:
    if not rust_available():
        return False
    from cracktrader.engine import build_core
    from cracktrader.engine.errors import BackendUnavailable

    try:
        build_core(backend="rust")
    except BackendUnavailable:
        return False
    return True


def _backtrader_available() -> bool:
    try:
        import backtrader  # noqa: F401
    except ImportError:
        return False
    return True


def run(args: argparse.Namespace) -> dict[str, Any]:
    backends = parse_backends(args.backend)
    report: dict[str, Any] = {
        "workload": {"bars": args.bars, "seed": args.seed, "fast": args.fast, "slow": args.slow,
                     "timeframe": "1m synthetic", "iterations": args.iterations},
        "build_profile": build_profile(),
        "engines": {},
    }
    reference = None
    disagreements: list[str] = []
    columns = make_columns(args.seed, args.bars)
    for backend in backends:
        result = run_cracktrader(backend, columns, args.fast, args.slow)
        comparable = result.comparable()
        if reference is None:
            reference = (backend, comparable, result)
        elif comparable != reference[1]:
            differing = sorted(key for key in comparable if comparable[key] != reference[1][key])
            disagreements.append(f"{backend} vs {reference[0]}: {', '.join(differing)}")
        timing = measure(
            lambda: run_cracktrader(backend, columns, args.fast, args.slow),
            warmup=args.warmup, iterations=args.iterations,
        )
        figures = {"bars_per_s": args.bars / timing.median, "best_bars_per_s": args.bars / timing.min,
                   "seconds": timing.median, "trades": len(result.trades), "final_value": result.final_value,
                   "intent_hash": result.intent_hash}
        if not args.no_memory:
            figures.update(peak_memory(backend, args.bars, args.seed, args.fast, args.slow))
        report["engines"][backend] = figures
    if args.backtrader == "auto" and _backtrader_available():
        bt_bars = min(args.bt_bars, args.bars)
        head = _head(columns, bt_bars)
        value, closed = run_backtrader(head, args.fast, args.slow)
        mine = run_cracktrader(backends[0], head, args.fast, args.slow)
        same = len(closed) == len(mine.trades) and abs(value - float(mine.final_value)) <= 1e-6 and all(
            abs(pnl - float(trade["pnl"])) <= 1e-6 for (pnl, _), trade in zip(closed, mine.trades)
        )
        if not same:
            disagreements.append(f"backtrader: {len(closed)} trades, value {value} vs cracktrader "
                                 f"{len(mine.trades)} trades, value {mine.final_value}")
        timing = measure(lambda: run_backtrader(head, args.fast, args.slow),
                         warmup=args.warmup, iterations=args.iterations)
        figures = {"bars": bt_bars, "bars_per_s": bt_bars / timing.median, "best_bars_per_s": bt_bars / timing.min,
                   "seconds": timing.median, "trades": len(closed), "final_value": value}
        if not args.no_memory:
            figures.update(peak_memory("backtrader", bt_bars, args.seed, args.fast, args.slow))
        report["engines"]["backtrader"] = figures
    engines = report["engines"]
    if "python" in engines and "rust" in engines:
        report["rust_over_python"] = engines["rust"]["bars_per_s"] / engines["python"]["bars_per_s"]
    if "backtrader" in engines:
        report["over_backtrader"] = {
            name: figures["bars_per_s"] / engines["backtrader"]["bars_per_s"]
            for name, figures in engines.items() if name != "backtrader"
        }
    report["agreement"] = {"ok": not disagreements, "disagreements": disagreements}
    return report


def print_report(report: dict[str, Any], out=None) -> None:
    out = out or sys.stdout
    work = report["workload"]
    print(f"backtest benchmark: SMA({work['fast']})/SMA({work['slow']}) cross on {work['bars']} synthetic 1m bars "
          f"(seed {work['seed']}), {work['iterations']} timed runs each, rust build: {report['build_profile']}",
          file=out)
    print(f"{'engine':<11} {'bars':>9} {'bars/s (median)':>16} {'best':>10} {'median s':>9} {'trades':>7} "
          f"{'peak MiB':>9} {'base MiB':>9}", file=out)
    for name, fig in report["engines"].items():
        bars = fig.get("bars", work["bars"])
        peak = f"{fig['peak_mib']:9.1f}" if "peak_mib" in fig else f"{'-':>9}"
        base = f"{fig['before_mib']:9.1f}" if "before_mib" in fig else f"{'-':>9}"
        print(f"{name:<11} {bars:>9} {fig['bars_per_s']:>16,.0f} {fig['best_bars_per_s']:>10,.0f} "
              f"{fig['seconds']:>9.2f} {fig['trades']:>7} {peak} {base}", file=out)
    if "rust_over_python" in report:
        print(f"rust/python end to end: {report['rust_over_python']:.2f}x", file=out)
    for name, ratio in report.get("over_backtrader", {}).items():
        print(f"{name}/backtrader: {ratio:.2f}x", file=out)
    agreement = report["agreement"]
    print("trades, fills, orders, intent stream and final value identical across engines" if agreement["ok"]
          else f"DISAGREEMENT: {agreement['disagreements']}", file=out)


def main(args: argparse.Namespace) -> int:
    try:
        parse_backends(args.backend)
    except Exception as exc:  # a bad token is a usage error
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.backend and "rust" in args.backend and not _rust_core_available():
        print("error: the rust core is not available in this build; build it with: pip install -e \".[dev]\"",
              file=sys.stderr)
        return 2
    if args.iterations < 5 or args.bars < 1:
        print("error: at least 5 iterations and 1 bar", file=sys.stderr)
        return 2
    started = time.perf_counter()
    report = run(args)
    report["wall_seconds"] = time.perf_counter() - started
    print_report(report)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
            handle.write("\n")
    return 0 if report["agreement"]["ok"] else 1
