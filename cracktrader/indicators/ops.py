"""Derived lines made by operators in ``__init__``: ``a - b``, ``a > b``, ``-a``, ``a(-1)``.

Each is an indicator (so it has a minimum period and both computation paths); the
operator methods of ``cracktrader.strategy.lines.Line`` create them while a strategy or
indicator is being declared.
"""

from __future__ import annotations

from typing import Any, Callable

from cracktrader.indicators.base import Indicator
from cracktrader.strategy.lines import Line


class BinaryOp(Indicator):
    """``fn(a, b)`` bar by bar; ``a`` or ``b`` may be a constant number."""

    lines = ("op",)
    params = (("fn", None), ("left", None), ("right", None))

    def __init__(self) -> None:
        # The constant side (if any) is in params; the line side(s) are the inputs.
        self._fn: Callable[[float, float], Any] = self.p.fn

    def _pair(self) -> tuple[Any, Any]:
        p = self.p
        if p.left is not None:
            return p.left, self._inlines[0]
        if p.right is not None:
            return self._inlines[0], p.right
        return self._inlines[0], self._inlines[1]

    def once(self, start: int, end: int) -> None:
        fn = self._fn
        out = self.lines[0].array
        a, b = self._pair()
        if isinstance(a, Line) and isinstance(b, Line):
            xa, xb = a.array, b.array
            for i in range(start, end):
                out[i] = fn(xa[i], xb[i])
        elif isinstance(a, Line):
            xa = a.array
            for i in range(start, end):
                out[i] = fn(xa[i], b)
        else:
            xb = b.array
            for i in range(start, end):
                out[i] = fn(a, xb[i])

    def next(self) -> None:
        a, b = self._pair()
        va = a[0] if isinstance(a, Line) else a
        vb = b[0] if isinstance(b, Line) else b
        self.lines[0][0] = self._fn(va, vb)


def binary(a: Any, b: Any, fn: Callable[[float, float], Any]) -> BinaryOp:
    """``BinaryOp`` of two operands, at most one of them a plain number."""
    if isinstance(a, float):
        return BinaryOp(b, fn=fn, left=a)
    if isinstance(b, float):
        return BinaryOp(a, fn=fn, right=b)
    return BinaryOp(a, b, fn=fn)


class UnaryOp(Indicator):
    """``fn(a)`` bar by bar."""

    lines = ("op",)
    params = (("fn", None),)

    def once(self, start: int, end: int) -> None:
        fn = self.p.fn
        src = self._inlines[0].array
        out = self.lines[0].array
        for i in range(start, end):
            out[i] = fn(src[i])

    def next(self) -> None:
        self.lines[0][0] = self.p.fn(self._inlines[0][0])


class Delay(Indicator):
    """The input ``-ago`` bars back: ``Delay(x, ago=-1)[0] == x[-1]``."""

    lines = ("delay",)
    params = (("ago", -1),)

    def __init__(self) -> None:
        if self.p.ago > 0:
            raise ValueError("a line cannot be delayed into the future (ago must be <= 0)")
        self.incminperiod(-self.p.ago)

    def once(self, start: int, end: int) -> None:
        ago = self.p.ago
        src = self._inlines[0].array
        out = self.lines[0].array
        for i in range(start, end):
            out[i] = src[i + ago]

    def next(self) -> None:
        self.lines[0][0] = self._inlines[0][self.p.ago]
