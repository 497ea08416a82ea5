"""A strategy for the live-mode tests: one market buy, then one resting limit buy."""

from __future__ import annotations

import cracktrader as ct


class LiveProbe(ct.Strategy):
    """Bar 1: buy ``qty`` at market; bar 2: a limit buy of ``qty`` at ``limit_price``
    (far below the market, so it rests at the venue)."""

    params = (("qty", 1), ("limit_price", 50.0))

    def __init__(self):
        self.notes = []

    def notify_order(self, order):
        self.notes.append((len(self), order.getstatusname()))

    def next(self):
        if len(self) == 1:
            self.buy(size=self.p.qty)
        elif len(self) == 2:
            self.buy(size=self.p.qty, price=self.p.limit_price, exectype=ct.Order.Limit)
