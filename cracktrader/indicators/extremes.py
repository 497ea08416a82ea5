"""Highest and Lowest over a window (``max``/``min`` of the last ``period`` values).

Backtrader's default period is 1. The vectorised path keeps a monotonic deque of
candidate indices (linear time); the incremental path takes ``max``/``min`` of the
window. Both return one of the input values, so they agree exactly.
"""

from __future__ import annotations

from collections import deque

from cracktrader.indicators.base import Indicator


class _Extreme(Indicator):
    params = (("period", 1),)
    _highest = True

    def __init__(self) -> None:
        self.addminperiod(self.p.period)

    def once(self, start: int, end: int) -> None:
        period = self.p.period
        src = self._inlines[0].array
        out = self.lines[0].array
        keep = deque()  # indices whose values can still be the extreme, best first
        highest = self._highest
        for i in range(start - period + 1, end):
            value = src[i]
            if highest:
                while keep and src[keep[-1]] <= value:
                    keep.pop()
            else:
                while keep and src[keep[-1]] >= value:
                    keep.pop()
            keep.append(i)
            if keep[0] <= i - period:
                keep.popleft()
            if i >= start:
                out[i] = src[keep[0]]

    def next(self) -> None:
        window = self._inlines[0].get(size=self.p.period)
        self.lines[0][0] = max(window) if self._highest else min(window)


class Highest(_Extreme):
    """The highest value of the last ``period`` bars."""

    lines = ("highest",)


class Lowest(_Extreme):
    """The lowest value of the last ``period`` bars."""

    lines = ("lowest",)
    _highest = False
