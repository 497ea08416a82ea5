"""Backtrader as a test oracle: run a strategy on the same bars and collect its logs.

Backtrader is only imported here (tests), never by cracktrader itself.
"""

from __future__ import annotations

from cracktrader.strategy.lines import ms_to_datetime


def run_backtrader(bt, strategy_cls, rows, *, cash=10000.0, commission=0.0, timeframe=None, analyzers=(),
                   sizer=None, **params):
    """Run ``strategy_cls`` (built for backtrader) on ``rows``; returns (strategy, cerebro)."""

    class ListFeed(bt.feed.DataBase):
        params = (("rows", None),)

        def start(self):
            super().start()
            self._index = 0

        def _load(self):
            if self._index >= len(self.p.rows):
                return False
            time, open_, high, low, close, volume, interest = self.p.rows[self._index]
            self._index += 1
            lines = self.lines
            lines.datetime[0] = bt.date2num(ms_to_datetime(time))
            lines.open[0], lines.high[0], lines.low[0], lines.close[0] = open_, high, low, close
            lines.volume[0], lines.openinterest[0] = volume, interest
            return True

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(ListFeed(rows=list(rows), timeframe=timeframe or bt.TimeFrame.Minutes, compression=1))
    cerebro.broker.setcash(cash)
    if commission:
        cerebro.broker.setcommission(commission=commission)
    if sizer is not None:
        cerebro.addsizer(sizer[0], **sizer[1])
    for cls, kwargs in analyzers:
        cerebro.addanalyzer(cls, **kwargs)
    cerebro.addstrategy(strategy_cls, **params)
    strategy = cerebro.run()[0]
    return strategy, cerebro
