"""Live reconciliation after a restart, against a fake exchange that moved on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_exchange import FakeExchange

from cracktrader.engine import build_core
from cracktrader.engine.reconcile import reconcile
from cracktrader.engine.recovery import RecoveryRunner
from cracktrader.engine.recording import RecordingSession

VENUE = "binance"
SYMBOL = "BTC/USDT"
CONFIG = {"mode": "external", "starting_cash": "100000", "commission_rate": "0"}
T0 = 1_700_000_000_000


class Driver:
    """Feeds intents and reports with consecutive seq_ids into a core (or session)."""

    def __init__(self, apply: Any) -> None:
        self.apply = apply
        self.seq = 0
        self.time = T0

    def _next(self) -> int:
        self.seq += 1
        self.time += 1000
        return self.seq

    def place(self, order_id: str, side: str = "buy", qty: str = "1", price: str = "100") -> dict[str, Any]:
        return self.apply({
            "kind": "intent", "seq_id": self._next(), "intent_type": "place_order",
            "payload": {
                "intent_id": "i-" + order_id, "order_id": order_id, "instrument": SYMBOL, "venue": VENUE,
                "side": side, "order_type": "limit", "qty": qty, "limit_price": price, "stop_price": None,
                "time_in_force": "gtc", "expire_time": None, "parent_order_id": None, "oco_group": None,
                "strategy_id": "s",
            },
        })

    def cancel(self, order_id: str) -> dict[str, Any]:
        return self.apply({"kind": "intent", "seq_id": self._next(), "intent_type": "cancel_order",
                           "payload": {"order_id": order_id}})

    def report(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.apply({
            "kind": "event", "seq_id": self._next(), "event_time": self.time, "ingest_time": self.time,
            "source": "broker_report", "venue": VENUE, "instrument": SYMBOL, "event_type": event_type,
            "payload": payload, "idempotency_key": None, "producer": 0,
        })


def _before_the_crash(driver: Driver, exchange: FakeExchange) -> dict[str, str]:
    """Orders in every state the engine can have left behind; returns venue ids."""
    ids: dict[str, str] = {}
    for order_id in "ABCDEFH":
        assert driver.place(order_id)["accepted"]
    for order_id in "ABCDEFH":
        ids[order_id] = exchange.place(order_id, SYMBOL, "buy", 1.0, 100.0, driver.time)
    for order_id in "ABCDF":  # E's and H's acceptance never reached the engine
        assert driver.report("order_accepted", {"order_id": order_id})["code"] == "ok"
    exchange.fill(ids["A"], 0.4, 99.5, driver.time + 1, trade_id="t1")
    result = driver.report("order_filled", {"order_id": "A", "fill_id": "t1", "qty": "0.4", "price": "99.5", "fee": "0.1"})
    assert result["code"] == "ok"
    assert driver.cancel("F")["transitions"][-1]["to"] == "cancel_pending"  # the venue never got the cancel
    assert driver.place("G")["accepted"]  # crashed before sending G to the venue
    return ids


def _during_the_outage(exchange: FakeExchange, ids: dict[str, str]) -> None:
    t = T0 + 100_000
    exchange.fill(ids["A"], 0.6, 99.0, t + 1, trade_id="t2")
    exchange.fill(ids["B"], 0.25, 101.0, t + 2, trade_id="t3", fee=None)
    exchange.end(ids["C"], "canceled", t + 3)
    exchange.end(ids["D"], "expired", t + 4)
    exchange.fill(ids["E"], 1.0, 100.0, t + 5, trade_id="t4")
    exchange.end(ids["H"], "rejected", t + 6)
    exchange.place("manual-1", SYMBOL, "sell", 2.0, 120.0, t + 7)  # placed by hand at the venue


def test_reconciliation_applies_what_the_venue_did(backend: str) -> None:
    core = build_core(backend, CONFIG)
    exchange = FakeExchange()
    ids = _before_the_crash(Driver(core.apply), exchange)
    _during_the_outage(exchange, ids)
    cash_before = core.snapshot()["cash"]

    report = reconcile(core, exchange, venue=VENUE, since=T0, now=T0 + 200_000)

    applied = [(a["event_type"], a["order_id"], a.get("fill_id")) for a in report.applied]
    assert sorted(applied) == sorted([
        ("order_filled", "A", "t2"), ("order_filled", "B", "t3"), ("order_cancelled", "C", None),
        ("order_expired", "D", None), ("order_accepted", "E", None), ("order_filled", "E", "t4"),
        ("order_rejected", "H", None),
    ])
    assert applied.index(("order_accepted", "E", None)) < applied.index(("order_filled", "E", "t4"))
    assert report.duplicates == 1  # t1 was applied before the crash: a no-op now
    assert report.refused == []
    assert report.actions == [{"order_id": "F", "action": "resend_cancel", "venue_id": ids["F"]}]
    assert report.unresolved == [{"order_id": "G", "state": "submitted", "reason": "not_found_at_venue"}]
    assert [u["clientOrderId"] for u in report.unknown_venue_orders] == ["manual-1"]
    assert report.discrepancies == []
    assert not report.clean

    states = {o["order_id"]: (o["state"], o["filled_qty"]) for o in core.snapshot()["orders"]}
    assert states == {
        "A": ("filled", "1"), "B": ("partially_filled", "0.25"), "C": ("cancelled", "0"),
        "D": ("expired", "0"), "E": ("filled", "1"), "F": ("cancel_pending", "0"),
        "G": ("submitted", "0"), "H": ("rejected", "0"),
    }
    # Cash moved by exactly the outage's fills: 0.6 x 99 + 0.1, 0.25 x 101 (no fee), 1 x 100 + 0.1.
    from cracktrader.engine.numbers import format_decimal, parse_decimal

    spent = parse_decimal("59.5") + parse_decimal("25.25") + parse_decimal("100.1")
    assert core.snapshot()["cash"] == format_decimal(parse_decimal(cash_before) - spent)
    seqs = [a["seq_id"] for a in report.applied]
    assert seqs == sorted(seqs)


def test_reconciling_twice_changes_nothing(backend: str) -> None:
    core = build_core(backend, CONFIG)
    exchange = FakeExchange()
    ids = _before_the_crash(Driver(core.apply), exchange)
    _during_the_outage(exchange, ids)
    reconcile(core, exchange, venue=VENUE, since=T0, now=T0 + 200_000)
    before = core.snapshot()
    again = reconcile(core, exchange, venue=VENUE, since=T0, now=T0 + 300_000)
    assert again.applied == [] and again.refused == []
    assert again.duplicates == 1  # B's fill t3 (B is still live)
    after = core.snapshot()
    assert after["positions"][VENUE][SYMBOL]["size"] == "2.25"  # A 1 + B 0.25 + E 1, none doubled
    # The duplicate consumed its seq_id and nothing else.
    assert after["last_seq_id"] == before["last_seq_id"] + 1
    assert {k: v for k, v in after.items() if k != "last_seq_id"} == {k: v for k, v in before.items() if k != "last_seq_id"}


def test_venue_filled_more_than_its_trades_show_is_a_discrepancy() -> None:
    core = build_core("python", CONFIG)
    exchange = FakeExchange()
    driver = Driver(core.apply)
    driver.place("A")
    venue_id = exchange.place("A", SYMBOL, "buy", 1.0, 100.0, driver.time)
    driver.report("order_accepted", {"order_id": "A"})
    exchange.fill(venue_id, 0.5, 100.0, T0 - 10_000, trade_id="old")  # older than `since`: not fetched
    report = reconcile(core, exchange, venue=VENUE, since=T0, now=T0 + 50_000)
    assert report.applied == []
    assert report.discrepancies == [{"order_id": "A", "what": "filled_qty", "engine": "0", "venue": "0.5"}]


def test_trades_are_paged_without_loss_or_repeat() -> None:
    core = build_core("python", {**CONFIG, "starting_cash": "10000000"})
    exchange = FakeExchange()
    driver = Driver(core.apply)
    driver.place("A", qty="500")
    venue_id = exchange.place("A", SYMBOL, "buy", 500.0, 100.0, driver.time)
    driver.report("order_accepted", {"order_id": "A"})
    # 250 trades, many sharing a millisecond across page boundaries (page = 100).
    for n in range(250):
        exchange.fill(venue_id, 1.0, 100.0, T0 + 50_000 + n // 7, trade_id=f"t{n:03d}")
    report = reconcile(core, exchange, venue=VENUE, since=T0, now=T0 + 90_000)
    fills = [a["fill_id"] for a in report.applied]
    assert sorted(fills) == [f"t{n:03d}" for n in range(250)]
    assert core.snapshot()["orders"][0]["filled_qty"] == "250"
    assert sum(1 for call in exchange.calls if call.startswith("fetch_my_trades")) >= 3


def test_reconciled_reports_are_logged_and_recover(tmp_path: Path, backend: str) -> None:
    session = RecordingSession.start(tmp_path, run_id="live-1", config=CONFIG, backend=backend, mode="live",
                                     fsync=False, clock=lambda: T0)
    exchange = FakeExchange()
    ids = _before_the_crash(Driver(session.apply), exchange)
    session.checkpoint()
    _during_the_outage(exchange, ids)
    report = reconcile(session.core, exchange, venue=VENUE, since=T0, now=T0 + 200_000, apply=session.apply,
                       broker_state={"venue_order_ids": {k: v for k, v in ids.items() if k != "G"}})
    assert len(report.applied) == 7
    session.close()
    recovered = RecoveryRunner(tmp_path / "checkpoints", tmp_path / "replay.log", backend=backend).run()
    assert recovered.ok and recovered.replayed_steps == 8  # 7 applied + 1 duplicate, all committed
    assert recovered.state_hash == session.core.state_hash()


def test_unusable_venue_numbers_are_reported_not_applied() -> None:
    core = build_core("python", CONFIG)
    exchange = FakeExchange()
    driver = Driver(core.apply)
    driver.place("A")
    venue_id = exchange.place("A", SYMBOL, "buy", 1.0, 100.0, driver.time)
    driver.report("order_accepted", {"order_id": "A"})
    exchange.fill(venue_id, float("nan"), 100.0, T0 + 5000, trade_id="bad")
    exchange.orders[venue_id]["filled"] = 0.0
    report = reconcile(core, exchange, venue=VENUE, since=T0, now=T0 + 9000)
    assert report.applied == []
    assert [u["trade_id"] for u in report.unresolved] == ["bad"]
    assert report.unresolved[0]["reason"].startswith("unusable_trade")


@pytest.mark.parametrize("status", ["canceled", "expired"])
def test_report_time_never_goes_below_the_stream_time(status: str) -> None:
    core = build_core("python", CONFIG)
    exchange = FakeExchange()
    driver = Driver(core.apply)
    driver.place("A")
    venue_id = exchange.place("A", SYMBOL, "buy", 1.0, 100.0, driver.time)
    driver.report("order_accepted", {"order_id": "A"})
    exchange.end(venue_id, status, T0 - 50_000)  # the venue's clock is behind ours
    report = reconcile(core, exchange, venue=VENUE, since=T0, now=T0 + 9000)
    assert report.refused == [] and len(report.applied) == 1
