"""Cash, fees and positions (DESIGN.md section 7), on raw fixed-point ints.

Twin of ``cracktrader_rust/src/engine/accounting.rs``. Every product and quotient goes
through ``numbers`` (checked, half-even); an overflow raises ``NumericOverflow`` and the
core refuses the whole input, restoring what it had touched.
"""

from __future__ import annotations

from cracktrader.engine.numbers import add, check_raw, div_half_even, format_decimal, mul, mul_exact, sub


class Position:
    """Signed size, average entry price and realized PnL (fees excluded)."""

    __slots__ = ("size", "avg_price", "realized_pnl")

    def __init__(self, size: int = 0, avg_price: int = 0, realized_pnl: int = 0) -> None:
        self.size = size
        self.avg_price = avg_price
        self.realized_pnl = realized_pnl

    def save(self) -> tuple[int, int, int]:
        return (self.size, self.avg_price, self.realized_pnl)

    def load(self, saved: tuple[int, int, int]) -> None:
        self.size, self.avg_price, self.realized_pnl = saved

    def to_dict(self) -> dict[str, str]:
        return {
            "size": format_decimal(self.size),
            "avg_price": format_decimal(self.avg_price),
            "realized_pnl": format_decimal(self.realized_pnl),
        }


def fill_fee(notional: int, explicit_fee: int | None, commission_rate: int) -> int:
    """The fill's explicit fee, else notional x the core's commission rate."""
    if explicit_fee is not None:
        return explicit_fee
    return mul(abs(notional), commission_rate)


def cash_delta(is_buy: bool, notional: int, fee: int) -> int:
    """Notional paid on a buy (received on a sell), fee paid on every fill."""
    signed = -notional if is_buy else notional
    return sub(signed, fee)


def apply_fill_to_position(position: Position, signed_qty: int, price: int) -> int:
    """Move ``position`` by a fill; returns the realized PnL of this fill.

    Adding: avg = (|size| x avg + qty x price) / |new size|, exact then rounded once.
    Reducing: realized += (price - avg) x reduced qty (sign flipped for shorts), avg kept.
    Crossing zero: close the old side first, then open the rest at the fill price.
    """
    size = position.size
    if size == 0 or (size > 0) == (signed_qty > 0):
        new_size = add(size, signed_qty)
        numerator = add(mul_exact(abs(size), position.avg_price), mul_exact(abs(signed_qty), price))
        position.avg_price = div_half_even(numerator, abs(new_size))
        position.size = new_size
        return 0
    reduced = min(abs(signed_qty), abs(size))
    per_unit = sub(price, position.avg_price) if size > 0 else sub(position.avg_price, price)
    realized = mul(per_unit, reduced)
    position.realized_pnl = add(position.realized_pnl, realized)
    new_size = add(size, signed_qty)
    if new_size == 0:
        position.avg_price = 0
    elif (new_size > 0) != (size > 0):
        position.avg_price = check_raw(price)
    position.size = new_size
    return realized
