"""The event normalizer: venue payloads -> engine_event envelopes, or a rejection.

Python reference; the Rust twin is ``cracktrader_rust/src/engine/normalizer/`` and the
binding ``cracktrader_rust/bindings/src/normalizer.rs`` exposes the same API. Inputs are
``{"kind": "trade"|"ohlcv"|"order"|"my_trade", "payload": <CCXT unified structure or
OHLCV row>, "context": {"venue", "ingest_time", "producer", "instrument"?,
"timeframe_ms"?}}``. Every input yields exactly one outcome::

    {"accepted": bool, "code": "ok" | <normalizer_code>, "field": <JSON Pointer> | None,
     "events": [<engine_event>, ...]}

Data problems never raise (D-020): they are outcomes with a code from
``codes.json#/$defs/normalizer_code`` and a JSON Pointer into the *input*
(``/payload/price``, ``/context/venue``, ``""`` for the whole input). The only state is
a counter of outcomes per code (snapshot / restore / state_hash). See
docs/normalizer.md for the mapping tables and the decisions D-100..D-113.
"""

from __future__ import annotations

from typing import Any

from cracktrader.engine import canonical, strict_json
from cracktrader.engine.errors import InvalidConfig, InvalidPayload
from cracktrader.engine.normalizer.events import INPUT_KEYS, KINDS, read_context
from cracktrader.engine.normalizer.fields import (
    ABSENT,
    INVALID_PAYLOAD,
    UNSUPPORTED_PAYLOAD,
    Reject,
    check_keys,
    choice,
    escape,
    is_object,
)
from cracktrader.engine.normalizer.market import bar_events, trade_events
from cracktrader.engine.normalizer.orders import my_trade_events, order_events

OK = "ok"
# Outcome codes in the order of codes.json (``ok`` first); the snapshot counts each.
CODES = (
    OK,
    "invalid_payload",
    "invalid_number",
    "numeric_overflow",
    "missing_field",
    "unsupported_payload",
    "invalid_timestamp",
)
SNAPSHOT_VERSION = 1
COUNT_MAX = 2**63 - 1  # counters saturate here (the Rust side holds them in an i64 range)

_HANDLERS = {
    "trade": trade_events,
    "ohlcv": bar_events,
    "order": order_events,
    "my_trade": my_trade_events,
}


def rejection(code: str, field: str) -> dict[str, Any]:
    """The outcome of a refused input: no events, one code, one field."""
    return {"accepted": False, "code": code, "field": field, "events": []}


def normalize(item: Any) -> dict[str, Any]:
    """The outcome of one input (pure; no counters)."""
    try:
        if not is_object(item):
            raise Reject(INVALID_PAYLOAD, "")
        check_keys(item, INPUT_KEYS, "")
        kind = choice(item.get("kind", ABSENT), "/kind", KINDS, UNSUPPORTED_PAYLOAD)
        ctx = read_context(item.get("context", ABSENT), kind)
        events = _HANDLERS[kind](item.get("payload", ABSENT), ctx)
    except Reject as refused:
        return rejection(refused.code, refused.field)
    return {"accepted": True, "code": OK, "field": None, "events": events}


class EventNormalizer:
    """Venue payloads -> engine events; component protocol of D-020.

    Takes no options today (an unknown option is ``InvalidConfig``), so two
    normalizers always agree; the outcome counters are its whole state.
    """

    def __init__(self, **options: Any) -> None:
        if options:
            raise InvalidConfig(f"unknown normalizer option(s): {', '.join(sorted(options))}")
        self._counts = dict.fromkeys(CODES, 0)

    # -- component protocol -------------------------------------------------------
    def apply(self, input: Any) -> dict[str, Any]:  # noqa: A002 - protocol name
        """Normalize one input ``{"kind", "payload", "context"}`` into one outcome."""
        outcome = normalize(input)
        code = outcome["code"]
        self._counts[code] = min(self._counts[code] + 1, COUNT_MAX)
        return outcome

    def apply_batch(self, inputs: Any) -> list[dict[str, Any]]:
        """One outcome per input, in order. ``inputs`` must be a list or tuple."""
        if not isinstance(inputs, (list, tuple)):
            raise InvalidPayload("apply_batch takes a list of inputs")
        return [self.apply(item) for item in inputs]

    def apply_jsonl(self, data: Any) -> bytes:
        """JSON lines in, one canonical outcome line out per input line (D-008)."""
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidPayload("apply_jsonl takes bytes")
        out = []
        for item in strict_json.loads_lines(bytes(data)):
            if isinstance(item, InvalidPayload):
                outcome = rejection(INVALID_PAYLOAD, "")
                self._counts[INVALID_PAYLOAD] = min(self._counts[INVALID_PAYLOAD] + 1, COUNT_MAX)
            else:
                outcome = self.apply(item)
            out.append(canonical.canonical_bytes(outcome))
            out.append(b"\n")
        return b"".join(out)

    def snapshot(self) -> dict[str, Any]:
        """The counters of outcomes by code (all codes present, zeros included)."""
        return {"schema_version": SNAPSHOT_VERSION, "outcomes": dict(self._counts)}

    def restore(self, snapshot: Any) -> None:
        """Replace the counters; a malformed snapshot raises ``InvalidPayload``."""
        self._counts = _read_snapshot(snapshot)

    def state_hash(self) -> str:
        """Lower-case hex SHA-256 of the canonical snapshot."""
        return canonical.state_hash(self.snapshot())

    # -- conveniences ---------------------------------------------------------------
    def normalize_trade(self, payload: Any, context: Any) -> dict[str, Any]:
        """A CCXT unified public trade -> a ``trade`` event."""
        return self.apply({"kind": "trade", "payload": payload, "context": context})

    def normalize_ohlcv(self, payload: Any, context: Any) -> dict[str, Any]:
        """An OHLCV row ``[ts, o, h, l, c, v]`` -> a ``bar`` event."""
        return self.apply({"kind": "ohlcv", "payload": payload, "context": context})

    def normalize_order(self, payload: Any, context: Any) -> dict[str, Any]:
        """A CCXT unified order -> order state events and its fills."""
        return self.apply({"kind": "order", "payload": payload, "context": context})

    def normalize_my_trade(self, payload: Any, context: Any) -> dict[str, Any]:
        """A CCXT unified private trade -> an ``order_filled`` event."""
        return self.apply({"kind": "my_trade", "payload": payload, "context": context})

    def normalize_batch(self, kind: Any, payloads: Any, context: Any) -> list[dict[str, Any]]:
        """One outcome per payload, all of one kind and one context."""
        if not isinstance(payloads, (list, tuple)):
            raise InvalidPayload("normalize_batch takes a list of payloads")
        return [self.apply({"kind": kind, "payload": p, "context": context}) for p in payloads]


def _read_snapshot(snapshot: Any) -> dict[str, int]:
    def bad(field: str) -> InvalidPayload:
        return InvalidPayload(f"normalizer snapshot invalid at {field or '/'}", field=field)

    if not is_object(snapshot):
        raise bad("")
    for key in sorted(snapshot):
        if key not in ("schema_version", "outcomes"):
            raise bad(f"/{escape(key)}")
    version = snapshot.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version != SNAPSHOT_VERSION:
        raise bad("/schema_version")
    outcomes = snapshot.get("outcomes")
    if not is_object(outcomes):
        raise bad("/outcomes")
    for key in sorted(outcomes):
        if key not in CODES:
            raise bad(f"/outcomes/{escape(key)}")
    counts = {}
    for code in CODES:
        value = outcomes.get(code)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= COUNT_MAX:
            raise bad(f"/outcomes/{code}")
        counts[code] = int(value)
    return counts


__all__ = ["EventNormalizer", "CODES", "normalize", "rejection"]
