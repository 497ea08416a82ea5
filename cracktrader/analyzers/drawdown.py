"""DrawDown (Backtrader's definition), updated every bar from the portfolio value.

``moneydown = peak value - value``, ``drawdown = 100 * moneydown / peak`` (percent),
``len`` = bars since the last peak (0 at a peak); ``max.drawdown``, ``max.moneydown``
and ``max.len`` are the largest seen. The peak includes the current bar's value.
"""

from __future__ import annotations

from cracktrader.analyzers.base import Analyzer, AnalysisDict


class DrawDown(Analyzer):
    """Current and maximum drawdown (percent, money, length in bars)."""

    params = (("fund", None),)

    def create_analysis(self) -> None:
        self.rets = AnalysisDict()
        self.rets.len = 0
        self.rets.drawdown = 0.0
        self.rets.moneydown = 0.0
        self.rets.max = AnalysisDict(len=0, drawdown=0.0, moneydown=0.0)
        self._maxvalue = float("-inf")
        self._value = 0.0

    def stop(self) -> None:
        self.rets._close()

    def notify_fund(self, cash: float, value: float, fundvalue: float, shares: float) -> None:
        self._value = value
        self._maxvalue = max(self._maxvalue, value)

    def next(self) -> None:
        rets = self.rets
        rets.moneydown = moneydown = self._maxvalue - self._value
        rets.drawdown = drawdown = 100.0 * moneydown / self._maxvalue
        rets.max.moneydown = max(rets.max.moneydown, moneydown)
        rets.max.drawdown = max(rets.max.drawdown, drawdown)
        rets.len = rets.len + 1 if drawdown else 0
        rets.max.len = max(rets.max.len, rets.len)
