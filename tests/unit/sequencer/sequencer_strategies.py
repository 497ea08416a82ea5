"""Hypothesis strategies and small oracles shared by the sequencer tests.

Domains are kept tiny on purpose (a few times, venues, instruments, producers) so
ties on every part of the ordering key are common. Hostile entries cover every
refusal path: wrong shapes, wrong types in each checked field, values one backend
could not carry through (NaN, huge ints, lone surrogates, tuples, deep nesting,
non-str keys) and Python objects that lie about themselves.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cracktrader.engine.sequencer import DEFAULT_SOURCE_PRIORITY, SOURCES

# Timing belongs to benchmarks; a deadline would only make the first call flaky.
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

VENUES = [None, "binance", "kraken", "Z", "é", "a~/b"]
INSTRUMENTS = [None, "BTC/USDT", "ETH/USDT", "x"]


def make_event(
    event_time: int,
    source: str = "market_data",
    venue: str | None = "binance",
    instrument: str | None = "BTC/USDT",
    producer: int = 0,
    **extra: Any,
) -> dict:
    """A minimal engine event (seq_id null) with a small payload."""
    event = {
        "kind": "event",
        "seq_id": None,
        "event_time": event_time,
        "ingest_time": event_time,
        "source": source,
        "venue": venue,
        "instrument": instrument,
        "event_type": "timer",
        "payload": {"name": "t"},
        "idempotency_key": None,
        "producer": producer,
    }
    event.update(extra)
    return event


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**127), max_value=2**127 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def events(draw: st.DrawFn, times: st.SearchStrategy[int] | None = None, producer: int | None = None) -> dict:
    """A well-formed event from small domains (ties likely)."""
    event = make_event(
        draw(times if times is not None else st.integers(0, 12)),
        draw(st.sampled_from(SOURCES)),
        draw(st.sampled_from(VENUES)),
        draw(st.sampled_from(INSTRUMENTS)),
        draw(st.integers(0, 3)) if producer is None else producer,
        payload={"n": draw(json_value), "tag": draw(st.integers(0, 10**6))},
    )
    if draw(st.booleans()):
        del event["seq_id"]  # absent and null are the same to the sequencer (D-150)
    return event


class LyingStr:
    """Claims to be a str through ``__class__`` (isinstance lies)."""

    __class__ = str  # type: ignore[assignment]


class HostileStr(str):
    """A str whose Python-level methods raise (the value is still a string)."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("hostile __eq__")

    def __ne__(self, other: object) -> bool:
        raise RuntimeError("hostile __ne__")

    __hash__ = str.__hash__

    def __str__(self) -> str:
        raise RuntimeError("hostile __str__")

    def __len__(self) -> int:
        raise RuntimeError("hostile __len__")


class HostileInt(int):
    """An int whose comparisons raise."""

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("hostile __lt__")

    __gt__ = __le__ = __ge__ = __lt__

    def __index__(self) -> int:
        raise RuntimeError("hostile __index__")


class HostileDict(dict):
    """A dict whose Python-level accessors raise (its content is still plain)."""

    def _boom(self, *args: object, **kwargs: object) -> Any:
        raise RuntimeError("hostile dict method")

    items = keys = values = get = __getitem__ = __iter__ = __len__ = _boom


class HostileList(list):
    """A list whose iteration raises."""

    def __iter__(self):  # type: ignore[override]
        raise RuntimeError("hostile __iter__")


def _nest(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


# (key, value) replacements that make an otherwise valid event unsequenceable, or odd
# but valid (the subclasses carry plain values).
MUTATIONS: list[tuple[str, Any]] = [
    ("kind", "intent"), ("kind", None), ("kind", HostileStr("event")),
    ("seq_id", 5), ("seq_id", 0), ("seq_id", True), ("seq_id", "1"),
    ("event_time", True), ("event_time", 1.0), ("event_time", -1), ("event_time", 2**63),
    ("event_time", 2**200), ("event_time", "3"), ("event_time", None), ("event_time", HostileInt(4)),
    ("source", "news"), ("source", None), ("source", HostileStr("timer")), ("source", LyingStr()),
    ("venue", ""), ("venue", "x" * 129), ("venue", "a\x07b"), ("venue", "a\x85b"), ("venue", "\ud800"),
    ("venue", 3), ("venue", ("a",)), ("venue", HostileStr("binance")), ("venue", "é" * 128),
    ("instrument", ""), ("instrument", []), ("instrument", "\udfff"),
    ("producer", -1), ("producer", 2**63), ("producer", False), ("producer", 1.5), ("producer", HostileInt(2)),
    ("payload", {"p": float("nan")}), ("payload", {"p": float("inf")}), ("payload", {"p": 2**127}),
    ("payload", {"p": -(2**127) - 1}), ("payload", {"p": (1, 2)}), ("payload", {"p": {1, 2}}),
    ("payload", {"p": b"x"}), ("payload", {"p": object()}), ("payload", {1: "int key"}),
    ("payload", {"z": float("nan"), "a": float("-inf")}), ("payload", {"\ud800": 1}),
    ("payload", _nest(31)), ("payload", _nest(29)), ("payload", {"s": "\udc00"}),
    ("payload", HostileDict({"a": 1})), ("payload", HostileList([1, 2])),
    ("payload", {"k": HostileStr("v")}), ("payload", {HostileStr("k"): 1}),
    ("payload", {"big": "9" * 10_000}), ("extra~/key", float("nan")),
]
MISSING_KEYS = ["kind", "event_time", "source", "venue", "instrument", "producer", "seq_id", "payload"]
NOT_EVENTS: list[Any] = [
    None, 0, 1.5, float("nan"), "event", [], [make_event(1)], (1,), {1: 2}, b"{}", object(),
    LyingStr(), HostileDict(make_event(1)), HostileList([1]),
]


@st.composite
def hostile(draw: st.DrawFn) -> Any:
    """An entry that exercises a refusal path (or an odd but acceptable object)."""
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(st.sampled_from(NOT_EVENTS))
    event = draw(events())
    if choice == 1:
        key, value = draw(st.sampled_from(MUTATIONS))
        event[key] = value
        return event
    event.pop(draw(st.sampled_from(MISSING_KEYS)), None)
    return event


def batches_of(entry: st.SearchStrategy[Any], max_batches: int = 5, max_size: int = 12):
    """A list of batches of ``entry``."""
    return st.lists(st.lists(entry, max_size=max_size), max_size=max_batches)


@st.composite
def timed_batches(draw: st.DrawFn, hostile_rate: bool = True) -> list[list[Any]]:
    """Batches whose times drift upwards with jitter, so late events are common."""
    out = []
    base = draw(st.integers(0, 5))
    for _ in range(draw(st.integers(1, 6))):
        times = st.integers(max(0, base - 4), base + 4)
        entries = events(times=times)
        if hostile_rate:
            entries = st.one_of(entries, entries, entries, hostile())
        out.append(draw(st.lists(entries, max_size=10)))
        base += draw(st.integers(0, 4))
    return out


sequencer_options = st.fixed_dictionaries(
    {},
    optional={
        "late_policy": st.sampled_from(["reject", "accept", None]),
        "source_priority": st.permutations(list(SOURCES)),
        "start_seq_id": st.integers(1, 2**63 - 1) | st.integers(1, 100) | st.just(2**63 - 3),
    },
)


def sort_key(event: dict, priority: tuple[str, ...] = DEFAULT_SOURCE_PRIORITY) -> tuple:
    """The documented ordering key (docs/sequencer.md), written independently."""
    venue, instrument = event["venue"], event["instrument"]
    return (
        event["event_time"],
        priority.index(event["source"]),
        "" if venue is None else "\x01" + venue,  # null first; "\x01" < any identifier char
        "" if instrument is None else "\x01" + instrument,
        event["producer"],
    )


def plain(value: Any) -> Any:
    """``value`` rebuilt from exact JSON types through the base types' own methods."""
    if isinstance(value, dict):
        return {str.__str__(k): plain(v) for k, v in dict.items(value)}
    if isinstance(value, list):
        return [plain(v) for v in list.__iter__(value)]
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int.__int__(value)
    return value


def without_seq_id(event: dict) -> dict:
    """The event as it was given (the sequencer only sets seq_id), in plain types."""
    return {k: v for k, v in plain(event).items() if k != "seq_id"}


def jsonl_line(batch: Any) -> bytes:
    """One JSON line for ``batch`` as a careless producer would write it.

    Non-JSON objects become null, tuples lists, NaN the ``NaN`` token (refused by the
    strict reader), lone surrogates ``\\udXXX`` escapes (refused too).
    """
    try:
        return json.dumps(batch, default=lambda _obj: None, skipkeys=True).encode()
    except Exception:  # a hostile subclass refused to be encoded: any unreadable line will do
        return b"[null"


RAW_LINES = [
    b"", b"[", b"NaN", b"[NaN]", b"[1e400]", b"{}", b"null", b"7", b'"x"', b"[]",
    b'[{"a":1,"a":2}]', b'["\\ud800"]', b"\xff\xfe", b"[" * 40 + b"]" * 40,
    b"[" * 32 + b"]" * 32, b"[" + b"9" * 80 + b"]", b"[" + b"9" * 45 + b"]",
    b"[\r]", b" [ ] ", b"\xef\xbb\xbf[]", b"[{}]",
]
