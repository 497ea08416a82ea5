"""Seeded generators of core input streams and of corrupted histories.

``StreamGenerator`` writes plausible inputs for a core (bars with gaps and late bars,
every order type and time in force, brackets, OCO groups, replaces, cancels, broker
reports in external mode including duplicates, overfills and out-of-order reports,
kill switches) with a share of hostile inputs (bad numbers, wrong types, lone
surrogates, stale seq_ids, missing keys). It watches the results to keep its reports
about real orders, so most of the stream is accepted and many steps book fills.

``corrupt`` applies one random edit to one step of a history (a wrong fill price, a
dropped transition, a flipped state, a reused seq_id...): the differential tests feed
such histories to both checkers.
"""

from __future__ import annotations

import copy
import functools
import random
from typing import Any

from cracktrader.engine import build_core

MINUTE = 60_000
TERMINAL = {"filled", "cancelled", "rejected", "expired"}


def event(seq, event_type, source, venue, instrument, time, payload, key=None, producer=0):
    return {
        "kind": "event",
        "seq_id": seq,
        "event_time": time,
        "ingest_time": time,
        "source": source,
        "venue": venue,
        "instrument": instrument,
        "event_type": event_type,
        "payload": payload,
        "idempotency_key": key,
        "producer": producer,
    }


def intent(seq, intent_type, payload):
    return {"kind": "intent", "seq_id": seq, "intent_type": intent_type, "payload": payload}


def money(rng: random.Random, value: float) -> Any:
    """A price or qty in one of the accepted input forms (mostly strings)."""
    text = f"{value:.2f}"
    roll = rng.random()
    if roll < 0.8:
        return text
    if roll < 0.9:
        return float(text)
    return round(value)


class StreamGenerator:
    """Inputs for one core run; call ``observe`` with each result."""

    def __init__(self, seed: int, mode: str, hostile: float = 0.04) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        self.mode = mode
        self.hostile = hostile
        self.config = {
            "mode": mode,
            "starting_cash": rng.choice(["100000", "5000", "1000000"]),
            "commission_rate": rng.choice(["0", "0.001", "0.0025"]),
            "late_policy": rng.choice(["reject", "accept"]),
            "allow_short": rng.random() < 0.8,
        }
        if rng.random() < 0.2:
            self.config["max_order_qty"] = "8"
        self.instruments = [("v1", "BTC"), ("v1", "ETH"), ("v2", "BTC")][: rng.randint(1, 3)]
        self.price = {key: 100.0 + 50 * index for index, key in enumerate(self.instruments)}
        self.time = {key: 1_000_000 for key in self.instruments}
        self.seq = 0
        self.order_n = 0
        self.fill_n = 0
        self.orders: dict[str, dict[str, Any]] = {}  # order_id -> {state, remaining, key}, from results
        self.placed: dict[str, tuple[str, str]] = {}  # order_id -> (venue, instrument) as sent
        self.sent: list[dict[str, Any]] = []

    # -------------------------------------------------------------- results
    def observe(self, result: dict[str, Any]) -> None:
        for t in result["transitions"]:
            entry = self.orders.setdefault(t["order_id"], {"key": self.placed.get(t["order_id"])})
            entry["state"] = t["to"]
            entry["remaining"] = float(t["remaining_qty"])

    # -------------------------------------------------------------- inputs
    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def next_input(self) -> Any:
        rng = self.rng
        if self.sent and rng.random() < 0.03:
            # resend an earlier input under a new seq_id (duplicates, stale reports)
            again = copy.deepcopy(rng.choice(self.sent[-20:]))
            if isinstance(again, dict) and "seq_id" in again:
                again["seq_id"] = self.next_seq()
            return again
        item = self._valid_input()
        self.sent.append(item)
        if rng.random() < self.hostile:
            return self._hostile(copy.deepcopy(item))
        return item

    def _valid_input(self) -> dict[str, Any]:
        rng = self.rng
        weights = {
            "bar": 34,
            "place": 26,
            "cancel": 5,
            "replace": 5,
            "trade": 2,
            "misc": 3,
        }
        if self.mode == "external":
            weights["report"] = 30
        kind = rng.choices(list(weights), weights=list(weights.values()))[0]
        return getattr(self, "_" + kind)()

    def _bar(self) -> dict[str, Any]:
        rng = self.rng
        key = rng.choice(self.instruments)
        roll = rng.random()
        if roll < 0.05:
            time = self.time[key] - MINUTE * rng.randint(1, 3)  # late
        elif roll < 0.08:
            time = self.time[key]  # same time again
        else:
            self.time[key] += MINUTE
            time = self.time[key]
        open_ = self.price[key] * (1 + (rng.random() - 0.5) * (0.2 if rng.random() < 0.1 else 0.02))
        close = open_ * (1 + (rng.random() - 0.5) * 0.04)
        high = max(open_, close) * (1 + rng.random() * 0.02)
        low = min(open_, close) * (1 - rng.random() * 0.02)
        self.price[key] = close
        payload = {
            "open": money(rng, open_),
            "high": f"{high + 0.01:.2f}",
            "low": f"{low - 0.01:.2f}",
            "close": money(rng, close),
            "volume": "10",
            "timeframe_ms": MINUTE,
        }
        # keep open/close inside [low, high] after rounding
        for name in ("open", "close"):
            value = float(payload[name])
            if not float(payload["low"]) <= value <= float(payload["high"]):
                payload[name] = payload["low"]
        key_text = f"bar:{key[1]}:{time}" if rng.random() < 0.05 else None
        return event(self.next_seq(), "bar", "market_data", key[0], key[1], time, payload, key_text,
                     rng.choice([0, 0, 0, 1]))

    def _trade(self) -> dict[str, Any]:
        rng = self.rng
        key = rng.choice(self.instruments)
        payload = {"price": money(rng, self.price[key]), "amount": "1", "side": "buy", "trade_id": f"t{self.seq}"}
        return event(self.next_seq(), "trade", "market_data", key[0], key[1], self.time[key], payload)

    def _place(self) -> dict[str, Any]:
        rng = self.rng
        self.order_n += 1
        key = rng.choice(self.instruments)
        price = self.price[key]
        side = rng.choice(["buy", "sell"])
        order_type = rng.choices(["market", "limit", "stop", "stop_limit"], weights=[3, 4, 2, 2])[0]
        sign = 1 if side == "buy" else -1
        limit = stop = None
        if order_type == "limit":
            limit = money(rng, price * (1 - sign * rng.random() * 0.03))
        elif order_type == "stop":
            stop = money(rng, price * (1 + sign * rng.random() * 0.03))
        elif order_type == "stop_limit":
            stop_value = price * (1 + sign * rng.random() * 0.03)
            stop = money(rng, stop_value)
            limit = money(rng, stop_value * (1 + sign * rng.random() * 0.02))
        parent = None
        oco = None
        if self.orders and rng.random() < 0.15:
            parent = rng.choice(list(self.orders))
        if rng.random() < 0.12:
            oco = rng.choice(["g1", "g2", "g3"])
        order_id = f"o{self.order_n}" if rng.random() > 0.02 or not self.orders else rng.choice(list(self.orders))
        if parent == order_id:
            parent = None
        qty = rng.choice(["1", "2", "0.5", "3", 5, "1.25"])
        expire = self.time[key] + MINUTE * rng.randint(0, 4) if rng.random() < 0.1 else None
        payload = {
            "intent_id": f"i{self.order_n}",
            "order_id": order_id,
            "instrument": key[1],
            "venue": key[0],
            "side": side,
            "order_type": order_type,
            "qty": qty,
            "limit_price": limit,
            "stop_price": stop,
            "time_in_force": rng.choices(["gtc", "ioc", "fok"], weights=[8, 1, 1])[0],
            "expire_time": expire,
            "parent_order_id": parent,
            "oco_group": oco,
            "strategy_id": "s1",
        }
        self.placed.setdefault(order_id, key)
        return intent(self.next_seq(), "place_order", payload)

    def _known(self, states: set[str] | None = None) -> str | None:
        candidates = [
            oid for oid, o in self.orders.items() if states is None or o.get("state") in states
        ]
        if not candidates:
            return None
        return self.rng.choice(candidates)

    def _cancel(self) -> dict[str, Any]:
        order_id = self._known({"accepted", "partially_filled"}) or self._known() or "nope"
        return intent(self.next_seq(), "cancel_order", {"order_id": order_id})

    def _replace(self) -> dict[str, Any]:
        rng = self.rng
        order_id = self._known({"accepted", "partially_filled"}) or "nope"
        payload = {"order_id": order_id, "qty": None, "limit_price": None, "stop_price": None}
        payload["qty"] = rng.choice(["1", "2", "4", "0.5", None])
        if rng.random() < 0.4:
            key = self.orders.get(order_id, {}).get("key") or self.instruments[0]
            payload["limit_price"] = money(rng, self.price[key] * (1 + (rng.random() - 0.5) * 0.04))
        if payload["qty"] is None and payload["limit_price"] is None:
            payload["qty"] = "3"
        return intent(self.next_seq(), "replace_order", payload)

    def _misc(self) -> dict[str, Any]:
        rng = self.rng
        roll = rng.random()
        seq = self.next_seq()
        if roll < 0.3:
            return event(seq, "kill_switch", "control", None, None, self.time[self.instruments[0]],
                         {"enabled": rng.random() < 0.15})
        if roll < 0.5:
            name = rng.choice(["kill_switch", "allow_short"])
            value = rng.random() < (0.5 if name == "allow_short" else 0.15)
            return intent(seq, "set_risk_flag", {"name": name, "value": value})
        if roll < 0.8:
            return event(seq, "timer", "timer", None, None, self.time[self.instruments[0]], {"name": "tick"},
                         rng.choice([None, "timer-key"]))
        return intent(seq, "noop", {})

    def _report(self) -> dict[str, Any]:
        rng = self.rng
        order_id = self._known({"submitted", "accepted", "partially_filled", "cancel_pending"})
        if order_id is None or rng.random() < 0.05:
            order_id = self._known() or "ghost"
        entry = self.orders.get(order_id, {})
        key = entry.get("key") or self.instruments[0]
        state = entry.get("state")
        time = self.time[key]
        seq = self.next_seq()

        def report(event_type, payload, explicit=None):
            return event(seq, event_type, "broker_report", key[0], key[1], time, payload, explicit, 1)

        roll = rng.random()
        if state == "submitted" and roll < 0.8:
            if roll < 0.7:
                return report("order_accepted", {"order_id": order_id})
            return report("order_rejected", {"order_id": order_id, "reason": "venue"})
        if state == "cancel_pending" and roll < 0.5:
            if roll < 0.3:
                return report("order_cancelled", {"order_id": order_id})
            return report("cancel_rejected", {"order_id": order_id, "reason": "too_late"})
        if roll < 0.85 or state in (None, "submitted"):
            remaining = entry.get("remaining") or 1.0
            part = rng.random()
            if part < 0.5:
                qty = remaining
            elif part < 0.95:
                qty = max(0.01, round(remaining * rng.random(), 2))
            else:
                qty = remaining + 1  # overfill
            self.fill_n += 1
            fill_id = f"f{self.fill_n}" if rng.random() > 0.05 else "f1"
            fee = rng.choice([None, None, "0.01", "-0.02", 0])
            payload = {"order_id": order_id, "fill_id": fill_id, "qty": f"{qty:.2f}",
                       "price": money(rng, self.price[key]), "fee": fee}
            return report("order_filled", payload, f"k{self.fill_n}" if rng.random() < 0.03 else None)
        if roll < 0.92:
            return report("order_expired", {"order_id": order_id})
        return report("order_cancelled", {"order_id": order_id})

    # -------------------------------------------------------------- hostility
    def _hostile(self, item: dict[str, Any]) -> Any:
        rng = self.rng
        roll = rng.randrange(10)
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else None
        if roll == 0 and payload:
            name = rng.choice(sorted(payload))
            payload[name] = rng.choice([float("nan"), "NaN", True, "1e400", 10**50, "abc", [], {"x": 1}])
        elif roll == 1:
            item.pop(rng.choice(sorted(item)))
        elif roll == 2:
            item["extra"] = 1
        elif roll == 3 and payload:
            name = rng.choice(sorted(payload))
            payload[name] = "bad\ud800id"
        elif roll == 4:
            item["seq_id"] = rng.choice([max(1, self.seq - 3), 0, -1, "5", None, 2**70])
        elif roll == 5:
            item["kind"] = rng.choice(["evnt", None, 3])
        elif roll == 6:
            return rng.choice([None, [], "x", 5, (1, 2)])
        elif roll == 7 and payload:
            deep: Any = 1
            for _ in range(40):
                deep = [deep]
            payload[rng.choice(sorted(payload))] = deep
        elif roll == 8 and item.get("kind") == "event":
            item["event_time"] = rng.choice([-1, 2**63, 1.5, "12"])
        else:
            item["seq_id"] = max(1, self.seq - 1)  # stale seq_id: out_of_sequence
        return item


def run_history(seed: int, mode: str, steps: int, hostile: float = 0.04, backend: str = "python"):
    """Drive a plain core with ``steps`` generated inputs; (config, [step, ...])."""
    gen = StreamGenerator(seed, mode, hostile)
    core = build_core(backend, config=gen.config, check_invariants=False)
    history = []
    for _ in range(steps):
        item = gen.next_input()
        result = core.apply(item)
        gen.observe(result)
        history.append({"input": item, "result": result})
    return gen.config, history, core


# ------------------------------------------------------------------ corruption

STATES = ["created", "submitted", "accepted", "partially_filled", "filled", "cancel_pending", "cancelled",
          "rejected", "expired"]


def corrupt(history: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """A copy of ``history`` with one random edit (most edits break an invariant)."""
    out = copy.deepcopy(history)
    if not out:
        return out
    busy = [i for i, item in enumerate(out) if isinstance(item["result"], dict) and item["result"].get("transitions")]
    # mostly edit a step that did something: that is where a core can go wrong
    index = rng.choice(busy) if busy and rng.random() < 0.8 else rng.randrange(len(out))
    step = out[index]
    result = step["result"]
    roll = rng.randrange(16)
    fills = result["fills"]
    transitions = result["transitions"]
    if roll == 0 and fills:
        rng.choice(fills)["price"] = rng.choice(["0", "1000000", "99.5", "-3"])
    elif roll == 1 and fills:
        rng.choice(fills)["qty"] = rng.choice(["0.01", "100", "2"])
    elif roll == 2 and fills:
        rng.choice(fills)["fee"] = rng.choice(["7", "-1", "0.001"])
    elif roll == 3:
        result["cash_delta"] = rng.choice(["1", "-0.5", "0", "123.456"])
    elif roll == 4 and transitions:
        t = rng.choice(transitions)
        t[rng.choice(["from", "to"])] = rng.choice(STATES + [None])
    elif roll == 5 and transitions:
        t = rng.choice(transitions)
        t[rng.choice(["filled_qty", "remaining_qty", "avg_fill_price"])] = rng.choice(["0", "1", "-1", "5.5"])
    elif roll == 6 and transitions:
        transitions.pop(rng.randrange(len(transitions)))
    elif roll == 7 and fills:
        fills.pop(rng.randrange(len(fills)))
    elif roll == 8:
        result["accepted"] = not result["accepted"]
    elif roll == 9:
        result["code"] = rng.choice(["ok", "duplicate", "overfill"])
    elif roll == 10:
        result["seq_id"] = rng.choice([1, None, (result["seq_id"] or 0) + 1])
    elif roll == 11:
        result["late"] = not result["late"]
    elif roll == 12 and index > 0:
        out.insert(index, copy.deepcopy(out[index - 1]))  # a replayed step
    elif roll == 13 and isinstance(step["input"], dict) and "event_time" in step["input"]:
        step["input"]["event_time"] = 0
    elif roll == 14 and result["position_deltas"]:
        rng.choice(result["position_deltas"])["size_delta"] = "42"
    else:
        out[index] = {"input": step["input"], "result": rng.choice([None, 5, {"seq_id": 1}, {**result, "fills": 3}])}
    return out


@functools.lru_cache(maxsize=None)
def cached_history(seed: int, mode: str, steps: int):
    """``run_history`` once per arguments in a test session (callers must not edit it)."""
    return run_history(seed, mode, steps)
