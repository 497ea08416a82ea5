"""Paper mode: simulated matching on live bars, exactly a backtest of the same bars."""

from __future__ import annotations

import math

import pytest
from live_support import SYMBOL, backtest, feed_rows, run_session, timed

import cracktrader as ct
from backend_support import require_rust


class SmaCross(ct.Strategy):
    """A crossover with real indicators (computed bar by bar on live data)."""

    params = (("fast", 3), ("slow", 8))

    def __init__(self):
        self.cross = ct.ind.CrossOver(ct.ind.SMA(period=self.p.fast), ct.ind.SMA(period=self.p.slow))
        self.seen = []

    def next(self):
        self.seen.append(round(self.cross[0], 12))
        if not self.position and self.cross > 0:
            self.buy(size=2)
        elif self.position and self.cross < 0:
            self.sell(size=2, exectype=ct.Order.Limit, price=self.data.close[0] * 0.999)


def wave(count=48):
    bars = []
    price = 100.0
    for i in range(count):
        close = round(100 + 6 * math.sin(i / 3.0) + 0.1 * i, 2)
        high = round(max(price, close) + 0.7, 2)
        low = round(min(price, close) - 0.6, 2)
        bars.append((price, high, low, close))
        price = close
    return bars


def test_paper_run_equals_a_backtest_of_the_same_bars(backend):
    run = run_session(backend, mode="paper", bars=wave(), strategy=SmaCross, cash=10_000.0, commission=0.001)
    assert type(run.broker) is ct.PaperBroker and run.broker.venue == "fakex"
    assert run.result.trades, "the wave must make the strategy trade"
    rows = feed_rows(run.feed)
    assert len(rows) == 48
    strategy, cerebro = backtest(backend, rows, strategy=SmaCross, cash=10_000.0, commission=0.001)
    assert cerebro.run_result.comparable() == run.result.comparable()
    assert strategy.seen == run.strategy.seen  # preloaded and incremental indicators agree
    # the venue saw market-data calls only: paper orders never leave the core
    assert {call[0] for call in run.fake.calls} == {"fetch_trades"}


def test_paper_fills_at_the_next_bar_open(backend):
    bars = [(100, 101, 99, 100), (102, 103, 101, 102.5), (103, 104, 102, 103), (103, 103, 103, 103)]
    run = run_session(backend, mode="paper", bars=bars, commission=0.001,
                      actions={1: lambda s: s.buy(size=1), 2: lambda s: s.sell(size=1, exectype=ct.Order.Limit,
                                                                                 price=103.5)})
    # the market buy placed at bar 1 fills at bar 2's open (102); the limit sell at
    # 103.5 placed at bar 2 fills in bar 3, whose high (104) reaches it
    assert timed(run.strategy, 1) == [(2, "Submitted"), (2, "Accepted"), (2, "Completed")]
    assert timed(run.strategy, 2) == [(3, "Submitted"), (3, "Accepted"), (3, "Completed")]
    fills = run.result.fills
    assert [(f["price"], f["fee"]) for f in fills] == [("102", "0.102"), ("103.5", "0.1035")]


def test_paper_runs_are_identical_on_both_core_backends():
    require_rust()
    results = [run_session(backend, mode="paper", bars=wave(), strategy=SmaCross).result.comparable()
               for backend in ("python", "rust")]
    assert results[0] == results[1]


def test_a_default_cerebro_reads_live_feeds_bar_by_bar(clock):
    """Backtrader's rule: live data switches preloading off (the live feed refuses to
    be preloaded, so the run proves it was never asked)."""
    run = run_session("python", mode="paper", bars=[(100, 100, 100, 100)] * 3)
    assert run.cerebro.engine.runonce is True and run.result.steps == 3
    with pytest.raises(RuntimeError):
        run.feed.preload()
    assert run.feed.symbol == SYMBOL
