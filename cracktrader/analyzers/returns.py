"""Returns and TimeReturn (Backtrader's definitions).

**Returns** (per period of ``timeframe``, by default the data's): ``rtot`` is the log
return ``ln(end value / start value)`` (``-inf`` if the ratio is not positive),
``ravg = rtot / periods`` where periods is the number of periods seen,
``rnorm = expm1(ravg * tann)`` the annualised return (``tann`` = 252 for days, 52 for
weeks, 12 for months, 1 for years, or the ``tann`` parameter; 1 when unknown, e.g.
intraday data without ``tann``) and ``rnorm100 = 100 * rnorm``.

**TimeReturn**: the simple return of each period, ``value at the period's last bar /
value at the previous period's last bar - 1`` (the first period starts from the
starting value), keyed by the period's end; with ``data=`` it tracks that feed's
close instead of the portfolio (the first period starts at the first open).
"""

from __future__ import annotations

import math
from collections import OrderedDict

from cracktrader.analyzers.base import TimeFrameAnalyzerBase
from cracktrader.strategy.timeframe import TimeFrame

TANN = {TimeFrame.Days: 252.0, TimeFrame.Weeks: 52.0, TimeFrame.Months: 12.0, TimeFrame.Years: 1.0}


class Returns(TimeFrameAnalyzerBase):
    """Total, average and annualised log returns (``rtot``, ``ravg``, ``rnorm``, ``rnorm100``)."""

    params = (("tann", None), ("fund", None))

    def start(self) -> None:
        self._value_start = self.strategy.broker.getvalue()
        self._tcount = 0

    def on_dt_over(self) -> None:
        self._tcount += 1

    def stop(self) -> None:
        value_end = self.strategy.broker.getvalue()
        ratio = value_end / self._value_start if self._value_start else 0.0
        rtot = math.log(ratio) if ratio > 0.0 else float("-inf")
        self.rets["rtot"] = rtot
        ravg = rtot / self._tcount if self._tcount else float("-inf")
        self.rets["ravg"] = ravg
        tann = self.p.tann or TANN.get(self.timeframe) or TANN.get(self.data._timeframe, 1.0)
        rnorm = math.expm1(ravg * tann) if ravg > float("-inf") else ravg
        self.rets["rnorm"] = rnorm
        self.rets["rnorm100"] = rnorm * 100.0


class TimeReturn(TimeFrameAnalyzerBase):
    """Simple return per period, ``{period_end: return}``."""

    params = (("data", None), ("firstopen", True), ("fund", None))

    def create_analysis(self) -> None:
        self.rets = OrderedDict()

    def start(self) -> None:
        self._value_start = 0.0
        self._lastvalue = None
        self._value = None
        if self.p.data is None:
            self._lastvalue = self.strategy.broker.getvalue()

    def notify_fund(self, cash: float, value: float, fundvalue: float, shares: float) -> None:
        self._value = value if self.p.data is None else self.p.data[0]

    def on_dt_over(self) -> None:
        if self.p.data is None or self._lastvalue is not None:
            self._value_start = self._lastvalue
        elif self.p.firstopen:
            self._value_start = self.p.data.open[0]
        else:
            self._value_start = self.p.data[0]

    def next(self) -> None:
        self.rets[self.dtkey] = (self._value / self._value_start) - 1.0
        self._lastvalue = self._value
