"""Sizers: how many units ``buy()``/``sell()`` trade when no ``size`` is given.

``FixedSize(stake=1)`` is the default, as in Backtrader. ``PercentSizer(percents=20)``
and ``AllInSizer`` size from the broker's cash and the data's close (float sizes unless
``retint``); their "Int" variants round down to whole units. Note that sizing from the
whole cash at the close can fail the cash check when the next open is higher
(Backtrader's ``Margin``), in both engines.
"""

from __future__ import annotations

from typing import Any

from cracktrader.strategy.params import MetaParams


class Sizer(metaclass=MetaParams):
    """Base class: override ``_getsizing(comminfo, cash, data, isbuy)``."""

    params = ()

    def __init__(self, **kwargs: Any) -> None:
        self.params = self.p = type(self).params(**kwargs)
        self.strategy = None
        self.broker = None

    def set(self, strategy: Any, broker: Any) -> None:
        """Attach to a strategy and its broker."""
        self.strategy = strategy
        self.broker = broker

    def getsizing(self, data: Any, isbuy: bool) -> float:
        """The size for an order on ``data``."""
        return self._getsizing(None, self.broker.getcash(), data, isbuy)

    def _getsizing(self, comminfo: Any, cash: float, data: Any, isbuy: bool) -> float:
        raise NotImplementedError


class FixedSize(Sizer):
    """Always ``stake`` units (``tranches`` splits it, as in Backtrader)."""

    params = (("stake", 1), ("tranches", 1))

    def _getsizing(self, comminfo, cash, data, isbuy):
        if self.p.tranches > 1:
            return abs(int(self.p.stake / self.p.tranches))
        return self.p.stake


SizerFix = FixedSize


class PercentSizer(Sizer):
    """``percents`` % of the cash at the data's close (or close the position when
    selling out of a long)."""

    params = (("percents", 20), ("retint", False))

    def _getsizing(self, comminfo, cash, data, isbuy):
        position = self.broker.getposition(data)
        if not position:
            size = cash / data.close[0] * (self.p.percents / 100)
        else:
            size = position.size
        if self.p.retint:
            size = int(size)
        return size


class AllInSizer(PercentSizer):
    """All the cash."""

    params = (("percents", 100),)


class PercentSizerInt(PercentSizer):
    """``PercentSizer`` rounded down to whole units."""

    params = (("retint", True),)


class AllInSizerInt(PercentSizerInt):
    """``AllInSizer`` rounded down to whole units."""

    params = (("percents", 100),)
