"""Core results -> runtime events.

A ``transition_result`` (docs/engine.md) becomes: one ``fill`` event per booked fill,
one ``order`` event per order transition (``order_{to}``), and for a refused intent an
``order_refused`` event, in the ``risk`` family when the refusing code is a risk
decision (kill switch, risk limit, cash, position) and in ``order`` otherwise (D-457).
Order events carry the order's static fields so the ``orders`` read model needs no
other source.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from cracktrader.runtime.vocabulary import RISK_CODES

ORDER_STATIC = ("instrument", "venue", "side", "order_type", "qty", "limit_price", "stop_price")
Emit = Callable[[str, str, dict[str, Any]], None]


def transition_events(
    result: Mapping[str, Any], orders: Mapping[str, Mapping[str, Any]], emit: Emit
) -> None:
    """Emit the fills and order transitions of an accepted result, in result order."""
    seq_id = result.get("seq_id")
    for fill in result.get("fills", ()):
        emit("fill", "fill", {**fill, "seq_id": seq_id})
    for transition in result.get("transitions", ()):
        order = orders.get(transition["order_id"], {})
        data = {key: order.get(key) for key in ORDER_STATIC}
        data.update(transition)
        data["seq_id"] = seq_id
        emit("order", f"order_{transition['to']}", data)


def refusal_event(
    result: Mapping[str, Any], intent: Mapping[str, Any], emit: Emit
) -> None:
    """Emit the refusal of an intent (the core changed nothing, D-030)."""
    payload = intent.get("payload", {})
    diagnostics = result.get("diagnostics") or [{}]
    data = {
        "intent_type": intent.get("intent_type"),
        "order_id": payload.get("order_id"),
        "code": result.get("code"),
        "field": diagnostics[0].get("field"),
    }
    for key in ORDER_STATIC:
        if key in payload:
            data[key] = payload[key]
    family = "risk" if result.get("code") in RISK_CODES else "order"
    emit(family, "order_refused", data)
