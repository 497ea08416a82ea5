"""Moving averages: SMA, EMA, WMA, SMMA (Backtrader's definitions, bit for bit).

Floating-point operations are those of Backtrader 1.9.78.123, in the same order, so the
values are identical (not merely close) and a crossover happens on the same bar:

- **SMA** (period 30): ``math.fsum(last period values) / period``, i.e. the correctly
  rounded sum divided by the period. First value at input minimum period + period - 1.
- **EMA** (period 30): seed = the SMA of the first ``period`` values; then
  ``prev * (1 - alpha) + x * alpha`` with ``alpha = 2 / (1 + period)``.
- **SMMA** (Wilder's smoothing, period 30): as EMA with ``alpha = 1 / period``.
- **WMA** (period 30): ``coef * fsum(x[i] * w[i])`` with weights ``1..period`` (newest
  heaviest) and ``coef = 2 / (period * (period + 1))``.

The vectorised SMA does not call ``fsum`` per window: every input is scaled by one power
of two into an exact integer, windows are differences of exact integer prefix sums, and
the integer -> float conversion rounds correctly, which is exactly ``fsum``'s result.
"""

from __future__ import annotations

import math
import operator
from array import array
from itertools import accumulate, repeat
from typing import Iterable

from cracktrader.indicators.base import Indicator


def window_sums(values, period: int) -> Iterable[float] | None:
    """Correctly rounded sums of every ``period``-window of ``values`` (as ``fsum``).

    Returns None when the exact integer route does not apply (non-finite values, or
    magnitudes so small or so spread that the scaled integers or the results would
    leave the normal float range); ``rolling_fsum`` then sums each window with ``fsum``.
    """
    if not all(map(math.isfinite, values)):
        return None
    smallest = min(filter(None, map(abs, values)), default=None)
    if smallest is None:
        return repeat(0.0, max(len(values) - period + 1, 0))
    shift = 53 - math.frexp(smallest)[1]
    inverse = math.ldexp(1.0, -shift)
    if inverse < _SMALLEST_NORMAL:
        return None  # a window sum could be subnormal: scaling back would round twice
    largest = max(map(abs, values))
    if math.frexp(largest)[1] + shift + period.bit_length() >= 1024:
        return None  # a scaled window sum could exceed the float range when converted back
    try:
        # ldexp only moves the exponent, so every scaled value is an exact integer.
        ints = list(map(int, map(math.ldexp, values, repeat(shift))))
    except OverflowError:
        return None
    prefix = list(accumulate(ints, initial=0))
    count = len(values) - period + 1
    sums = map(operator.sub, prefix[period : period + count], prefix[:count])
    # int * float converts the int with correct rounding; * 2**-shift is then exact.
    return map(operator.mul, sums, repeat(inverse))


def rolling_fsum(values, period: int, chunk: int = 1 << 16) -> array:
    """``[fsum(window) for each period-window of values]``, vectorised when possible.

    Works through ``chunk`` windows at a time, so the exact integers of the fast route
    never hold more than one chunk in memory.
    """
    out = array("d")
    count = len(values) - period + 1
    fsum = math.fsum
    for first in range(0, max(count, 0), chunk):
        last = min(first + chunk, count)  # windows first..last-1
        segment = values[first : last + period - 1]
        sums = window_sums(segment, period)
        if sums is None:
            sums = (fsum(segment[i : i + period]) for i in range(last - first))
        out.extend(sums)
    return out


_SMALLEST_NORMAL = 2.0 ** -1022


class MovingAverageBase(Indicator):
    """Common base: one input, a ``period`` window."""

    params = (("period", 30),)

    def __init__(self) -> None:
        self.addminperiod(self.p.period)


class SMA(MovingAverageBase):
    """Simple moving average: ``fsum(window) / period``."""

    lines = ("sma",)

    def once(self, start: int, end: int) -> None:
        period = self.p.period
        sums = rolling_fsum(self._inlines[0].array[start - period + 1 : end], period)
        self.lines[0].array[start:end] = array("d", map(operator.truediv, sums, repeat(period)))

    def next(self) -> None:
        period = self.p.period
        self.lines[0][0] = math.fsum(self._inlines[0].get(size=period)) / period


class _Smoothing(MovingAverageBase):
    """Exponential smoothing seeded with the SMA of the first window (EMA, SMMA)."""

    def _alpha(self) -> float:
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.alpha = self._alpha()
        self.alpha1 = 1.0 - self.alpha

    def once(self, start: int, end: int) -> None:
        period = self.p.period
        src = self._inlines[0].array
        out = self.lines[0].array
        prev = math.fsum(src[start - period + 1 : start + 1]) / period
        out[start] = prev
        alpha, alpha1 = self.alpha, self.alpha1
        for i in range(start + 1, end):
            out[i] = prev = prev * alpha1 + src[i] * alpha

    def nextstart(self) -> None:
        period = self.p.period
        self.lines[0][0] = math.fsum(self._inlines[0].get(size=period)) / period

    def next(self) -> None:
        line = self.lines[0]
        line[0] = line[-1] * self.alpha1 + self._inlines[0][0] * self.alpha


class EMA(_Smoothing):
    """Exponential moving average, ``alpha = 2 / (1 + period)``, SMA seed."""

    lines = ("ema",)

    def _alpha(self) -> float:
        return 2.0 / (1.0 + self.p.period)


class SMMA(_Smoothing):
    """Smoothed (Wilder's) moving average, ``alpha = 1 / period``, SMA seed."""

    lines = ("smma",)

    def _alpha(self) -> float:
        return 1.0 / self.p.period


class WMA(MovingAverageBase):
    """Weighted moving average, linear weights ``1..period`` (newest heaviest)."""

    lines = ("wma",)

    def __init__(self) -> None:
        super().__init__()
        period = self.p.period
        self.coef = 2.0 / (period * (period + 1.0))
        self.weights = tuple(float(x) for x in range(1, period + 1))

    def once(self, start: int, end: int) -> None:
        period, coef, weights = self.p.period, self.coef, self.weights
        src = self._inlines[0].array
        out = self.lines[0].array
        fsum, mul = math.fsum, operator.mul
        for i in range(start, end):
            out[i] = coef * fsum(map(mul, src[i - period + 1 : i + 1], weights))

    def next(self) -> None:
        window = self._inlines[0].get(size=self.p.period)
        self.lines[0][0] = self.coef * math.fsum(map(operator.mul, window, self.weights))
