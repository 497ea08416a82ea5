"""Accounting (DESIGN.md section 7) and placement checks (D-035), on both backends.

Every expected figure below is worked out by hand from the rules in the comments.
"""

from __future__ import annotations

from core_inputs import Driver, refusal

EXTERNAL = {"mode": "external"}


def filled(d: Driver, order_id: str, qty: str, price: str, fee: str | None = None, fill_id: str | None = None) -> dict:
    return d.report("order_filled", order_id, qty=qty, price=price, fee=fee, fill_id=fill_id or f"{order_id}-{qty}@{price}")


def working(d: Driver, order_id: str, side: str, qty: str, limit: str) -> None:
    assert d.place(order_id, side=side, qty=qty, order_type="limit", limit_price=limit)["code"] == "ok"
    assert d.report("order_accepted", order_id)["code"] == "ok"


def test_buy_then_flip_through_zero_with_realized_pnl(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "starting_cash": "1000"})
    working(d, "b1", "buy", "2", "10")
    r = filled(d, "b1", "2", "10", fee="0.1")
    # cash: -2 x 10 (buy notional) - 0.1 (fee)
    assert r["cash_delta"] == "-20.1"
    assert r["fills"] == [
        {"order_id": "b1", "fill_id": "b1-2@10", "venue": "binance", "instrument": "BTC/USDT", "side": "buy",
         "qty": "2", "price": "10", "fee": "0.1"}
    ]
    assert r["position_deltas"] == [
        {"venue": "binance", "instrument": "BTC/USDT", "size_delta": "2", "realized_pnl_delta": "0"}
    ]
    assert d.position() == {"size": "2", "avg_price": "10", "realized_pnl": "0"}
    working(d, "s1", "sell", "3", "12")
    r = filled(d, "s1", "3", "12", fee="0")
    # closes 2 at +2 each (realized 4), opens a short of 1 at the fill price 12
    assert r["cash_delta"] == "36"
    assert r["position_deltas"][0]["size_delta"] == "-3" and r["position_deltas"][0]["realized_pnl_delta"] == "4"
    assert d.position() == {"size": "-1", "avg_price": "12", "realized_pnl": "4"}
    working(d, "b2", "buy", "1", "9")
    filled(d, "b2", "1", "9", fee="0")
    # the short profits 12 - 9 = 3; back at zero the average is 0
    assert d.position() == {"size": "0", "avg_price": "0", "realized_pnl": "7"}
    snap = d.snapshot()
    assert snap["cash"] == "1006.9"  # 1000 - 20.1 + 36 - 9
    assert snap["fees_paid"] == "0.1"


def test_adding_averages_once_with_half_even_rounding(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    working(d, "b", "buy", "3", "11")
    filled(d, "b", "1", "10", fee="0")
    r = filled(d, "b", "2", "10.5", fee="0")
    # (1 x 10 + 2 x 10.5) / 3 = 31 / 3 = 10.333333333(3...) -> 10.333333333
    assert d.position()["avg_price"] == "10.333333333"
    assert r["transitions"][0]["avg_fill_price"] == "10.333333333"
    # a tie rounds to even: (1 x 0.000000001 + 1 x 0.000000002) / 2 = 0.0000000015 -> 0.000000002
    e = Driver(backend, EXTERNAL)
    working(e, "t", "buy", "2", "1")
    filled(e, "t", "1", "0.000000001", fee="0")
    filled(e, "t", "1", "0.000000002", fee="0")
    assert e.order("t")["avg_fill_price"] == "0.000000002"
    assert e.position()["avg_price"] == "0.000000002"


def test_reducing_keeps_the_average_and_shorts_mirror(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    working(d, "s", "sell", "4", "50")
    filled(d, "s", "4", "50", fee="0")
    working(d, "b", "buy", "1", "60")
    r = filled(d, "b", "1", "60", fee="0")
    # a short loses when the price rises: (50 - 60) x 1
    assert r["position_deltas"][0]["realized_pnl_delta"] == "-10"
    assert d.position() == {"size": "-3", "avg_price": "50", "realized_pnl": "-10"}


def test_commission_rate_and_explicit_fees(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "commission_rate": "0.001", "starting_cash": "1000"})
    working(d, "b", "buy", "3", "100")
    r = filled(d, "b", "2", "100")  # no explicit fee: 200 x 0.001 = 0.2
    assert r["fills"][0]["fee"] == "0.2" and r["cash_delta"] == "-200.2"
    r = filled(d, "b", "1", "100", fee="-0.05")  # an explicit rebate is used as given
    assert r["fills"][0]["fee"] == "-0.05" and r["cash_delta"] == "-99.95"
    assert d.snapshot()["fees_paid"] == "0.15"
    # a negative price never makes a negative commission (D-040): |notional| x rate
    n = Driver(backend, {"mode": "external", "commission_rate": "0.01"})
    working(n, "s", "sell", "1", "-5")
    r = filled(n, "s", "1", "-5")
    assert r["fills"][0]["fee"] == "0.05" and r["cash_delta"] == "-5.05"


def test_commission_rounds_half_even(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "commission_rate": "0.5"})
    working(d, "b", "buy", "1", "1")
    # notional 0.000000001 x 0.5 = 0.0000000005 -> 0 (tie to even)
    assert filled(d, "b", "0.000000001", "1")["fills"][0]["fee"] == "0"
    # 0.000000003 x 0.5 = 0.0000000015 -> 0.000000002
    assert filled(d, "b", "0.000000003", "1")["fills"][0]["fee"] == "0.000000002"


def test_order_average_fill_price_is_exact_then_rounded_once(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    working(d, "b", "buy", "3", "3")
    filled(d, "b", "1", "1", fee="0", fill_id="f1")
    assert filled(d, "b", "1", "1", fee="0", fill_id="f1")["code"] == "duplicate"  # same fill id: once
    filled(d, "b", "1", "1", fee="0", fill_id="f2")
    r = filled(d, "b", "1", "2", fee="0", fill_id="f3")
    # (1 + 1 + 2) / 3 = 1.333333333...
    assert r["transitions"][0]["avg_fill_price"] == "1.333333333"
    assert d.order("b")["fill_notional"] == str(4 * 10**18)


def test_position_deltas_are_summed_per_instrument_and_sorted(backend: str) -> None:
    d = Driver(backend)  # simulated: one bar fills several orders
    d.bar("10", "10", "10", "10", instrument="B")
    d.bar("10", "10", "10", "10", instrument="A")
    d.place("b1", qty="1", instrument="B")
    d.place("a1", qty="2", instrument="A")
    d.place("b2", qty="3", instrument="B")
    r = d.bar("11", "11", "11", "11", instrument="B")
    assert [(p["instrument"], p["size_delta"]) for p in r["position_deltas"]] == [("B", "4")]
    assert r["cash_delta"] == "-44"
    r = d.bar("12", "12", "12", "12", instrument="A")
    assert r["position_deltas"] == [{"venue": "binance", "instrument": "A", "size_delta": "2", "realized_pnl_delta": "0"}]


# --------------------------------------------------------- placement checks


def test_insufficient_cash_counts_commitments_and_commission(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "starting_cash": "100", "commission_rate": "0.01"})
    # 9 x 10 = 90, plus 1% = 90.9 <= 100
    assert d.place("a", qty="9", order_type="limit", limit_price="10")["code"] == "ok"
    # 0.9 x 10 = 9 + 0.09 = 9.09 > 100 - 90.9 = 9.1? no: 9.09 <= 9.1 -> ok
    assert d.place("b", qty="0.9", order_type="limit", limit_price="10")["code"] == "ok"
    # nothing left: 0.01 x 10 x 1.01 = 0.101 > 0.01
    assert refusal(d.place("c", qty="0.01", order_type="limit", limit_price="10")) == (
        "insufficient_cash",
        "/payload/qty",
    )
    # a sell needs no cash; cancelling a buy frees its commitment
    assert d.place("s", side="sell", qty="5", order_type="limit", limit_price="10")["code"] == "ok"
    d.report("order_accepted", "a")
    d.cancel("a")  # cancel_pending still commits (it may yet fill)
    assert refusal(d.place("c", qty="1", order_type="limit", limit_price="10"))[0] == "insufficient_cash"
    d.report("order_cancelled", "a")
    assert d.place("c", qty="1", order_type="limit", limit_price="10")["code"] == "ok"


def test_reference_prices(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "starting_cash": "100"})
    # a market buy before any bar cannot be valued
    assert refusal(d.place("m", qty="1")) == ("risk_limit", "/payload/instrument")
    # a market sell can (no cash check, shorts allowed)
    assert d.place("ms", side="sell", qty="1")["code"] == "ok"
    d.bar("50", "60", "40", "50")
    assert refusal(d.place("m2", qty="2.1"))[0] == "insufficient_cash"  # valued at the last close 50
    assert d.place("m3", qty="2")["code"] == "ok"
    # a stop buy is valued at its stop
    e = Driver(backend, {"mode": "external", "starting_cash": "100"})
    assert refusal(e.place("st", qty="2", order_type="stop", stop_price="51"))[0] == "insufficient_cash"
    assert e.place("st", qty="2", order_type="stop", stop_price="50")["code"] == "ok"
    # a stop-limit buy at its limit
    f = Driver(backend, {"mode": "external", "starting_cash": "100"})
    assert f.place("sl", qty="2", order_type="stop_limit", stop_price="80", limit_price="50")["code"] == "ok"


def test_risk_limits(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "max_order_qty": "5", "max_notional": "100"})
    assert refusal(d.place("q", qty="5.1", order_type="limit", limit_price="1")) == ("risk_limit", "/payload/qty")
    assert refusal(d.place("n", qty="5", order_type="limit", limit_price="20.01")) == ("risk_limit", "/payload/qty")
    assert d.place("n", qty="5", order_type="limit", limit_price="20")["code"] == "ok"
    # |notional| counts: a negative price does not slip under the limit
    assert refusal(d.place("neg", side="sell", qty="5", order_type="limit", limit_price="-20.01"))[0] == "risk_limit"
    # with max_notional set, even an unvalued market sell is refused
    assert refusal(d.place("ms", side="sell", qty="1")) == ("risk_limit", "/payload/instrument")


def test_allow_short_and_open_sells(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "allow_short": False})
    assert refusal(d.place("s", side="sell", qty="1", order_type="limit", limit_price="1")) == (
        "insufficient_position",
        "/payload/qty",
    )
    working(d, "b", "buy", "2", "1")
    filled(d, "b", "2", "1")
    assert d.place("s1", side="sell", qty="1.5", order_type="limit", limit_price="1")["code"] == "ok"
    # 2 held - 1.5 already offered = 0.5 left
    assert refusal(d.place("s2", side="sell", qty="0.6", order_type="limit", limit_price="1"))[0] == (
        "insufficient_position"
    )
    assert d.place("s2", side="sell", qty="0.5", order_type="limit", limit_price="1")["code"] == "ok"
    # the flag can be switched at run time
    d.flag("allow_short", True)
    assert d.place("s3", side="sell", qty="10", order_type="limit", limit_price="1")["code"] == "ok"
    assert d.snapshot()["risk_flags"] == {"allow_short": True}


def test_replace_is_checked_without_its_own_commitment(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "starting_cash": "100"})
    working(d, "b", "buy", "10", "10")  # commits all 100
    assert d.replace("b", qty="10", limit_price="9")["code"] == "ok"  # needs 90, its own 100 excluded
    assert refusal(d.replace("b", limit_price="10.01"))[0] == "insufficient_cash"
    filled(d, "b", "4", "9", fee="0")  # cash 64, remaining 6 x 9 = 54
    assert d.replace("b", qty="11")["code"] == "ok"  # remaining 7 x 9 = 63 <= 64
    assert refusal(d.replace("b", qty="12"))[0] == "insufficient_cash"


def test_kill_switch_refuses_new_orders_but_not_cancels(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    working(d, "b", "buy", "1", "1")
    d.flag("kill_switch", True)
    assert refusal(d.place("x", order_type="limit", limit_price="1")) == ("kill_switch", "/intent_type")
    assert refusal(d.replace("b", qty="2")) == ("kill_switch", "/intent_type")
    assert d.cancel("b")["code"] == "ok"
    d.flag("kill_switch", False)
    assert d.place("x", order_type="limit", limit_price="1")["code"] == "ok"
    # the control event does the same
    on = d.apply(
        {"kind": "event", "seq_id": d.seq + 1, "event_time": 1, "ingest_time": 1, "source": "control", "venue": None,
         "instrument": None, "event_type": "kill_switch", "payload": {"enabled": True}, "idempotency_key": None,
         "producer": 0}
    )
    assert on["code"] == "ok" and d.snapshot()["kill_switch"] is True
    # kill_switch precedes risk_limit
    assert refusal(d.place("y", qty="1"))[0] == "kill_switch"


def test_bracket_children_are_exempt_from_cash_and_position_checks(backend: str) -> None:
    d = Driver(backend, {"mode": "external", "starting_cash": "10", "allow_short": False})
    working(d, "p", "buy", "1", "10")
    # closing what the parent opens: a sell without a position, a stop buy beyond cash
    assert d.place("c1", side="sell", qty="1", order_type="limit", limit_price="20", parent_order_id="p")["code"] == "ok"
    assert d.place("c2", side="buy", qty="100", order_type="limit", limit_price="100", parent_order_id="p")[
        "code"
    ] == "ok"
    # risk limits still apply to children
    r = Driver(backend, {"mode": "external", "max_order_qty": "1"})
    working(r, "p", "buy", "1", "1")
    assert refusal(r.place("c", side="sell", qty="2", order_type="limit", limit_price="1", parent_order_id="p"))[0] == (
        "risk_limit"
    )
