"""Orders and the state machine table of DESIGN.md section 6.

Twin of ``cracktrader_rust/src/engine/orders.rs``. An ``Order`` is a plain record; the
rules that move it live in ``core.py`` (reports and intents) and ``matching.py``
(simulated fills). This module holds what both share: the states, which of them are
live or terminal, and how a transition is written into a result.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from cracktrader.engine.numbers import div_half_even, format_decimal

CREATED = "created"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
PARTIALLY_FILLED = "partially_filled"
FILLED = "filled"
CANCEL_PENDING = "cancel_pending"
CANCELLED = "cancelled"
REJECTED = "rejected"
EXPIRED = "expired"

STATES = (CREATED, SUBMITTED, ACCEPTED, PARTIALLY_FILLED, FILLED, CANCEL_PENDING, CANCELLED, REJECTED, EXPIRED)
TERMINAL = frozenset((FILLED, CANCELLED, REJECTED, EXPIRED))
# Working at the venue: can fill, be cancelled, expire or be replaced.
WORKING = frozenset((ACCEPTED, PARTIALLY_FILLED))
FILLABLE = frozenset((ACCEPTED, PARTIALLY_FILLED, CANCEL_PENDING))


class Order:
    """One order's full state (everything the snapshot needs)."""

    __slots__ = (
        "order_id",
        "intent_id",
        "strategy_id",
        "venue",
        "instrument",
        "side",
        "order_type",
        "qty",
        "limit_price",
        "stop_price",
        "time_in_force",
        "expire_time",
        "parent_order_id",
        "oco_group",
        "state",
        "filled_qty",
        "fill_notional",
        "fill_count",
        "submit_seq",
        "triggered",
        "placed_bar_time",
    )

    # Fields a transaction may change (saved before the first change, D-031).
    MUTABLE = (
        "qty",
        "limit_price",
        "stop_price",
        "state",
        "filled_qty",
        "fill_notional",
        "fill_count",
        "triggered",
        "placed_bar_time",
    )

    def __init__(self, **fields: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, fields[name])

    @property
    def remaining(self) -> int:
        return self.qty - self.filled_qty

    @property
    def is_buy(self) -> bool:
        return self.side == "buy"

    def avg_fill_price(self) -> int | None:
        """Exact notional sum over filled qty, rounded half-even once (section 7)."""
        if self.filled_qty == 0:
            return None
        return div_half_even(self.fill_notional, self.filled_qty)

    def save(self) -> tuple:
        return _SAVE(self)

    def load(self, saved: tuple) -> None:
        for name, value in zip(self.MUTABLE, saved):
            setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        avg = self.avg_fill_price()
        return {
            "order_id": self.order_id,
            "intent_id": self.intent_id,
            "strategy_id": self.strategy_id,
            "venue": self.venue,
            "instrument": self.instrument,
            "side": self.side,
            "order_type": self.order_type,
            "qty": format_decimal(self.qty),
            "limit_price": _opt(self.limit_price),
            "stop_price": _opt(self.stop_price),
            "time_in_force": self.time_in_force,
            "expire_time": self.expire_time,
            "parent_order_id": self.parent_order_id,
            "oco_group": self.oco_group,
            "state": self.state,
            "filled_qty": format_decimal(self.filled_qty),
            "avg_fill_price": None if avg is None else format_decimal(avg),
            "fill_notional": str(self.fill_notional),
            "fill_count": self.fill_count,
            "submit_seq": self.submit_seq,
            "triggered": self.triggered,
            "placed_bar_time": self.placed_bar_time,
        }


_SAVE = attrgetter(*Order.MUTABLE)


def _opt(raw: int | None) -> str | None:
    return None if raw is None else format_decimal(raw)


def transition(order: Order, from_state: str | None, reason: str | None = None) -> dict[str, Any]:
    """The ``order_transition`` record for ``order`` now in its current state."""
    avg = order.avg_fill_price()
    return {
        "order_id": order.order_id,
        "from": from_state,
        "to": order.state,
        "filled_qty": format_decimal(order.filled_qty),
        "remaining_qty": format_decimal(order.qty - order.filled_qty),
        "avg_fill_price": None if avg is None else format_decimal(avg),
        "reason": reason,
    }
