"""Volatility: StdDev, BollingerBands, TrueRange, ATR, as Backtrader defines them.

- **StdDev** (period 20): ``mean = SMA(x, period)`` (or a given mean line),
  ``meansq = SMA(x ** 2, period)``, ``stddev = abs(meansq - mean ** 2) ** 0.5``
  (Backtrader's ``safepow=True``). First value at bar ``period``.
- **BollingerBands** (period 20, devfactor 2): ``mid = SMA(x, period)``,
  ``top = mid + devfactor * StdDev``, ``bot = mid - devfactor * StdDev``.
- **TrueRange**: ``max(high, close[-1]) - min(low, close[-1])``; first value at bar 2.
- **ATR** (period 14): ``SMMA(TrueRange, period)``; first value at bar 15, seeded with
  the mean of the first ``period`` true ranges.
"""

from __future__ import annotations

from cracktrader.indicators.averages import SMA, SMMA
from cracktrader.indicators.base import Indicator


class StdDev(Indicator):
    """Population standard deviation over ``period`` bars (lines: ``stddev``)."""

    lines = ("stddev",)
    params = (("period", 20), ("movav", SMA), ("safepow", True))

    def __init__(self) -> None:
        mean = self.data1 if len(self.datas) > 1 else self.p.movav(self.data, period=self.p.period)
        meansq = self.p.movav(self.data ** 2, period=self.p.period)
        sqmean = mean ** 2
        if self.p.safepow:
            self.lines.stddev = abs(meansq - sqmean) ** 0.5
        else:
            self.lines.stddev = (meansq - sqmean) ** 0.5


class BollingerBands(Indicator):
    """Bollinger bands: lines ``mid``, ``top``, ``bot``."""

    lines = ("mid", "top", "bot")
    params = (("period", 20), ("devfactor", 2.0), ("movav", SMA))

    def __init__(self) -> None:
        self.lines.mid = ma = self.p.movav(self.data, period=self.p.period)
        stddev = self.p.devfactor * StdDev(self.data, ma, period=self.p.period, movav=self.p.movav)
        self.lines.top = ma + stddev
        self.lines.bot = ma - stddev


class TrueRange(Indicator):
    """``max(high, close[-1]) - min(low, close[-1])`` of a data feed."""

    lines = ("tr",)

    def __init__(self) -> None:
        for name in ("high", "low", "close"):
            if not hasattr(self.data, name):
                raise TypeError(f"{type(self).__name__} needs a data feed (with high, low, close)")
        self.incminperiod(1)

    def once(self, start: int, end: int) -> None:
        high, low, close = self.data.high.array, self.data.low.array, self.data.close.array
        out = self.lines[0].array
        for i in range(start, end):
            prev = close[i - 1]
            out[i] = max(high[i], prev) - min(low[i], prev)

    def next(self) -> None:
        prev = self.data.close[-1]
        self.lines[0][0] = max(self.data.high[0], prev) - min(self.data.low[0], prev)


class ATR(Indicator):
    """Average true range: ``SMMA(TrueRange, period)``."""

    lines = ("atr",)
    params = (("period", 14), ("movav", SMMA))

    def __init__(self) -> None:
        self.lines.atr = self.p.movav(TrueRange(self.data), period=self.p.period)
