"""Transition coverage: which (state, trigger, code) triples a run reached.

The universe is the table of DESIGN.md section 6 plus the error list: for every order
state (and "none" for an order the core does not know) and every trigger (the event or
intent type that names an order), the codes the rules can produce there. Counting is
done from behaviour (inputs and the backend's outputs), never from code coverage, so
"every transition exercised" is measurable on any backend.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

STATES = ("created", "submitted", "accepted", "partially_filled", "filled", "cancel_pending", "cancelled",
          "rejected", "expired")
ERROR_CODES = ("invalid_payload", "invalid_number", "numeric_overflow", "out_of_sequence", "late_event",
               "duplicate", "unknown_order", "duplicate_order_id", "illegal_transition", "fill_before_accept",
               "overfill", "kill_switch", "risk_limit", "insufficient_position", "insufficient_cash")
REPORTS = ("order_accepted", "order_rejected", "order_filled", "order_cancelled", "cancel_rejected", "order_expired")
LIVE = ("accepted", "partially_filled")


# (state, report) pairs the table of DESIGN.md section 6 allows.
LEGAL_REPORTS = frozenset({
    ("submitted", "order_accepted"),
    ("submitted", "order_rejected"), ("accepted", "order_rejected"),
    ("accepted", "order_filled"), ("partially_filled", "order_filled"), ("cancel_pending", "order_filled"),
    ("cancel_pending", "order_cancelled"), ("accepted", "order_cancelled"), ("partially_filled", "order_cancelled"),
    ("cancel_pending", "cancel_rejected"),
    ("accepted", "order_expired"), ("partially_filled", "order_expired"),
})


def expected_code(state: str, trigger: str) -> str:
    """The code a first, well-formed report or intent gets for an order in ``state``."""
    if trigger == "place_order":
        return "duplicate_order_id"
    if trigger in ("cancel_order", "replace_order"):
        return "ok" if state in LIVE else "illegal_transition"
    if (state, trigger) in LEGAL_REPORTS:
        return "ok"
    if trigger == "order_filled" and state in ("created", "submitted"):
        return "fill_before_accept"
    return "illegal_transition"


def _external_triples() -> set[tuple[str, str, str]]:
    """Every (state, report) pair with its code, plus overfills, unknowns, duplicates."""
    triples = {(state, trigger, expected_code(state, trigger)) for state in STATES for trigger in REPORTS}
    for state in ("accepted", "partially_filled", "cancel_pending"):
        triples.add((state, "order_filled", "overfill"))
    for trigger in REPORTS:
        triples.add(("none", trigger, "unknown_order"))
        # a duplicate arrives in whatever state the first report left: counted as "*"
        triples.add(("*", trigger, "duplicate"))
    return triples


def _intent_triples() -> set[tuple[str, str, str]]:
    triples = {("none", "place_order", "ok"), ("*", "place_order", "duplicate"),
               ("none", "place_order", "kill_switch"), ("none", "place_order", "risk_limit"),
               ("none", "place_order", "insufficient_position"), ("none", "place_order", "insufficient_cash")}
    for state in STATES:
        for trigger in ("place_order", "cancel_order", "replace_order"):
            triples.add((state, trigger, expected_code(state, trigger)))
    for trigger in ("cancel_order", "replace_order"):
        triples.add(("none", trigger, "unknown_order"))
    triples.add(("accepted", "replace_order", "kill_switch"))
    return triples


ALL_TRIPLES: frozenset[tuple[str, str, str]] = frozenset(_external_triples() | _intent_triples())


class CoverageTracker:
    """Observer for the lockstep runner: counts triples and codes from the outputs."""

    def __init__(self) -> None:
        self.triples: Counter[tuple[str, str, str]] = Counter()
        self.codes: Counter[str] = Counter()
        self._states: dict[str, str] = {}

    def reset_case(self) -> None:
        self._states = {}

    def __call__(self, step: str, output: bytes) -> None:
        try:
            result = json.loads(output)
        except ValueError:
            return
        if not isinstance(result, dict):
            return
        code = result.get("code")
        if isinstance(code, str):
            self.codes[code] += 1
        trigger, order_id = _trigger(step)
        if trigger is not None and isinstance(code, str):
            if code == "duplicate":
                state = "*"
            else:
                state = self._states.get(order_id, "none") if order_id is not None else "none"
            self.triples[(state, trigger, code)] += 1
        for item in result.get("transitions", ()):
            self._states[item["order_id"]] = item["to"]

    def merge(self, other: "CoverageTracker") -> None:
        self.triples.update(other.triples)
        self.codes.update(other.codes)

    def summary(self) -> dict[str, Any]:
        hit = {t for t in self.triples if t in ALL_TRIPLES}
        missing = sorted(ALL_TRIPLES - hit)
        codes_hit = sorted(c for c in self.codes if c in ERROR_CODES or c == "ok")
        return {
            "transitions": {"hit": len(hit), "total": len(ALL_TRIPLES), "missing": ["/".join(t) for t in missing]},
            "codes": {
                "hit": len(codes_hit),
                "total": len(ERROR_CODES) + 1,
                "missing": sorted((set(ERROR_CODES) | {"ok"}) - set(codes_hit)),
                "counts": dict(sorted(self.codes.items())),
            },
        }


def _trigger(step: str) -> tuple[str | None, str | None]:
    try:
        doc = json.loads(step)
    except ValueError:
        return None, None
    if not isinstance(doc, dict) or not isinstance(doc.get("payload"), dict):
        return None, None
    trigger = doc.get("event_type") if doc.get("kind") == "event" else doc.get("intent_type")
    if trigger not in REPORTS and trigger not in ("place_order", "cancel_order", "replace_order"):
        return None, None
    order_id = doc["payload"].get("order_id")
    return trigger, order_id if isinstance(order_id, str) else None
