"""The intended differences between modes, each pinned here or where the ledger says
(docs/mode_divergence_ledger.md; ``test_ledger.py`` checks that every named test
exists). Where a difference shows by contrast, the same strategy runs in both modes."""

from __future__ import annotations

import pytest
from live_support import FRAME_MS, SYMBOL, backtest, run_session, statuses, timed

import cracktrader as ct
from cracktrader.sessions.clock import ManualClock
from fake_venue import START_MS, ScriptedExchange, Script, bar_trades

Order = ct.Order


def fill(delay, qty, price, fee=None):
    return (delay, "fill", {"qty": qty, "price": price, "fee": fee})


def test_a_simulated_fill_is_whole(backend):
    """MDL-002: no volume limit in simulation; the venue decides the pieces live."""
    bars = [(100, 100, 100, 100), (100, 100, 100, 100), (100, 100, 100, 100)]
    paper = run_session(backend, mode="paper", bars=bars, actions={1: lambda s: s.buy(size=3)})
    assert statuses(paper.strategy) == ["Submitted", "Accepted", "Completed"]
    assert [f["qty"] for f in paper.result.fills] == ["3"]
    live = run_session(backend, mode="live", bars=bars, actions={1: lambda s: s.buy(size=3)},
                       scripts=[Script(steps=[fill(10_000, 1, 100.0), fill(20_000, 2, 100.0)])])
    assert [f["qty"] for f in live.result.fills] == ["1", "2"]
    assert statuses(live.strategy) == ["Submitted", "Accepted", "Partial", "Completed"]


def test_paper_cancel_needs_no_venue(backend):
    """MDL-004, simulated side: the cancel is final in the call; nothing reaches the venue."""
    paper = run_session(backend, mode="paper", actions={1: lambda s: setattr(s, "order", s.buy(
        size=1, exectype=Order.Limit, price=50.0)), 3: lambda s: s.cancel(s.order)})
    assert timed(paper.strategy) == [(2, "Submitted"), (2, "Accepted"), (4, "Canceled")]
    assert {call[0] for call in paper.fake.calls} == {"fetch_trades"}


def test_fill_beyond_cash_is_margin_in_simulation_and_booked_live(backend):
    """MDL-005: a simulated fill that would make cash negative is rejected (Margin); a
    venue's fill is a fact and is booked."""
    bars = [(90, 90, 90, 90), (120, 120, 120, 120), (120, 120, 120, 120)]
    paper = run_session(backend, mode="paper", bars=bars, cash=100.0, actions={1: lambda s: s.buy(size=1)})
    assert statuses(paper.strategy) == ["Submitted", "Accepted", "Margin"]
    assert paper.broker.getcash() == 100.0
    live = run_session(backend, mode="live", bars=bars, cash=100.0, actions={1: lambda s: s.buy(size=1)},
                       scripts=[Script(steps=[fill(10_000, 1, 120.0)])])
    assert statuses(live.strategy) == ["Submitted", "Accepted", "Completed"]
    assert live.result.final_cash == "-20"


def test_bar_without_timestamp_listed_in_backtest_counted_live(backend):
    """MDL-006: the same bad row is a listed rejection of the data set in a backtest and a
    counted drop in a live stream."""
    good = [[START_MS + i * FRAME_MS, 100.0, 101.0, 99.0, 100.5, 1.0] for i in (0, 2)]
    bad = [None, 100.0, 101.0, 99.0, 100.5, 1.0]
    cerebro = ct.Cerebro(engine_backend=backend)
    cerebro.adddata(ct.Feed(symbol=SYMBOL, payloads=[good[0], bad, good[1]]))
    cerebro.addstrategy(ct.Strategy)
    cerebro.run()
    assert cerebro.run_result.rejected_rows == {SYMBOL: [{"row": 2, "code": "missing_field"}]}
    assert cerebro.run_result.bars == 2

    clock = ManualClock(START_MS)
    fake = ScriptedExchange(clock, ohlcv=[good[0], bad, good[1]])
    feed = ct.Feed(symbol=SYMBOL, store=ct.Store("fakex", client=fake, clock=clock), mode="live",
                   granularity="ohlcv", until_ms=START_MS + 3 * FRAME_MS + 1, poll_interval_s=30.0,
                   feed_backend=backend)
    cerebro = ct.Cerebro(engine_backend=backend)
    cerebro.adddata(feed)
    cerebro.addstrategy(ct.Strategy)
    cerebro.run()
    assert cerebro.run_result.rejected_rows == {SYMBOL: []} and cerebro.run_result.bars == 2
    assert feed.stats()["counters"]["missing_field"] >= 1


def test_minute_without_trades_has_no_live_bar(backend):
    """MDL-007: trade-built bars skip a quiet minute; the venue's candles may carry it."""
    clock = ManualClock(START_MS)
    trades = [t for t in bar_trades(START_MS, [(100, 101, 99, 100)] * 3) if not t["id"].startswith("1-")]
    candles = [[START_MS, 100, 101, 99, 100, 1.0], [START_MS + FRAME_MS, 100, 100, 100, 100, 0.0],
               [START_MS + 2 * FRAME_MS, 100, 101, 99, 100, 1.0]]
    fake = ScriptedExchange(clock, trades=trades, ohlcv=candles)
    store = ct.Store("fakex", client=fake, clock=clock)
    live = ct.Feed(symbol=SYMBOL, store=store, mode="live", until_ms=START_MS + 3 * FRAME_MS + 1,
                   poll_interval_s=30.0, feed_backend=backend)
    while live.peek() is not None:
        live.advance()
    assert list(live.datetime.array) == [START_MS, START_MS + 2 * FRAME_MS]
    history = ct.Feed(symbol=SYMBOL, store=store, mode="backtest", allow_network=True, since=START_MS)
    history.preload()
    assert list(history.datetime.array) == [START_MS + i * FRAME_MS for i in range(3)]


def test_report_times_never_go_back(backend):
    """MDL-013: a venue fill stamped before the order's acceptance (a lagging clock) is
    applied at the stream's last time instead of being refused as late."""
    run = run_session(backend, mode="live", fake_options={"trade_skew_ms": 40_000},
                      scripts=[Script(steps=[fill(20_000, 1, 100.0)])],
                      actions={1: lambda s: s.buy(size=1, exectype=Order.Limit, price=100.0)})
    trade, order = run.fake.my_trades[0], run.fake.orders["V1"]
    assert trade["timestamp"] < order["timestamp"]  # the venue says: filled before accepted
    assert statuses(run.strategy) == ["Submitted", "Accepted", "Completed"]
    assert run.result.refused == [] and run.broker.stats().get("reports_refused", 0) == 0


def test_live_orders_stay_open_at_the_end(backend):
    """MDL-015: the run ends with the feed; the venue keeps the run's open orders."""
    run = run_session(backend, mode="live", scripts=[Script()],
                      actions={1: lambda s: s.buy(size=1, exectype=Order.Limit, price=50.0)})
    assert run.fake.orders["V1"]["status"] == "open"
    assert run.result.orders[0]["status"] == "Accepted"
    assert run.broker.summary()["open_orders"] == 1
    assert run.fake.method_calls("cancel_order") == []


def test_live_instrument_is_the_venue_symbol(backend):
    """MDL-017: a backtest instrument is any name; a live order goes to the venue under
    its feed's instrument id, which must be a venue symbol."""
    strategy, _ = backtest(backend, [(START_MS + i * FRAME_MS, 100.0, 100.0, 100.0, 100.0, 1.0, 0.0)
                                     for i in range(3)],
                           actions={1: lambda s: s.buy(size=1)})
    assert statuses(strategy) == ["Submitted", "Accepted", "Completed"]
    run = run_session(backend, mode="live", fake_options={"symbols": (SYMBOL,)}, feed_options={"name": "btc"},
                      actions={1: lambda s: s.buy(size=1)})
    assert statuses(run.strategy) == ["Submitted", "Rejected"]
    assert run.fake.method_calls("create_order")[0][1] == "btc"
    assert run.broker.venue_errors[0]["error"] == "BadSymbol"


@pytest.mark.parametrize("mode", ["paper", "live"])
def test_each_mode_names_itself(mode, backend):
    run = run_session(backend, mode=mode, bars=[(100, 100, 100, 100)] * 2)
    assert run.broker.mode_name == mode and run.session.mode_name == mode
