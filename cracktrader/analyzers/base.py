"""Analyzer base classes (Backtrader's protocol) and the attribute-access result dict.

An analyzer is attached to a strategy (``Cerebro.addanalyzer``) and receives, each step,
the strategy's notifications (``notify_order``, ``notify_trade``, ``notify_cashvalue``,
``notify_fund``) and then ``prenext``/``nextstart``/``next`` (which default to ``next``),
plus ``start``/``stop``. ``get_analysis()`` returns its results, usually an
``AnalysisDict`` (a dict whose keys are also attributes: ``ta.won.total``). Analyzers
built inside another's ``__init__`` are its children and are called before it.
"""

from __future__ import annotations

import calendar
import datetime
import pprint as _pprint
from collections import OrderedDict
from typing import Any

from cracktrader.strategy.params import MetaParams
from cracktrader.strategy.timeframe import TimeFrame


class AnalysisDict(OrderedDict):
    """An ordered dict with attribute access; missing keys create nested dicts until
    ``_close()`` (Backtrader's ``AutoOrderedDict``)."""

    _closed = False

    def _close(self) -> None:
        object.__setattr__(self, "_closed", True)
        for value in self.values():
            if isinstance(value, AnalysisDict):
                value._close()

    def __missing__(self, key: Any) -> Any:
        if self._closed:
            raise KeyError(key)
        value = self[key] = AnalysisDict()
        return value

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_"):
            object.__setattr__(self, key, value)
        else:
            self[key] = value

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dicts (for printing or JSON)."""
        return {key: value.to_dict() if isinstance(value, AnalysisDict) else value for key, value in self.items()}


class _Building:
    strategy: Any = None
    stack: list[Any] = []


BUILDING = _Building()


class MetaAnalyzer(MetaParams):
    """Wires an analyzer to its strategy (and parent analyzer) before ``__init__``."""

    def __call__(cls, *args: Any, **kwargs: Any):
        pkw, rest = cls._split_params(kwargs)
        obj = cls.__new__(cls)
        obj.params = obj.p = cls.params(**pkw)
        parent = BUILDING.stack[-1] if BUILDING.stack else None
        strategy = parent.strategy if parent is not None else BUILDING.strategy
        if strategy is None:
            raise RuntimeError("analyzers are created by Cerebro.addanalyzer, not directly")
        obj.strategy = strategy
        obj.datas = strategy.datas
        obj.data = strategy.datas[0] if strategy.datas else None
        for index, data in enumerate(obj.datas):
            setattr(obj, f"data{index}", data)
        obj._children = []
        obj._parent = parent
        obj.create_analysis()
        BUILDING.stack.append(obj)
        try:
            obj.__init__(*args, **rest)
        finally:
            BUILDING.stack.pop()
        if parent is not None:
            parent._children.append(obj)
        return obj


class Analyzer(metaclass=MetaAnalyzer):
    """Base class of analyzers (see the module docstring)."""

    params = ()

    def __len__(self) -> int:
        return len(self.strategy)

    # ---------------------------------------------------------------- user API
    def create_analysis(self) -> None:
        """Create ``self.rets`` (called before ``__init__``)."""
        self.rets = AnalysisDict()

    def get_analysis(self) -> Any:
        """The results."""
        return self.rets

    def start(self) -> None:
        """Called before the first bar."""

    def stop(self) -> None:
        """Called after the last bar."""

    def prenext(self) -> None:
        """Bars before the strategy's minimum period; calls ``next``."""
        self.next()

    def nextstart(self) -> None:
        """The first bar of the strategy's ``next``; calls ``next``."""
        self.next()

    def next(self) -> None:
        """Every bar from the strategy's minimum period on."""

    def notify_order(self, order: Any) -> None:
        """An order notification of the strategy."""

    def notify_trade(self, trade: Any) -> None:
        """A trade notification of the strategy."""

    def notify_cashvalue(self, cash: float, value: float) -> None:
        """Cash and value at the start of the step."""

    def notify_fund(self, cash: float, value: float, fundvalue: float, shares: float) -> None:
        """Cash, value and fund figures at the start of the step."""

    def print(self, *args: Any, **kwargs: Any) -> None:
        """Print the analysis."""
        print({type(self).__name__: _plain(self.get_analysis())}, *args, **kwargs)

    def pprint(self, *args: Any, **kwargs: Any) -> None:
        """Pretty-print the analysis."""
        _pprint.pprint(_plain(self.get_analysis()), *args, **kwargs)

    # ----------------------------------------------------------- engine calls
    def _start(self) -> None:
        for child in self._children:
            child._start()
        self.start()

    def _stop(self) -> None:
        for child in self._children:
            child._stop()
        self.stop()

    def _prenext(self) -> None:
        for child in self._children:
            child._prenext()
        self.prenext()

    def _nextstart(self) -> None:
        for child in self._children:
            child._nextstart()
        self.nextstart()

    def _next(self) -> None:
        for child in self._children:
            child._next()
        self.next()

    def _notify_order(self, order: Any) -> None:
        for child in self._children:
            child._notify_order(order)
        self.notify_order(order)

    def _notify_trade(self, trade: Any) -> None:
        for child in self._children:
            child._notify_trade(trade)
        self.notify_trade(trade)

    def _notify_cashvalue(self, cash: float, value: float) -> None:
        for child in self._children:
            child._notify_cashvalue(cash, value)
        self.notify_cashvalue(cash, value)

    def _notify_fund(self, cash: float, value: float, fundvalue: float, shares: float) -> None:
        for child in self._children:
            child._notify_fund(cash, value, fundvalue, shares)
        self.notify_fund(cash, value, fundvalue, shares)


def _plain(value: Any) -> Any:
    if isinstance(value, AnalysisDict):
        return value.to_dict()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class TimeFrameAnalyzerBase(Analyzer):
    """An analyzer that works per period (``timeframe``/``compression``, by default the
    data's): ``on_dt_over()`` is called on the first bar of each new period, and
    ``self.dtkey`` names the current period (its last day, or its end time intraday)."""

    params = (("timeframe", None), ("compression", None), ("_doprenext", True))

    def _start(self) -> None:
        self.timeframe = self.p.timeframe or self.data._timeframe
        self.compression = self.p.compression or self.data._compression
        self.dtcmp, self.dtkey = self._get_dt_cmpkey(datetime.datetime.min)
        super()._start()

    def _prenext(self) -> None:
        for child in self._children:
            child._prenext()
        if self._dt_over():
            self.on_dt_over()
        if self.p._doprenext:
            self.prenext()

    def _nextstart(self) -> None:
        for child in self._children:
            child._nextstart()
        if self._dt_over() or not self.p._doprenext:
            self.on_dt_over()
        self.nextstart()

    def _next(self) -> None:
        for child in self._children:
            child._next()
        if self._dt_over():
            self.on_dt_over()
        self.next()

    def on_dt_over(self) -> None:
        """A new period started."""

    def _dt_over(self) -> bool:
        if self.timeframe == TimeFrame.NoTimeFrame:
            dtcmp, dtkey = float("inf"), datetime.datetime.max
        else:
            dtcmp, dtkey = self._get_dt_cmpkey(self.strategy.datetime.datetime())
        if self.dtcmp is None or dtcmp > self.dtcmp:
            self.dtkey, self.dtkey1 = dtkey, self.dtkey
            self.dtcmp, self.dtcmp1 = dtcmp, self.dtcmp
            return True
        return False

    def _get_dt_cmpkey(self, dt: datetime.datetime) -> tuple[Any, Any]:
        timeframe = self.timeframe
        if timeframe == TimeFrame.NoTimeFrame:
            return None, None
        if timeframe == TimeFrame.Years:
            return dt.year, datetime.date(dt.year, 12, 31)
        if timeframe == TimeFrame.Months:
            _, lastday = calendar.monthrange(dt.year, dt.month)
            return dt.year * 100 + dt.month, datetime.datetime(dt.year, dt.month, lastday)
        if timeframe == TimeFrame.Weeks:
            isoyear, isoweek, isoweekday = dt.isocalendar()
            sunday = dt + datetime.timedelta(days=7 - isoweekday)
            return isoyear * 100 + isoweek, datetime.datetime(sunday.year, sunday.month, sunday.day)
        if timeframe == TimeFrame.Days:
            return dt.year * 10000 + dt.month * 100 + dt.day, datetime.datetime(dt.year, dt.month, dt.day)
        return self._get_subday_cmpkey(dt)

    def _get_subday_cmpkey(self, dt: datetime.datetime) -> tuple[Any, Any]:
        # Intraday periods are counted from midnight in units of the time frame; a
        # period is keyed by its last unit (the period holding 10:07 in 5-minute
        # periods is keyed 10:09), which is how Backtrader keys them.
        unit = {
            TimeFrame.Minutes: datetime.timedelta(minutes=1),
            TimeFrame.Seconds: datetime.timedelta(seconds=1),
        }.get(self.timeframe, datetime.timedelta(microseconds=1))
        midnight = datetime.datetime(dt.year, dt.month, dt.day)
        position = (dt - midnight) // unit
        period = position // self.compression
        key = midnight + unit * ((period + 1) * self.compression - 1)
        return key, key
