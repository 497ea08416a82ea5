"""Strategies written once for both frameworks: ``build(fw)`` takes ``backtrader`` or
``cracktrader`` (imported as a module) and returns the strategy class.

They record what the equivalence tests compare: every order notification (bar, status,
side, executed size/price/commission, and the broker's cash and value at that moment),
every closed trade (bar, PnL, PnL with commission, length) and the value at each bar.
"""

from __future__ import annotations


def _recorder(fw):
    class Recorder(fw.Strategy):
        def _setup_log(self):
            self.order_log = []
            self.trade_log = []
            self.values = []

        def notify_order(self, order):
            self.order_log.append((
                len(self), order.getstatusname(), "buy" if order.isbuy() else "sell",
                order.getordername(), float(order.executed.size), float(order.executed.price or 0.0),
                float(order.executed.comm), self.broker.getcash(), self.broker.getvalue(),
            ))
            self.on_order(order)

        def on_order(self, order):
            pass

        def notify_trade(self, trade):
            if trade.isclosed:
                self.trade_log.append((len(self), float(trade.pnl), float(trade.pnlcomm), trade.barlen,
                                       float(trade.commission)))

        def prenext(self):
            self.values.append(self.broker.getvalue())

        def next(self):
            self.values.append(self.broker.getvalue())
            self.decide()

    return Recorder


def sma_cross(fw):
    """Long-only SMA crossover with a fixed stake."""

    class SmaCross(_recorder(fw)):
        params = (("fast", 10), ("slow", 30), ("stake", 10))

        def __init__(self):
            self._setup_log()
            fast = fw.ind.SMA(self.data.close, period=self.p.fast)
            slow = fw.ind.SMA(self.data.close, period=self.p.slow)
            self.cross = fw.ind.CrossOver(fast, slow)

        def decide(self):
            if not self.position:
                if self.cross[0] > 0:
                    self.buy(size=self.p.stake)
            elif self.cross[0] < 0:
                self.close()

    return SmaCross


def sma_reversal(fw):
    """Always in the market: long above, short below (reversals through order_target_size)."""

    class SmaReversal(_recorder(fw)):
        params = (("fast", 8), ("slow", 21), ("stake", 5))

        def __init__(self):
            self._setup_log()
            self.cross = fw.ind.CrossOver(fw.ind.EMA(period=self.p.fast), fw.ind.SMA(period=self.p.slow))

        def decide(self):
            if self.cross[0] > 0:
                self.order_target_size(target=self.p.stake)
            elif self.cross[0] < 0:
                self.order_target_size(target=-self.p.stake)

    return SmaReversal


def rsi_threshold(fw):
    """Buy when RSI < lower, sell when RSI > upper; limit exits at the close."""

    class RsiThreshold(_recorder(fw)):
        params = (("period", 14), ("lower", 35.0), ("upper", 65.0), ("stake", 7))

        def __init__(self):
            self._setup_log()
            self.rsi = fw.ind.RSI(self.data, period=self.p.period)
            self.pending = None

        def on_order(self, order):
            if not order.alive():
                self.pending = None

        def decide(self):
            if self.pending is not None:
                return
            if not self.position and self.rsi[0] < self.p.lower:
                self.pending = self.buy(size=self.p.stake)
            elif self.position and self.rsi[0] > self.p.upper:
                self.pending = self.sell(size=self.p.stake, exectype=fw.Order.Limit,
                                         price=round(self.data.close[0], 2))

    return RsiThreshold


def bracket(fw):
    """Limit entry below the close with a stop-loss and a take-profit (buy_bracket)."""

    class Bracket(_recorder(fw)):
        params = (("period", 20), ("entry", 0.995), ("stop", 0.98), ("target", 1.015), ("stake", 3))

        def __init__(self):
            self._setup_log()
            self.sma = fw.ind.SMA(self.data.close, period=self.p.period)
            self.live = 0

        def on_order(self, order):
            if order.status in (order.Completed, order.Canceled, order.Expired, order.Margin, order.Rejected):
                self.live -= 1

        def decide(self):
            if self.position or self.live > 0:
                return
            close = self.data.close[0]
            if close > self.sma[0]:
                orders = self.buy_bracket(
                    size=self.p.stake,
                    price=round(close * self.p.entry, 2),
                    stopprice=round(close * self.p.stop, 2),
                    limitprice=round(close * self.p.target, 2),
                )
                self.live = 3 if orders[0] is not None else 0

    return Bracket


STRATEGIES = {
    "sma_cross": sma_cross,
    "sma_reversal": sma_reversal,
    "rsi_threshold": rsi_threshold,
    "bracket": bracket,
}
