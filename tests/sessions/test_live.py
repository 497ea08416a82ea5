"""Live mode, offline: a Strategy through Cerebro against a scripted fake venue.

Timeline of every run (derived from ``live_support.run_session``): bar k covers
[START + k min, START + (k+1) min) and is delivered when the clock reaches its end, so
``next()`` with ``len(self) == k + 1`` runs at START + (k+1) min. An order placed in
``next()`` at ``len == 1`` is created at the venue at START + 60 s; its script's step
delays count from there. The broker polls every 10 s while the feed waits, and the
notifications of what it applied arrive at the start of the next step.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from ccxt.base.errors import InvalidOrder
from live_support import FRAME_MS, SYMBOL, run_session, statuses, timed

import cracktrader as ct
from backend_support import require_rust
from cracktrader.sessions.venue import classify, order_arguments, reject_reason
from fake_venue import START_MS, Script

Order = ct.Order
T0 = START_MS + FRAME_MS  # when next() of the first bar runs and places orders


def limit_buy(size=1, price=101.0, **kwargs):
    def place(s):
        s.order = s.buy(size=size, exectype=Order.Limit, price=price, **kwargs)
    return place


def fill(delay, qty, price, fee=None):
    return (delay, "fill", {"qty": qty, "price": price, "fee": fee})


def test_partial_fills_arrive_when_the_venue_reports_them(backend):
    run = run_session(backend, mode="live", scripts=[Script(steps=[fill(90_000, 0.4, 100.5, 0.05),
                                                                   fill(150_000, 0.6, 100.8, 0.06)])],
                      actions={1: limit_buy()})
    # fills at T0 + 90 s (in bar 3's minute) and T0 + 150 s (bar 4's)
    assert timed(run.strategy) == [(2, "Submitted"), (2, "Accepted"), (3, "Partial"), (4, "Completed")]
    partial, completed = run.strategy.log[2], run.strategy.log[3]
    assert partial[3] == pytest.approx(1000 - 0.4 * 100.5 - 0.05) and partial[4] == pytest.approx(0.4)
    assert completed[3] == pytest.approx(1000 - 40.2 - 0.05 - 60.48 - 0.06) and completed[4] == pytest.approx(1)
    position = run.broker.getposition(run.cerebro.datas[0])
    assert position.price == pytest.approx((40.2 + 60.48) / 1)
    assert [(f["fill_id"], f["qty"], f["price"], f["fee"]) for f in run.result.fills] == [
        ("T1", "0.4", "100.5", "0.05"), ("T2", "0.6", "100.8", "0.06")]
    assert run.result.final_cash == "899.21"
    args = run.fake.method_calls("create_order")[0]
    assert args[1:6] == (SYMBOL, "limit", "buy", 1.0, 101.0)
    assert args[6]["clientOrderId"].startswith("ct") and args[6]["clientOrderId"].endswith("o1")


def test_venue_fee_replaces_the_commission_rate(backend):
    run = run_session(backend, mode="live", commission=0.01,
                      scripts=[Script(steps=[fill(30_000, 1, 100.0, 0.02)]), Script(steps=[fill(30_000, 1, 100.0)])],
                      actions={1: limit_buy(), 3: limit_buy()})
    fees = [f["fee"] for f in run.result.fills]
    assert fees == ["0.02", "1"]  # the venue's fee; the rate (1% of 100) only when the venue gives none


def test_fee_in_another_currency_is_listed_not_booked(backend):
    """A fee in BNB cannot be booked in USDT: the reply is refused by the normalizer
    (D-110); the poll books quantity and price with the commission rate and lists the
    venue's fee."""
    run = run_session(backend, mode="live", commission=0.001, fake_options={"nested_trades": True},
                      scripts=[Script(steps=[(0, "fill", {"qty": 1, "price": 100.0, "fee": 0.0004,
                                                          "currency": "BNB"})])],
                      actions={1: lambda s: s.buy(size=1)})
    assert statuses(run.strategy) == ["Submitted", "Accepted", "Completed"]
    assert [(f["qty"], f["price"], f["fee"]) for f in run.result.fills] == [("1", "100", "0.1")]
    assert list(run.broker.unusable) == [{"method": "create_order", "order_id": "o1", "code": "unsupported_payload",
                                          "field": "/payload/trades/0/fee/currency"}]
    assert run.broker.foreign_fees == {"T1": {"trade_id": "T1", "order": "V1",
                                              "fee": [{"cost": 0.0004, "currency": "BNB"}]}}
    assert run.broker.stats()["fees_in_other_currency"] == 1


def test_venue_rejection_and_insufficient_funds(backend):
    run = run_session(backend, mode="live", scripts=[Script(on_create="reject"), Script(on_create="insufficient")],
                      actions={1: lambda s: (limit_buy()(s), s.__setattr__("second", s.buy(size=1)))})
    assert statuses(run.strategy, 1) == ["Submitted", "Rejected"]
    assert statuses(run.strategy, 2) == ["Submitted", "Margin"]  # InsufficientFunds, like Backtrader's Margin
    orders = run.result.orders
    assert [o["status"] for o in orders] == ["Rejected", "Margin"]
    assert run.broker.stats()["orders_refused_by_venue"] == 2
    assert run.broker.getcash() == 1000.0 and run.result.fills == []


def test_venue_cancels_and_expires_on_its_own(backend):
    run = run_session(backend, mode="live",
                      scripts=[Script(steps=[(90_000, "cancel", {})]),
                               Script(steps=[fill(10_000, 0.5, 100.0), (90_000, "expire", {})])],
                      actions={1: lambda s: (limit_buy()(s), s.__setattr__("other", s.buy(size=1, exectype=Order.Limit,
                                                                                        price=100.0)))})
    assert timed(run.strategy, 1) == [(2, "Submitted"), (2, "Accepted"), (3, "Canceled")]
    assert timed(run.strategy, 2) == [(2, "Submitted"), (2, "Accepted"), (2, "Partial"), (3, "Expired")]
    assert run.broker.getposition(run.cerebro.datas[0]).size == pytest.approx(0.5)


def test_strategy_cancel_is_confirmed_by_the_venue(backend):
    def cancel(s):
        assert s.cancel(s.order) is True

    run = run_session(backend, mode="live", scripts=[Script()], actions={1: limit_buy(), 3: cancel})
    assert timed(run.strategy) == [(2, "Submitted"), (2, "Accepted"), (4, "Canceled")]
    assert run.fake.orders["V1"]["status"] == "canceled"
    assert run.fake.method_calls("cancel_order") == [("cancel_order", "V1", SYMBOL)]


def test_cancel_that_times_out_is_resent_by_the_poll(backend):
    run = run_session(backend, mode="live", scripts=[Script(on_cancel="timeout_once")],
                      actions={1: limit_buy(), 3: lambda s: s.cancel(s.order)})
    assert statuses(run.strategy) == ["Submitted", "Accepted", "Canceled"]
    assert len(run.fake.method_calls("cancel_order")) == 2
    assert run.broker.stats()["cancels_resent"] == 1


def test_fill_arriving_after_a_cancel_request(backend):
    """The venue filled the rest before the cancel arrived: Completed, never Canceled."""
    run = run_session(backend, mode="live", scripts=[Script(on_cancel="fill_first", race_price=99.5)],
                      actions={1: limit_buy(price=100.0), 3: lambda s: s.cancel(s.order)})
    assert timed(run.strategy) == [(2, "Submitted"), (2, "Accepted"), (4, "Completed")]
    assert run.broker.getposition(run.cerebro.datas[0]).size == 1
    assert run.result.fills[0]["price"] == "99.5"


def test_partial_fill_racing_a_cancel(backend):
    """The cancel reply says 'canceled' with 0.4 filled before the fill is seen: the
    cancellation waits for the poll, which applies the fill first."""
    run = run_session(backend, mode="live", scripts=[Script(on_cancel="partial_then_cancel", race_qty=0.4,
                                                             race_price=99.0)],
                      actions={1: limit_buy(price=100.0), 3: lambda s: s.cancel(s.order)})
    assert timed(run.strategy) == [(2, "Submitted"), (2, "Accepted"), (4, "Partial"), (4, "Canceled")]
    assert run.broker.getposition(run.cerebro.datas[0]).size == pytest.approx(0.4)
    assert run.broker.stats()["ends_deferred_to_poll"] == 1


def test_order_the_venue_never_acknowledges(backend):
    def try_cancel(s):
        s.cancel_result = s.cancel(s.order)

    run = run_session(backend, mode="live", scripts=[Script(on_create="timeout_lost")],
                      broker_options={"ack_timeout_s": 90.0}, actions={1: limit_buy(), 2: try_cancel})
    # unknown until T0 + 90 s, then rejected: Submitted alone for a whole bar
    assert timed(run.strategy) == [(2, "Submitted"), (3, "Rejected")]
    assert run.strategy.cancel_result is False  # no cancel edge from submitted
    order = run.result.orders[0]
    assert order["status"] == "Rejected"
    stats = run.broker.stats()
    assert stats["orders_outcome_unknown"] == 1 and stats["ack_timeouts"] == 1
    assert run.fake.orders == {}
    looked_up = [call for call in run.fake.method_calls("fetch_order") if call[1] is None]
    assert looked_up and looked_up[0][3]["clientOrderId"].endswith("o1")


def test_order_acknowledged_late_after_a_timeout(backend):
    run = run_session(backend, mode="live",
                      scripts=[Script(on_create="timeout_late", appear_ms=20_000, steps=[fill(70_000, 1, 100.0)])],
                      actions={1: limit_buy()})
    assert timed(run.strategy) == [(2, "Submitted"), (2, "Accepted"), (3, "Completed")]
    assert run.broker.venue_order_id(run.strategy.order) == "V1"
    assert run.broker.stats().get("ack_timeouts", 0) == 0


def test_reply_lost_but_order_placed(backend):
    run = run_session(backend, mode="live", scripts=[Script(on_create="timeout_known", steps=[fill(30_000, 1, 100.0)])],
                      actions={1: limit_buy()})
    assert statuses(run.strategy) == ["Submitted", "Accepted", "Completed"]


def test_recorded_unusable_reply_is_counted_and_the_poll_accepts(backend):
    """kraken's recorded createOrder reply has a null status and timestamp."""
    run = run_session(backend, mode="live", scripts=[Script(on_create="unusable_reply")], actions={1: limit_buy()})
    assert list(run.broker.unusable) == [{"method": "create_order", "order_id": "o1", "code": "missing_field",
                                          "field": "/payload/status"}]
    assert statuses(run.strategy) == ["Submitted", "Accepted"]
    assert run.broker.venue_order_id(run.strategy.order) == "V1"


def test_immediate_fill_in_the_reply_and_duplicates_from_the_poll(backend):
    run = run_session(backend, mode="live", fake_options={"nested_trades": True},
                      scripts=[Script(steps=[fill(0, 0.5, 100.0, 0.01), fill(90_000, 0.5, 100.2, 0.01)])],
                      actions={1: lambda s: s.buy(size=1)})
    assert timed(run.strategy) == [(2, "Submitted"), (2, "Accepted"), (2, "Partial"), (3, "Completed")]
    stats = run.broker.stats()
    assert stats["reports_duplicate"] >= 1  # T1 came in the reply and again from fetch_my_trades
    assert [f["fill_id"] for f in run.result.fills] == ["T1", "T2"]
    assert run.fake.method_calls("create_order")[0][2:6] == ("market", "buy", 1.0, None)


def test_bracket_children_sent_on_parent_fill_and_sibling_cancelled_at_the_venue(backend):
    def bracket(s):
        s.bracket = s.buy_bracket(size=1, price=100.0, stopprice=95.0, limitprice=110.0)

    run = run_session(backend, mode="live",
                      scripts=[Script(steps=[fill(30_000, 1, 100.0)]), Script(), Script(steps=[fill(60_000, 1, 110.0)])],
                      actions={1: bracket})
    main, stop, limit = run.strategy.bracket
    assert statuses(run.strategy, main.ref)[-1] == "Completed"
    assert statuses(run.strategy, limit.ref)[-1] == "Completed"
    assert statuses(run.strategy, stop.ref)[-1] == "Canceled"
    creates = run.fake.method_calls("create_order")
    assert [c[2:6] for c in creates] == [("limit", "buy", 1.0, 100.0), ("market", "sell", 1.0, None),
                                         ("limit", "sell", 1.0, 110.0)]
    assert creates[1][6]["triggerPrice"] == 95.0
    assert run.fake.orders["V2"]["status"] == "canceled"  # the OCO sibling, cancelled at the venue too
    assert run.broker.getposition(run.cerebro.datas[0]).size == 0
    assert run.result.trades[0]["pnl"] == "10"


def test_oco_sibling_filled_at_the_venue_before_its_cancel_is_reported(backend):
    """MDL-010: the core cancelled the sibling; the venue had filled it already."""
    def bracket(s):
        s.bracket = s.buy_bracket(size=1, price=100.0, stopprice=95.0, limitprice=110.0)

    def rest(s):  # an unrelated order that keeps the polls going after the race
        s.resting = s.buy(size=1, exectype=Order.Limit, price=50.0)

    run = run_session(backend, mode="live",
                      scripts=[Script(steps=[fill(30_000, 1, 100.0)]),
                               Script(on_cancel="fill_first", race_price=95.0),
                               Script(steps=[fill(60_000, 1, 110.0)]),
                               Script()],
                      actions={1: bracket, 2: rest})
    main, stop, limit = run.strategy.bracket
    assert statuses(run.strategy, stop.ref)[-1] == "Canceled"
    assert statuses(run.strategy, run.strategy.resting.ref) == ["Submitted", "Accepted"]
    assert run.broker.stats()["polls"] > 10  # many polls after the race, which is still reported
    assert run.broker.stats()["fills_after_core_cancel"] == 1
    assert {"order_id": stop.order_id, "what": "filled_after_core_cancel", "engine": "0", "venue": "1"} \
        in run.broker.discrepancies


def test_valid_is_a_cancel_at_the_venue(backend):
    run = run_session(backend, mode="live", scripts=[Script()],
                      actions={1: limit_buy(valid=timedelta(seconds=90))})
    # expire_time = bar 1's time (START) + 90 s; the clock passes it at T0 + 40 s
    assert timed(run.strategy) == [(2, "Submitted"), (2, "Accepted"), (2, "Canceled")]
    assert run.fake.orders["V1"]["status"] == "canceled"
    assert run.result.orders[0]["status"] == "Canceled"
    assert run.broker.stats()["expiry_cancels"] == 1


def test_unknown_venue_orders_are_reported_not_adopted(backend):
    def foreign(fake):  # an order placed by someone else, whose client id looks like ours
        fake.create_order(SYMBOL, "limit", "sell", 2.0, 150.0, {"clientOrderId": "o1"})

    run = run_session(backend, mode="live", scripts=[Script(), Script()], actions={1: limit_buy()}, prepare=foreign)
    assert list(run.broker.unknown_venue_orders) == ["V1"]
    assert run.broker.venue_order_id(run.strategy.order) == "V2"
    assert statuses(run.strategy) == ["Submitted", "Accepted"]


def test_cash_from_the_venue_balance(backend):
    run = run_session(backend, mode="live", cash=None, broker_options={"quote": "USDT"},
                      fake_options={"balance": {"USDT": 2500.5}}, scripts=[], actions={})
    assert run.broker.startingcash == 2500.5
    assert run.result.final_cash == "2500.5"


def test_live_runs_are_identical_on_both_core_backends():
    require_rust()
    results = []
    for backend in ("python", "rust"):
        run = run_session(backend, mode="live",
                          scripts=[Script(steps=[fill(90_000, 0.4, 100.5, 0.05), fill(150_000, 0.6, 100.8, 0.06)]),
                                   Script(on_create="reject")],
                          actions={1: limit_buy(), 3: lambda s: s.sell(size=1)})
        results.append(run.result.comparable())
    assert results[0] == results[1]
    assert results[0]["final_cash"] == "899.21"


def test_client_order_ids_can_be_chosen_or_left_out(backend):
    run = run_session(backend, mode="live", scripts=[Script(), Script()],
                      broker_options={"client_order_id": lambda order_id: f"my-{order_id}"},
                      actions={1: limit_buy(), 2: limit_buy()})
    assert [call[6]["clientOrderId"] for call in run.fake.method_calls("create_order")] == ["my-o1", "my-o2"]
    assert statuses(run.strategy) == ["Submitted", "Accepted", "Submitted", "Accepted"]
    # without client ids, an order whose reply was lost cannot be found by the broker:
    # it is rejected after the acknowledgement time and the venue's order is reported
    run = run_session(backend, mode="live", scripts=[Script(on_create="timeout_known")],
                      broker_options={"client_order_id": None, "ack_timeout_s": 30.0}, actions={1: limit_buy()})
    assert "clientOrderId" not in run.fake.method_calls("create_order")[0][6]
    assert statuses(run.strategy) == ["Submitted", "Rejected"]
    assert list(run.broker.unknown_venue_orders) == ["V1"]


def test_order_arguments():
    base = {"side": "buy", "qty": "0.5", "limit_price": None, "stop_price": None, "time_in_force": "gtc"}
    assert order_arguments({**base, "order_type": "market"}, SYMBOL, "cid", None) == (
        SYMBOL, "market", "buy", 0.5, None, {"clientOrderId": "cid"})
    assert order_arguments({**base, "order_type": "limit", "limit_price": "101.5", "time_in_force": "ioc"}, SYMBOL,
                           None, {"postOnly": True}) == (
        SYMBOL, "limit", "buy", 0.5, 101.5, {"postOnly": True, "timeInForce": "IOC"})
    assert order_arguments({**base, "order_type": "stop", "stop_price": "95", "time_in_force": "fok"}, SYMBOL, None,
                           None) == (SYMBOL, "market", "buy", 0.5, None, {"triggerPrice": 95.0, "timeInForce": "FOK"})
    assert order_arguments({**base, "order_type": "stop_limit", "stop_price": "95", "limit_price": "96"}, SYMBOL, None,
                           None) == (SYMBOL, "limit", "buy", 0.5, 96.0, {"triggerPrice": 95.0})


def test_error_classes():
    from ccxt.base import errors

    assert classify(errors.InvalidOrder("x")) == "rejected"
    assert classify(errors.InsufficientFunds("x")) == "rejected"
    assert reject_reason(errors.InsufficientFunds("x")) == "insufficient_cash"
    assert reject_reason(InvalidOrder("x")) == "venue_rejected"
    for unknown in (errors.RequestTimeout("x"), errors.ExchangeNotAvailable("x"), errors.DuplicateOrderId("x"),
                    errors.RateLimitExceeded("x"), ConnectionError("x"), ValueError("x")):
        assert classify(unknown) == "unknown", unknown
