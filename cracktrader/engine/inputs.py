"""Validation of core inputs: an engine event or intent dict -> a parsed record.

Twin of ``cracktrader_rust/src/engine/inputs.rs``. The check order is the contract
(docs/decisions.md D-010, D-011): the first failure wins, one diagnostic
``(code, json_pointer)``. The shape phase (``invalid_payload``) runs completely before
the number phase (``invalid_number`` then ``numeric_overflow``), which realises the
error precedence of DESIGN.md section 5 for every pair of problems in one input.

This module is on the hot path of every ``apply``: it is written as straight-line
checks over plain dicts, with parsed decimals kept as raw ints.
"""

from __future__ import annotations

from typing import Any, Callable

from cracktrader.engine.errors import InvalidNumber, InvalidPayload, NumericOverflow
from cracktrader.engine.numbers import parse_decimal
from cracktrader.engine.strict_json import BigInt

MAX_I63 = 2**63 - 1

EVENT_KEYS = (
    "kind",
    "seq_id",
    "event_time",
    "ingest_time",
    "source",
    "venue",
    "instrument",
    "event_type",
    "payload",
    "idempotency_key",
    "producer",
)
INTENT_KEYS = ("kind", "seq_id", "intent_type", "payload")
SOURCES = frozenset(("market_data", "broker_report", "timer", "control"))

# event_type -> (required source, payload fields in declared order)
# A field spec is (name, kind) with kind one of: "id", "id?", "dec", "dec?", "side",
# "tf" (timeframe_ms), "bool".
EVENT_TYPES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "bar": (
        "market_data",
        (
            ("open", "dec"),
            ("high", "dec"),
            ("low", "dec"),
            ("close", "dec"),
            ("volume", "dec"),
            ("timeframe_ms", "tf"),
        ),
    ),
    "trade": (
        "market_data",
        (("price", "dec"), ("amount", "dec"), ("side", "side"), ("trade_id", "id")),
    ),
    "order_accepted": ("broker_report", (("order_id", "id"),)),
    "order_rejected": ("broker_report", (("order_id", "id"), ("reason", "id"))),
    "order_filled": (
        "broker_report",
        (("order_id", "id"), ("fill_id", "id"), ("qty", "dec"), ("price", "dec"), ("fee", "dec?")),
    ),
    "order_cancelled": ("broker_report", (("order_id", "id"),)),
    "cancel_rejected": ("broker_report", (("order_id", "id"), ("reason", "id"))),
    "order_expired": ("broker_report", (("order_id", "id"),)),
    "timer": ("timer", (("name", "id"),)),
    "kill_switch": ("control", (("enabled", "bool"),)),
}
REPORT_TYPES = frozenset(name for name, (source, _) in EVENT_TYPES.items() if source == "broker_report")

ORDER_TYPES = frozenset(("market", "limit", "stop", "stop_limit"))
TIME_IN_FORCE = frozenset(("gtc", "ioc", "fok"))
RISK_FLAGS = frozenset(("kill_switch", "allow_short"))
INTENT_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "place_order": (
        ("intent_id", "id"),
        ("order_id", "id"),
        ("instrument", "id"),
        ("venue", "id"),
        ("side", "side"),
        ("order_type", "order_type"),
        ("qty", "dec"),
        ("limit_price", "dec?"),
        ("stop_price", "dec?"),
        ("time_in_force", "tif"),
        ("expire_time", "ts?"),
        ("parent_order_id", "id?"),
        ("oco_group", "id?"),
        ("strategy_id", "id"),
    ),
    "cancel_order": (("order_id", "id"),),
    "replace_order": (("order_id", "id"), ("qty", "dec?"), ("limit_price", "dec?"), ("stop_price", "dec?")),
    "set_risk_flag": (("name", "risk_flag"), ("value", "bool")),
    "noop": (),
}
# Decimal fields that must be strictly positive (D-012).
POSITIVE = frozenset(("qty", "amount"))
EVENT_KEY_SET = frozenset(EVENT_KEYS)
INTENT_KEY_SET = frozenset(INTENT_KEYS)


class Refusal(Exception):
    """A refused input: the refusing code and the JSON Pointer of the field."""

    __slots__ = ("code", "field")

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code, field)
        self.code = code
        self.field = field


class ParsedInput:
    """A validated input. ``payload`` holds decimals as raw ints (None when null)."""

    __slots__ = (
        "kind",
        "seq_id",
        "type",
        "event_time",
        "source",
        "venue",
        "instrument",
        "payload",
        "idempotency_key",
        "producer",
    )

    def __init__(self, kind, seq_id, type_, event_time, source, venue, instrument, payload, key, producer):
        self.kind = kind
        self.seq_id = seq_id
        self.type = type_
        self.event_time = event_time
        self.source = source
        self.venue = venue
        self.instrument = instrument
        self.payload = payload
        self.idempotency_key = key
        self.producer = producer


def is_identifier(value: Any) -> bool:
    """1..128 code points, none of category Cc, no lone surrogate (D-007)."""
    if type(value) is not str or not 0 < len(value) <= 128:
        return False
    if value.isascii():
        # fast path: in ASCII, exactly the Cc code points are non-printable
        return value.isprintable()
    for char in value:
        code = ord(char)
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            return False
    return True


def is_timestamp(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_I63


def _has_lone_surrogate(value: str) -> bool:
    if value.isascii():
        return False
    return any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def _number_like(value: Any) -> bool:
    """Passes the shape phase as a decimal field (the number phase judges it).

    Exact built-in types only (D-007): subclasses are not JSON types. The strict-JSON
    marker for an integer token too long to read is number-like: in a decimal field
    it is ``numeric_overflow`` (D-005), as in Rust.
    """
    kind = type(value)
    if kind is str:
        return not _has_lone_surrogate(value)
    return kind is int or kind is float or kind is bool or kind is BigInt


def _unknown_key(obj: dict, allowed: tuple[str, ...]) -> str | None:
    """The code-point-smallest key of ``obj`` not in ``allowed`` (None if all known)."""
    unknown = [key for key in obj if key not in allowed]
    if not unknown:
        return None
    return min(unknown)


def _is_decimal_or_none(value: Any) -> bool:
    return value is None or _number_like(value)


def _is_identifier_or_none(value: Any) -> bool:
    return value is None or is_identifier(value)


def _is_timestamp_or_none(value: Any) -> bool:
    return value is None or is_timestamp(value)


# Shape check of one payload field, by field kind.
FIELD_CHECKS: dict[str, Callable[[Any], bool]] = {
    "id": is_identifier,
    "id?": _is_identifier_or_none,
    "dec": _number_like,
    "dec?": _is_decimal_or_none,
    # exact str only (D-007): a str subclass equal to "buy" is not a JSON string
    "side": lambda value: type(value) is str and (value == "buy" or value == "sell"),
    "tf": lambda value: type(value) is int and 1 <= value <= MAX_I63,
    "bool": lambda value: value is True or value is False,
    "order_type": lambda value: type(value) is str and value in ORDER_TYPES,
    "tif": lambda value: type(value) is str and value in TIME_IN_FORCE,
    "ts?": _is_timestamp_or_none,
    "risk_flag": lambda value: type(value) is str and value in RISK_FLAGS,
}


class _PayloadSpec:
    """A payload's declared fields, compiled once into checkers and decimal names."""

    __slots__ = ("names", "name_set", "checks", "decimals")

    def __init__(self, fields: tuple[tuple[str, str], ...]) -> None:
        self.names = tuple(name for name, _ in fields)
        self.name_set = frozenset(self.names)
        self.checks = tuple((name, FIELD_CHECKS[kind], f"/payload/{name}") for name, kind in fields)
        self.decimals = tuple(
            (name, f"/payload/{name}", name in POSITIVE) for name, kind in fields if kind in ("dec", "dec?")
        )


# Stands in for a missing key: it fails every field check, so a missing key is
# reported at its own turn in declared order, like a value of the wrong type (D-301).
MISSING = object()


def _check_keys(obj: Any, declared: tuple[str, ...], declared_set: frozenset[str], base: str) -> None:
    """An object with string keys and no unknown key (missing keys are the callers')."""
    if type(obj) is not dict:
        raise Refusal("invalid_payload", base)
    if obj.keys() == declared_set:
        return  # the common case: exactly the declared keys
    for key in obj:
        if type(key) is not str or _has_lone_surrogate(key):
            raise Refusal("invalid_payload", base)
    unknown = _unknown_key(obj, declared)
    if unknown is not None:
        raise Refusal("invalid_payload", f"{base}/{_escape(unknown)}")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _parse_payload(payload: Any, spec: _PayloadSpec) -> dict[str, Any]:
    """Shape phase of a payload: keys, then each field in declared order."""
    _check_keys(payload, spec.names, spec.name_set, "/payload")
    for name, check, pointer in spec.checks:
        if not check(payload.get(name, MISSING)):
            raise Refusal("invalid_payload", pointer)
    return payload


def _parse_numbers(payload: dict[str, Any], spec: _PayloadSpec) -> dict[str, Any]:
    """Number phase: the first invalid_number wins over any numeric_overflow."""
    parsed = dict(payload)
    overflow: str | None = None
    for name, pointer, positive in spec.decimals:
        value = payload[name]
        if value is None:
            continue
        try:
            raw = parse_decimal(value)
        except InvalidNumber:
            raise Refusal("invalid_number", pointer) from None
        except NumericOverflow:
            if overflow is None:
                overflow = pointer
            continue
        except InvalidPayload:  # unreachable after the shape phase; kept total
            raise Refusal("invalid_payload", pointer) from None
        if positive and raw <= 0:
            raise Refusal("invalid_number", pointer)
        parsed[name] = raw
    if overflow is not None:
        raise Refusal("numeric_overflow", overflow)
    return parsed


def _check_bar(bar: dict[str, Any]) -> None:
    low, high = bar["low"], bar["high"]
    if high < low:
        raise Refusal("invalid_number", "/payload/high")
    if not low <= bar["open"] <= high:
        raise Refusal("invalid_number", "/payload/open")
    if not low <= bar["close"] <= high:
        raise Refusal("invalid_number", "/payload/close")
    if bar["volume"] < 0:
        raise Refusal("invalid_number", "/payload/volume")


def _check_place_shape(payload: dict[str, Any]) -> None:
    """Cross-field shape of place_order (needs no parsed number, so phase 1)."""
    order_type = payload["order_type"]
    needs_limit = order_type in ("limit", "stop_limit")
    needs_stop = order_type in ("stop", "stop_limit")
    if (payload["limit_price"] is not None) != needs_limit:
        raise Refusal("invalid_payload", "/payload/limit_price")
    if (payload["stop_price"] is not None) != needs_stop:
        raise Refusal("invalid_payload", "/payload/stop_price")
    if payload["parent_order_id"] == payload["order_id"]:
        raise Refusal("invalid_payload", "/payload/parent_order_id")


def parse_input(obj: Any) -> ParsedInput:
    """Validate one input; raise ``Refusal`` with the first failing check."""
    if type(obj) is not dict:
        raise Refusal("invalid_payload", "")
    kind = obj.get("kind")
    if type(kind) is str:  # exact str only (D-007), as everywhere else
        if kind == "event":
            return _parse_event(obj)
        if kind == "intent":
            return _parse_intent(obj)
    raise Refusal("invalid_payload", "/kind")


def _parse_event(obj: dict[str, Any]) -> ParsedInput:
    _check_keys(obj, EVENT_KEYS, EVENT_KEY_SET, "")
    seq_id = obj.get("seq_id", MISSING)
    if type(seq_id) is not int or not 1 <= seq_id <= MAX_I63:
        raise Refusal("invalid_payload", "/seq_id")
    event_time = obj.get("event_time", MISSING)
    if not is_timestamp(event_time):
        raise Refusal("invalid_payload", "/event_time")
    if not is_timestamp(obj.get("ingest_time", MISSING)):
        raise Refusal("invalid_payload", "/ingest_time")
    source = obj.get("source", MISSING)
    if type(source) is not str or source not in SOURCES:
        raise Refusal("invalid_payload", "/source")
    needs_place = source == "market_data" or source == "broker_report"
    venue = obj.get("venue", MISSING)
    if not (is_identifier(venue) or (venue is None and not needs_place)):
        raise Refusal("invalid_payload", "/venue")
    instrument = obj.get("instrument", MISSING)
    if not (is_identifier(instrument) or (instrument is None and not needs_place)):
        raise Refusal("invalid_payload", "/instrument")
    event_type = obj.get("event_type", MISSING)
    spec = EVENT_SPECS.get(event_type) if type(event_type) is str else None
    if spec is None or spec[0] != source:
        raise Refusal("invalid_payload", "/event_type")
    key = obj.get("idempotency_key", MISSING)
    # payload is declared before idempotency_key and producer, so it is checked first
    fields = spec[1]
    payload = _parse_payload(obj.get("payload", MISSING), fields)
    if not (key is None or is_identifier(key)):
        raise Refusal("invalid_payload", "/idempotency_key")
    producer = obj.get("producer", MISSING)
    if type(producer) is not int or not 0 <= producer <= MAX_I63:
        raise Refusal("invalid_payload", "/producer")
    parsed = _parse_numbers(payload, fields)
    if event_type == "bar":
        _check_bar(parsed)
    return ParsedInput("event", seq_id, event_type, event_time, source, venue, instrument, parsed, key, producer)


def _parse_intent(obj: dict[str, Any]) -> ParsedInput:
    _check_keys(obj, INTENT_KEYS, INTENT_KEY_SET, "")
    seq_id = obj.get("seq_id", MISSING)
    if type(seq_id) is not int or not 1 <= seq_id <= MAX_I63:
        raise Refusal("invalid_payload", "/seq_id")
    intent_type = obj.get("intent_type", MISSING)
    fields = INTENT_SPECS.get(intent_type) if type(intent_type) is str else None
    if fields is None:
        raise Refusal("invalid_payload", "/intent_type")
    payload = _parse_payload(obj.get("payload", MISSING), fields)
    if intent_type == "place_order":
        _check_place_shape(payload)
    elif intent_type == "replace_order":
        if payload["qty"] is None and payload["limit_price"] is None and payload["stop_price"] is None:
            raise Refusal("invalid_payload", "/payload")
    parsed = _parse_numbers(payload, fields)
    return ParsedInput("intent", seq_id, intent_type, None, None, None, None, parsed, None, None)


EVENT_SPECS = {name: (source, _PayloadSpec(fields)) for name, (source, fields) in EVENT_TYPES.items()}
INTENT_SPECS = {name: _PayloadSpec(fields) for name, fields in INTENT_TYPES.items()}
