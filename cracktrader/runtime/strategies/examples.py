"""Built-in ``ct.Strategy`` examples for runtimes: ``examples:SmaCross`` and
``examples:Churn``.

They are ordinary Backtrader-style strategies (docs/strategies.md) and run the same
under ``ct.Cerebro`` in a script as in a runtime. ``SmaCross`` is the strategy of
``examples/sma_cross.py`` (without its printing; a test keeps the two runs identical).
"""

from __future__ import annotations

import cracktrader as ct


class SmaCross(ct.Strategy):
    """Buy ``stake`` units when the fast SMA crosses above the slow one; close the
    position when it crosses below (the first data feed)."""

    params = (("fast", 10), ("slow", 30), ("stake", 10))

    def __init__(self):
        fast = ct.ind.SMA(self.data.close, period=self.p.fast)
        slow = ct.ind.SMA(self.data.close, period=self.p.slow)
        self.crossover = ct.ind.CrossOver(fast, slow)

    def next(self):
        if not self.position:
            if self.crossover > 0:
                self.buy(size=self.p.stake)
        elif self.crossover < 0:
            self.close()


class Churn(ct.Strategy):
    """A steady trader for load tests and the operator page: on every data feed, every
    ``every`` bars, alternately buy and sell ``qty`` at market, and keep one resting
    limit buy ``offset`` (a fraction) below the close, replaced each time, so there is
    always a working order for ``cancel_all`` and the kill switch."""

    params = (("every", 2), ("qty", 0.1), ("offset", 0.05))

    def __init__(self):
        self.count = 0
        self.resting = {}

    def next(self):
        self.count += 1
        every = int(self.p.every)
        if self.count % every:
            return
        buying = (self.count // every) % 2 == 1
        for data in self.datas:
            if buying:
                self.buy(data=data, size=float(self.p.qty))
            else:
                self.sell(data=data, size=float(self.p.qty))
            resting = self.resting.get(data.name)
            if resting is not None and resting.alive():
                self.cancel(resting)
            limit = round(data.close[0] * (1 - float(self.p.offset)), 2)
            self.resting[data.name] = self.buy(data=data, size=float(self.p.qty), exectype=ct.Order.Limit,
                                                price=limit)
