"""Brackets (parent_order_id) and OCO groups (DESIGN.md section 6, D-034, D-041)."""

from __future__ import annotations

from core_inputs import Driver, refusal

EXTERNAL = {"mode": "external"}


def bracket(d: Driver, qty: str = "1") -> None:
    """Market buy parent with a take-profit and a stop-loss child sharing an OCO group."""
    assert d.place("parent", qty=qty)["code"] == "ok"
    for order_id, extra in (
        ("take", {"order_type": "limit", "limit_price": "120"}),
        ("stop", {"order_type": "stop", "stop_price": "90"}),
    ):
        r = d.place(order_id, side="sell", qty=qty, parent_order_id="parent", oco_group="g", **extra)
        assert d.states(r) == [(order_id, None, "created")]  # waits for the parent


def test_parent_fill_activates_children_then_oco_cancels_the_other(backend: str) -> None:
    d = Driver(backend)
    d.bar("100", "100", "100", "100")
    bracket(d)
    fill = d.bar("101", "102", "100", "101")
    assert [f["order_id"] for f in fill["fills"]] == ["parent"]
    assert d.states(fill)[1:] == [
        ("take", "created", "submitted"),
        ("take", "submitted", "accepted"),
        ("stop", "created", "submitted"),
        ("stop", "submitted", "accepted"),
    ]
    assert set(d.reasons(fill)[1:]) == {"parent_filled"}
    # the children were activated on this bar: they cannot fill on it (next-bar rule)
    assert d.order("stop")["placed_bar_time"] == d.snapshot()["last_bar"]["binance"]["BTC/USDT"]["time"]
    hit = d.bar("95", "96", "85", "88")
    assert [f["order_id"] for f in hit["fills"]] == ["stop"]
    assert hit["fills"][0]["price"] == "90"
    assert d.states(hit)[-1] == ("take", "accepted", "cancelled") and d.reasons(hit)[-1] == "oco"
    assert d.position()["size"] == "0"


def test_parent_cancelled_cancels_its_children(backend: str) -> None:
    d = Driver(backend)
    d.bar("100", "100", "100", "100")
    assert d.place("parent", qty="1", order_type="limit", limit_price="50")["code"] == "ok"
    d.place("child", side="sell", qty="1", order_type="limit", limit_price="120", parent_order_id="parent")
    result = d.cancel("parent")
    assert d.states(result) == [
        ("parent", "accepted", "cancel_pending"),
        ("parent", "cancel_pending", "cancelled"),
        ("child", "created", "cancelled"),
    ]
    assert d.reasons(result)[-1] == "parent_ended"
    # a child cannot be placed under a dead parent, nor under an unknown one
    assert refusal(d.place("late", side="sell", order_type="limit", limit_price="1", parent_order_id="parent")) == (
        "illegal_transition",
        "/payload/parent_order_id",
    )
    assert refusal(d.place("orphan", side="sell", order_type="limit", limit_price="1", parent_order_id="nope")) == (
        "unknown_order",
        "/payload/parent_order_id",
    )


def test_parent_rejected_or_expired_cancels_children(backend: str) -> None:
    for end in ("order_rejected", "order_expired"):
        d = Driver(backend, EXTERNAL)
        d.place("parent", order_type="limit", limit_price="10")
        if end == "order_expired":
            d.report("order_accepted", "parent")
        d.place("child", side="sell", order_type="limit", limit_price="20", parent_order_id="parent")
        result = d.report(end, "parent")
        assert d.states(result)[-1] == ("child", "created", "cancelled")
        assert d.reasons(result)[-1] == "parent_ended"


def test_partial_parent_fill_does_not_activate_children(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    d.place("parent", qty="2", order_type="limit", limit_price="10")
    d.report("order_accepted", "parent")
    d.place("child", side="sell", qty="2", order_type="limit", limit_price="20", parent_order_id="parent")
    assert d.states(d.report("order_filled", "parent", fill_id="a", qty="1", price="10")) == [
        ("parent", "accepted", "partially_filled")
    ]
    assert d.state("child") == "created"
    # cancelling a waiting child directly is not an edge of the table (D-041)
    assert refusal(d.cancel("child")) == ("illegal_transition", "/payload/order_id")
    done = d.report("order_filled", "parent", fill_id="b", qty="1", price="10")
    # external mode: activated children are submitted, the venue accepts them
    assert d.states(done) == [("parent", "partially_filled", "filled"), ("child", "created", "submitted")]
    # and a cancel of the partly-filled-then-cancelled parent would have cancelled it:
    e = Driver(backend, EXTERNAL)
    e.place("p", qty="2", order_type="limit", limit_price="10")
    e.report("order_accepted", "p")
    e.place("c", side="sell", qty="2", order_type="limit", limit_price="20", parent_order_id="p")
    e.report("order_filled", "p", fill_id="a", qty="1", price="10")
    e.cancel("p")
    assert d.states(e.report("order_cancelled", "p"))[-1] == ("c", "created", "cancelled")


def test_child_under_a_filled_parent_is_submitted_at_once(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    d.place("parent", order_type="limit", limit_price="10")
    d.report("order_accepted", "parent")
    d.report("order_filled", "parent", fill_id="a", qty="1", price="10")
    result = d.place("child", side="sell", order_type="limit", limit_price="20", parent_order_id="parent")
    assert d.states(result) == [("child", None, "created"), ("child", "created", "submitted")]
    assert d.reasons(result) == [None, None]


def test_parent_id_equal_to_order_id_is_invalid(backend: str) -> None:
    d = Driver(backend)
    assert refusal(d.place("x", order_type="limit", limit_price="1", parent_order_id="x")) == (
        "invalid_payload",
        "/payload/parent_order_id",
    )


def test_oco_without_parents(backend: str) -> None:
    d = Driver(backend)
    d.bar("100", "100", "100", "100")
    d.place("low", qty="1", order_type="limit", limit_price="95", oco_group="pair")
    d.place("high", side="sell", qty="1", order_type="limit", limit_price="105", oco_group="pair")
    d.place("other", qty="1", order_type="limit", limit_price="1", oco_group="elsewhere")
    result = d.bar("100", "100", "94", "96")
    assert [f["order_id"] for f in result["fills"]] == ["low"]
    assert d.states(result)[-1] == ("high", "accepted", "cancelled") and d.reasons(result)[-1] == "oco"
    assert d.state("other") == "accepted"


def test_oco_cancel_and_expiry_trigger_but_rejection_does_not(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    for order_id in ("a", "b", "c"):
        d.place(order_id, order_type="limit", limit_price="1", oco_group="g")
    # a rejection of a member does not trigger the group (D-034)
    assert d.states(d.report("order_rejected", "a")) == [("a", "submitted", "rejected")]
    d.report("order_accepted", "b")
    d.report("order_accepted", "c")
    d.cancel("b")
    result = d.report("order_cancelled", "b")
    assert d.states(result) == [("b", "cancel_pending", "cancelled"), ("c", "accepted", "cancelled")]
    e = Driver(backend, EXTERNAL)
    e.place("x", order_type="limit", limit_price="1", oco_group="g")
    e.place("y", order_type="limit", limit_price="1", oco_group="g")
    e.report("order_accepted", "x")
    assert d.states(e.report("order_expired", "x")) == [("x", "accepted", "expired"), ("y", "submitted", "cancelled")]


def test_any_fill_of_an_oco_member_cancels_the_others(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    d.place("x", qty="2", order_type="limit", limit_price="1", oco_group="g")
    d.place("y", qty="2", order_type="limit", limit_price="1", oco_group="g")
    d.report("order_accepted", "x")
    result = d.report("order_filled", "x", fill_id="f", qty="1", price="1")
    # D-254: y cancelled by the group does not fire it again: x keeps working
    assert d.states(result) == [("x", "accepted", "partially_filled"), ("y", "submitted", "cancelled")]
    assert d.state("x") == "partially_filled"
    assert d.report("order_filled", "x", fill_id="g", qty="1", price="1")["transitions"][0]["to"] == "filled"


def test_relatives_settle_breadth_first_through_chains(backend: str) -> None:
    # parent -> child (also in an OCO group with a sibling order) -> grandchild
    d = Driver(backend, EXTERNAL)
    d.place("p", order_type="limit", limit_price="1")
    d.place("c", side="sell", order_type="limit", limit_price="2", parent_order_id="p", oco_group="g")
    d.place("gc", order_type="limit", limit_price="1", parent_order_id="c")
    d.place("s", order_type="limit", limit_price="1", oco_group="g")
    result = d.report("order_rejected", "p")
    assert d.states(result) == [
        ("p", "submitted", "rejected"),
        ("c", "created", "cancelled"),  # parent ended
        ("gc", "created", "cancelled"),  # its parent c ended
        ("s", "submitted", "cancelled"),  # c's cancellation fires its OCO group
    ]
    assert d.reasons(result) == [None, "parent_ended", "parent_ended", "oco"]


def test_long_bracket_chain_needs_no_recursion(backend: str) -> None:
    d = Driver(backend, EXTERNAL)
    d.place("o0", order_type="limit", limit_price="1")
    for n in range(1, 2000):
        assert d.place(f"o{n}", order_type="limit", limit_price="1", parent_order_id=f"o{n - 1}")["code"] == "ok"
    result = d.report("order_rejected", "o0")
    assert len(result["transitions"]) == 2000
    assert d.state("o1999") == "cancelled"
