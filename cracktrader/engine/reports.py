"""Broker-report handlers (external mode): the venue drives every transition.

Twin of ``cracktrader_rust/src/engine/reports.rs``. In simulated mode the core is the
venue, so a report for a known order is ``illegal_transition`` (DESIGN.md section 8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cracktrader.engine.inputs import ParsedInput, Refusal
from cracktrader.engine.orders import (
    ACCEPTED,
    CANCEL_PENDING,
    CANCELLED,
    CREATED,
    EXPIRED,
    FILLED,
    PARTIALLY_FILLED,
    REJECTED,
    SUBMITTED,
    TERMINAL,
    WORKING,
)
from cracktrader.engine.results import ResultBuilder

if TYPE_CHECKING:
    from cracktrader.engine.core import Core

ORDER_FIELD = "/payload/order_id"


def apply_report(core: Core, parsed: ParsedInput, result: ResultBuilder) -> None:
    p = parsed.payload
    order = core.orders.get(p["order_id"])
    # A report names the order on its venue and instrument; another venue's report
    # for the same id is about an order this core does not know (D-037).
    if order is None or order.venue != parsed.venue or order.instrument != parsed.instrument:
        raise Refusal("unknown_order", ORDER_FIELD)
    if core.config.simulated:
        raise Refusal("illegal_transition", "/source")
    event_type = parsed.type
    state = order.state
    if event_type == "order_accepted":
        if state != SUBMITTED:
            raise Refusal("illegal_transition", ORDER_FIELD)
        core.set_state(order, ACCEPTED, result)
    elif event_type == "order_rejected":
        if state != SUBMITTED and state != ACCEPTED:
            raise Refusal("illegal_transition", ORDER_FIELD)
        core.set_state(order, REJECTED, result)
        core.settle(order, result, None, False)
    elif event_type == "order_filled":
        _fill(core, order, p, result)
    elif event_type == "order_cancelled":
        if state not in WORKING and state != CANCEL_PENDING:
            raise Refusal("illegal_transition", ORDER_FIELD)
        core.set_state(order, CANCELLED, result)
        core.settle(order, result, None, False)
    elif event_type == "cancel_rejected":
        if state != CANCEL_PENDING:
            raise Refusal("illegal_transition", ORDER_FIELD)
        core.set_state(order, ACCEPTED if order.filled_qty == 0 else PARTIALLY_FILLED, result)
    elif event_type == "order_expired":
        if state not in WORKING:
            raise Refusal("illegal_transition", ORDER_FIELD)
        core.set_state(order, EXPIRED, result)
        core.settle(order, result, None, False)


def _fill(core: Core, order, p, result: ResultBuilder) -> None:
    state = order.state
    if state == CREATED or state == SUBMITTED:
        raise Refusal("fill_before_accept", ORDER_FIELD)
    if state in TERMINAL:
        raise Refusal("illegal_transition", ORDER_FIELD)
    qty = p["qty"]
    if qty > order.remaining:
        raise Refusal("overfill", "/payload/qty")
    core.book_fill(order, qty, p["price"], p["fee"], p["fill_id"], result)
    if order.filled_qty == order.qty:
        new_state = FILLED
    elif state == CANCEL_PENDING:
        new_state = CANCEL_PENDING  # a partial fill leaves cancel_pending as is
    else:
        new_state = PARTIALLY_FILLED
    core.set_state(order, new_state, result)
    core.settle(order, result, None, True)
