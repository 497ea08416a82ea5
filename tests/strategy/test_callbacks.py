"""Callback timing and order lifecycles as Backtrader users rely on them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import run_ct

import cracktrader as ct

Order = ct.Order


def _bars(prices, step=60_000):
    """Bars from (open, high, low, close) tuples, or one price for all four."""
    out = []
    for i, p in enumerate(prices):
        o, h, l, c = (p, p, p, p) if isinstance(p, (int, float)) else p
        out.append((i * step, float(o), float(h), float(l), float(c), 100.0, 0.0))
    return out


class Script(ct.Strategy):
    """Runs ``actions[len(self)](self)`` in next() and records every notification."""

    params = (("actions", None), ("on_order", None))

    def __init__(self):
        self.log = []
        self.trades = []

    def notify_order(self, order):
        self.log.append((len(self), order.getstatusname(), order.ref, self.broker.getcash(), self.broker.getvalue(),
                         self.position.size))
        if self.p.on_order:
            self.p.on_order(self, order)

    def notify_trade(self, trade):
        self.trades.append((len(self), trade.isclosed, trade.justopened, trade.pnl, trade.pnlcomm))

    def next(self):
        action = (self.p.actions or {}).get(len(self))
        if action:
            action(self)


def statuses(strategy, ref=None):
    return [entry[1] for entry in strategy.log if ref is None or entry[2] == ref]


def test_fill_is_visible_inside_notify_order():
    strategy, cerebro = run_ct(Script, _bars([10, (11, 12, 10, 11.5), 12]), cash=1000.0, commission=0.01,
                               actions={1: lambda s: s.buy(size=10)})
    assert statuses(strategy) == ["Submitted", "Accepted", "Completed"]
    bar, _, _, cash, value, size = strategy.log[-1]
    assert bar == 2  # executed on the bar after the order, at its open
    assert cash == pytest.approx(1000.0 - 110.0 - 1.1)  # fee 1% of 110
    assert value == pytest.approx(cash + 10 * 11.5)  # valued at the bar's close
    assert size == 10
    assert all(entry[0] == 2 for entry in strategy.log)  # all three arrive together


def test_follow_up_order_from_notify_order():
    def on_order(s, order):
        if order.status == order.Completed and order.isbuy():
            s.sell(size=order.executed.size, exectype=Order.Limit, price=13.0)

    strategy, cerebro = run_ct(Script, _bars([10, 11, (12, 13.5, 11.5, 12), 12, 12]), cash=1000.0,
                               actions={1: lambda s: s.buy(size=5)}, on_order=on_order)
    sells = [entry for entry in strategy.log if entry[2] == 2]
    assert [(e[0], e[1]) for e in sells] == [(3, "Submitted"), (3, "Accepted"), (3, "Completed")]
    assert cerebro.broker.getposition(cerebro.datas[0]).size == 0
    assert cerebro.broker.getcash() == pytest.approx(1000.0 - 5 * 11 + 5 * 13)
    assert strategy.trades[-1][1] is True and strategy.trades[-1][3] == pytest.approx(10.0)


def test_cancel_leaves_balances_untouched():
    def place(s):
        s.order = s.buy(size=1, exectype=Order.Limit, price=5.0)

    strategy, cerebro = run_ct(Script, _bars([10, 10, 10, 10]), cash=500.0,
                               actions={1: place, 3: lambda s: s.cancel(s.order)})
    assert statuses(strategy) == ["Submitted", "Accepted", "Canceled"]
    canceled = strategy.log[-1]
    assert canceled[0] == 4 and canceled[3] == 500.0 and canceled[5] == 0
    assert cerebro.run_result.fills == []


def test_cancel_in_the_same_step_works():
    """Documented difference: Backtrader ignores a cancel before the order is accepted."""

    def place_and_cancel(s):
        order = s.buy(size=1)
        assert s.cancel(order) is True

    strategy, cerebro = run_ct(Script, _bars([10, 10, 10]), actions={1: place_and_cancel})
    assert statuses(strategy) == ["Submitted", "Accepted", "Canceled"]
    assert {entry[0] for entry in strategy.log} == {2}
    assert cerebro.run_result.fills == []


def test_margin_at_placement_and_at_fill():
    # placement: 10 x 100 at the close 100 > cash 500 -> refused by the core
    strategy, cerebro = run_ct(Script, _bars([100, 100, 100]), cash=500.0, actions={1: lambda s: s.buy(size=10)})
    assert statuses(strategy) == ["Submitted", "Margin"]
    assert cerebro.run_result.orders[0]["code"] == "insufficient_cash"
    assert cerebro.broker.getcash() == 500.0
    # fill: affordable at the close (48), not at the next open (52)
    strategy, cerebro = run_ct(Script, _bars([48, (52, 52, 52, 52), 50]), cash=500.0,
                               actions={1: lambda s: s.buy(size=10)})
    assert statuses(strategy) == ["Submitted", "Accepted", "Margin"]
    assert cerebro.broker.getcash() == 500.0


def test_expiry():
    def place(s):
        s.buy(size=1, exectype=Order.Limit, price=5.0, valid=timedelta(minutes=2))

    strategy, _ = run_ct(Script, _bars([10] * 6), actions={1: place})
    assert statuses(strategy) == ["Submitted", "Accepted", "Expired"]
    assert strategy.log[-1][0] == 4  # expires on the first bar strictly after bar 1 + 2 minutes


def test_bracket_lifecycle():
    def place(s):
        s.bracket = s.buy_bracket(size=2, price=10.0, stopprice=8.0, limitprice=12.0)

    # entry fills on bar 2 (low 9.5 <= 10), target hit on bar 4 (high 12.5)
    bars = _bars([10.5, (10.2, 10.4, 9.5, 10.1), (10.1, 11, 10, 11), (11, 12.5, 10.8, 12), 12])
    strategy, cerebro = run_ct(Script, bars, cash=1000.0, actions={1: place})
    main, stop, limit = strategy.bracket
    assert statuses(strategy, main.ref) == ["Submitted", "Accepted", "Completed"]
    assert statuses(strategy, stop.ref) == ["Submitted", "Accepted", "Canceled"]
    assert statuses(strategy, limit.ref) == ["Submitted", "Accepted", "Completed"]
    assert [e[0] for e in strategy.log if e[1] == "Completed"] == [2, 4]
    assert cerebro.broker.getcash() == pytest.approx(1000.0 - 20.0 + 24.0)
    assert [t for t in strategy.trades if t[1]][0][3] == pytest.approx(4.0)


def test_bracket_parent_margin_rejects_children():
    def place(s):
        s.bracket = s.buy_bracket(size=100, price=10.0, stopprice=8.0, limitprice=12.0)

    strategy, _ = run_ct(Script, _bars([10, 10, 10]), cash=100.0, actions={1: place})
    main, stop, limit = strategy.bracket
    assert statuses(strategy, main.ref) == ["Submitted", "Margin"]
    assert statuses(strategy, stop.ref) == ["Submitted", "Rejected"]
    assert statuses(strategy, limit.ref) == ["Submitted", "Rejected"]


def test_oco_pair():
    def place(s):
        first = s.sell(size=1, exectype=Order.Limit, price=12.0)
        s.sell(size=1, exectype=Order.Stop, price=8.0, oco=first)

    strategy, _ = run_ct(Script, _bars([10, 10, (10, 12.5, 9.5, 12), 12]), actions={1: place})
    assert statuses(strategy, 1) == ["Submitted", "Accepted", "Completed"]
    assert statuses(strategy, 2) == ["Submitted", "Accepted", "Canceled"]


def test_cancel_of_a_filled_order_is_refused():
    def place(s):
        s.order = s.buy(size=1)

    strategy, _ = run_ct(Script, _bars([10, 10, 10, 10]), actions={1: place, 3: lambda s: s.log.append(s.cancel(s.order))})
    assert False in strategy.log


def test_notifications_go_to_their_strategy():
    class A(Script):
        pass

    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=_bars([10] * 5)))
    cerebro.addstrategy(A, actions={1: lambda s: s.buy(size=1)})
    cerebro.addstrategy(Script, actions={2: lambda s: s.sell(size=2)})
    first, second = cerebro.run()
    assert {entry[2] for entry in first.log} == {1} and {entry[2] for entry in second.log} == {2}
    assert cerebro.broker.getposition(cerebro.datas[0]).size == -1


class ExternalBroker(ct.Broker):
    """The core in external mode: the venue's reports drive every transition."""

    mode = "external"


def _report(s, event_type, payload, minute):
    time = minute * 60_000 + 1
    return s.broker.apply_report({
        "kind": "event", "seq_id": 1, "event_time": time, "ingest_time": time, "source": "broker_report",
        "venue": "sim", "instrument": s.data._instrument, "event_type": event_type,
        "payload": payload, "idempotency_key": None, "producer": 0,
    })


def test_partial_fills_through_the_report_seam():
    """Accepted -> Partial -> Completed, driven by venue reports (the live broker's path)."""

    def place(s):
        s.order = s.buy(size=3, exectype=Order.Limit, price=10.0)

    def fills(*parts):
        def act(s):
            for minute, kind, payload in parts:
                result = _report(s, kind, {"order_id": s.order.order_id, **payload}, minute)
                assert result["accepted"], result
        return act

    cerebro = ct.Cerebro()
    cerebro.broker = ExternalBroker(cash=1000.0)
    cerebro.adddata(ct.feeds.InMemoryData(dataname=_bars([10] * 6)))
    cerebro.addstrategy(Script, actions={
        1: place,
        2: fills((2, "order_accepted", {})),
        3: fills((3, "order_filled", {"fill_id": "f1", "qty": "1", "price": "9.5", "fee": "0.01"})),
        4: fills((4, "order_filled", {"fill_id": "f2", "qty": "2", "price": "9.8", "fee": None})),
    })
    strategy = cerebro.run()[0]
    assert [(e[0], e[1]) for e in strategy.log] == [(2, "Submitted"), (3, "Accepted"), (4, "Partial"),
                                                   (5, "Completed")]
    assert strategy.log[2][3] == pytest.approx(1000.0 - 9.5 - 0.01)  # cash at the Partial
    assert cerebro.broker.getcash() == pytest.approx(1000.0 - 9.5 - 0.01 - 19.6)
    position = cerebro.broker.getposition(cerebro.datas[0])
    assert position.size == 3 and position.price == pytest.approx((9.5 + 19.6) / 3)
