"""CrossOver, CrossUp, CrossDown (Backtrader's definitions).

``nzd`` (NonZeroDifference) is ``data0 - data1``, except that a zero difference keeps
the previous non-zero one (seeded with the first difference). Then, on each bar:

- up = ``nzd[-1] < 0`` and ``data0 > data1``; down = ``nzd[-1] > 0`` and ``data0 < data1``
- CrossOver = up - down (1.0, -1.0 or 0.0); CrossUp = up; CrossDown = down.

First value one bar after both inputs have values (SMA(10) x SMA(30): bar 31).
"""

from __future__ import annotations

from cracktrader.indicators.base import Indicator


class NonZeroDifference(Indicator):
    """``data0 - data1``, keeping the last non-zero difference when they are equal."""

    lines = ("nzd",)

    def __init__(self) -> None:
        if len(self.datas) != 2:
            raise TypeError(f"{type(self).__name__} needs two inputs")

    def once(self, start: int, end: int) -> None:
        a, b = self._inlines[0].array, self._inlines[1].array
        out = self.lines[0].array
        prev = out[start] = a[start] - b[start]
        for i in range(start + 1, end):
            d = a[i] - b[i]
            out[i] = prev = d if d else prev

    def nextstart(self) -> None:
        self.lines[0][0] = self._inlines[0][0] - self._inlines[1][0]

    def next(self) -> None:
        d = self._inlines[0][0] - self._inlines[1][0]
        line = self.lines[0]
        line[0] = d if d else line[-1]


class _Cross(Indicator):
    _up = True
    _down = True

    def __init__(self) -> None:
        if len(self.datas) != 2:
            raise TypeError(f"{type(self).__name__} needs two inputs")
        self._nzd = NonZeroDifference(self.data0, self.data1)
        self.incminperiod(1)

    def _value(self, prev: float, a: float, b: float) -> float:
        value = 0.0
        if self._up and prev < 0.0 and a > b:
            value += 1.0
        if self._down and prev > 0.0 and a < b:
            value -= 1.0
        return value

    def once(self, start: int, end: int) -> None:
        a, b = self._inlines[0].array, self._inlines[1].array
        nzd = self._nzd.lines[0].array
        out = self.lines[0].array
        value = self._value
        for i in range(start, end):
            out[i] = value(nzd[i - 1], a[i], b[i])

    def next(self) -> None:
        self.lines[0][0] = self._value(self._nzd[-1], self._inlines[0][0], self._inlines[1][0])


class CrossOver(_Cross):
    """1.0 when data0 crosses data1 upwards, -1.0 downwards, else 0.0."""

    lines = ("crossover",)


class CrossUp(_Cross):
    """1.0 when data0 crosses data1 upwards, else 0.0."""

    lines = ("cross",)
    _down = False


class CrossDown(_Cross):
    """1.0 when data0 crosses data1 downwards, else 0.0."""

    lines = ("cross",)
    _up = False

    def _value(self, prev: float, a: float, b: float) -> float:
        return 1.0 if prev > 0.0 and a < b else 0.0
