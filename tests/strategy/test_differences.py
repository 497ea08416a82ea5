"""Every intended difference from Backtrader listed in docs/strategies.md, pinned.

Where Backtrader is run here, it shows the other behaviour on the same input, so each
test documents both sides.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from bt_oracle import run_backtrader
from support import run_ct

import cracktrader as ct
from cracktrader.strategy.lines import datetime_to_ms


def _bars(prices, step=60_000, start=0):
    out = []
    for i, p in enumerate(prices):
        o, h, l, c = (p, p, p, p) if isinstance(p, (int, float)) else p
        out.append((start + i * step, float(o), float(h), float(l), float(c), 100.0, 0.0))
    return out


def _scripted(fw, actions):
    class Scripted(fw.Strategy):
        def __init__(self):
            self.log = []

        def notify_order(self, order):
            self.log.append((len(self), order.getstatusname(), float(order.executed.size)))

        def next(self):
            action = actions.get(len(self))
            if action:
                action(self, fw)

    return Scripted


def test_money_is_exact(bt):
    """D-401: cash and fees are exact decimals; Backtrader's floats drift."""
    actions = {i: (lambda s, fw: s.buy(size=1)) for i in range(1, 11)}
    prices = _bars([0.1] * 12)
    _, theirs = run_backtrader(bt, _scripted(bt, actions), prices, cash=1.0)
    _, mine = run_ct(_scripted(ct, actions), prices, cash=1.0)
    assert mine.broker.getcash() == 0.0 and mine.run_result.final_cash == "0"
    assert theirs.broker.getcash() != 0.0  # 1.0 - 10 x 0.1 in floats
    assert abs(theirs.broker.getcash()) < 1e-12


def test_fees_round_half_even_to_nine_decimals():
    """D-401: fee = |qty x price| x rate, each product rounded half-even to 1e-9."""
    strategy, cerebro = run_ct(_scripted(ct, {1: lambda s, fw: s.buy(size=3)}), _bars([1.1111] * 3),
                               commission=0.0001234)
    fill = cerebro.run_result.fills[0]
    assert fill["fee"] == "0.000411329"  # 3.3333 x 0.0001234 = 0.00041132922
    assert cerebro.run_result.final_cash == "9996.666288671"


def test_sizes_beyond_nine_decimals_are_rounded():
    strategy, cerebro = run_ct(_scripted(ct, {1: lambda s, fw: s.buy(size=0.1234567891234)}), _bars([10.0] * 3))
    assert cerebro.run_result.orders[0]["size"] == "0.123456789"
    assert cerebro.broker.getposition(cerebro.datas[0]).size == pytest.approx(0.123456789, abs=1e-15)


def test_cancel_before_acceptance(bt):
    """D-405: cancel() in the step of the order cancels it; Backtrader ignores it."""

    def act(s, fw):
        s.cancel(s.buy(size=1))

    prices = _bars([10.0] * 4)
    theirs, _ = run_backtrader(bt, _scripted(bt, {1: act}), prices)
    mine, _ = run_ct(_scripted(ct, {1: act}), prices)
    assert [e[1] for e in theirs.log] == ["Submitted", "Accepted", "Completed"]
    assert [e[1] for e in mine.log] == ["Submitted", "Accepted", "Canceled"]


def test_cash_check_counts_open_buy_orders(bt):
    """D-406: the placement check nets out the cash committed to live buy orders;
    Backtrader only nets out the orders submitted in the same step."""
    actions = {
        1: lambda s, fw: s.buy(size=9, exectype=fw.Order.Limit, price=10.0),  # rests, commits 90
        2: lambda s, fw: s.buy(size=2),  # market at the close 11: 22 > 100 - 90
    }
    prices = _bars([11.0] * 5)
    theirs, _ = run_backtrader(bt, _scripted(bt, actions), prices, cash=100.0)
    mine, _ = run_ct(_scripted(ct, actions), prices, cash=100.0)
    assert [e[1] for e in theirs.log] == ["Submitted", "Accepted", "Submitted", "Accepted", "Completed"]
    assert [e[1] for e in mine.log] == ["Submitted", "Accepted", "Submitted", "Margin"]


def test_reversal_without_cash_is_all_or_nothing(bt):
    """D-407: a fill is booked whole or not at all; Backtrader closes, then Margins the rest."""
    # short 5 at 10 (cash 150), then buy 12: affordable at the close 10, not at the open 30
    actions = {1: lambda s, fw: s.sell(size=5), 3: lambda s, fw: s.buy(size=12)}
    prices = _bars([10.0, 10.0, 10.0, (30.0, 30.0, 30.0, 30.0), 30.0])
    theirs, their_cerebro = run_backtrader(bt, _scripted(bt, actions), prices, cash=100.0)
    mine, my_cerebro = run_ct(_scripted(ct, actions), prices, cash=100.0)
    assert [e[1] for e in theirs.log][-2:] == ["Partial", "Margin"]
    assert their_cerebro.broker.getposition(their_cerebro.datas[0]).size == 0
    assert [e[1] for e in mine.log][-3:] == ["Submitted", "Accepted", "Margin"]
    assert my_cerebro.broker.getposition(my_cerebro.datas[0]).size == -5


def test_margin_does_not_fire_oco(bt):
    """D-034/D-408: a rejection (Margin) leaves the OCO sibling working; Backtrader cancels it."""

    def act(s, fw):
        first = s.buy(size=5, exectype=fw.Order.Stop, price=11.0)  # affordable at the stop, not at 30
        s.sell(size=1, exectype=fw.Order.Limit, price=40.0, oco=first)

    prices = _bars([10.0, 10.0, (30.0, 30.0, 30.0, 30.0), 30.0, (30, 41, 30, 40)])
    theirs, _ = run_backtrader(bt, _scripted(bt, {1: act}), prices, cash=100.0)
    mine, _ = run_ct(_scripted(ct, {1: act}), prices, cash=100.0)
    assert [e[1] for e in theirs.log][-2:] == ["Margin", "Canceled"]
    assert [e[1] for e in mine.log][-2:] == ["Margin", "Completed"]


def test_valid_date_means_midnight_utc():
    """D-409: valid=date(D) expires on the first bar after D 00:00 UTC (daily bars at
    midnight: on bar D+1); Backtrader's daily bars sit at the session end, so bar D."""
    day = 86_400_000
    start = datetime_to_ms(datetime(2024, 1, 1))

    def act(s, fw):
        s.buy(size=1, exectype=fw.Order.Limit, price=1.0, valid=date(2024, 1, 3))

    strategy, _ = run_ct(_scripted(ct, {1: act}), _bars([10.0] * 6, step=day, start=start),
                         timeframe=ct.TimeFrame.Days)
    assert strategy.log[-1] == (4, "Expired", 0.0)  # bar 4 is 2024-01-04


def test_datetime_line_is_epoch_milliseconds():
    seen = []

    class Probe(ct.Strategy):
        def next(self):
            seen.append((self.data.datetime[0], self.data.datetime.datetime(0)))

    run_ct(Probe, _bars([1.0] * 2, start=1_700_000_000_000))
    assert seen[0] == (1_700_000_000_000, datetime(2023, 11, 14, 22, 13, 20))


def test_limit_on_a_feed_that_did_not_advance_waits_for_its_next_bar():
    """D-410: an order only fills on a later bar of its own feed (never the bar that
    was current when it was placed, even if other feeds moved on)."""
    fast = _bars([10.0] * 6)
    slow = [row for i, row in enumerate(_bars([(9.0, 9.5, 8.0, 9.0)] * 6)) if i in (0, 4)]
    log = []

    class Probe(ct.Strategy):
        def notify_order(self, order):
            log.append((len(self), order.getstatusname()))

        def next(self):
            if len(self) == 1:
                self.buy(data=self.data1, size=1, exectype=ct.Order.Limit, price=8.5)

    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=fast), name="fast")
    cerebro.adddata(ct.feeds.InMemoryData(dataname=slow), name="slow")
    cerebro.addstrategy(Probe)
    cerebro.run()
    assert log == [(2, "Submitted"), (2, "Accepted"), (5, "Completed")]


def test_csv_missing_volume_column_reads_zero_and_empty_fields_reject(tmp_path):
    """D-411: Backtrader stores NaN for both."""
    path = tmp_path / "bars.csv"
    path.write_text("d,o,h,l,c\n2024-01-01,1,2,0.5,1.5\n2024-01-02,1,,0.5,1.5\n", encoding="utf-8")
    feed = ct.feeds.GenericCSVData(dataname=str(path), dtformat="%Y-%m-%d", volume=-1, openinterest=-1)
    feed.preload()
    assert list(feed.volume.array) == [0.0]
    assert feed.rejected == [{"row": 2, "code": "missing_field"}]


def test_order_refs_start_at_one_each_run():
    refs = []

    class Probe(ct.Strategy):
        def next(self):
            if len(self) == 1:
                refs.append(self.buy(size=1).ref)

    for _ in range(2):
        run_ct(Probe, _bars([1.0] * 3))
    assert refs == [1, 1]


def test_cancelling_a_waiting_bracket_child_cancels_the_bracket(bt):
    """D-405: same outcome as Backtrader (all three cancelled), another notification order."""

    def place(s, fw):
        s.bracket = s.buy_bracket(size=1, price=5.0, stopprice=4.0, limitprice=6.0)

    def cancel_child(s, fw):
        s.cancel(s.bracket[1])

    prices = _bars([10.0] * 5)
    actions = {1: place, 2: cancel_child}
    theirs, _ = run_backtrader(bt, _scripted(bt, actions), prices)
    mine, _ = run_ct(_scripted(ct, actions), prices)
    final = lambda log: sorted(e[1] for e in log if e[0] == 3)  # noqa: E731
    assert final(theirs.log) == final(mine.log) == ["Canceled"] * 3
