"""Helpers for the paper and live tests: a scripted strategy and one-call runs."""

from __future__ import annotations

from typing import Any

import cracktrader as ct
from cracktrader.sessions.clock import ManualClock
from fake_venue import START_MS, ScriptedExchange, bar_trades

FRAME_MS = 60_000
SYMBOL = "BTC/USDT"


class Script(ct.Strategy):
    """Runs ``actions[len(self)](self)`` in next(); records notifications with the
    bar, status, ref, cash and position size at delivery."""

    params = (("actions", None), ("on_order", None))

    def __init__(self):
        self.log = []
        self.trades = []
        self.orders = {}

    def notify_order(self, order):
        self.log.append((len(self), order.getstatusname(), order.ref, self.broker.getcash(), self.position.size))
        if self.p.on_order:
            self.p.on_order(self, order)

    def notify_trade(self, trade):
        self.trades.append((len(self), trade.isclosed, trade.pnl, trade.pnlcomm))

    def next(self):
        action = (self.p.actions or {}).get(len(self))
        if action:
            action(self)


def statuses(strategy, ref=None):
    """The status names notified (of order ``ref`` only, when given)."""
    return [entry[1] for entry in strategy.log if ref is None or entry[2] == ref]


def timed(strategy, ref=None):
    """``(bar, status)`` pairs notified."""
    return [(entry[0], entry[1]) for entry in strategy.log if ref is None or entry[2] == ref]


FLAT = (100.0, 100.0, 100.0, 100.0)


def run_session(backend, *, mode, bars=None, scripts=(), actions=None, on_order=None, cash=1000.0,
                commission=0.0, fake_options=None, broker_options=None, feed_options=None, strategy=Script,
                strategy_params=None, prepare=None):
    """Run ``strategy`` on a fake venue through ``ct.exchange`` in ``mode``.

    Bars come from public trades (four per bar) revealed by a manual clock; the feed
    and the broker poll every 10 simulated seconds. Returns a namespace with the
    strategy, cerebro, fake venue, broker, feed and session. ``prepare(fake)`` runs
    before the session is built.
    """
    bars = list(bars or [FLAT] * 6)
    clock = ManualClock(START_MS)
    fake = ScriptedExchange(clock, trades=bar_trades(START_MS, bars), scripts=list(scripts), **(fake_options or {}))
    if prepare is not None:
        prepare(fake)
    ct.register_exchange("fakex", factory=lambda config: fake, replace=True)
    session = ct.exchange("fakex", mode=mode, clock=clock,
                          broker_options={"cash": cash, "commission": commission,
                                          **({"poll_interval_s": 10.0} if mode in ("live", "sandbox") else {}),
                                          **(broker_options or {})})
    feed = session.feed(symbol=SYMBOL, poll_interval_s=10.0, feed_backend=backend,
                        until_ms=START_MS + len(bars) * FRAME_MS + 1, **(feed_options or {}))
    cerebro = ct.Cerebro(engine_backend=backend)
    cerebro.adddata(feed)
    broker = session.broker()
    cerebro.setbroker(broker)
    params = dict(strategy_params or {})
    if strategy is Script:
        params.update(actions=actions or {}, on_order=on_order)
    cerebro.addstrategy(strategy, **params)
    result = cerebro.run()[0]

    class Run:
        pass

    run = Run()
    run.strategy, run.cerebro, run.fake, run.broker, run.feed, run.session = result, cerebro, fake, broker, feed, session
    run.result = cerebro.run_result
    return run


def backtest(backend, rows, *, strategy=Script, cash=1000.0, commission=0.0, venue="fakex", **params):
    """The same strategy as a backtest over ``rows`` (preloaded, the default Cerebro)."""
    cerebro = ct.Cerebro(engine_backend=backend, venue=venue)
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rows, name=SYMBOL, timeframe=ct.TimeFrame.Minutes))
    cerebro.broker.setcash(cash)
    if commission:
        cerebro.broker.setcommission(commission=commission)
    cerebro.addstrategy(strategy, **params)
    return cerebro.run()[0], cerebro


def feed_rows(feed) -> list[tuple[Any, ...]]:
    """The bars a feed delivered, as rows."""
    lines = (feed.datetime, feed.open, feed.high, feed.low, feed.close, feed.volume, feed.openinterest)
    return [tuple(line.array[i] for line in lines) for i in range(feed.buflen())]
