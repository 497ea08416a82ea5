"""Lockstep feed fuzzing: both backends, the same generated inputs, byte-compared.

``run_case(seed)`` expands a seed into a scenario and a trade stream
(``cracktrader.feeds.generate``), feeds the same chunks through the Python and the
Rust aggregator via randomly chosen entry points (lists of dicts, raw JSON frames,
columns, batches, ``apply``, ``apply_jsonl``, the functional form, flush /
close_until, snapshot and restore), and compares the canonical JSON of every output
and both state hashes. It also compares the normalizers, the batch parsers and the
reorder buffer on the same data. It returns ``None`` or the first divergence.

``python -m cracktrader.feeds.fuzz --budget 60`` loops over seeds until the budget is
spent, prints progress and a summary, and exits 1 on any divergence (2 when the Rust
backend is missing). The future ``parity`` package's ``feed`` target can call
``run_case`` directly.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any, Callable

from cracktrader.engine.canonical import canonical_bytes
from cracktrader.feeds import python_bridge, rust_bridge
from cracktrader.feeds.generate import (
    Scenario,
    draw_scenario,
    generate_candles,
    generate_ohlcv_rows,
    generate_trades,
    to_columns,
    to_frames,
    to_venue_frames,
)

DIALECT_FRAMES = (
    b'{"error": [], "result": {"XBTUSDT": [["73324.40000", "0.01030900", 1710327959.1733468, '
    b'"b", "m", "", 6324366, "1710327959173746878"]], "last": "1710327959173746878"}}',
    b'[{"amount": "0.00055284", "date": "1710327533", "price": "73254", "tid": "326595342", '
    b'"type": "0"}]',
)


def _outcome(call: Callable[[], Any]) -> tuple[str, bytes]:
    """A call's canonical result, or the class of what it raised (classes must match)."""
    try:
        value = call()
    except Exception as exc:  # compared across backends: both must raise the same class
        return ("raised", type(exc).__name__.encode())
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, bytes):  # apply_jsonl already returns canonical lines
        return ("ok", value)
    return ("ok", canonical_bytes(value))


class Lockstep:
    """Runs the same operation on both bridges and records the first divergence."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.python = python_bridge()
        self.rust = rust_bridge()
        self.steps = 0
        self.divergence: dict[str, Any] | None = None

    def check(self, label: str, operation: Callable[[Any], Any]) -> None:
        """Run ``operation(bridge)`` on both bridges; record the first differing outcome."""
        if self.divergence is not None:
            return
        left = _outcome(lambda: operation(self.python))
        right = _outcome(lambda: operation(self.rust))
        self.steps += 1
        if left != right:
            self.divergence = {
                "seed": self.seed, "step": self.steps, "operation": label,
                "python": left[1].decode("utf-8", "replace")[:2000],
                "rust": right[1].decode("utf-8", "replace")[:2000],
                "replay": f"python -m cracktrader.feeds.fuzz --seed {self.seed} --cases 1",
            }


def run_case(seed: int, count: int = 400, scenario: Scenario | None = None) -> dict[str, Any] | None:
    """One lockstep case; ``None`` when both backends agreed on everything."""
    rng = random.Random(seed)
    scenario = scenario or draw_scenario(rng)
    trades = generate_trades(seed, count, scenario)
    lock = Lockstep(seed)
    tf = scenario.timeframe_ms
    aggregators = {"python": lock.python.TradeAggregator(tf), "rust": lock.rust.TradeAggregator(tf)}
    state: dict[str, Any] = {"python": None, "rust": None}

    def agg(bridge: Any) -> Any:
        return aggregators[bridge.name]

    position = 0
    while position < len(trades) and lock.divergence is None:
        size = rng.choice([1, 2, 5, 17, 64])
        chunk = trades[position:position + size]
        position += size
        mode = rng.choice(["dicts", "json", "columns", "batch", "apply", "jsonl", "functional",
                           "flush", "snapshot"])
        if mode == "dicts":
            lock.check("push_dicts", lambda b: agg(b).push_dicts(chunk))
        elif mode == "json":
            frames = to_frames(chunk, rng.choice([1, 3, 50]))
            lock.check("push_json", lambda b: agg(b).push_json(frames))
        elif mode == "columns":
            columns = to_columns(chunk)
            with_ids = rng.random() < 0.5
            lock.check("push_columns", lambda b: agg(b).push_columns(
                *columns[:3], ids=columns[3] if with_ids else None))
        elif mode == "batch":
            lock.check("push(batch)", lambda b: agg(b).push(b.trades_from_dicts(chunk)))
        elif mode == "apply":
            lock.check("apply_batch", lambda b: agg(b).apply_batch(chunk))
        elif mode == "jsonl":
            lines = [json.dumps(payload, default=repr).encode() for payload in chunk]
            if rng.random() < 0.3:
                lines.insert(rng.randrange(len(lines) + 1), rng.choice([b"", b"{", b"NaN", b"\xff"]))
            data = b"\n".join(lines) + b"\n"
            lock.check("apply_jsonl", lambda b: agg(b).apply_jsonl(data))
        elif mode == "functional":
            def functional(b: Any) -> Any:
                state[b.name] = b.aggregate_trade_bucket(state[b.name], chunk, tf)
                return state[b.name]
            lock.check("aggregate_trade_bucket", functional)
        elif mode == "flush":
            now = rng.choice([0, 10**12, 2**63])
            lock.check("close_until", lambda b: agg(b).close_until(now))
            if rng.random() < 0.3:
                lock.check("flush", lambda b: agg(b).flush())
        else:
            lock.check("snapshot", lambda b: agg(b).snapshot())
            snap = aggregators["python"].snapshot()
            lock.check("restore", lambda b: (agg(b).restore(snap), agg(b).state_hash())[1])
    lock.check("final", lambda b: (agg(b).flush(), agg(b).snapshot(), agg(b).state_hash()))
    for payload in trades[: 60]:
        lock.check("normalize_trade_payload", lambda b: _normalized(b, payload))
    frames = to_frames(trades, rng.choice([1, 7, 100]))
    lock.check("parse_trades_json", lambda b: b.parse_trades_json(frames))
    for dialect in ("kraken", "bitstamp", "gemini", "bitvavo", "ccxt"):
        lock.check(f"parse_trades_json[{dialect}]",
                   lambda b: b.parse_trades_json(list(DIALECT_FRAMES) + frames[:3], dialect))
    for dialect in ("kraken", "bitstamp", "gemini", "bitvavo"):
        venue = to_venue_frames(trades, dialect, rng.choice([1, 10, 100]))
        lock.check(f"venue frames[{dialect}]", lambda b: b.parse_trades_json(venue, dialect))
        lock.check(f"venue candles[{dialect}]",
                   lambda b: (lambda a: [a.push_json(venue, dialect), a.flush(), a.snapshot()])(b.TradeAggregator(tf)))
    columns = to_columns(trades)
    lock.check("trades_from_columns", lambda b: b.trades_from_columns(*columns[:3], ids=columns[3]))
    rows = generate_ohlcv_rows(seed, 80)
    lock.check("ohlcv_from_rows", lambda b: b.ohlcv_from_rows(rows))
    for dialect in ("ccxt", "kraken"):
        lock.check(f"normalize_ohlcv[{dialect}]",
                   lambda b: [_normalized_row(b, row, dialect) for row in rows])
    lock.check("parse_ohlcv_json", lambda b: b.parse_ohlcv_json(to_frames(rows, 9)))
    candles = generate_candles(seed, 120)
    lock.check("sort_reorder_buffer", lambda b: b.sort_reorder_buffer(candles))
    return lock.divergence


def _normalized(bridge: Any, payload: Any) -> Any:
    counters: dict[str, int] = {}
    return [bridge.normalize_trade_payload(payload, counters=counters), counters]


def _normalized_row(bridge: Any, row: Any, dialect: str) -> Any:
    counters: dict[str, int] = {}
    return [bridge.normalize_ohlcv_payload(row, dialect, counters), counters]


def main(argv: list[str] | None = None) -> int:
    """Command line: loop over seeds until the budget (seconds) or case count is spent."""
    parser = argparse.ArgumentParser(
        prog="python -m cracktrader.feeds.fuzz",
        description="Lockstep feed fuzzing of the Python and Rust backends.",
    )
    parser.add_argument("--budget", type=float, default=60.0, help="seconds to run (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--cases", type=int, default=None, help="stop after this many cases")
    parser.add_argument("--size", type=int, default=400, help="trades per case (default 400)")
    args = parser.parse_args(argv)
    from cracktrader.backend import rust_available

    if not rust_available():
        print("the Rust extension is not built; nothing to compare", file=sys.stderr)
        return 2
    started = time.monotonic()
    cases = 0
    trades = 0
    seed = args.seed
    next_report = started + 10
    while True:
        if args.cases is not None and cases >= args.cases:
            break
        if args.cases is None and time.monotonic() - started >= args.budget:
            break
        divergence = run_case(seed, args.size)
        cases += 1
        trades += args.size
        if divergence is not None:
            print("DIVERGENCE", divergence)
            return 1
        seed += 1
        if time.monotonic() >= next_report:
            next_report += 10
            print(f"... {cases} cases, {trades} trades, {time.monotonic() - started:.0f}s", flush=True)
    elapsed = max(time.monotonic() - started, 1e-9)
    print(f"feed fuzz: {cases} cases (seeds {args.seed}..{seed - 1}), {trades} generated trades, "
          f"{trades / elapsed:.0f} trades/s, 0 divergences in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
