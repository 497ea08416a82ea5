"""Intent handlers: place, cancel, replace, risk flags, noop (DESIGN.md section 6).

Twin of ``cracktrader_rust/src/engine/intents.rs``. State checks raise ``Refusal``
before anything is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cracktrader.engine.inputs import ParsedInput, Refusal
from cracktrader.engine.orders import (
    CANCEL_PENDING,
    CANCELLED,
    CREATED,
    EXPIRED,
    FILLED,
    REJECTED,
    WORKING,
    Order,
    transition,
)
from cracktrader.engine.results import ResultBuilder
from cracktrader.engine.risk import check_order

if TYPE_CHECKING:
    from cracktrader.engine.core import Core

PARENT_DEAD = frozenset((CANCELLED, REJECTED, EXPIRED))


def place_order(core: Core, parsed: ParsedInput, result: ResultBuilder) -> None:
    p = parsed.payload
    order_id = p["order_id"]
    if order_id in core.orders:
        raise Refusal("duplicate_order_id", "/payload/order_id")
    parent = None
    parent_id = p["parent_order_id"]
    if parent_id is not None:
        parent = core.orders.get(parent_id)
        if parent is None:
            raise Refusal("unknown_order", "/payload/parent_order_id")
        if parent.state in PARENT_DEAD:
            raise Refusal("illegal_transition", "/payload/parent_order_id")
    key = (p["venue"], p["instrument"])
    check_order(
        core, key, p["side"], p["order_type"], p["qty"], p["limit_price"], p["stop_price"], parent is not None
    )
    bar_time = core.last_bar_time(key)
    order = Order(
        order_id=order_id,
        intent_id=p["intent_id"],
        strategy_id=p["strategy_id"],
        venue=p["venue"],
        instrument=p["instrument"],
        side=p["side"],
        order_type=p["order_type"],
        qty=p["qty"],
        limit_price=p["limit_price"],
        stop_price=p["stop_price"],
        time_in_force=p["time_in_force"],
        expire_time=p["expire_time"],
        parent_order_id=parent_id,
        oco_group=p["oco_group"],
        state=CREATED,
        filled_qty=0,
        fill_notional=0,
        fill_count=0,
        submit_seq=parsed.seq_id,
        triggered=False,
        placed_bar_time=bar_time,
    )
    core.add_order(order)
    result.transitions.append(transition(order, None))
    if parent is None or parent.state == FILLED:
        core.submit(order, result, None, bar_time)
    # else: a bracket child waits in `created` until its parent is completely filled


def cancel_order(core: Core, parsed: ParsedInput, result: ResultBuilder) -> None:
    order = core.orders.get(parsed.payload["order_id"])
    if order is None:
        raise Refusal("unknown_order", "/payload/order_id")
    if order.state not in WORKING:
        raise Refusal("illegal_transition", "/payload/order_id")
    core.set_state(order, CANCEL_PENDING, result)
    if core.config.simulated:
        core.set_state(order, CANCELLED, result)
        core.settle(order, result, None, False)


def replace_order(core: Core, parsed: ParsedInput, result: ResultBuilder) -> None:
    p = parsed.payload
    order = core.orders.get(p["order_id"])
    if order is None:
        raise Refusal("unknown_order", "/payload/order_id")
    if order.state not in WORKING:
        raise Refusal("illegal_transition", "/payload/order_id")
    has_limit = order.order_type in ("limit", "stop_limit")
    has_stop = order.order_type in ("stop", "stop_limit")
    if p["limit_price"] is not None and not has_limit:
        raise Refusal("illegal_transition", "/payload/limit_price")
    if p["stop_price"] is not None and not has_stop:
        raise Refusal("illegal_transition", "/payload/stop_price")
    qty = order.qty if p["qty"] is None else p["qty"]
    if qty <= order.filled_qty:
        raise Refusal("illegal_transition", "/payload/qty")
    limit_price = order.limit_price if p["limit_price"] is None else p["limit_price"]
    stop_price = order.stop_price if p["stop_price"] is None else p["stop_price"]
    check_order(
        core,
        (order.venue, order.instrument),
        order.side,
        order.order_type,
        qty - order.filled_qty,
        limit_price,
        stop_price,
        order.parent_order_id is not None,
        exclude=order,
    )
    core.touch(order)
    order.qty = qty
    order.limit_price = limit_price
    order.stop_price = stop_price
    result.transitions.append(transition(order, order.state))


def set_risk_flag(core: Core, parsed: ParsedInput, result: ResultBuilder) -> None:
    name = parsed.payload["name"]
    value = parsed.payload["value"]
    if name == "kill_switch":
        core.kill_switch = value
    else:
        core.allow_short = value


def noop(core: Core, parsed: ParsedInput, result: ResultBuilder) -> None:
    """Consumes its seq_id and nothing else."""


HANDLERS = {
    "place_order": place_order,
    "cancel_order": cancel_order,
    "replace_order": replace_order,
    "set_risk_flag": set_risk_flag,
    "noop": noop,
}
