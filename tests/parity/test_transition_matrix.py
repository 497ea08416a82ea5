"""Every (state, trigger) pair of DESIGN.md section 6, legal and illegal, on both backends.

For each state a short prefix brings order ``o1`` there (external mode, so reports
drive it); then each trigger is applied. Both backends run in lockstep, and the code
must be the one the table gives (``parity.coverage.expected_code``).
"""

from __future__ import annotations

import json

import pytest

from parity.coverage import REPORTS, STATES, expected_code
from parity.lockstep import run_lockstep
from parity.replay import run_single
from parity.targets import get

pytestmark = pytest.mark.parity
CONFIG = {"mode": "external", "starting_cash": "1000000", "commission_rate": "0.001"}
TRIGGERS = REPORTS + ("cancel_order", "replace_order", "place_order")


class Script:
    def __init__(self) -> None:
        self.seq = 0
        self.time = 1_000
        self.lines: list[str] = []

    def _add(self, doc: dict) -> None:
        self.lines.append(json.dumps(doc))

    def intent(self, intent_type: str, payload: dict) -> None:
        self.seq += 1
        self._add({"kind": "intent", "seq_id": self.seq, "intent_type": intent_type, "payload": payload})

    def place(self, order_id: str, parent: str | None = None) -> None:
        self.intent("place_order", {
            "intent_id": f"i-{order_id}-{self.seq}", "order_id": order_id, "instrument": "BTC/USDT", "venue": "v",
            "side": "buy", "order_type": "limit", "qty": "10", "limit_price": "100", "stop_price": None,
            "time_in_force": "gtc", "expire_time": None, "parent_order_id": parent, "oco_group": None,
            "strategy_id": "s"})

    def report(self, event_type: str, order_id: str, **payload) -> None:
        self.seq += 1
        self.time += 1
        self._add({"kind": "event", "seq_id": self.seq, "event_time": self.time, "ingest_time": self.time,
                   "source": "broker_report", "venue": "v", "instrument": "BTC/USDT", "event_type": event_type,
                   "payload": {"order_id": order_id, **payload},
                   # a unique explicit key: a repeated report must meet the state machine,
                   # not the duplicate check
                   "idempotency_key": f"k{self.seq}", "producer": 0})

    def fill(self, order_id: str, qty: str, fill_id: str) -> None:
        self.report("order_filled", order_id, fill_id=fill_id, qty=qty, price="100", fee=None)


def prefix(state: str) -> Script:
    script = Script()
    if state == "created":
        script.place("p")
        script.place("o1", parent="p")
        return script
    script.place("o1")
    if state == "rejected":
        script.report("order_rejected", "o1", reason="no")
    if state in ("accepted", "partially_filled", "filled", "cancel_pending", "cancelled", "expired"):
        script.report("order_accepted", "o1")
    if state == "partially_filled":
        script.fill("o1", "4", "a")
    if state == "filled":
        script.fill("o1", "10", "a")
    if state in ("cancel_pending", "cancelled"):
        script.intent("cancel_order", {"order_id": "o1"})
    if state == "cancelled":
        script.report("order_cancelled", "o1")
    if state == "expired":
        script.report("order_expired", "o1")
    return script


def apply_trigger(script: Script, trigger: str) -> None:
    if trigger == "order_filled":
        script.fill("o1", "1", "b")
    elif trigger in ("order_rejected", "cancel_rejected"):
        script.report(trigger, "o1", reason="no")
    elif trigger in REPORTS:
        script.report(trigger, "o1")
    elif trigger == "cancel_order":
        script.intent("cancel_order", {"order_id": "o1"})
    elif trigger == "replace_order":
        script.intent("replace_order", {"order_id": "o1", "qty": "20", "limit_price": None, "stop_price": None})
    else:
        script.place("o1")


@pytest.mark.parametrize("state", STATES)
def test_prefix_reaches_its_state(state):
    outputs, _ = run_single("core", "python", CONFIG, prefix(state).lines)
    last_states = [t["to"] for line in outputs for t in json.loads(line)["transitions"] if t["order_id"] == "o1"]
    assert last_states[-1] == state


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("state", STATES)
def test_every_state_trigger_pair(state, trigger, parity_backends):
    script = prefix(state)
    apply_trigger(script, trigger)
    assert run_lockstep(get("core"), parity_backends, CONFIG, script.lines, hash_every=1) is None
    outputs, _ = run_single("core", "python", CONFIG, script.lines)
    assert json.loads(outputs[-1])["code"] == expected_code(state, trigger)


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("state", STATES)
def test_table_codes_on_the_reference(state, trigger):
    # the same expectations on the python reference alone (runs without the rust build)
    script = prefix(state)
    apply_trigger(script, trigger)
    outputs, _ = run_single("core", "python", CONFIG, script.lines)
    assert json.loads(outputs[-1])["code"] == expected_code(state, trigger)
