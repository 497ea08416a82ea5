"""The sequencer: one stable total order and strictly increasing ``seq_id`` for events.

DESIGN.md section 9; the decisions are D-150..D-159 in docs/decisions.md and the
user-facing description is docs/sequencer.md. The Rust twin is
``cracktrader_rust/src/engine/sequencer.rs``; both produce the same canonical bytes.

A batch is a list of engine events (``seq_id`` absent or null). The events a batch
emits are ordered by (event_time, source priority, venue, instrument, producer,
arrival index), null venue/instrument first, strings by code point. Ids continue
across batches; batches are never reordered among themselves. An event older than
the greatest event_time emitted so far is late and follows the late policy.

The sequencer checks only what it reads (the envelope fields of the key, ``kind`` and
``seq_id``) and that the event can be carried through unchanged by both backends
(plain JSON values, finite floats, integers in i128, valid Unicode, nesting within
the strict-JSON limit). Everything else about an event is the core's job. Nothing
here reads a clock.
"""

from __future__ import annotations

import math
import re
from typing import Any

from cracktrader.engine import strict_json
from cracktrader.engine.canonical import canonical_bytes, state_hash
from cracktrader.engine.errors import InvalidConfig, InvalidPayload

SOURCES = ("market_data", "broker_report", "timer", "control")
DEFAULT_SOURCE_PRIORITY = ("control", "broker_report", "market_data", "timer")
LATE_POLICIES = ("reject", "accept")
SNAPSHOT_VERSION = 1
SEQ_ID_MAX = 2**63 - 1
TIME_LIMIT = 2**63  # timestamps and producers lie in [0, 2**63)
_I128_MIN = -(2**127)
_I128_MAX = 2**127 - 1
# The batch list sits at depth 0 and each event at depth 1; a container at depth
# MAX_DEPTH or more is what the strict JSON reader and the Rust converter refuse.
_MAX_DEPTH = strict_json.MAX_DEPTH
_CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]")
_MISSING = object()
_SNAPSHOT_KEYS = frozenset(
    ("schema_version", "next_seq_id", "last_event_time", "late_policy", "source_priority")
)


# Value kinds, as the Rust converter (bindings/src/convert.rs) sees Python objects.
_STR, _INT, _FLOAT, _BOOL, _NONE, _DICT, _LIST, _OTHER = range(8)


def _kind(value: Any) -> tuple[int, bool]:
    """(kind, exact) of a Python value, from its real type (never ``__class__``).

    Only exact built-in types are JSON types (D-007), as in the Rust converter:
    subclasses of str/int/float/dict/list are ``_OTHER`` and refused where they are met.
    """
    cls = type(value)
    if cls is str:
        return _STR, True
    if cls is int:
        return _INT, True
    if cls is dict:
        return _DICT, True
    if cls is float:
        return _FLOAT, True
    if value is None:
        return _NONE, True
    if cls is bool:
        return _BOOL, True
    if cls is list:
        return _LIST, True
    return _OTHER, False


def _plain_str(value: str) -> str:
    return value if type(value) is str else str.__str__(value)


def _plain_int(value: int) -> int:
    return value if type(value) is int else int.__index__(value)


def _valid_unicode(text: str) -> bool:
    """False for a string holding a lone surrogate (Rust's String cannot hold one)."""
    if str.isascii(text):
        return True
    try:
        str.encode(text, "utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _int_field(value: Any, limit: int) -> int | None:
    """An integer in [0, limit) (D-006: never a bool or a float), else None."""
    kind, _ = _kind(value)
    if kind != _INT:
        return None
    number = _plain_int(value)
    return number if 0 <= number < limit else None


def _identifier(value: Any) -> str | None:
    """D-007: 1 to 128 code points, none of category Cc, no lone surrogate; else None."""
    kind, _ = _kind(value)
    if kind != _STR:
        return None
    text = _plain_str(value)
    if 1 <= len(text) <= 128 and _valid_unicode(text) and _CONTROL_CHARS.search(text) is None:
        return text
    return None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unrepresentable(value: Any, depth: int, path: str, exact: list[bool]) -> str | None:
    """Pointer of the first value both backends cannot carry through, else None.

    Mirrors the Rust converter and the strict JSON reader: only JSON types, finite
    floats, integers within i128, strings without lone surrogates, str keys, nesting
    below ``MAX_DEPTH``. Object keys are visited in code-point order, so the answer
    depends on the value, not on insertion order (D-151). ``exact[0]`` is cleared
    when a subclass is met (the emitted event is then rebuilt from plain types).
    """
    kind, is_exact = _kind(value)
    if not is_exact:
        exact[0] = False
    if kind == _STR:
        return None if _valid_unicode(value) else path
    if kind == _INT:
        return None if _I128_MIN <= _plain_int(value) <= _I128_MAX else path
    if kind == _FLOAT:
        return None if math.isfinite(value) else path
    if kind == _NONE or kind == _BOOL:
        return None
    if kind == _DICT:
        if depth >= _MAX_DEPTH:
            return path
        pairs = []
        for key, child in dict.items(value):
            key_kind, key_exact = _kind(key)
            if key_kind != _STR or not _valid_unicode(key):
                return path
            if not key_exact:
                exact[0] = False
                key = _plain_str(key)
            pairs.append((key, child))
        pairs.sort(key=lambda pair: pair[0])
        for key, child in pairs:
            found = _unrepresentable(child, depth + 1, f"{path}/{_escape(key)}", exact)
            if found is not None:
                return found
        return None
    if kind == _LIST:
        if depth >= _MAX_DEPTH:
            return path
        for index, child in enumerate(list.__iter__(value)):
            found = _unrepresentable(child, depth + 1, f"{path}/{index}", exact)
            if found is not None:
                return found
        return None
    return path


def _plain_copy(value: Any) -> Any:
    """A deep copy made of exact JSON types (only for events holding subclasses)."""
    kind, _ = _kind(value)
    if kind == _STR:
        return _plain_str(value)
    if kind == _INT:
        return _plain_int(value)
    if kind == _FLOAT:
        return float.__float__(value)
    if kind == _DICT:
        return {_plain_str(k): _plain_copy(v) for k, v in dict.items(value)}
    if kind == _LIST:
        return [_plain_copy(v) for v in list.__iter__(value)]
    return value


class _Checked:
    """A sequenceable event: its sort key and the plain dict to emit."""

    __slots__ = ("key", "event")

    def __init__(self, key: tuple, event: dict) -> None:
        self.key = key
        self.event = event


def _check_event(event: Any, rank: dict[str, int]) -> _Checked | str:
    """The checked event, or the JSON Pointer of its first problem.

    D-151 check order: an object with str keys (else ``""``), then kind, seq_id,
    event_time, source, venue, instrument, producer (schema order), then the whole
    event's representability.
    """
    kind, _ = _kind(event)
    if kind != _DICT:
        return ""
    plain_keys = True
    for key in dict.keys(event):
        key_kind, key_exact = _kind(key)
        if key_kind != _STR or not _valid_unicode(key):
            return ""  # the Rust converter cannot build this object at all
        plain_keys = plain_keys and key_exact
    fields = event if plain_keys else {_plain_str(k): v for k, v in dict.items(event)}
    get = dict.get
    kind_value = get(fields, "kind", _MISSING)
    if _kind(kind_value)[0] != _STR or _plain_str(kind_value) != "event":
        return "/kind"
    if get(fields, "seq_id", None) is not None:
        return "/seq_id"
    event_time = _int_field(get(fields, "event_time", _MISSING), TIME_LIMIT)
    if event_time is None:
        return "/event_time"
    source = get(fields, "source", _MISSING)
    source_rank = rank.get(_plain_str(source)) if _kind(source)[0] == _STR else None
    if source_rank is None:
        return "/source"
    venue = get(fields, "venue", _MISSING)
    if venue is not None:
        venue = _identifier(venue)
        if venue is None:
            return "/venue"
    instrument = get(fields, "instrument", _MISSING)
    if instrument is not None:
        instrument = _identifier(instrument)
        if instrument is None:
            return "/instrument"
    producer = _int_field(get(fields, "producer", _MISSING), TIME_LIMIT)
    if producer is None:
        return "/producer"
    exact = [plain_keys]
    found = _unrepresentable(fields, 1, "", exact)
    if found is not None:
        return found
    emitted = dict.copy(fields) if exact[0] else _plain_copy(fields)
    # None sorts first: (False, "") < (True, any string).
    key = (
        event_time,
        source_rank,
        venue is not None,
        venue or "",
        instrument is not None,
        instrument or "",
        producer,
    )
    return _Checked(key, emitted)


def _result(index: int, seq_id: int | None, late: bool, code: str = "ok", field: str = "") -> dict:
    accepted = code == "ok"
    return {
        "index": index,
        "accepted": accepted,
        "code": code,
        "seq_id": seq_id,
        "late": late,
        "diagnostics": [] if accepted else [{"code": code, "field": field}],
    }


def _refused_batch() -> dict:
    """D-155: a batch that is not a list (or an unreadable JSON line)."""
    return {
        "accepted": False,
        "code": "invalid_payload",
        "diagnostics": [{"code": "invalid_payload", "field": ""}],
        "events": [],
        "results": [],
    }


def _int_in(value: Any, low: int, high: int) -> int | None:
    """An integer (never a bool or a float) in [low, high], else None."""
    if _kind(value)[0] != _INT:
        return None
    number = _plain_int(value)
    return number if low <= number <= high else None


def _priority(value: Any, allow_tuple: bool) -> tuple[str, ...] | None:
    """A permutation of the four sources (highest priority first), else None."""
    kind, _ = _kind(value)
    if kind == _LIST:
        items = list(list.__iter__(value))
    elif allow_tuple and issubclass(type(value), tuple):
        items = list(tuple.__iter__(value))
    else:
        return None
    names = [_plain_str(item) if _kind(item)[0] == _STR else None for item in items]
    if len(names) != len(SOURCES) or sorted(SOURCES) != sorted(n for n in names if n is not None):
        return None
    return tuple(name for name in names if name is not None)


class Sequencer:
    """Python reference sequencer (DESIGN.md section 9, docs/sequencer.md).

    Options are keyword-only; ``None`` selects an option's default (D-157):
    ``late_policy`` ``"reject"`` | ``"accept"``; ``source_priority`` a permutation of
    the four sources, highest priority first (default control, broker_report,
    market_data, timer); ``start_seq_id`` the first id handed out, in [1, 2**63-1].
    Bad options raise ``InvalidConfig``.
    """

    __slots__ = ("_accept_late", "_priority", "_rank", "_next_seq_id", "_last_event_time")

    def __init__(
        self,
        *,
        late_policy: str | None = "reject",
        source_priority: list[str] | tuple[str, ...] | None = None,
        start_seq_id: int | None = 1,
    ) -> None:
        policy = "reject" if late_policy is None else late_policy
        if _kind(policy)[0] != _STR or _plain_str(policy) not in LATE_POLICIES:
            raise InvalidConfig("late_policy must be 'reject' or 'accept'")
        priority = (
            DEFAULT_SOURCE_PRIORITY
            if source_priority is None
            else _priority(source_priority, allow_tuple=True)
        )
        if priority is None:
            raise InvalidConfig(
                f"source_priority must list each of {', '.join(SOURCES)} exactly once"
            )
        start = _int_in(1 if start_seq_id is None else start_seq_id, 1, SEQ_ID_MAX)
        if start is None:
            raise InvalidConfig("start_seq_id must be an integer in [1, 2**63-1]")
        self._set_state(_plain_str(policy) == "accept", priority, start, None)

    def _set_state(
        self, accept_late: bool, priority: tuple[str, ...], next_seq_id: int, last: int | None
    ) -> None:
        self._accept_late = accept_late
        self._priority = priority
        self._rank = {source: rank for rank, source in enumerate(priority)}
        self._next_seq_id = next_seq_id
        self._last_event_time = last

    def apply(self, batch: Any) -> dict:
        """Sequence one batch; never raises for bad data (see docs/sequencer.md).

        Returns ``{"accepted", "code", "diagnostics", "events", "results"}``: the
        emitted events in order with ``seq_id`` set (new dicts; inputs are not
        mutated) and one result per input in arrival order.
        """
        if _kind(batch)[0] != _LIST:
            return _refused_batch()
        inputs = list.__iter__(batch)
        results: list[dict | None] = []
        candidates: list[tuple] = []
        watermark = self._last_event_time
        accept_late = self._accept_late
        rank = self._rank
        for index, event in enumerate(inputs):
            checked = _check_event(event, rank)
            if isinstance(checked, str):
                results.append(_result(index, None, False, "invalid_payload", checked))
                continue
            late = watermark is not None and checked.key[0] < watermark
            if late and not accept_late:
                results.append(_result(index, None, True, "late_event", "/event_time"))
                continue
            results.append(None)
            candidates.append((checked.key, index, late, checked.event))
        # The index makes every key distinct, so the order is total (stability moot).
        candidates.sort(key=lambda item: (item[0], item[1]))
        events = []
        next_seq_id = self._next_seq_id
        last = self._last_event_time
        for key, index, late, event in candidates:
            if next_seq_id > SEQ_ID_MAX:  # D-156: ids exhausted
                results[index] = _result(index, None, late, "numeric_overflow", "/seq_id")
                continue
            event["seq_id"] = next_seq_id  # a fresh dict made by _check_event
            events.append(event)
            results[index] = _result(index, next_seq_id, late)
            next_seq_id += 1
            if last is None or key[0] > last:
                last = key[0]
        self._next_seq_id = next_seq_id
        self._last_event_time = last
        return {"accepted": True, "code": "ok", "diagnostics": [], "events": events, "results": results}

    def apply_batch(self, batches: list) -> list[dict]:
        """Apply several batches in order; ``batches`` must be a list (else ``InvalidPayload``)."""
        if _kind(batches)[0] != _LIST:
            raise InvalidPayload(f"apply_batch expects a list of batches, got {type(batches).__name__}")
        return [self.apply(batch) for batch in list(list.__iter__(batches))]

    def apply_jsonl(self, data: bytes | bytearray) -> bytes:
        """One JSON array (one batch) per line in, one canonical batch result per line out.

        A line that is not strict JSON, or not an array, is a refused batch (D-155).
        """
        if not issubclass(type(data), (bytes, bytearray)):
            raise InvalidPayload(f"apply_jsonl expects bytes, got {type(data).__name__}")
        out = bytearray()
        # Read through the buffer: a subclass's __bytes__ must not change what is parsed.
        raw = data if type(data) is bytes else bytes(memoryview(data))
        for item in strict_json.loads_lines(raw):
            result = _refused_batch() if isinstance(item, InvalidPayload) else self.apply(item)
            out += canonical_bytes(result)
            out += b"\n"
        return bytes(out)

    def snapshot(self) -> dict:
        """All state needed to continue identically (schema ``sequencer_snapshot``)."""
        return {
            "schema_version": SNAPSHOT_VERSION,
            "next_seq_id": self._next_seq_id,
            "last_event_time": self._last_event_time,
            "late_policy": "accept" if self._accept_late else "reject",
            "source_priority": list(self._priority),
        }

    def restore(self, snapshot: Any) -> None:
        """Replace all state (options included) by ``snapshot``; ``InvalidPayload`` if malformed.

        A refused snapshot leaves the sequencer unchanged (D-158).
        """
        if _kind(snapshot)[0] != _DICT:
            raise InvalidPayload("sequencer snapshot must be an object", field="")
        fields: dict[str, Any] = {}
        for key, value in dict.items(snapshot):
            if _kind(key)[0] != _STR or not _valid_unicode(key):
                raise InvalidPayload("sequencer snapshot keys must be strings", field="")
            fields[_plain_str(key)] = value
        if set(fields) != _SNAPSHOT_KEYS:
            odd = sorted(set(fields) ^ _SNAPSHOT_KEYS)
            raise InvalidPayload(f"sequencer snapshot keys differ at {odd}", field="")
        if _int_in(fields["schema_version"], SNAPSHOT_VERSION, SNAPSHOT_VERSION) is None:
            raise InvalidPayload("unsupported schema_version", field="/schema_version")
        next_seq_id = _int_in(fields["next_seq_id"], 1, SEQ_ID_MAX + 1)
        if next_seq_id is None:
            raise InvalidPayload("next_seq_id must be in [1, 2**63]", field="/next_seq_id")
        last = fields["last_event_time"]
        if last is not None:
            last = _int_in(last, 0, TIME_LIMIT - 1)
            if last is None:
                raise InvalidPayload(
                    "last_event_time must be null or in [0, 2**63)", field="/last_event_time"
                )
        policy = fields["late_policy"]
        if _kind(policy)[0] != _STR or _plain_str(policy) not in LATE_POLICIES:
            raise InvalidPayload("late_policy must be 'reject' or 'accept'", field="/late_policy")
        priority = _priority(fields["source_priority"], allow_tuple=False)
        if priority is None:
            raise InvalidPayload(
                f"source_priority must list each of {', '.join(SOURCES)} exactly once",
                field="/source_priority",
            )
        self._set_state(_plain_str(policy) == "accept", priority, next_seq_id, last)

    def state_hash(self) -> str:
        """Lower-case hex SHA-256 of the canonical snapshot."""
        return state_hash(self.snapshot())


__all__ = ["Sequencer", "SOURCES", "DEFAULT_SOURCE_PRIORITY", "LATE_POLICIES", "SEQ_ID_MAX"]
