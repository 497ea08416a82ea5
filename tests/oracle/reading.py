"""Reading one JSON line and validating it into an input record (oracle side).

Written from DESIGN.md sections 4-5 and D-001..D-012. The first failed check wins,
as ``Refused(code, field)`` with a JSON Pointer to the field (D-010):

1. the line must be strict JSON (no NaN tokens, no duplicate keys, no lone
   surrogates, nesting <= 32), else ``invalid_payload`` at ``""`` with no seq_id;
2. shape: an object, ``kind``, the smallest unknown key, then each declared key in
   order, presence then type (D-011), the payload when its turn comes, then the
   cross-field checks of a payload;
3. numbers: decimal fields in declared order, the first ``invalid_number`` beats any
   ``numeric_overflow``; domain rules are ``invalid_number`` (D-012).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from oracle.arith import BadNumber, Overflow, to_number

TOP = 2**63 - 1


class Refused(Exception):
    """An input refused with ``code`` at JSON Pointer ``field``."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code, field)
        self.code, self.field = code, field


@dataclass
class Input:
    """A validated input: decimals are Fractions."""

    kind: str
    seq_id: int
    type: str
    payload: dict[str, Any]
    event_time: int | None = None
    source: str | None = None
    venue: str | None = None
    instrument: str | None = None
    key: str | None = None
    producer: int | None = None


# Field kinds: "id", "num", "side", "tf" (timeframe), "bool", "ts" and enums (a tuple);
# a trailing "?" allows null.
EVENTS = {
    "bar": ("market_data", [("open", "num"), ("high", "num"), ("low", "num"), ("close", "num"),
                            ("volume", "num"), ("timeframe_ms", "tf")]),
    "trade": ("market_data", [("price", "num"), ("amount", "num"), ("side", "side"), ("trade_id", "id")]),
    "order_accepted": ("broker_report", [("order_id", "id")]),
    "order_rejected": ("broker_report", [("order_id", "id"), ("reason", "id")]),
    "order_filled": ("broker_report", [("order_id", "id"), ("fill_id", "id"), ("qty", "num"),
                                       ("price", "num"), ("fee", "num?")]),
    "order_cancelled": ("broker_report", [("order_id", "id")]),
    "cancel_rejected": ("broker_report", [("order_id", "id"), ("reason", "id")]),
    "order_expired": ("broker_report", [("order_id", "id")]),
    "timer": ("timer", [("name", "id")]),
    "kill_switch": ("control", [("enabled", "bool")]),
}
ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
INTENTS = {
    "place_order": [("intent_id", "id"), ("order_id", "id"), ("instrument", "id"), ("venue", "id"),
                    ("side", "side"), ("order_type", ORDER_TYPES), ("qty", "num"), ("limit_price", "num?"),
                    ("stop_price", "num?"), ("time_in_force", ("gtc", "ioc", "fok")), ("expire_time", "ts?"),
                    ("parent_order_id", "id?"), ("oco_group", "id?"), ("strategy_id", "id")],
    "cancel_order": [("order_id", "id")],
    "replace_order": [("order_id", "id"), ("qty", "num?"), ("limit_price", "num?"), ("stop_price", "num?")],
    "set_risk_flag": [("name", ("kill_switch", "allow_short")), ("value", "bool")],
    "noop": [],
}
EVENT_KEYS = ["seq_id", "event_time", "ingest_time", "source", "venue", "instrument", "event_type",
              "payload", "idempotency_key", "producer"]
INTENT_KEYS = ["seq_id", "intent_type", "payload"]
STRICTLY_POSITIVE = ("qty", "amount")


# ------------------------------------------------------------------ JSON text
class _Unreadable(Exception):
    pass


def _no_duplicates(pairs):
    if len({k for k, _ in pairs}) != len(pairs):
        raise _Unreadable
    return dict(pairs)


def _no_constants(token):
    raise _Unreadable


def _walk_ok(value: Any, depth: int = 1) -> bool:
    """No nesting deeper than 32 and no lone surrogate in any string or key."""
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, (list, dict)):
        if depth > 32:
            return False
        items = value.items() if isinstance(value, dict) else enumerate(value)
        return all((isinstance(k, int) or _walk_ok(k)) and _walk_ok(v, depth + 1) for k, v in items)
    return True


def read_line(line: str) -> Any:
    """One strict JSON value, or ``Refused('invalid_payload', '')``."""
    try:
        value = json.loads(line, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except (ValueError, _Unreadable, RecursionError):
        raise Refused("invalid_payload", "") from None
    if not _walk_ok(value):
        raise Refused("invalid_payload", "")
    return value


# -------------------------------------------------------------------- shape
def is_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 128
        and all(unicodedata.category(c) not in ("Cc", "Cs") for c in value)
    )


def is_time(value: Any) -> bool:
    return type(value) is int and 0 <= value <= TOP


def _shape_ok(kind: Any, value: Any) -> bool:
    if isinstance(kind, tuple):
        return isinstance(value, str) and value in kind
    if kind.endswith("?"):
        return value is None or _shape_ok(kind[:-1], value)
    return {
        "id": is_id,
        # a number-like value; whether it is a usable number is the number phase's call
        "num": lambda v: type(v) in (int, float, bool, str),
        "side": lambda v: v in ("buy", "sell"),
        "tf": lambda v: type(v) is int and 1 <= v <= TOP,
        "bool": lambda v: isinstance(v, bool),
        "ts": is_time,
    }[kind](value)


def _keys(obj: Any, declared: list[str], base: str) -> None:
    """An object whose unknown keys are reported smallest first."""
    if not isinstance(obj, dict):
        raise Refused("invalid_payload", base)
    unknown = sorted(k for k in obj if k not in declared)
    if unknown:
        raise Refused("invalid_payload", base + "/" + unknown[0].replace("~", "~0").replace("/", "~1"))


def _present(obj: dict, key: str, base: str) -> Any:
    if key not in obj:
        raise Refused("invalid_payload", f"{base}/{key}")
    return obj[key]


def _payload(obj: Any, fields: list[tuple[str, Any]]) -> dict[str, Any]:
    _keys(obj, [name for name, _ in fields], "/payload")
    for name, kind in fields:
        if not _shape_ok(kind, _present(obj, name, "/payload")):
            raise Refused("invalid_payload", f"/payload/{name}")
    return obj


def _numbers(payload: dict[str, Any], fields: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(payload)
    overflow = None
    for name, kind in fields:
        if kind in ("num", "num?") and payload[name] is not None:
            try:
                out[name] = to_number(payload[name])
            except BadNumber:
                raise Refused("invalid_number", f"/payload/{name}") from None
            except Overflow:
                overflow = overflow or f"/payload/{name}"
                continue
            if name in STRICTLY_POSITIVE and out[name] <= 0:
                raise Refused("invalid_number", f"/payload/{name}")
    if overflow:
        raise Refused("numeric_overflow", overflow)
    return out


def validate(obj: Any) -> Input:
    """Shape then numbers; the first failure raises ``Refused``."""
    if not isinstance(obj, dict):
        raise Refused("invalid_payload", "")
    kind = obj.get("kind")
    if kind not in ("event", "intent"):
        raise Refused("invalid_payload", "/kind")
    return _event(obj) if kind == "event" else _intent(obj)


def _event(obj: dict) -> Input:
    _keys(obj, ["kind"] + EVENT_KEYS, "")
    got = {}
    for key in EVENT_KEYS:
        value = got[key] = _present(obj, key, "")
        if key == "seq_id":
            ok = type(value) is int and 1 <= value <= TOP
        elif key in ("event_time", "ingest_time", "producer"):
            ok = is_time(value)
        elif key == "source":
            ok = value in ("market_data", "broker_report", "timer", "control")
        elif key in ("venue", "instrument"):
            # only timers and control events may be about no particular market
            ok = is_id(value) or (value is None and got["source"] in ("timer", "control"))
        elif key == "event_type":
            ok = isinstance(value, str) and value in EVENTS and EVENTS[value][0] == got["source"]
        elif key == "payload":
            _payload(value, EVENTS[got["event_type"]][1])
            ok = True
        else:  # idempotency_key
            ok = value is None or is_id(value)
        if not ok:
            raise Refused("invalid_payload", "/" + key)
    event_type = got["event_type"]
    payload = _numbers(got["payload"], EVENTS[event_type][1])
    if event_type == "bar":
        low, high = payload["low"], payload["high"]
        if high < low:
            raise Refused("invalid_number", "/payload/high")
        for name in ("open", "close"):
            if not low <= payload[name] <= high:
                raise Refused("invalid_number", f"/payload/{name}")
        if payload["volume"] < 0:
            raise Refused("invalid_number", "/payload/volume")
    return Input("event", got["seq_id"], event_type, payload, got["event_time"], got["source"], got["venue"],
                 got["instrument"], got["idempotency_key"], got["producer"])


def _intent(obj: dict) -> Input:
    _keys(obj, ["kind"] + INTENT_KEYS, "")
    seq_id = _present(obj, "seq_id", "")
    if not (type(seq_id) is int and 1 <= seq_id <= TOP):
        raise Refused("invalid_payload", "/seq_id")
    intent_type = _present(obj, "intent_type", "")
    if not (isinstance(intent_type, str) and intent_type in INTENTS):
        raise Refused("invalid_payload", "/intent_type")
    fields = INTENTS[intent_type]
    p = _payload(_present(obj, "payload", ""), fields)
    # cross-field shape checks, after the payload's own fields (D-011)
    if intent_type == "place_order":
        wants_limit = p["order_type"] in ("limit", "stop_limit")
        wants_stop = p["order_type"] in ("stop", "stop_limit")
        if (p["limit_price"] is None) == wants_limit:
            raise Refused("invalid_payload", "/payload/limit_price")
        if (p["stop_price"] is None) == wants_stop:
            raise Refused("invalid_payload", "/payload/stop_price")
        if p["parent_order_id"] == p["order_id"]:
            raise Refused("invalid_payload", "/payload/parent_order_id")
    if intent_type == "replace_order" and all(p[k] is None for k in ("qty", "limit_price", "stop_price")):
        raise Refused("invalid_payload", "/payload")
    return Input("intent", seq_id, intent_type, _numbers(p, fields))


def echo_seq_id(obj: Any) -> int | None:
    """A refused input's seq_id as given, when it is a valid one."""
    if isinstance(obj, dict):
        seq_id = obj.get("seq_id")
        if type(seq_id) is int and 1 <= seq_id <= TOP:
            return seq_id
    return None

