"""The order state machine of DESIGN.md section 6, edge by edge, on both backends.

``test_every_state_and_trigger`` crosses every state with every trigger: the pairs the
table lists must move the order as the table says (and only emit that transition);
every other pair must fail closed with its code and leave the core untouched.
"""

from __future__ import annotations

from typing import Callable

import pytest
from core_inputs import Driver, refusal

EXTERNAL = {"mode": "external"}
STATES = (
    "created",
    "submitted",
    "accepted",
    "partially_filled",
    "filled",
    "cancel_pending",
    "cancelled",
    "rejected",
    "expired",
)


def order_in(backend: str, state: str) -> Driver:
    """An external-mode core holding order "o" (qty 2, limit buy @ 10) in ``state``."""
    d = Driver(backend, EXTERNAL)
    if state == "created":
        # a bracket child waits in `created` until its parent is completely filled
        assert d.place("parent", order_type="limit", limit_price="10")["accepted"]
        assert d.place("o", side="sell", qty="2", order_type="limit", limit_price="12", parent_order_id="parent")[
            "accepted"
        ]
        assert d.state("o") == "created"
        return d
    assert d.place("o", qty="2", order_type="limit", limit_price="10")["accepted"]
    steps: dict[str, list[Callable[[], dict]]] = {
        "submitted": [],
        "accepted": [lambda: d.report("order_accepted", "o")],
        "partially_filled": [
            lambda: d.report("order_accepted", "o"),
            lambda: d.report("order_filled", "o", fill_id="f0", qty="1", price="10"),
        ],
        "filled": [
            lambda: d.report("order_accepted", "o"),
            lambda: d.report("order_filled", "o", fill_id="f0", qty="2", price="10"),
        ],
        "cancel_pending": [lambda: d.report("order_accepted", "o"), lambda: d.cancel("o")],
        "cancelled": [
            lambda: d.report("order_accepted", "o"),
            lambda: d.cancel("o"),
            lambda: d.report("order_cancelled", "o"),
        ],
        "rejected": [lambda: d.report("order_rejected", "o")],
        "expired": [lambda: d.report("order_accepted", "o"), lambda: d.report("order_expired", "o")],
    }
    for step in steps[state]:
        assert step()["accepted"], state
    assert d.state("o") == state
    return d


def _rest(d: Driver) -> str:
    """The order's remaining quantity (1 when nothing remains: a fill qty is > 0)."""
    order = d.order("o")
    rest = float(order["qty"]) - float(order["filled_qty"])
    return str(rest) if rest > 0 else "1"


# Each trigger report carries its own idempotency key: a repeated report key would be a
# `duplicate`, which precedes every state check.
TRIGGERS: dict[str, Callable[[Driver], dict]] = {
    "order_accepted": lambda d: d.report("order_accepted", "o", key="t-accept"),
    "order_rejected": lambda d: d.report("order_rejected", "o", key="t-reject"),
    "fill_part": lambda d: d.report("order_filled", "o", fill_id="fx", qty="0.5", price="10", key="t-part"),
    "fill_rest": lambda d: d.report("order_filled", "o", fill_id="fy", qty=_rest(d), price="10", key="t-rest"),
    "order_cancelled": lambda d: d.report("order_cancelled", "o", key="t-cancelled"),
    "cancel_rejected": lambda d: d.report("cancel_rejected", "o", key="t-cancel-rejected"),
    "order_expired": lambda d: d.report("order_expired", "o", key="t-expired"),
    "cancel_order": lambda d: d.cancel("o"),
    "replace_order": lambda d: d.replace("o", qty="3"),
}

# The table of DESIGN.md section 6: (state, trigger) -> new state.
ALLOWED: dict[tuple[str, str], str] = {
    ("submitted", "order_accepted"): "accepted",
    ("submitted", "order_rejected"): "rejected",
    ("accepted", "order_rejected"): "rejected",
    ("accepted", "fill_part"): "partially_filled",
    ("partially_filled", "fill_part"): "partially_filled",
    ("cancel_pending", "fill_part"): "cancel_pending",  # a partial fill leaves cancel_pending as is
    ("accepted", "fill_rest"): "filled",
    ("partially_filled", "fill_rest"): "filled",
    ("cancel_pending", "fill_rest"): "filled",
    ("accepted", "cancel_order"): "cancel_pending",
    ("partially_filled", "cancel_order"): "cancel_pending",
    ("cancel_pending", "order_cancelled"): "cancelled",
    ("accepted", "order_cancelled"): "cancelled",
    ("partially_filled", "order_cancelled"): "cancelled",
    ("cancel_pending", "cancel_rejected"): "accepted",  # nothing filled yet
    ("accepted", "order_expired"): "expired",
    ("partially_filled", "order_expired"): "expired",
    ("accepted", "replace_order"): "accepted",
    ("partially_filled", "replace_order"): "partially_filled",
}


def refused_code(state: str, trigger: str) -> tuple[str, str]:
    """What a pair outside the table is refused with (D-042)."""
    if trigger.startswith("fill") and state in ("created", "submitted"):
        return "fill_before_accept", "/payload/order_id"
    return "illegal_transition", "/payload/order_id"


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
@pytest.mark.parametrize("state", STATES)
def test_every_state_and_trigger(state: str, trigger: str, backend: str) -> None:
    d = order_in(backend, state)
    before = d.core.state_hash()
    result = TRIGGERS[trigger](d)
    expected = ALLOWED.get((state, trigger))
    if expected is None:
        assert refusal(result) == refused_code(state, trigger)
        assert d.core.state_hash() == before  # state unchanged, seq_id not consumed
        return
    assert result["accepted"] and result["code"] == "ok", result
    assert d.states(result)[0] == ("o", state, expected)
    assert d.state("o") == expected
    assert len(result["transitions"]) == 1  # no relatives: nothing else moves
    if trigger == "replace_order":
        [t] = result["transitions"]
        assert t["from"] == t["to"] == state
        assert d.order("o")["qty"] == "3"
        assert t["remaining_qty"] == {"accepted": "3", "partially_filled": "2"}[state]


def test_cancel_rejected_returns_to_partially_filled_when_something_filled(backend: str) -> None:
    d = order_in(backend, "partially_filled")
    d.cancel("o")
    result = d.report("cancel_rejected", "o")
    assert d.states(result) == [("o", "cancel_pending", "partially_filled")]


def test_cancel_race_fill_while_cancel_pending(backend: str) -> None:
    d = order_in(backend, "cancel_pending")
    partial = d.report("order_filled", "o", fill_id="a", qty="1", price="10")
    assert d.states(partial) == [("o", "cancel_pending", "cancel_pending")]
    assert partial["transitions"][0]["filled_qty"] == "1" and partial["transitions"][0]["remaining_qty"] == "1"
    assert d.states(d.report("order_cancelled", "o")) == [("o", "cancel_pending", "cancelled")]


def test_place_emits_created_then_submitted_in_external_mode(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    result = d.place("o", order_type="limit", limit_price="5", qty="3")
    assert d.states(result) == [("o", None, "created"), ("o", "created", "submitted")]
    created = result["transitions"][0]
    assert created == {
        "order_id": "o",
        "from": None,
        "to": "created",
        "filled_qty": "0",
        "remaining_qty": "3",
        "avg_fill_price": None,
        "reason": None,
    }


def test_place_is_accepted_at_once_in_simulated_mode(backend: str) -> None:
    d = Driver(backend)
    result = d.place("o", order_type="limit", limit_price="5")
    assert d.states(result) == [("o", None, "created"), ("o", "created", "submitted"), ("o", "submitted", "accepted")]


def test_simulated_cancel_is_pending_then_cancelled_in_one_result(backend: str) -> None:
    d = Driver(backend)
    d.place("o", order_type="limit", limit_price="5")
    result = d.cancel("o")
    assert d.states(result) == [("o", "accepted", "cancel_pending"), ("o", "cancel_pending", "cancelled")]
    assert refusal(d.cancel("o")) == ("illegal_transition", "/payload/order_id")


def test_reports_in_simulated_mode_are_illegal(backend: str) -> None:
    d = Driver(backend)
    d.place("o", order_type="limit", limit_price="5")
    for event_type in ("order_accepted", "order_rejected", "order_cancelled", "cancel_rejected", "order_expired"):
        assert refusal(d.report(event_type, "o")) == ("illegal_transition", "/source")
    assert refusal(d.report("order_filled", "o", qty="1", price="5")) == ("illegal_transition", "/source")
    # an unknown order is unknown first (unknown_order precedes illegal_transition)
    assert refusal(d.report("order_accepted", "nope")) == ("unknown_order", "/payload/order_id")


def test_unknown_orders(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    assert refusal(d.cancel("nope")) == ("unknown_order", "/payload/order_id")
    assert refusal(d.replace("nope", qty="1")) == ("unknown_order", "/payload/order_id")
    assert refusal(d.report("order_accepted", "nope")) == ("unknown_order", "/payload/order_id")
    d.place("o", order_type="limit", limit_price="10")
    # a report for the same id on another venue or instrument is about another order (D-037)
    assert refusal(d.report("order_accepted", "o", venue="kraken")) == ("unknown_order", "/payload/order_id")
    assert refusal(d.report("order_accepted", "o", instrument="ETH/USDT")) == ("unknown_order", "/payload/order_id")
    assert d.report("order_accepted", "o")["code"] == "ok"


def test_duplicate_order_id(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    d.place("o", order_type="limit", limit_price="10", intent_id="i1")
    assert refusal(d.place("o", order_type="limit", limit_price="10", intent_id="i2")) == (
        "duplicate_order_id",
        "/payload/order_id",
    )
    # resending the same intent is a duplicate, not a new order (D-033)
    again = d.place("o", order_type="limit", limit_price="10", intent_id="i1")
    assert again["accepted"] and again["code"] == "duplicate" and again["transitions"] == []


def test_overfill(backend: str) -> None:
    d = order_in(backend, "partially_filled")
    before = d.core.state_hash()
    assert refusal(d.report("order_filled", "o", fill_id="big", qty="1.000000001", price="10")) == (
        "overfill",
        "/payload/qty",
    )
    assert d.core.state_hash() == before
    assert d.report("order_filled", "o", fill_id="exact", qty="1", price="10")["transitions"][0]["to"] == "filled"


def test_replace_rules(backend: str) -> None:
    d = order_in(backend, "partially_filled")  # qty 2, filled 1, limit 10
    assert refusal(d.replace("o", qty="1")) == ("illegal_transition", "/payload/qty")  # not above filled
    assert refusal(d.replace("o", qty="0.5")) == ("illegal_transition", "/payload/qty")
    assert refusal(d.replace("o", stop_price="9")) == ("illegal_transition", "/payload/stop_price")
    down = d.replace("o", qty="1.5", limit_price="9.5")
    assert down["transitions"] == [
        {
            "order_id": "o",
            "from": "partially_filled",
            "to": "partially_filled",
            "filled_qty": "1",
            "remaining_qty": "0.5",
            "avg_fill_price": "10",
            "reason": None,
        }
    ]
    assert d.order("o")["limit_price"] == "9.5" and d.order("o")["qty"] == "1.5"
    m = Driver(backend, EXTERNAL)
    m.bar("10", "10", "10", "10")
    m.place("mkt", qty="1")
    m.report("order_accepted", "mkt")
    assert refusal(m.replace("mkt", limit_price="9")) == ("illegal_transition", "/payload/limit_price")


def test_terminal_states_stay_terminal(backend: str) -> None:
    for state in ("filled", "cancelled", "rejected", "expired"):
        d = order_in(backend, state)
        for trigger in TRIGGERS:
            before = d.core.state_hash()
            result = TRIGGERS[trigger](d)
            assert not result["accepted"], (state, trigger)
            assert d.core.state_hash() == before
