"""A position as the strategy sees it: ``size`` and ``price`` (floats from exact values).

The exact state is the core's (raw fixed-point integers); the broker keeps this view in
step with the fills of the core's results using the core's own accounting rules
(``cracktrader.engine.accounting``), and checks it against the core at the end of a run.
"""

from __future__ import annotations

from cracktrader.engine.accounting import Position as RawPosition
from cracktrader.engine.numbers import SCALE


def to_number(raw: int) -> int | float:
    """A raw fixed-point value as an int when integral, else a float (correctly rounded)."""
    quotient, remainder = divmod(raw, SCALE)
    return quotient if remainder == 0 else raw / SCALE


class Position:
    """``size`` (signed) and average ``price`` of an open position; falsy when flat."""

    __slots__ = ("size", "price", "raw", "datetime")

    def __init__(self, size: float = 0, price: float = 0.0) -> None:
        self.size = size
        self.price = price
        self.raw = RawPosition()
        self.datetime = None

    def _sync(self) -> None:
        """Refresh ``size``/``price`` from the exact state."""
        self.size = to_number(self.raw.size)
        self.price = self.raw.avg_price / SCALE

    def clone(self) -> Position:
        """A copy with the same size and price."""
        other = Position(self.size, self.price)
        other.raw = RawPosition(*self.raw.save())
        return other

    def __bool__(self) -> bool:
        return self.size != 0

    def __len__(self) -> int:
        return abs(self.size)

    def __repr__(self) -> str:
        return f"<Position size={self.size} price={self.price}>"
