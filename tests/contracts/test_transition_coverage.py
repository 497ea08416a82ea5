"""Every (state, trigger, code) triple of DESIGN.md section 6 is reached by behaviour.

The golden fixtures plus small generated scenarios run through the Python core; a
``TripleRecorder`` reads each result (and tracks order states from the results' own
transitions). The run must reach every listed triple and core edge, and nothing
unlisted: an unlisted triple means the core did something the table does not allow.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from golden_support import golden_paths, load_fixture
from transition_triples import (
    CORE_EDGES,
    ORDER_TRIGGERS,
    REPORTS,
    STATES,
    TABLE,
    TRIPLES,
    TripleRecorder,
)

from cracktrader.engine import build_core
from oracle.make_golden import MINUTE, Script, config


def run(cfg: dict[str, Any], lines: list[str]) -> tuple[TripleRecorder, list[dict[str, Any]], list[tuple]]:
    """Apply ``lines`` one by one (raw lines through apply_jsonl) and record them."""
    core = build_core("python", config=cfg)
    recorder = TripleRecorder(cfg["mode"])
    results, triples = [], []
    for line in lines:
        result = json.loads(core.apply_jsonl((line + "\n").encode("utf-8")))
        triples.append(recorder.observe(line, result))
        results.append(result)
    return recorder, results, triples


# ------------------------------------------------------- the state x trigger matrix
def reach(s: Script, state: str) -> None:
    """Inputs that leave order "x" (qty 2) in ``state`` in external mode."""
    if state == "created":  # a bracket child waiting for its parent
        s.place("p", "buy", "2", "limit", limit="10")
        s.place("x", "sell", "2", "limit", limit="12", parent="p")
        return
    s.place("x", "buy", "2", "limit", limit="10")
    if state == "submitted":
        return
    if state == "rejected":
        s.rejected("x")
        return
    s.accepted("x")
    if state == "partially_filled":
        s.filled("x", "f0", "1", "10")
    elif state == "filled":
        s.filled("x", "f0", "2", "10")
    elif state == "cancel_pending":
        s.cancel("x")
    elif state == "cancelled":
        s.cancel("x")
        s.cancelled("x")
    elif state == "expired":
        s.expired("x")


def fire(s: Script, trigger: str) -> None:
    """One input of ``trigger`` for order "x"; reports carry their own key so that an
    earlier report of the same type cannot make this one a duplicate."""
    if trigger == "order_filled":
        s.filled("x", "ft", "1", "10", key="t")
    elif trigger in ("order_rejected", "cancel_rejected"):
        s.report(trigger, "x", reason="no", key="t")
    elif trigger in REPORTS:
        s.report(trigger, "x", key="t")
    elif trigger == "cancel_order":
        s.cancel("x")
    elif trigger == "replace_order":
        s.replace("x", qty="3")
    else:  # place_order reusing the id
        s.place("x", "buy", "1", "limit", limit="10", intent_id="other")


# The table's target state for each legal cell, with the matrix's quantities (qty 2,
# one unit filled in partially_filled, fills of 1).
TABLE_TO = {
    ("submitted", "order_accepted"): "accepted",
    ("submitted", "order_rejected"): "rejected",
    ("accepted", "order_rejected"): "rejected",
    ("accepted", "order_filled"): "partially_filled",
    ("partially_filled", "order_filled"): "filled",
    ("cancel_pending", "order_filled"): "cancel_pending",
    ("accepted", "cancel_order"): "cancel_pending",
    ("partially_filled", "cancel_order"): "cancel_pending",
    ("cancel_pending", "order_cancelled"): "cancelled",
    ("accepted", "order_cancelled"): "cancelled",
    ("partially_filled", "order_cancelled"): "cancelled",
    ("cancel_pending", "cancel_rejected"): "accepted",
    ("accepted", "order_expired"): "expired",
    ("partially_filled", "order_expired"): "expired",
    ("accepted", "replace_order"): "accepted",
    ("partially_filled", "replace_order"): "partially_filled",
}
CELLS = [(state, trigger) for state in STATES for trigger in ORDER_TRIGGERS + ("place_order",)]


def matrix_cell(state: str, trigger: str) -> tuple[list[str], int]:
    s = Script()
    reach(s, state)
    prefix = len(s.lines)
    fire(s, trigger)
    return s.lines, prefix


def test_table_is_consistent_with_its_targets():
    assert set(TABLE_TO) == set(TABLE) - {("none", "place_order")}


@pytest.mark.parametrize(("state", "trigger"), CELLS, ids=[f"{s}-{t}" for s, t in CELLS])
def test_matrix_cell_follows_the_table(state: str, trigger: str):
    lines, prefix = matrix_cell(state, trigger)
    _, results, triples = run(config(), lines)
    assert all(r["code"] == "ok" for r in results[:prefix]), "the prefix must reach the state"
    result, triple = results[prefix], triples[prefix]
    assert triple[:2] == (state, trigger)
    if trigger == "place_order":
        assert triple[2] == "duplicate_order_id"
    elif (state, trigger) in TABLE:
        assert triple[2] == "ok"
        assert [t["to"] for t in result["transitions"] if t["order_id"] == "x"][-1] == TABLE_TO[state, trigger]
    else:
        want = "fill_before_accept" if trigger == "order_filled" and state in ("created", "submitted") else (
            "illegal_transition")
        assert triple[2] == want
        assert result["transitions"] == [] and result["diagnostics"][0]["field"] == "/payload/order_id"


# --------------------------------------------------------------- targeted scenarios
def extra_scenarios() -> list[tuple[dict[str, Any], list[str]]]:
    """Small scenarios for the triples and edges the matrix cannot produce."""
    out = []

    s = Script()  # overfill in every fillable state; refused replaces; placement checks
    for oid in ("a", "b", "c", "m"):
        s.place(oid, "buy", "2", "limit" if oid != "m" else "market", limit=None if oid == "m" else "10")
    for oid in ("a", "b", "c", "m"):
        s.accepted(oid)
    s.filled("b", "f1", "1", "10")
    s.cancel("c")
    for oid in ("a", "b", "c"):
        s.filled(oid, "over", "5", "10")
    s.replace("m", limit="3")
    s.replace("b", qty="1")
    s.replace("a", qty="100000")  # insufficient_cash
    s.replace("b", qty="100000")
    s.place("big", "buy", "100000", "limit", limit="10")
    out.append((config(), s.lines))

    s = Script()  # positions and risk limits, on place and replace
    s.place("a", "sell", "1", "limit", limit="10")
    s.place("b", "sell", "2", "limit", limit="10")
    s.flag("allow_short", False)
    s.accepted("a")
    s.accepted("b")
    s.report("order_filled", "b", fill_id="f1", qty="1", price="10", fee=None)
    s.replace("a", qty="5")
    s.replace("b", qty="5")
    s.place("c", "sell", "1", "limit", limit="10")
    s.flag("allow_short", True)
    s.replace("a", qty="1000")  # max_order_qty
    s.replace("b", qty="1000")
    s.place("d", "sell", "1000", "limit", limit="10")
    s.flag("kill_switch", True)
    s.replace("a", qty="2")
    s.replace("b", qty="3")
    s.place("e", "sell", "1", "limit", limit="10")
    out.append((config(max_qty="100"), s.lines))

    s = Script()  # duplicates of every report type and of an intent
    s.place("x", "buy", "2", "limit", limit="10")
    s.place("x", "buy", "2", "limit", limit="10")  # submitted
    s.place("r", "buy", "1", "limit", limit="10")
    s.rejected("r")
    s.rejected("r")
    for oid in ("c", "e"):
        s.place(oid, "buy", "1", "limit", limit="10")
        s.accepted(oid)
    s.accepted("x")
    s.accepted("x")
    s.filled("x", "f1", "1", "10")
    s.filled("x", "f1", "1", "10")
    s.filled("x", "f2", "1", "10")
    s.filled("x", "f2", "1", "10")
    s.cancel("c")
    s.cancel_rejected("c")
    s.cancel("c")
    s.cancel_rejected("c")
    s.cancelled("c")
    s.cancelled("c")
    s.expired("e")
    s.expired("e")
    s.bar(MINUTE, "1", "1", "1", "1", key="bar-1")
    s.bar(2 * MINUTE, "1", "1", "1", "1", key="bar-1")
    out.append((config(), s.lines))

    s = Script()  # unknown orders, dead parents
    for report in REPORTS:
        s.report(report, "ghost", **({"fill_id": "f", "qty": "1", "price": "1", "fee": None}
                                     if report == "order_filled" else
                                     {"reason": "r"} if report in ("order_rejected", "cancel_rejected") else {}))
    s.cancel("ghost")
    s.replace("ghost", qty="1")
    s.place("kid", "sell", "1", "limit", limit="1", parent="ghost")
    s.place("p", "buy", "1", "limit", limit="1")
    s.rejected("p")
    s.place("kid", "sell", "1", "limit", limit="1", parent="p")
    out.append((config(), s.lines))

    s = Script()  # simulated mode: reports refused; the core's own transitions
    s.bar(MINUTE, "100", "100", "100", "100")
    s.place("m", "buy", "1")
    for report in REPORTS:
        s.report(report, "m", **({"fill_id": "f", "qty": "1", "price": "1", "fee": None}
                                 if report == "order_filled" else
                                 {"reason": "r"} if report in ("order_rejected", "cancel_rejected") else {}))
    s.filled("ghost", "f", "1", "1")
    s.place("exp", "buy", "1", "limit", limit="1", expire=MINUTE + 1)
    s.place("ioc", "buy", "1", "limit", limit="1", tif="ioc")
    s.place("p", "buy", "1", "limit", limit="100")
    s.place("tp", "sell", "1", "limit", limit="200", parent="p", oco="b")
    s.place("sl", "sell", "1", "stop", stop="50", parent="p", oco="b")
    s.place("rich", "buy", "900", "limit", limit="100")
    s.place("ohno", "sell", "1", "limit", limit="1000", parent="rich")
    s.bar(2 * MINUTE, "99", "110", "99", "105")  # m and p fill; exp expires; ioc cancelled
    s.bar(3 * MINUTE, "150", "210", "150", "200")  # tp fills, sl cancelled (oco); rich cannot pay
    s.timer()
    s.trade(3 * MINUTE, "200")
    s.kill_event(True)
    s.noop()
    out.append((config(mode="simulated"), s.lines))

    s = Script()  # OCO cancelling members in every live state (external)
    s.place("p", "buy", "1", "limit", limit="10")
    s.accepted("p")
    s.place("w", "sell", "1", "limit", limit="20", parent="p", oco="g")  # created
    s.place("sub", "buy", "1", "limit", limit="10", oco="g")  # submitted
    s.place("acc", "buy", "1", "limit", limit="10", oco="g")
    s.place("pf", "buy", "2", "limit", limit="10", oco="g")
    s.place("cp", "buy", "1", "limit", limit="10", oco="g")
    s.place("fire", "buy", "1", "limit", limit="10", oco="g")
    for oid in ("acc", "pf", "cp", "fire"):
        s.accepted(oid)
    s.filled("pf", "f1", "1", "10")  # fires the group: all others cancelled
    out.append((config(), s.lines))
    s = Script()  # the same, fired by an order not yet involved
    s.place("p", "buy", "1", "limit", limit="10")
    s.place("w", "sell", "1", "limit", limit="20", parent="p", oco="g")
    s.place("sub", "buy", "1", "limit", limit="10", oco="g")
    s.place("pf", "buy", "2", "limit", limit="10", oco="g")
    s.place("cp", "buy", "1", "limit", limit="10", oco="g")
    s.place("fire", "buy", "1", "limit", limit="10", oco="g")
    for oid in ("p", "pf", "cp", "fire"):
        s.accepted(oid)
    s.cancel("cp")
    s.expired("fire")
    # a partially filled member is cancelled by a member that joined after the group
    # fired (D-034: not retroactive, but its own fill fires the group again)
    s.place("h1", "buy", "2", "limit", limit="10", oco="h")
    s.accepted("h1")
    s.filled("h1", "f1", "1", "10")
    s.place("h2", "buy", "1", "limit", limit="10", oco="h")
    s.accepted("h2")
    s.filled("h2", "f1", "1", "10")
    out.append((config(), s.lines))

    s = Script()  # overflow while computing effects; validation and sequence phases
    big = "1000000000000000"
    s.place("s", "sell", big, "limit", limit="1")
    s.accepted("s")
    s.filled("s", "f1", big, big)
    s.place("b", "buy", big, "limit", limit=big)
    s.place("q", "buy", "1e40", "limit", limit="1")
    s.bar(MINUTE, "1e40", "1e40", "1e40", "1e40")
    s.place("n", "buy", "0", "limit", limit="1")
    s.bar(MINUTE, "2", "1", "1", "1")
    s.raw("{")
    s.obj({"kind": "event", "seq_id": 1})
    s.obj({"kind": "intent", "seq_id": 1})
    s.noop(seq=1)
    s.bar(2 * MINUTE, "1", "1", "1", "1", seq=1)
    s.bar(MINUTE, "1", "1", "1", "1")
    out.append((config(), s.lines))

    s = Script()  # a simulated bar whose fill overflows
    s.bar(MINUTE, "1", "1", "1", "1")
    s.place("s", "sell", big)
    s.bar(2 * MINUTE, big, big, big, big)
    out.append((config(mode="simulated"), s.lines))
    return out


def collect() -> tuple[set, set]:
    triples: set = set()
    edges: set = set()
    runs = [(load_fixture(p)["config"], load_fixture(p)["inputs"]) for p in golden_paths()]
    runs += extra_scenarios()
    runs += [(config(), matrix_cell(state, trigger)[0]) for state, trigger in CELLS]
    for cfg, lines in runs:
        recorder, _, _ = run(cfg, lines)
        triples |= recorder.triples
        edges |= recorder.edges
    return triples, edges


@pytest.fixture(scope="module")
def reached() -> tuple[set, set]:
    return collect()


def test_triple_list_has_no_repeats():
    assert len(TRIPLES) == len(set(TRIPLES))
    assert len(CORE_EDGES) == len(set(CORE_EDGES))


def test_every_triple_is_reached(reached):
    triples, _ = reached
    missing = sorted(set(TRIPLES) - triples)
    assert missing == [], f"never reached: {missing}"


def test_no_unlisted_triple_is_reached(reached):
    triples, _ = reached
    unexpected = sorted(triples - set(TRIPLES), key=str)
    assert unexpected == [], f"reached but not allowed by the table/error list: {unexpected}"


def test_every_core_edge_is_reached_and_no_other(reached):
    _, edges = reached
    assert sorted(set(CORE_EDGES) - edges, key=str) == []
    assert sorted(edges - set(CORE_EDGES), key=str) == []


def test_every_error_code_is_reached(reached):
    """Issue 4 item 2: every code of the closed error list is reachable."""
    from cracktrader.engine.validation import load_schema

    codes = load_schema("codes")["$defs"]["error_code"]["enum"]
    triples, _ = reached
    assert sorted(set(codes) - {code for _, _, code in triples}) == []
