"""A seeded, realistic input stream for the recovery tests, crash driver and benchmark.

Simulated-mode trading on two instruments: one bar per instrument per tick (a random
walk with consistent OHLC), market / limit / stop orders of both sides, ioc orders,
cancels of earlier orders, timers and an occasional kill-switch flip. Every input
carries the next ``seq_id`` (1, 2, 3, ...), so a consumer can resume the stream at any
``seq_id`` and get exactly the inputs an uninterrupted run would have seen.

The generator never looks at a core: some cancels address orders that have already
ended and are refused, as they would be in a real run. Nothing here reads a clock.
"""

from __future__ import annotations

import random
from typing import Any, Iterator

from cracktrader.bench.workload import VENUE, place

INSTRUMENTS = ("BTC/USDT", "ETH/USDT")
BAR_MS = 60_000
START_TIME = 1_700_000_000_000
CONFIG: dict[str, Any] = {
    "mode": "simulated",
    "starting_cash": "10000000",
    "commission_rate": "0.001",
    "late_policy": "reject",
}


def _price(value: float) -> str:
    # Two decimals: a decimal string, never a float (the inputs stay exact).
    return f"{value:.2f}"


def generate(seed: int, count: int) -> Iterator[dict[str, Any]]:
    """The first ``count`` inputs of stream ``seed`` (seq_id 1..count)."""
    rng = random.Random(seed)
    prices = {instrument: 100.0 + 50.0 * index for index, instrument in enumerate(INSTRUMENTS)}
    placed: list[str] = []
    seq_id = 0
    tick = 0
    order_n = 0
    while True:
        tick += 1
        time = START_TIME + tick * BAR_MS
        step_inputs: list[dict[str, Any]] = []
        for instrument in INSTRUMENTS:
            open_ = prices[instrument]
            close = max(1.0, open_ * (1.0 + rng.gauss(0.0, 0.01)))
            high = max(open_, close) * (1.0 + abs(rng.gauss(0.0, 0.004)))
            low = min(open_, close) * (1.0 - abs(rng.gauss(0.0, 0.004)))
            prices[instrument] = close
            step_inputs.append(
                {
                    "kind": "event",
                    "event_time": time,
                    "ingest_time": time,
                    "source": "market_data",
                    "venue": VENUE,
                    "instrument": instrument,
                    "event_type": "bar",
                    "payload": {
                        "open": _price(open_),
                        "high": _price(high + 0.01),
                        "low": _price(max(0.01, low - 0.01)),
                        "close": _price(close),
                        "volume": str(rng.randint(1, 1000)),
                        "timeframe_ms": BAR_MS,
                    },
                    "idempotency_key": None,
                    "producer": 0,
                }
            )
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            roll = rng.random()
            if roll < 0.72 or not placed:
                order_n += 1
                order_id = f"o{seed}-{order_n}"
                placed.append(order_id)
                step_inputs.append(_place(rng, order_id, seed, prices))
            elif roll < 0.9:
                step_inputs.append(
                    {"kind": "intent", "intent_type": "cancel_order", "payload": {"order_id": rng.choice(placed[-20:])}}
                )
            elif roll < 0.97:
                step_inputs.append(
                    {
                        "kind": "event",
                        "event_time": time,
                        "ingest_time": time,
                        "source": "timer",
                        "venue": None,
                        "instrument": None,
                        "event_type": "timer",
                        "payload": {"name": "heartbeat"},
                        "idempotency_key": None,
                        "producer": 0,
                    }
                )
            else:
                step_inputs.append({"kind": "intent", "intent_type": "noop", "payload": {}})
        for item in step_inputs:
            seq_id += 1
            if seq_id > count:
                return
            item["seq_id"] = seq_id
            yield item


def _place(rng: random.Random, order_id: str, seed: int, prices: dict[str, float]) -> dict[str, Any]:
    instrument = rng.choice(INSTRUMENTS)
    side = rng.choice(("buy", "sell"))
    price = prices[instrument]
    order_type = rng.choices(("market", "limit", "stop"), weights=(5, 4, 1))[0]
    limit_price = stop_price = None
    away = 1.0 + rng.uniform(-0.01, 0.01)
    if order_type == "limit":
        limit_price = _price(price * away)
    elif order_type == "stop":
        stop_price = _price(price * (1.005 if side == "buy" else 0.995))
    qty = f"{rng.randint(1, 100) / 100:.2f}"
    time_in_force = "ioc" if rng.random() < 0.1 else "gtc"
    # seq_id 0 is a placeholder: the stream numbers every input when it emits it.
    return place(0, order_id, instrument, side, order_type, qty, limit_price, stop_price,
                 time_in_force=time_in_force, strategy_id=f"s{seed}")
