"""Simulated matching on bars (DESIGN.md section 8, Backtrader's defaults), both backends.

Each case places one order while a first bar is current, then feeds the next bar and
checks the fill price the rules give (or that nothing fills).
"""

from __future__ import annotations

from typing import Any

import pytest
from core_inputs import Driver, refusal


def after_one_bar(backend: str, config: dict[str, Any] | None = None) -> Driver:
    d = Driver(backend, config)
    d.bar("100", "100", "100", "100")
    return d


def fill_price(result: dict) -> str | None:
    return result["fills"][0]["price"] if result["fills"] else None


# (side, order_type, limit, stop, next bar open/high/low/close, expected price or None)
CASES = [
    ("buy", "market", None, None, ("101", "105", "99", "104"), "101"),
    ("sell", "market", None, None, ("101", "105", "99", "104"), "101"),
    # buy limit: at the open if open <= limit, else at the limit if low <= limit
    ("buy", "limit", "100", None, ("98", "99", "97", "98"), "98"),
    ("buy", "limit", "100", None, ("102", "103", "99", "101"), "100"),
    ("buy", "limit", "100", None, ("102", "103", "100.01", "101"), None),
    # sell limit mirrored
    ("sell", "limit", "100", None, ("103", "104", "102", "103"), "103"),
    ("sell", "limit", "100", None, ("98", "100.5", "97", "99"), "100"),
    ("sell", "limit", "100", None, ("98", "99.99", "97", "99"), None),
    # buy stop: at the open if open >= stop (a gap through), else at the stop if high >= stop
    ("buy", "stop", None, "102", ("103", "104", "102", "103"), "103"),
    ("buy", "stop", None, "102", ("101", "102", "100", "101"), "102"),
    ("buy", "stop", None, "102", ("101", "101.99", "100", "101"), None),
    # sell stop mirrored
    ("sell", "stop", None, "98", ("97", "99", "96", "97"), "97"),
    ("sell", "stop", None, "98", ("99", "100", "98", "99"), "98"),
    ("sell", "stop", None, "98", ("99", "100", "98.01", "99"), None),
    # buy stop-limit: triggered when high >= stop, fills at max(open, stop) if <= limit
    ("buy", "stop_limit", "103", "102", ("101", "104", "100", "103"), "102"),
    ("buy", "stop_limit", "103", "102", ("102.5", "104", "102", "103"), "102.5"),
    ("buy", "stop_limit", "103", "102", ("104", "105", "103.5", "104"), None),  # triggered, rests
    ("buy", "stop_limit", "103", "102", ("101", "101.5", "100", "101"), None),  # not triggered
    # sell stop-limit mirrored: triggered when low <= stop, at min(open, stop) if >= limit
    ("sell", "stop_limit", "97", "98", ("99", "100", "97", "98"), "98"),
    ("sell", "stop_limit", "97", "98", ("96", "97", "95", "96"), None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{'-'.join(c[4])}")
def test_fill_price_rules(case: tuple, backend: str) -> None:
    side, order_type, limit, stop, bar, expected = case
    d = after_one_bar(backend)
    placed = d.place("o", side=side, order_type=order_type, limit_price=limit, stop_price=stop, qty="1")
    assert placed["code"] == "ok", placed
    result = d.bar(*bar)
    assert fill_price(result) == expected
    if expected is not None:
        assert d.states(result)[-1] == ("o", "accepted", "filled")
        assert result["fills"][0]["fill_id"] == "o:1"
        assert result["fills"][0]["qty"] == "1"  # no volume limit: all or nothing


def test_stop_limit_rests_as_limit_after_its_trigger_bar(backend: str) -> None:
    d = after_one_bar(backend)
    d.place("o", order_type="stop_limit", stop_price="102", limit_price="103")
    assert d.bar("104", "105", "103.5", "104")["fills"] == []  # triggered above the limit
    assert d.order("o")["triggered"] is True
    # now a plain limit 103: the open 103.5 is above it, the low 102.5 reaches it
    assert fill_price(d.bar("103.5", "104", "102.5", "103")) == "103"


def test_next_bar_rule(backend: str) -> None:
    d = Driver(backend)
    d.bar("100", "100", "100", "100", time=60_000)
    d.place("o", qty="1")
    # a second bar with the same time is still "the bar the order was placed on"
    assert d.bar("90", "95", "85", "90", time=60_000)["fills"] == []
    assert fill_price(d.bar("91", "95", "85", "90", time=120_000)) == "91"
    # an order placed before any bar may fill on the first one
    e = Driver(backend)
    e.place("s", side="sell", qty="1")
    assert fill_price(e.bar("50", "50", "50", "50")) == "50"


def test_late_bar_does_not_fill_orders_placed_after_a_newer_bar(backend: str) -> None:
    d = Driver(backend, {"late_policy": "accept"})
    d.bar("100", "100", "100", "100", time=120_000)
    d.place("o", qty="1")
    late = d.bar("90", "90", "90", "90", time=60_000)
    assert late["late"] is True and late["fills"] == []
    # and the late bar did not replace the current bar (D-036)
    assert d.snapshot()["last_bar"]["binance"]["BTC/USDT"]["time"] == 120_000
    assert fill_price(d.bar("95", "95", "95", "95", time=180_000)) == "95"


def test_orders_match_in_submission_order_and_cash_is_checked_per_fill(backend: str) -> None:
    d = after_one_bar(backend, {"starting_cash": "230"})
    # market buys are valued at the last close (100) when placed: 200 <= 230
    d.place("a", qty="1")
    d.place("b", qty="1")
    assert refusal(d.place("c", qty="1"))[0] == "insufficient_cash"
    # the next bar opens at 120: a fills (cash 110), b would leave -10: rejected
    # (Backtrader's Margin), and the rejection is in the same result
    result = d.bar("120", "120", "90", "110")
    assert [f["order_id"] for f in result["fills"]] == ["a"]
    assert d.states(result)[-1] == ("b", "accepted", "rejected")
    assert result["transitions"][-1]["reason"] == "insufficient_cash"
    assert d.cash() == "110"


def test_expiry_happens_before_matching(backend: str) -> None:
    d = Driver(backend)
    d.bar("100", "100", "100", "100", time=60_000)
    d.place("lim", qty="1", order_type="limit", limit_price="100", expire_time=119_999)
    d.place("keep", qty="1", order_type="limit", limit_price="100", expire_time=120_000)
    d.place("mkt", qty="1", expire_time=0)  # market orders do not expire
    result = d.bar("99", "99", "99", "99", time=120_000)
    assert d.states(result)[0] == ("lim", "accepted", "expired") and result["transitions"][0]["reason"] == "expire_time"
    # expire_time equal to the bar time is not "strictly earlier"
    assert [f["order_id"] for f in result["fills"]] == ["keep", "mkt"]


@pytest.mark.parametrize("tif", ["ioc", "fok"])
def test_ioc_and_fok_are_cancelled_after_their_first_eligible_bar(tif: str, backend: str) -> None:
    d = after_one_bar(backend)
    d.place("miss", qty="1", order_type="limit", limit_price="90", time_in_force=tif)
    d.place("hit", qty="1", order_type="limit", limit_price="110", time_in_force=tif)
    d.place("gtc", qty="1", order_type="limit", limit_price="90")
    result = d.bar("105", "106", "95", "100")
    assert [f["order_id"] for f in result["fills"]] == ["hit"]
    # fills first, then the cancels of the unfilled ones
    assert d.states(result)[-1] == ("miss", "accepted", "cancelled")
    assert result["transitions"][-1]["reason"] == "time_in_force"
    assert d.state("gtc") == "accepted"


def test_fill_ids_count_per_order(backend: str) -> None:
    d = after_one_bar(backend)
    d.place("a", qty="1")
    d.place("b", qty="2", side="sell")
    result = d.bar("101", "101", "101", "101")
    assert [f["fill_id"] for f in result["fills"]] == ["a:1", "b:1"]


def test_bars_only_match_their_own_instrument(backend: str) -> None:
    d = after_one_bar(backend)
    d.place("o", qty="1")
    assert d.bar("5", "5", "5", "5", instrument="ETH/USDT")["fills"] == []
    assert d.bar("5", "5", "5", "5", venue="kraken")["fills"] == []
    assert fill_price(d.bar("101", "101", "101", "101")) == "101"


def test_external_mode_never_matches(backend: str) -> None:
    d = after_one_bar(backend, {"mode": "external"})
    d.place("o", qty="1")
    d.report("order_accepted", "o")
    assert d.bar("1", "1", "1", "1")["fills"] == []


def test_trades_update_the_last_price_not_matching(backend: str) -> None:
    d = after_one_bar(backend)
    d.place("o", order_type="limit", limit_price="10", qty="1")
    assert d.trade("5")["fills"] == []
    assert d.snapshot()["last_price"]["binance"]["BTC/USDT"]["price"] == "5"
    # an older trade does not replace a newer price
    d.trade("7", time=1)
    assert d.snapshot()["last_price"]["binance"]["BTC/USDT"]["price"] == "5"


def test_bar_consistency_is_checked(backend: str) -> None:
    d = Driver(backend)
    assert refusal(d.bar("1", "2", "3", "1")) == ("invalid_number", "/payload/high")  # high < low
    assert refusal(d.bar("5", "4", "1", "2")) == ("invalid_number", "/payload/open")
    assert refusal(d.bar("2", "4", "1", "5")) == ("invalid_number", "/payload/close")
    d2 = Driver(backend)
    bad_volume = d2.apply(
        {"kind": "event", "seq_id": 1, "event_time": 1, "ingest_time": 1, "source": "market_data", "venue": "v",
         "instrument": "i", "event_type": "bar",
         "payload": {"open": 1, "high": 1, "low": 1, "close": 1, "volume": "-0.1", "timeframe_ms": 1},
         "idempotency_key": None, "producer": 0}
    )
    assert refusal(bad_volume) == ("invalid_number", "/payload/volume")
    # negative prices are prices (D-012)
    assert d2.bar("-5", "-1", "-10", "-2")["code"] == "ok"
