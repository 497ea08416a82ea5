"""Seeded, realistic core workloads for benchmarks (not for tests' expectations).

``core_stream(n, seed)`` mixes bars of several instruments with strategy intents so
that, in simulated mode, a large share of inputs book fills and few are refused: the
shape issue 4 asks the core benchmark to measure (>= 30% of inputs book fills, <= 5%
refused). The mix is fixed by the seed, so every backend sees the same stream.
"""

from __future__ import annotations

import random
from typing import Any

INSTRUMENTS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT")
VENUE = "sim"
TIMEFRAME_MS = 60_000
WORKLOAD_CONFIG = {"mode": "simulated", "starting_cash": "1000000000", "commission_rate": "0.001"}


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def bar(seq_id: int, time: int, instrument: str, open_: float, high: float, low: float, close: float) -> dict[str, Any]:
    return {
        "kind": "event",
        "seq_id": seq_id,
        "event_time": time,
        "ingest_time": time,
        "source": "market_data",
        "venue": VENUE,
        "instrument": instrument,
        "event_type": "bar",
        "payload": {
            "open": _fmt(open_),
            "high": _fmt(high),
            "low": _fmt(low),
            "close": _fmt(close),
            "volume": "12.5",
            "timeframe_ms": TIMEFRAME_MS,
        },
        "idempotency_key": None,
        "producer": 0,
    }


def place(
    seq_id: int,
    order_id: str,
    instrument: str,
    side: str,
    order_type: str,
    qty: str,
    limit_price: str | None = None,
    stop_price: str | None = None,
    time_in_force: str = "gtc",
    strategy_id: str = "bench",
) -> dict[str, Any]:
    """A ``place_order`` intent on the benchmark venue (no parent, no OCO group)."""
    return {
        "kind": "intent",
        "seq_id": seq_id,
        "intent_type": "place_order",
        "payload": {
            "intent_id": "i-" + order_id,
            "order_id": order_id,
            "instrument": instrument,
            "venue": VENUE,
            "side": side,
            "order_type": order_type,
            "qty": qty,
            "limit_price": limit_price,
            "stop_price": stop_price,
            "time_in_force": time_in_force,
            "expire_time": None,
            "parent_order_id": None,
            "oco_group": None,
            "strategy_id": strategy_id,
        },
    }


def cancel(seq_id: int, order_id: str) -> dict[str, Any]:
    return {"kind": "intent", "seq_id": seq_id, "intent_type": "cancel_order", "payload": {"order_id": order_id}}


def core_stream(events: int, seed: int = 7) -> list[dict[str, Any]]:
    """``events`` inputs: half bars (round-robin over instruments), half intents.

    Intents are mostly market and marketable limit orders (they fill on the next bar
    of their instrument), some resting limits and stops, and a few cancels of orders
    that may already be gone (refused as illegal_transition or unknown_order).
    """
    rng = random.Random(seed)
    prices = {name: 100.0 * (index + 1) for index, name in enumerate(INSTRUMENTS)}
    placed: list[str] = []
    out: list[dict[str, Any]] = []
    time = 1_700_000_000_000
    bar_index = 0
    for seq_id in range(1, events + 1):
        if seq_id % 2 == 1:
            instrument = INSTRUMENTS[bar_index % len(INSTRUMENTS)]
            bar_index += 1
            if bar_index % len(INSTRUMENTS) == 0:
                time += TIMEFRAME_MS
            last = prices[instrument]
            open_ = last * (1 + rng.uniform(-0.002, 0.002))
            close = open_ * (1 + rng.uniform(-0.01, 0.01))
            high = max(open_, close) * (1 + rng.uniform(0, 0.004))
            low = min(open_, close) * (1 - rng.uniform(0, 0.004))
            prices[instrument] = close
            out.append(bar(seq_id, time, instrument, open_, high, low, close))
            continue
        instrument = rng.choice(INSTRUMENTS)
        price = prices[instrument]
        side = rng.choice(("buy", "sell"))
        order_id = f"o{seq_id}"
        roll = rng.random()
        if roll < 0.55:
            out.append(place(seq_id, order_id, instrument, side, "market", "0.5"))
        elif roll < 0.80:
            limit = price * (1.01 if side == "buy" else 0.99)  # marketable
            out.append(place(seq_id, order_id, instrument, side, "limit", "0.25", _fmt(limit)))
        elif roll < 0.90:
            limit = price * (0.97 if side == "buy" else 1.03)  # resting
            out.append(place(seq_id, order_id, instrument, side, "limit", "0.1", _fmt(limit), time_in_force="ioc"))
        elif roll < 0.96:
            stop = price * (1.002 if side == "buy" else 0.998)
            out.append(place(seq_id, order_id, instrument, side, "stop", "0.2", None, _fmt(stop)))
        else:
            target = rng.choice(placed) if placed else "missing"
            out.append(cancel(seq_id, target))
            continue
        placed.append(order_id)
    return out
