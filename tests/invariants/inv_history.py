"""Builders for hand-made steps: inputs as a core receives them, results as the rules
of DESIGN.md sections 6-8 say a correct core answers (written from the rules, and
checked against the real core in ``test_invariant_codes.py::test_base_histories_match_the_core``)."""

from __future__ import annotations

from typing import Any

from inv_streams import event, intent

VENUE, INSTRUMENT = "v1", "BTC"
MINUTE = 60_000


def bar(seq, time, open_, high, low, close, key=None, producer=0):
    payload = {"open": open_, "high": high, "low": low, "close": close, "volume": "1", "timeframe_ms": MINUTE}
    return event(seq, "bar", "market_data", VENUE, INSTRUMENT, time, payload, key, producer)


def place(seq, order_id, side="buy", order_type="limit", qty="1", limit=None, stop=None, intent_id=None,
          parent=None, oco=None):
    return intent(seq, "place_order", {
        "intent_id": intent_id or f"i-{order_id}",
        "order_id": order_id,
        "instrument": INSTRUMENT,
        "venue": VENUE,
        "side": side,
        "order_type": order_type,
        "qty": qty,
        "limit_price": limit,
        "stop_price": stop,
        "time_in_force": "gtc",
        "expire_time": None,
        "parent_order_id": parent,
        "oco_group": oco,
        "strategy_id": "s",
    })


def cancel(seq, order_id):
    return intent(seq, "cancel_order", {"order_id": order_id})


def replace(seq, order_id, qty=None, limit=None, stop=None):
    return intent(seq, "replace_order", {"order_id": order_id, "qty": qty, "limit_price": limit, "stop_price": stop})


def report(seq, event_type, payload, time=MINUTE, key=None):
    return event(seq, event_type, "broker_report", VENUE, INSTRUMENT, time, payload, key, 1)


def filled_report(seq, order_id, fill_id, qty, price, fee=None, time=MINUTE):
    return report(seq, "order_filled",
                  {"order_id": order_id, "fill_id": fill_id, "qty": qty, "price": price, "fee": fee}, time)


def tr(order_id, from_, to, filled="0", remaining="1", avg=None, reason=None):
    return {"order_id": order_id, "from": from_, "to": to, "filled_qty": filled, "remaining_qty": remaining,
            "avg_fill_price": avg, "reason": reason}


def fl(order_id, fill_id, qty, price, fee="0", side="buy"):
    return {"order_id": order_id, "fill_id": fill_id, "venue": VENUE, "instrument": INSTRUMENT, "side": side,
            "qty": qty, "price": price, "fee": fee}


def pd(size, pnl="0"):
    return {"venue": VENUE, "instrument": INSTRUMENT, "size_delta": size, "realized_pnl_delta": pnl}


def res(seq, transitions=(), fills=(), cash="0", positions=(), code="ok", accepted=True, late=False):
    return {
        "seq_id": seq,
        "accepted": accepted,
        "code": code,
        "transitions": list(transitions),
        "fills": list(fills),
        "cash_delta": cash,
        "position_deltas": list(positions),
        "late": late,
        "diagnostics": [] if accepted else [{"code": code, "field": ""}],
    }


def step(inp: Any, result: Any) -> dict[str, Any]:
    return {"input": inp, "result": result}


def placed_sim(seq, order_id, qty="1"):
    """The result of a simulated placement: created -> submitted -> accepted."""
    return res(seq, [tr(order_id, None, "created", remaining=qty), tr(order_id, "created", "submitted", remaining=qty),
                     tr(order_id, "submitted", "accepted", remaining=qty)])


def placed_ext(seq, order_id, qty="1"):
    """The result of an external placement: created -> submitted."""
    return res(seq, [tr(order_id, None, "created", remaining=qty), tr(order_id, "created", "submitted", remaining=qty)])


def sim_base(fill_bar=None, fill=None, place_input=None):
    """Simulated: a bar, a buy limit 101 placed, the next bar fills it at 101.

    ``fill_bar``/``fill`` replace the third step's bar input and (fill, cash, avg, size)."""
    fill_bar = fill_bar or bar(3, 2 * MINUTE, "102", "103", "99", "100")
    price, cash, avg, size = fill or ("101", "-101", "101", "1")
    return [
        step(bar(1, MINUTE, "100", "105", "95", "100"), res(1)),
        step(place_input or place(2, "o1", limit="101"), placed_sim(2, "o1")),
        step(fill_bar, res(3, [tr("o1", "accepted", "filled", "1", "0", avg)], [fl("o1", "o1:1", "1", price)],
                           cash, [pd(size)])),
    ]


def ext_base(qty="1"):
    """External: a buy limit placed and accepted by the venue."""
    return [
        step(place(1, "o1", limit="101", qty=qty), placed_ext(1, "o1", qty)),
        step(report(2, "order_accepted", {"order_id": "o1"}), res(2, [tr("o1", "submitted", "accepted", remaining=qty)])),
    ]


def violation(code, seq_id, order_id=None):
    return {"code": code, "seq_id": seq_id, "order_id": order_id}
