"""Oscillators: RSI (Wilder) and MACD, as Backtrader defines them.

- **UpDay / DownDay** (lookback 1): ``max(x - x[-lookback], 0.0)`` and
  ``max(x[-lookback] - x, 0.0)``; first value at bar ``lookback + 1``.
- **RSI** (period 14, lookback 1): ``maup = SMMA(UpDay, period)``,
  ``madown = SMMA(DownDay, period)``, ``rs = maup / madown``,
  ``rsi = 100 - 100 / (1 + rs)``. First value at bar ``period + lookback`` (15 by
  default), seeded with the SMA of the first ``period`` up/down moves. When
  ``madown == 0`` the value is ``safehigh`` (100) if ``maup > 0`` and ``safelow`` (50)
  if both are 0, computed through the same ``rs`` route as Backtrader's
  ``safediv=True``; Backtrader's default (``safediv=False``) raises
  ``ZeroDivisionError`` there instead (docs/strategies.md).
- **MACD** (12, 26, 9): ``macd = EMA(x, 12) - EMA(x, 26)`` (first value at bar 26),
  ``signal = EMA(macd, 9)`` (first value at bar 34). **MACDHisto** adds
  ``histo = macd - signal``.
"""

from __future__ import annotations

from cracktrader.indicators.averages import EMA, SMMA
from cracktrader.indicators.base import Indicator


class UpDay(Indicator):
    """``max(x - x[-lookback], 0.0)``."""

    lines = ("upday",)
    params = (("period", 1),)

    def __init__(self) -> None:
        self.incminperiod(self.p.period)

    def once(self, start: int, end: int) -> None:
        back = self.p.period
        src = self._inlines[0].array
        out = self.lines[0].array
        for i in range(start, end):
            out[i] = max(src[i] - src[i - back], 0.0)

    def next(self) -> None:
        src = self._inlines[0]
        self.lines[0][0] = max(src[0] - src[-self.p.period], 0.0)


class DownDay(Indicator):
    """``max(x[-lookback] - x, 0.0)``."""

    lines = ("downday",)
    params = (("period", 1),)

    def __init__(self) -> None:
        self.incminperiod(self.p.period)

    def once(self, start: int, end: int) -> None:
        back = self.p.period
        src = self._inlines[0].array
        out = self.lines[0].array
        for i in range(start, end):
            out[i] = max(src[i - back] - src[i], 0.0)

    def next(self) -> None:
        src = self._inlines[0]
        self.lines[0][0] = max(src[-self.p.period] - src[0], 0.0)


def _rs_for(rsi: float) -> float:
    """The ``rs`` that yields ``rsi`` (inf for 100), as Backtrader's safe division."""
    try:
        return (-100.0 / (rsi - 100.0)) - 1.0
    except ZeroDivisionError:
        return float("inf")


class RSI(Indicator):
    """Relative strength index with Wilder's smoothing (see the module docstring)."""

    lines = ("rsi",)
    params = (
        ("period", 14),
        ("movav", SMMA),
        ("upperband", 70.0),
        ("lowerband", 30.0),
        ("safehigh", 100.0),
        ("safelow", 50.0),
        ("lookback", 1),
    )

    def __init__(self) -> None:
        up = UpDay(self.data, period=self.p.lookback)
        down = DownDay(self.data, period=self.p.lookback)
        self.maup = self.p.movav(up, period=self.p.period)
        self.madown = self.p.movav(down, period=self.p.period)
        self._high_rs = _rs_for(self.p.safehigh)
        self._low_rs = _rs_for(self.p.safelow)

    def _value(self, up: float, down: float) -> float:
        if down == 0.0:
            rs = self._low_rs if up == 0.0 else self._high_rs
        else:
            rs = up / down
        return 100.0 - 100.0 / (1.0 + rs)

    def once(self, start: int, end: int) -> None:
        ups, downs = self.maup.lines[0].array, self.madown.lines[0].array
        out = self.lines[0].array
        value = self._value
        for i in range(start, end):
            out[i] = value(ups[i], downs[i])

    def next(self) -> None:
        self.lines[0][0] = self._value(self.maup[0], self.madown[0])


class MACD(Indicator):
    """Moving average convergence/divergence: lines ``macd`` and ``signal``."""

    lines = ("macd", "signal")
    params = (("period_me1", 12), ("period_me2", 26), ("period_signal", 9), ("movav", EMA))

    def __init__(self) -> None:
        me1 = self.p.movav(self.data, period=self.p.period_me1)
        me2 = self.p.movav(self.data, period=self.p.period_me2)
        self.lines.macd = me1 - me2
        self.lines.signal = self.p.movav(self.lines.macd, period=self.p.period_signal)


class MACDHisto(MACD):
    """MACD plus ``histo = macd - signal``."""

    lines = ("histo",)

    def __init__(self) -> None:
        super().__init__()
        self.lines.histo = self.lines.macd - self.lines.signal
