"""Builders for core inputs and a small driver, shared by the core's unit tests.

``Driver(backend, config)`` wraps a core and numbers inputs itself (``seq_id`` and,
for events, times), so a test reads as the story it tells::

    d = Driver("rust", {"mode": "external"})
    d.place("o1", side="buy", qty="2", order_type="limit", limit_price="10")
    d.report("order_accepted", "o1")
    r = d.report("order_filled", "o1", fill_id="f1", qty="1", price="10")
    assert d.states(r) == [("o1", "accepted", "partially_filled")]
"""

from __future__ import annotations

from typing import Any

from cracktrader.engine import build_core
from cracktrader.engine.canonical import canonical_bytes

VENUE = "binance"
INSTRUMENT = "BTC/USDT"


def event(
    seq_id: int,
    event_type: str,
    payload: dict[str, Any],
    *,
    time: int = 1000,
    source: str | None = None,
    venue: Any = VENUE,
    instrument: Any = INSTRUMENT,
    key: Any = None,
    producer: int = 0,
) -> dict[str, Any]:
    if source is None:
        source = {
            "bar": "market_data",
            "trade": "market_data",
            "timer": "timer",
            "kill_switch": "control",
        }.get(event_type, "broker_report")
    if source in ("timer", "control") and venue == VENUE and instrument == INSTRUMENT:
        venue = instrument = None
    return {
        "kind": "event",
        "seq_id": seq_id,
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


def bar_payload(open_: Any, high: Any, low: Any, close: Any, volume: Any = "1", timeframe_ms: int = 60_000) -> dict:
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume, "timeframe_ms": timeframe_ms}


def place_payload(
    order_id: str,
    *,
    side: str = "buy",
    qty: Any = "1",
    order_type: str = "market",
    limit_price: Any = None,
    stop_price: Any = None,
    time_in_force: str = "gtc",
    expire_time: Any = None,
    parent_order_id: Any = None,
    oco_group: Any = None,
    intent_id: str | None = None,
    venue: str = VENUE,
    instrument: str = INSTRUMENT,
) -> dict[str, Any]:
    return {
        "intent_id": intent_id or f"intent-{order_id}",
        "order_id": order_id,
        "instrument": instrument,
        "venue": venue,
        "side": side,
        "order_type": order_type,
        "qty": qty,
        "limit_price": limit_price,
        "stop_price": stop_price,
        "time_in_force": time_in_force,
        "expire_time": expire_time,
        "parent_order_id": parent_order_id,
        "oco_group": oco_group,
        "strategy_id": "s1",
    }


def intent(seq_id: int, intent_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "intent", "seq_id": seq_id, "intent_type": intent_type, "payload": payload}


class Driver:
    """A core plus its own seq_id and clock."""

    def __init__(self, backend: str, config: dict[str, Any] | None = None) -> None:
        self.core = build_core(backend=backend, config=config)
        self.seq = 0
        self.time = 1_000

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def apply(self, obj: Any) -> dict[str, Any]:
        result = self.core.apply(obj)
        if result["accepted"] and isinstance(obj, dict) and isinstance(obj.get("seq_id"), int):
            self.seq = max(self.seq, obj["seq_id"])
        return result

    def bar(self, open_: Any, high: Any, low: Any, close: Any, *, time: int | None = None, **kw: Any) -> dict:
        if time is None:
            self.time += 60_000
            time = self.time
        return self.apply(event(self.seq + 1, "bar", bar_payload(open_, high, low, close), time=time, **kw))

    def trade(self, price: Any, *, time: int | None = None, **kw: Any) -> dict:
        payload = {"price": price, "amount": "1", "side": "buy", "trade_id": f"t{self.seq + 1}"}
        return self.apply(event(self.seq + 1, "trade", payload, time=self.time if time is None else time, **kw))

    def place(self, order_id: str, **kw: Any) -> dict:
        return self.apply(intent(self.seq + 1, "place_order", place_payload(order_id, **kw)))

    def cancel(self, order_id: str) -> dict:
        return self.apply(intent(self.seq + 1, "cancel_order", {"order_id": order_id}))

    def replace(self, order_id: str, qty: Any = None, limit_price: Any = None, stop_price: Any = None) -> dict:
        payload = {"order_id": order_id, "qty": qty, "limit_price": limit_price, "stop_price": stop_price}
        return self.apply(intent(self.seq + 1, "replace_order", payload))

    def flag(self, name: str, value: bool) -> dict:
        return self.apply(intent(self.seq + 1, "set_risk_flag", {"name": name, "value": value}))

    def report(self, event_type: str, order_id: str, *, time: int | None = None, key: Any = None,
               venue: str = VENUE, instrument: str = INSTRUMENT, **payload: Any) -> dict:
        body: dict[str, Any] = {"order_id": order_id}
        if event_type in ("order_rejected", "cancel_rejected"):
            body["reason"] = payload.pop("reason", "no")
        if event_type == "order_filled":
            body.update(
                fill_id=payload.pop("fill_id", f"f{self.seq + 1}"),
                qty=payload.pop("qty"),
                price=payload.pop("price"),
                fee=payload.pop("fee", None),
            )
        assert not payload, payload
        return self.apply(
            event(self.seq + 1, event_type, body, time=self.time if time is None else time, key=key,
                  venue=venue, instrument=instrument)
        )

    def snapshot(self) -> dict[str, Any]:
        return self.core.snapshot()

    def order(self, order_id: str) -> dict[str, Any]:
        for order in self.core.snapshot()["orders"]:
            if order["order_id"] == order_id:
                return order
        raise KeyError(order_id)

    def state(self, order_id: str) -> str:
        return self.order(order_id)["state"]

    def position(self, venue: str = VENUE, instrument: str = INSTRUMENT) -> dict[str, str] | None:
        return self.core.snapshot()["positions"].get(venue, {}).get(instrument)

    def cash(self) -> str:
        return self.core.snapshot()["cash"]

    @staticmethod
    def states(result: dict[str, Any]) -> list[tuple[str, str | None, str]]:
        return [(t["order_id"], t["from"], t["to"]) for t in result["transitions"]]

    @staticmethod
    def reasons(result: dict[str, Any]) -> list[str | None]:
        return [t["reason"] for t in result["transitions"]]


def refusal(result: dict[str, Any]) -> tuple[str, str]:
    """(code, field) of a refused result (and checks the refused shape)."""
    assert result["accepted"] is False, result
    assert result["transitions"] == [] and result["fills"] == [] and result["position_deltas"] == []
    assert result["cash_delta"] == "0" and result["late"] is False
    [diagnostic] = result["diagnostics"]
    assert diagnostic["code"] == result["code"]
    return result["code"], diagnostic["field"]


def canon(obj: Any) -> bytes:
    return canonical_bytes(obj)
