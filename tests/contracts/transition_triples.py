"""Every (state, trigger, code) triple of DESIGN.md section 6 and its error list.

Importable by other tests and by the parity harness (no engine import). Conventions
(docs/decisions.md D-306):

- *state*: the state, before the input, of the order the input names
  (``payload.order_id``; for a broker report, on the report's venue and instrument,
  D-037), or ``"none"`` when it names no known order;
- *trigger*: the ``event_type`` / ``intent_type``; a broker report in simulated mode is
  ``"simulated:<event_type>"`` (section 8 refuses them);
- refusals of the validation and sequence phases (``invalid_payload``,
  ``invalid_number``, ``numeric_overflow`` with a named field, ``out_of_sequence``,
  ``late_event``) happen before any order is looked at: state ``"none"``, trigger the
  input's ``kind`` (``"line"`` for a line that is not a JSON object with a kind);
- a ``duplicate`` is decided from the idempotency key alone, before any order is
  looked at: state ``"none"``, trigger the input's type.

Transitions the core makes on its own (simulated bars, bracket and OCO relatives) are
``CORE_EDGES``: (from, to, reason).

``TripleRecorder`` turns (input, result) pairs into triples and edges, tracking order
states from the results' own transitions, so reachability is judged from behaviour.
"""

from __future__ import annotations

import json
from typing import Any

STATES = ("created", "submitted", "accepted", "partially_filled", "filled", "cancel_pending", "cancelled",
          "rejected", "expired")
REPORTS = ("order_accepted", "order_rejected", "order_filled", "order_cancelled", "cancel_rejected",
           "order_expired")
ORDER_TRIGGERS = REPORTS + ("cancel_order", "replace_order")

# DESIGN.md section 6, the table: (from state, trigger) -> accepted with code "ok".
TABLE = (
    ("none", "place_order"),
    ("submitted", "order_accepted"),
    ("submitted", "order_rejected"),
    ("accepted", "order_rejected"),
    ("accepted", "order_filled"),
    ("partially_filled", "order_filled"),
    ("cancel_pending", "order_filled"),
    ("accepted", "cancel_order"),
    ("partially_filled", "cancel_order"),
    ("cancel_pending", "order_cancelled"),
    ("accepted", "order_cancelled"),
    ("partially_filled", "order_cancelled"),
    ("cancel_pending", "cancel_rejected"),
    ("accepted", "order_expired"),
    ("partially_filled", "order_expired"),
    ("accepted", "replace_order"),
    ("partially_filled", "replace_order"),
)
OK_TRIPLES = tuple((state, trigger, "ok") for state, trigger in TABLE) + tuple(
    ("none", trigger, "ok") for trigger in ("bar", "trade", "timer", "kill_switch", "set_risk_flag", "noop")
)

# "Everything else fails closed": every (state, order trigger) pair outside the table.
# A fill before acceptance has its own code (D-042).
ILLEGAL_TRIPLES = tuple(
    (state, trigger,
     "fill_before_accept" if trigger == "order_filled" and state in ("created", "submitted") else "illegal_transition")
    for trigger in ORDER_TRIGGERS
    for state in STATES
    if (state, trigger) not in TABLE
)

_WORKING = ("accepted", "partially_filled")
ERROR_TRIPLES = (
    # validation and sequence phases (state "none", trigger = kind)
    ("none", "line", "invalid_payload"),
    ("none", "event", "invalid_payload"),
    ("none", "intent", "invalid_payload"),
    ("none", "event", "invalid_number"),
    ("none", "intent", "invalid_number"),
    ("none", "event", "numeric_overflow"),
    ("none", "intent", "numeric_overflow"),
    ("none", "event", "out_of_sequence"),
    ("none", "intent", "out_of_sequence"),
    ("none", "event", "late_event"),
    # an overflow while computing effects (field "")
    ("accepted", "order_filled", "numeric_overflow"),
    ("none", "place_order", "numeric_overflow"),
    ("none", "bar", "numeric_overflow"),
    # idempotency: derived keys for place_order and reports, an explicit key on any event
    *(("none", trigger, "duplicate") for trigger in ("place_order",) + REPORTS + ("bar",)),
    # unknown orders (and an unknown bracket parent)
    *(("none", trigger, "unknown_order") for trigger in ORDER_TRIGGERS),
    ("none", "place_order", "unknown_order"),
    ("none", "simulated:order_filled", "unknown_order"),
    # an order id already used, whatever that order's state
    *((state, "place_order", "duplicate_order_id") for state in STATES),
    # refusals inside legal (state, trigger) pairs
    ("none", "place_order", "illegal_transition"),  # parent cancelled, rejected or expired
    ("accepted", "replace_order", "illegal_transition"),  # a price field the type lacks
    ("partially_filled", "replace_order", "illegal_transition"),  # new qty <= filled
    *((state, "order_filled", "overfill") for state in ("accepted", "partially_filled", "cancel_pending")),
    # placement checks, on place and on replace
    *(("none", "place_order", code) for code in ("kill_switch", "risk_limit", "insufficient_position",
                                                 "insufficient_cash")),
    *((state, "replace_order", code) for state in _WORKING
      for code in ("kill_switch", "risk_limit", "insufficient_position", "insufficient_cash")),
    # simulated mode: the core is the venue (section 8)
    *(("accepted", "simulated:" + report, "illegal_transition") for report in REPORTS),
)

TRIPLES = OK_TRIPLES + ILLEGAL_TRIPLES + ERROR_TRIPLES

# Transitions the core makes itself: (from, to, reason); reason None = a simulated fill.
CORE_EDGES = (
    ("accepted", "filled", None),
    ("accepted", "expired", "expire_time"),
    ("accepted", "cancelled", "time_in_force"),
    ("accepted", "rejected", "insufficient_cash"),
    ("created", "submitted", "parent_filled"),
    ("submitted", "accepted", "parent_filled"),
    ("created", "cancelled", "parent_ended"),
    ("created", "cancelled", "oco"),
    ("submitted", "cancelled", "oco"),
    ("accepted", "cancelled", "oco"),
    ("partially_filled", "cancelled", "oco"),
    ("cancel_pending", "cancelled", "oco"),
)

# Codes decided before any order is looked at.
_EARLY = ("invalid_payload", "invalid_number", "out_of_sequence", "late_event")


class TripleRecorder:
    """Collects the triples and core edges that a run actually reached."""

    def __init__(self, mode: str) -> None:
        self.simulated = mode == "simulated"
        self.states: dict[str, str] = {}
        self.places: dict[str, tuple[Any, Any]] = {}  # order_id -> (venue, instrument)
        self.triples: set[tuple[str, str, str]] = set()
        self.edges: set[tuple[str, str, str | None]] = set()

    def observe(self, line: str | dict[str, Any], result: dict[str, Any]) -> tuple[str, str, str]:
        """Record one input and its result; return the triple."""
        obj = line
        if isinstance(line, str):
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
        kind = obj.get("kind") if isinstance(obj, dict) else None
        payload = obj.get("payload") if isinstance(obj, dict) else None
        code = result["code"]
        field = result["diagnostics"][0]["field"] if result["diagnostics"] else None
        if kind not in ("event", "intent"):
            triple = ("none", "line", code)
        elif code in _EARLY or (code == "numeric_overflow" and field != ""):
            triple = ("none", kind, code)
        else:
            trigger = obj.get("event_type") if kind == "event" else obj.get("intent_type")
            order_id = payload.get("order_id") if isinstance(payload, dict) else None
            state = self.states.get(order_id, "none")
            if trigger in REPORTS and self.places.get(order_id) != (obj.get("venue"), obj.get("instrument")):
                state = "none"  # the same id on another venue or instrument is another order
            if code == "duplicate":
                state = "none"
            if self.simulated and trigger in REPORTS:
                trigger = "simulated:" + trigger
            triple = (state, str(trigger), code)
            if trigger == "place_order" and code == "ok":
                self.places[order_id] = (payload.get("venue"), payload.get("instrument"))
        self.triples.add(triple)
        for t in result["transitions"]:
            if t["reason"] is not None or (triple[1] == "bar" and t["from"] is not None):
                self.edges.add((t["from"], t["to"], t["reason"]))
            self.states[t["order_id"]] = t["to"]
        return triple
