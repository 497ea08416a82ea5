"""Runtime events as a worker emits them, and the daemon's check of each one.

A worker sends ``{family, name, event_time, data, strategy_id, execution_id, route_id,
broker_id}``; the daemon validates it, then adds ``runtime_id``, ``sequence``,
``event_id`` (``{runtime_id}:{sequence}``) and ``recorded_at`` when it commits it
(``cracktrader.store.events``). Data values are JSON; decimals are canonical strings.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from cracktrader.runtime.vocabulary import FAMILIES

ATTRIBUTION = ("strategy_id", "execution_id", "route_id", "broker_id")
WIRE_KEYS = frozenset({"family", "name", "event_time", "data", *ATTRIBUTION})
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_DEPTH = 8
MAX_ID_LENGTH = 128


class WireError(ValueError):
    """A worker sent something that is not a runtime event."""


def make_event(
    family: str,
    name: str,
    data: Mapping[str, Any] | None = None,
    *,
    event_time: int | None = None,
    attribution: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """One event as a worker emits it (attribution fields default to null)."""
    event: dict[str, Any] = {"family": family, "name": name, "event_time": event_time, "data": dict(data or {})}
    for key in ATTRIBUTION:
        event[key] = (attribution or {}).get(key)
    return event


def validate(obj: Any) -> dict[str, Any]:
    """The event, normalized, or ``WireError`` saying what is wrong with it."""
    if not isinstance(obj, dict):
        raise WireError("an event must be a JSON object")
    unknown = set(obj) - WIRE_KEYS
    if unknown:
        raise WireError(f"unknown event keys: {sorted(unknown)}")
    family = obj.get("family")
    if family not in FAMILIES:
        raise WireError(f"unknown event family {family!r}")
    name = obj.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise WireError(f"bad event name {name!r}")
    event_time = obj.get("event_time")
    if event_time is not None and (
        not isinstance(event_time, int) or isinstance(event_time, bool) or not 0 <= event_time < 2**63
    ):
        raise WireError("event_time must be null or integer milliseconds in [0, 2^63)")
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WireError("data must be an object")
    _check_json(data, 0)
    event = {"family": family, "name": name, "event_time": event_time, "data": data}
    for key in ATTRIBUTION:
        value = obj.get(key)
        if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_LENGTH):
            raise WireError(f"{key} must be null or a string of 1 to {MAX_ID_LENGTH} characters")
        if value is not None:
            _check_text(value)
        event[key] = value
    return event


def _check_json(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise WireError(f"data nested deeper than {MAX_DEPTH}")
    if isinstance(value, float):
        raise WireError("floats are not allowed in event data (decimals are strings)")
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise WireError("integers in event data must fit in 64 bits")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise WireError("event text must be valid Unicode (no lone surrogates)") from None
