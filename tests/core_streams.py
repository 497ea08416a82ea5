"""Seeded random input streams for the core: plausible trading plus hostile inputs.

Used by the core's differential test (python vs rust) and by its unit tests. A
``StreamGenerator(seed, mode=..., hostility=...)`` yields input dicts (and, rarely,
non-dict Python objects) one at a time; the same seed always yields the same stream.
Nothing here imports a backend: the stream is data only.

Plausible inputs follow a small model of the market (a random-walk price per
instrument, bar times that mostly advance, sometimes jump, sometimes go back) and of
the orders placed so far (ids reused by cancels, replaces and broker reports).
Hostile inputs take a plausible one and break one thing: a missing or unknown key, a
wrong type, a malformed or huge number, NaN/inf, a lone surrogate, a control
character, a reused seq_id, a replayed report.
"""

from __future__ import annotations

import copy
import random
from collections import OrderedDict
from typing import Any


class _Str(str):
    """A str subclass: not a JSON type for the core (D-007)."""


class _Int(int):
    """An int subclass."""


class _Float(float):
    """A float subclass."""

VENUES = ("binance", "kraken")
INSTRUMENTS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")
ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
TIFS = ("gtc", "gtc", "gtc", "ioc", "fok")

# One value of each hostile kind, for "wrong type / bad value in a field".
HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    -0.0,
    1e300,
    "",
    " 1",
    "1 ",
    "NaN",
    "Infinity",
    "1e999",
    "1e-999",
    "0x10",
    "\u0661",
    "\ud800",
    "a\ud800b",
    "\x07",
    "x" * 129,
    "é" * 128,
    2**63,
    2**63 - 1,
    -(2**63),
    2**127,
    -(2**127),
    10**40,
    2**200,
    -(2**200),
    "170141183460469231731687303715.884105728",
    "-170141183460469231731687303715.884105728",
    "1" * 45,
    "0.0000000005",
    "0.0000000015",
    "-2.5e-9",
    [],
    {},
    [1, 2],
    {"a": 1},
    (1,),
    b"bytes",
    _Str("buy"),
    _Str("1"),
    _Int(5),
    _Float(1.5),
    OrderedDict(a=1),
)


def _dec(rng: random.Random, value: float, digits: int = 2) -> Any:
    """A decimal in one of the accepted input forms (string, float or int)."""
    text = f"{value:.{digits}f}"
    form = rng.random()
    if form < 0.7:
        return text
    if form < 0.9:
        return float(text)
    return int(round(value))


class StreamGenerator:
    """A seeded stream of core inputs for one core configuration."""

    def __init__(self, seed: int, *, mode: str = "simulated", hostility: float = 0.1) -> None:
        self.rng = random.Random(seed)
        self.mode = mode
        self.hostility = hostility
        self.seq = 0
        self.time = 1_000_000
        self.prices = {(v, i): 100.0 + 50 * n for n, (v, i) in enumerate((v, i) for v in VENUES for i in INSTRUMENTS)}
        self.orders: list[dict[str, Any]] = []  # placed order payloads (for reuse)
        self.fills: dict[str, int] = {}
        self.history: list[Any] = []
        self.intent_counter = 0

    # ---------------------------------------------------------------- helpers
    def next_seq(self) -> int:
        r = self.rng.random()
        if r < 0.02 and self.seq > 2:
            return self.rng.randint(1, self.seq)  # reused: out_of_sequence
        if r < 0.04:
            self.seq += self.rng.randint(2, 5)  # gap: allowed
            return self.seq
        self.seq += 1
        return self.seq

    def next_time(self) -> int:
        r = self.rng.random()
        if r < 0.05:
            return max(0, self.time - self.rng.randint(1, 120_000))  # late
        if r < 0.1:
            self.time += self.rng.randint(300_000, 3_000_000)  # gap
        else:
            self.time += self.rng.choice((0, 1000, 60_000))
        return self.time

    def place_key(self) -> tuple[str, str]:
        return (self.rng.choice(VENUES[:1] if self.rng.random() < 0.8 else VENUES), self.rng.choice(INSTRUMENTS))

    def event(self, source: str, event_type: str, venue: Any, instrument: Any, payload: dict[str, Any]) -> dict:
        key = None
        if self.rng.random() < 0.03:
            key = f"k{self.rng.randint(0, 30)}"
        return {
            "kind": "event",
            "seq_id": self.next_seq(),
            "event_time": self.next_time(),
            "ingest_time": self.time,
            "source": source,
            "venue": venue,
            "instrument": instrument,
            "event_type": event_type,
            "payload": payload,
            "idempotency_key": key,
            "producer": self.rng.choice((0, 0, 0, 1)),
        }

    def intent(self, intent_type: str, payload: dict[str, Any]) -> dict:
        return {"kind": "intent", "seq_id": self.next_seq(), "intent_type": intent_type, "payload": payload}

    def known_order(self) -> dict[str, Any] | None:
        if not self.orders:
            return None
        # recent orders are the live ones most of the time
        index = len(self.orders) - 1 - int(abs(self.rng.gauss(0, 4)))
        return self.orders[max(0, index)]

    # ------------------------------------------------------------- plausible
    def bar(self) -> dict:
        venue, instrument = self.place_key()
        price = self.prices[(venue, instrument)]
        step = price * self.rng.gauss(0, 0.02)
        if self.rng.random() < 0.05:
            step *= 8  # gap through resting prices
        open_ = max(0.01, price + step)
        close = max(0.01, open_ + price * self.rng.gauss(0, 0.01))
        high = max(open_, close) + abs(self.rng.gauss(0, price * 0.005))
        low = max(0.0, min(open_, close) - abs(self.rng.gauss(0, price * 0.005)))
        self.prices[(venue, instrument)] = close
        payload = {
            "open": _dec(self.rng, open_),
            "high": _dec(self.rng, high),
            "low": _dec(self.rng, low),
            "close": _dec(self.rng, close),
            "volume": _dec(self.rng, self.rng.uniform(0, 100), 3),
            "timeframe_ms": 60_000,
        }
        # rounding to 2 digits keeps low <= open, close <= high only if we round the same
        # way; enforce it on the strings so plausible bars are valid
        o, h, lo, c = (float(payload[k]) for k in ("open", "high", "low", "close"))
        payload["high"] = _dec(self.rng, max(o, h, c, lo) + 0.01)
        payload["low"] = _dec(self.rng, max(0.0, min(o, lo, c) - 0.01))
        return self.event("market_data", "bar", venue, instrument, payload)

    def trade(self) -> dict:
        venue, instrument = self.place_key()
        price = self.prices[(venue, instrument)]
        payload = {
            "price": _dec(self.rng, price),
            "amount": _dec(self.rng, self.rng.uniform(0.01, 3), 3),
            "side": self.rng.choice(("buy", "sell")),
            "trade_id": f"t{self.rng.randint(0, 10**6)}",
        }
        return self.event("market_data", "trade", venue, instrument, payload)

    def place(self, parent: dict | None = None, oco: str | None = None, side: str | None = None) -> dict:
        venue, instrument = (parent["venue"], parent["instrument"]) if parent else self.place_key()
        price = self.prices[(venue, instrument)]
        order_type = self.rng.choice(ORDER_TYPES)
        side = side or self.rng.choice(("buy", "sell"))
        sign = -1 if side == "buy" else 1
        limit = stop = None
        if order_type in ("limit", "stop_limit"):
            limit = _dec(self.rng, price * (1 + sign * self.rng.uniform(-0.02, 0.03)))
        if order_type in ("stop", "stop_limit"):
            stop = _dec(self.rng, price * (1 - sign * self.rng.uniform(0, 0.03)))
        self.intent_counter += 1
        order_id = f"o{self.intent_counter}"
        if self.rng.random() < 0.02 and self.orders:
            order_id = self.rng.choice(self.orders)["order_id"]  # duplicate_order_id
        payload = {
            "intent_id": f"i{self.intent_counter}",
            "order_id": order_id,
            "instrument": instrument,
            "venue": venue,
            "side": side,
            "order_type": order_type,
            "qty": _dec(self.rng, self.rng.choice((0.1, 0.5, 1, 2, 5, 40)), 3),
            "limit_price": limit,
            "stop_price": stop,
            "time_in_force": self.rng.choice(TIFS),
            "expire_time": self.time + self.rng.randint(0, 600_000) if self.rng.random() < 0.15 else None,
            "parent_order_id": parent["order_id"] if parent else None,
            "oco_group": oco,
            "strategy_id": "s1",
        }
        if self.rng.random() < 0.02 and self.orders:
            payload["intent_id"] = self.rng.choice(self.orders)["intent_id"]  # duplicate intent
        self.orders.append(payload)
        return self.intent("place_order", payload)

    def bracket(self) -> list[dict]:
        parent_input = self.place(side=self.rng.choice(("buy", "sell")))
        parent = parent_input["payload"]
        exit_side = "sell" if parent["side"] == "buy" else "buy"
        group = f"g{self.intent_counter}"
        return [parent_input, self.place(parent, group, exit_side), self.place(parent, group, exit_side)]

    def cancel(self) -> dict:
        order = self.known_order()
        order_id = order["order_id"] if order else "nope"
        return self.intent("cancel_order", {"order_id": order_id})

    def replace(self) -> dict:
        order = self.known_order()
        payload = {"order_id": order["order_id"] if order else "nope", "qty": None, "limit_price": None, "stop_price": None}
        roll = self.rng.random()
        if roll < 0.5 or order is None:
            payload["qty"] = _dec(self.rng, self.rng.choice((0.05, 0.5, 1, 3, 10)), 3)
        elif roll < 0.75:
            payload["limit_price"] = _dec(self.rng, self.prices[(order["venue"], order["instrument"])])
        else:
            payload["stop_price"] = _dec(self.rng, self.prices[(order["venue"], order["instrument"])])
        return self.intent("replace_order", payload)

    def report(self) -> dict:
        order = self.known_order()
        if order is None:
            venue, instrument, order_id, qty = "binance", "BTC/USDT", "nope", 1.0
        else:
            venue, instrument, order_id = order["venue"], order["instrument"], order["order_id"]
            qty = float(order["qty"])
        if self.rng.random() < 0.03:
            venue = "kraken" if venue == "binance" else "binance"
        event_type = self.rng.choice(
            ("order_accepted",) * 4
            + ("order_filled",) * 5
            + ("order_rejected", "order_cancelled", "cancel_rejected", "order_expired")
        )
        payload: dict[str, Any] = {"order_id": order_id}
        if event_type in ("order_rejected", "cancel_rejected"):
            payload["reason"] = "venue says no"
        if event_type == "order_filled":
            n = self.fills.get(order_id, 0) + 1
            if self.rng.random() < 0.1 and n > 1:
                n -= 1  # replayed fill: duplicate
            self.fills[order_id] = n
            share = self.rng.choice((0.25, 0.5, 1.0, 1.0, 1.5))
            payload.update(
                fill_id=f"f{n}",
                qty=_dec(self.rng, max(0.001, qty * share), 3),
                price=_dec(self.rng, self.prices[(venue, instrument)]),
                fee=self.rng.choice((None, None, "0.01", "-0.002", 0)),
            )
        return self.event("broker_report", event_type, venue, instrument, payload)

    def control(self) -> dict:
        roll = self.rng.random()
        if roll < 0.3:
            return self.event("control", "kill_switch", None, None, {"enabled": self.rng.random() < 0.3})
        if roll < 0.5:
            return self.event("timer", "timer", None, self.rng.choice((None, "BTC/USDT")), {"name": "tick"})
        if roll < 0.8:
            return self.intent(
                "set_risk_flag",
                {"name": self.rng.choice(("kill_switch", "allow_short")), "value": self.rng.random() < 0.5},
            )
        return self.intent("noop", {})

    def plausible(self) -> list[dict]:
        roll = self.rng.random()
        external = self.mode == "external"
        if roll < 0.35:
            return [self.bar()]
        if roll < 0.42:
            return [self.trade()]
        if roll < 0.62:
            return [self.place()]
        if roll < 0.66:
            return self.bracket()
        if roll < 0.72:
            return [self.cancel()]
        if roll < 0.77:
            return [self.replace()]
        if roll < (0.94 if external else 0.8):
            return [self.report()]
        if roll < 0.97:
            return [self.control()]
        if self.history:  # resend an earlier input under a new seq_id (duplicates)
            again = copy.deepcopy(self.rng.choice(self.history[-50:]))
            if isinstance(again, dict) and "seq_id" in again:
                again["seq_id"] = self.next_seq()
            return [again]
        return [self.control()]

    # --------------------------------------------------------------- hostile
    def hostile(self, item: dict) -> Any:
        rng = self.rng
        item = copy.deepcopy(item)
        roll = rng.random()
        target = item
        if isinstance(item.get("payload"), dict) and item["payload"] and rng.random() < 0.6:
            target = item["payload"]
        keys = list(target)
        if roll < 0.45 and keys:
            target[rng.choice(keys)] = rng.choice(HOSTILE_VALUES)
        elif roll < 0.55 and keys:
            del target[rng.choice(keys)]
        elif roll < 0.62:
            target[rng.choice(("zzz", "a", "kind2", "~/x", "\ud800k", ""))] = 1
        elif roll < 0.66:
            target[rng.choice((1, (1, 2), None))] = "non-str key"
        elif roll < 0.72:
            item["payload"] = rng.choice(HOSTILE_VALUES)
        elif roll < 0.76:
            return rng.choice(("not a dict", 5, None, [item], (1, 2), 3.5))
        elif roll < 0.82:
            item["kind"] = rng.choice(("intent", "event", "Event", None, 1))
        elif roll < 0.9 and keys:
            # extreme but well-formed numbers: overflow while computing effects
            key = rng.choice(keys)
            target[key] = rng.choice(
                ("1e20", "-1e20", "1e29", "170141183460469231731687303715", "0.000000001", "-99999999999999999999")
            )
        else:
            nested: Any = []
            for _ in range(rng.choice((5, 40, 200))):
                nested = [nested]
            target[rng.choice(keys) if keys else "payload"] = nested
        return item

    def __iter__(self):
        return self

    def __next__(self) -> Any:
        if not getattr(self, "_pending", None):
            self._pending = self.plausible()
        item = self._pending.pop(0)
        if isinstance(item, dict) and self.rng.random() < self.hostility:
            item = self.hostile(item)
        self.history.append(item)
        if len(self.history) > 200:
            del self.history[:100]
        return item

    def take(self, n: int) -> list[Any]:
        return [next(self) for _ in range(n)]


CONFIGS: tuple[dict[str, Any], ...] = (
    {},
    {"mode": "external"},
    {"mode": "simulated", "commission_rate": "0.001", "late_policy": "accept"},
    {"mode": "external", "commission_rate": 0.0005, "late_policy": "accept", "allow_short": False},
    {"mode": "simulated", "starting_cash": "2000", "max_order_qty": "10", "max_notional": "5000"},
    {"mode": "simulated", "starting_cash": "500", "allow_short": False, "commission_rate": "0.002"},
)
