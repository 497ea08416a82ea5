"""Checks when an order is placed or replaced (DESIGN.md section 7).

Twin of ``cracktrader_rust/src/engine/risk.rs``. Each check raises ``Refusal`` with its
code; they run in precedence order: ``kill_switch``, ``risk_limit``,
``insufficient_position``, ``insufficient_cash``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cracktrader.engine.inputs import Refusal
from cracktrader.engine.numbers import add, check_raw, mul, sub
from cracktrader.engine.orders import CREATED, TERMINAL, Order

if TYPE_CHECKING:
    from cracktrader.engine.core import Core


def reference_price(
    core: Core, key: tuple[str, str], order_type: str, limit_price: int | None, stop_price: int | None
) -> int | None:
    """The price a check values an order at: its limit (limit, stop_limit), its stop
    (stop), or the instrument's last close (market; None when no bar was seen)."""
    if order_type == "limit" or order_type == "stop_limit":
        return limit_price
    if order_type == "stop":
        return stop_price
    bar = core.last_bar.get(key)
    return None if bar is None else bar[4]


def buy_commitment(core: Core, qty: int, price: int) -> int:
    """Cash a buy of ``qty`` at ``price`` may need: notional plus commission."""
    notional = mul(qty, price)
    return add(notional, mul(abs(notional), core.config.commission_rate))


def _committed_cash(core: Core, exclude: Order | None) -> int:
    """Cash committed to live buys (waiting bracket children commit nothing, D-035).

    The sum is exact and range-checked once (D-250): commitments can be negative
    (negative prices), so a checked running sum would overflow or not depending on the
    order of the live orders, which a snapshot/restore may change.
    """
    total = 0
    for order in core.live_orders():
        if order.side != "buy" or order is exclude or order.state == CREATED:
            continue
        key = (order.venue, order.instrument)
        price = reference_price(core, key, order.order_type, order.limit_price, order.stop_price)
        if price is not None:
            total += buy_commitment(core, order.qty - order.filled_qty, price)
    return check_raw(total)


def _committed_sells(core: Core, key: tuple[str, str], exclude: Order | None) -> int:
    """Quantity committed to live sells of one instrument."""
    total = 0
    for order in core.working.get(key, {}).values():
        if order.side == "sell" and order is not exclude and order.state not in TERMINAL and order.state != CREATED:
            total = add(total, order.qty - order.filled_qty)
    return total


def check_order(
    core: Core,
    key: tuple[str, str],
    side: str,
    order_type: str,
    qty: int,
    limit_price: int | None,
    stop_price: int | None,
    is_child: bool,
    exclude: Order | None = None,
) -> None:
    """All placement checks after the state checks, in precedence order.

    ``qty`` is the quantity still to trade (a replace passes its new remaining);
    ``exclude`` is the order being replaced, whose own commitment is not counted.
    """
    if core.kill_switch:
        raise Refusal("kill_switch", "/intent_type")
    config = core.config
    if config.max_order_qty is not None and qty > config.max_order_qty:
        raise Refusal("risk_limit", "/payload/qty")
    price = reference_price(core, key, order_type, limit_price, stop_price)
    is_buy = side == "buy"
    if price is None and (config.max_notional is not None or (is_buy and not is_child)):
        # A market order before any bar of its instrument cannot be valued (D-035).
        raise Refusal("risk_limit", "/payload/instrument")
    if config.max_notional is not None and abs(mul(qty, price)) > config.max_notional:
        raise Refusal("risk_limit", "/payload/qty")
    if is_child:
        return  # bracket children close what the parent opens: no cash/position check
    if not is_buy:
        if not core.allow_short:
            position = core.positions.get(key)
            size = 0 if position is None else position.size
            if sub(size, _committed_sells(core, key, exclude)) < qty:
                raise Refusal("insufficient_position", "/payload/qty")
        return
    if buy_commitment(core, qty, price) > sub(core.cash, _committed_cash(core, exclude)):
        raise Refusal("insufficient_cash", "/payload/qty")
