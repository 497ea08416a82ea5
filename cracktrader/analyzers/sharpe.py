"""SharpeRatio (Backtrader's definition, not annualised by default).

The returns are ``TimeReturn`` per ``timeframe`` (years by default). With a known
factor (252 days, 52 weeks, 12 months, 1 year, or ``factor=``) the annual
``riskfreerate`` (1%) is converted to the period: ``(1 + rate) ** (1 / factor) - 1``
(or, with ``convertrate=False``, the returns are annualised instead). Then
``ratio = mean(r - rate) / std(r - rate)`` (population standard deviation; sample with
``stddev_sample=True``), times ``sqrt(factor)`` when ``annualize=True``
(``SharpeRatio_A``). ``None`` when it cannot be computed (no returns, zero deviation).
"""

from __future__ import annotations

import math

from cracktrader.analyzers.base import Analyzer
from cracktrader.analyzers.returns import TimeReturn
from cracktrader.strategy.timeframe import TimeFrame

RATEFACTORS = {TimeFrame.Days: 252, TimeFrame.Weeks: 52, TimeFrame.Months: 12, TimeFrame.Years: 1}


def _average(values: list[float], bessel: bool = False) -> float:
    return math.fsum(values) / (len(values) - bessel)


class SharpeRatio(Analyzer):
    """Sharpe ratio of the period returns (``get_analysis()["sharperatio"]``)."""

    params = (
        ("timeframe", TimeFrame.Years),
        ("compression", 1),
        ("riskfreerate", 0.01),
        ("factor", None),
        ("convertrate", True),
        ("annualize", False),
        ("stddev_sample", False),
        ("daysfactor", None),
        ("fund", None),
    )

    def __init__(self) -> None:
        self.timereturn = TimeReturn(timeframe=self.p.timeframe, compression=self.p.compression, fund=self.p.fund)

    def stop(self) -> None:
        returns = list(self.timereturn.get_analysis().values())
        rate = self.p.riskfreerate
        factor = None
        if self.p.timeframe == TimeFrame.Days and self.p.daysfactor is not None:
            factor = self.p.daysfactor
        elif self.p.factor is not None:
            factor = self.p.factor
        elif self.p.timeframe in RATEFACTORS:
            factor = RATEFACTORS[self.p.timeframe]
        if factor is not None:
            if self.p.convertrate:
                rate = pow(1.0 + rate, 1.0 / factor) - 1.0
            else:
                returns = [pow(1.0 + x, factor) - 1.0 for x in returns]
        ratio = None
        if len(returns) - self.p.stddev_sample > 0:
            excess = [r - rate for r in returns]
            mean = _average(excess)
            deviation = math.sqrt(_average([pow(x - mean, 2.0) for x in excess], bessel=self.p.stddev_sample))
            try:
                ratio = mean / deviation
                if factor is not None and self.p.convertrate and self.p.annualize:
                    ratio = math.sqrt(factor) * ratio
            except (ValueError, TypeError, ZeroDivisionError):
                ratio = None
        self.ratio = ratio
        self.rets["sharperatio"] = ratio


class SharpeRatio_A(SharpeRatio):  # noqa: N801 - Backtrader's name
    """The annualised Sharpe ratio."""

    params = (("annualize", True),)
