"""Worked examples of the sequencer contract (docs/sequencer.md), on both backends."""

from __future__ import annotations

import copy
import hashlib

import pytest
from sequencer_strategies import (
    MISSING_KEYS,
    MUTATIONS,
    NOT_EVENTS,
    HostileDict,
    HostileStr,
    make_event,
)

from cracktrader.engine import build_sequencer
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import InvalidConfig, InvalidPayload
from cracktrader.engine.validation import validate_sequencer_result, validate_sequencer_snapshot

REFUSED_BATCH = {
    "accepted": False,
    "code": "invalid_payload",
    "diagnostics": [{"code": "invalid_payload", "field": ""}],
    "events": [],
    "results": [],
}


def emitted_order(result: dict) -> list[int]:
    """Input indices in emission order."""
    by_seq = {r["seq_id"]: r["index"] for r in result["results"] if r["accepted"]}
    return [by_seq[e["seq_id"]] for e in result["events"]]


def test_default_priority_and_full_key(backend: str) -> None:
    seq = build_sequencer(backend)
    batch = [
        make_event(5, "timer", None, None),  # 0
        make_event(5, "market_data", "kraken", None),  # 1
        make_event(5, "market_data", "binance", "ETH/USDT"),  # 2
        make_event(5, "market_data", "binance", "BTC/USDT", producer=1),  # 3
        make_event(5, "market_data", "binance", "BTC/USDT", producer=0),  # 4
        make_event(5, "market_data", None, "ZZZ"),  # 5 null venue first
        make_event(5, "broker_report", "binance", None),  # 6
        make_event(5, "control", "zeta", None, producer=9),  # 7
        make_event(4, "timer", None, None),  # 8 earliest time wins over everything
        make_event(5, "market_data", "binance", "BTC/USDT", producer=0),  # 9 ties 4: arrival order
    ]
    result = seq.apply(batch)
    assert emitted_order(result) == [8, 7, 6, 5, 4, 9, 3, 2, 1, 0]
    assert [e["seq_id"] for e in result["events"]] == list(range(1, 11))
    assert [r["index"] for r in result["results"]] == list(range(10))
    assert all(r["accepted"] and r["code"] == "ok" and r["diagnostics"] == [] for r in result["results"])
    assert validate_sequencer_result(result) == []


def test_null_instrument_sorts_first_and_strings_by_code_point(backend: str) -> None:
    seq = build_sequencer(backend)
    batch = [
        make_event(1, venue="é"),  # U+00E9 sorts after "z"
        make_event(1, venue="z"),
        make_event(1, venue="Z"),  # upper case before lower case
        make_event(1, venue="a", instrument="b"),
        make_event(1, venue="a", instrument=None),
    ]
    assert emitted_order(seq.apply(batch)) == [2, 4, 3, 1, 0]


def test_custom_priority(backend: str) -> None:
    seq = build_sequencer(
        backend, source_priority=["timer", "market_data", "broker_report", "control"]
    )
    batch = [make_event(1, s, None, None) for s in ("control", "broker_report", "market_data", "timer")]
    assert emitted_order(seq.apply(batch)) == [3, 2, 1, 0]
    assert seq.snapshot()["source_priority"] == ["timer", "market_data", "broker_report", "control"]


def test_ids_continue_across_batches_from_start(backend: str) -> None:
    seq = build_sequencer(backend, start_seq_id=41)
    first = seq.apply([make_event(1), make_event(2)])
    empty = seq.apply([])
    second = seq.apply([make_event(3), "junk", make_event(3)])
    assert [e["seq_id"] for e in first["events"]] == [41, 42]
    assert empty == {"accepted": True, "code": "ok", "diagnostics": [], "events": [], "results": []}
    assert [e["seq_id"] for e in second["events"]] == [43, 44]
    assert [r["seq_id"] for r in second["results"]] == [43, None, 44]
    assert seq.snapshot()["next_seq_id"] == 45


def test_seq_id_absent_or_null_is_accepted_but_a_set_one_is_refused(backend: str) -> None:
    seq = build_sequencer(backend)
    absent = make_event(1)
    del absent["seq_id"]
    result = seq.apply([absent, make_event(1), make_event(1, seq_id=7)])
    assert [r["code"] for r in result["results"]] == ["ok", "ok", "invalid_payload"]
    assert result["results"][2]["diagnostics"] == [{"code": "invalid_payload", "field": "/seq_id"}]
    assert result["events"][0]["seq_id"] == 1 and list(result["events"][0])[-1] == "seq_id"


def test_late_reject(backend: str) -> None:
    seq = build_sequencer(backend)
    seq.apply([make_event(10)])
    result = seq.apply([make_event(9), make_event(10), make_event(11)])
    late, same, later = result["results"]
    assert late == {
        "index": 0,
        "accepted": False,
        "code": "late_event",
        "seq_id": None,
        "late": True,
        "diagnostics": [{"code": "late_event", "field": "/event_time"}],
    }
    assert same["accepted"] and not same["late"], "an equal event_time is not late"
    assert [e["event_time"] for e in result["events"]] == [10, 11]
    assert seq.snapshot()["last_event_time"] == 11


def test_late_accept_marks_and_keeps_watermark(backend: str) -> None:
    seq = build_sequencer(backend, late_policy="accept")
    seq.apply([make_event(10)])
    result = seq.apply([make_event(12), make_event(3), make_event(10)])
    assert emitted_order(result) == [1, 2, 0]  # the late one sorts first in its batch
    assert [(r["late"], r["seq_id"], r["code"]) for r in result["results"]] == [
        (False, 4, "ok"),
        (True, 2, "ok"),
        (False, 3, "ok"),
    ]
    assert "late" not in result["events"][0], "events stay engine_event-shaped"
    assert seq.snapshot()["last_event_time"] == 12
    # Lateness is judged against the batch's starting watermark, so events in one
    # batch are never late relative to each other.
    assert not any(r["late"] for r in seq.apply([make_event(20), make_event(13)])["results"])


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("kind", "intent", "/kind"),
        ("seq_id", 3, "/seq_id"),
        ("event_time", True, "/event_time"),
        ("event_time", 1.0, "/event_time"),
        ("event_time", 2**63, "/event_time"),
        ("event_time", -1, "/event_time"),
        ("source", "news", "/source"),
        ("venue", "", "/venue"),
        ("venue", "x" * 129, "/venue"),
        ("venue", "a\x9fb", "/venue"),
        ("venue", "\ud800", "/venue"),
        ("instrument", 5, "/instrument"),
        ("producer", -1, "/producer"),
        ("producer", 2**63, "/producer"),
        ("payload", {"b": 2**127, "a": float("nan")}, "/payload/a"),
        ("payload", {"b": 2**127}, "/payload/b"),
        ("payload", {"list": [1, (2,)]}, "/payload/list/1"),
        ("payload", {1: 1}, "/payload"),
        ("a/b~c", float("inf"), "/a~1b~0c"),
    ],
)
def test_invalid_fields_name_the_field(backend: str, key: str, value: object, field: str) -> None:
    seq = build_sequencer(backend)
    event = make_event(1)
    event[key] = value
    result = seq.apply([event, make_event(1)])
    refused, fine = result["results"]
    assert refused["code"] == "invalid_payload" and not refused["accepted"]
    assert refused["diagnostics"] == [{"code": "invalid_payload", "field": field}]
    assert refused["seq_id"] is None and fine["seq_id"] == 1


def test_envelope_checks_come_before_the_payload(backend: str) -> None:
    event = make_event(1, producer=-1, payload={"x": float("nan")})
    event["venue"] = ""
    [result] = build_sequencer(backend).apply([event])["results"]
    assert result["diagnostics"][0]["field"] == "/venue"


@pytest.mark.parametrize("key", MISSING_KEYS)
def test_missing_keys(backend: str, key: str) -> None:
    event = make_event(1)
    del event[key]
    [result] = build_sequencer(backend).apply([event])["results"]
    if key in ("seq_id", "payload"):
        assert result["accepted"]  # not read by the sequencer (D-151)
    else:
        assert result["diagnostics"] == [{"code": "invalid_payload", "field": "/" + key}]


def test_nesting_limit_matches_strict_json(backend: str) -> None:
    def nest(depth: int) -> object:
        value: object = 0
        for _ in range(depth):
            value = [value]
        return value

    seq = build_sequencer(backend)
    # batch (1) + event (2) + payload list levels: 32 levels in all are fine, 33 are not.
    ok, deep = seq.apply([make_event(1, payload=nest(30)), make_event(1, payload=nest(31))])["results"]
    assert ok["accepted"]
    assert deep["diagnostics"][0]["field"] == "/payload" + "/0" * 30


@pytest.mark.parametrize("batch", [None, {}, (make_event(1),), "[]", 3, b"[]"])
def test_a_batch_that_is_not_a_list_is_refused_whole(backend: str, batch: object) -> None:
    seq = build_sequencer(backend)
    before = seq.state_hash()
    assert seq.apply(batch) == REFUSED_BATCH
    assert seq.state_hash() == before


def test_not_events_never_raise(backend: str) -> None:
    seq = build_sequencer(backend)
    result = seq.apply(list(NOT_EVENTS) + [make_event(1)])
    codes = [r["code"] for r in result["results"]]
    fields = [r["diagnostics"][0]["field"] if r["diagnostics"] else None for r in result["results"]]
    # Only exact built-in types are JSON types (D-007): even HostileDict(make_event(1))
    # is refused at "", so only the plain event at the end is accepted.
    assert codes.count("ok") == 1 and codes[-1] == "ok"
    assert fields[: len(NOT_EVENTS)].count("") == len(NOT_EVENTS)
    assert validate_sequencer_result(result) == []


@pytest.mark.parametrize(
    ("key", "value"), MUTATIONS, ids=[f"{key}-{n}" for n, (key, _) in enumerate(MUTATIONS)]
)
def test_every_mutation_is_a_result_not_an_exception(backend: str, key: str, value: object) -> None:
    seq = build_sequencer(backend)
    event = make_event(1)
    event[key] = value
    result = seq.apply([event])
    [item] = result["results"]
    assert item["code"] in ("ok", "invalid_payload")
    assert validate_sequencer_result(result) == []
    canonical_bytes(result)  # the output is plain JSON whatever came in


@pytest.mark.parametrize(
    "make",
    [
        lambda: HostileDict(make_event(1)),
        lambda: make_event(1, source=HostileStr("timer")),
        lambda: make_event(1, payload={HostileStr("k"): "v"}),
    ],
    ids=["dict-subclass", "str-subclass-value", "str-subclass-key"],
)
def test_subclasses_are_refused_like_the_rust_converter(backend: str, make) -> None:
    # D-007: subclasses of the JSON types are not JSON types, on both backends alike.
    result = build_sequencer(backend).apply([make()])
    [item] = result["results"]
    assert item["code"] == "invalid_payload" and result["events"] == []


def test_inputs_are_not_mutated(backend: str) -> None:
    batch = [make_event(2), make_event(1), {"kind": "event"}]
    before = copy.deepcopy(batch)
    build_sequencer(backend).apply(batch)
    assert batch == before


def test_seq_id_exhaustion_is_numeric_overflow(backend: str) -> None:
    seq = build_sequencer(backend, start_seq_id=2**63 - 2)
    result = seq.apply([make_event(1), make_event(2), make_event(3)])
    assert [r["seq_id"] for r in result["results"]] == [2**63 - 2, 2**63 - 1, None]
    assert result["results"][2]["diagnostics"] == [{"code": "numeric_overflow", "field": "/seq_id"}]
    assert seq.snapshot()["next_seq_id"] == 2**63
    assert seq.snapshot()["last_event_time"] == 2
    assert validate_sequencer_snapshot(seq.snapshot()) == []
    assert seq.apply([make_event(5)])["results"][0]["code"] == "numeric_overflow"


def test_apply_batch_equals_successive_apply(backend: str) -> None:
    batches = [[make_event(3), make_event(1)], "junk", [make_event(2), make_event(4)], []]
    one = build_sequencer(backend)
    many = build_sequencer(backend)
    assert one.apply_batch(batches) == [many.apply(b) for b in batches]
    assert one.state_hash() == many.state_hash()


@pytest.mark.parametrize("batches", [None, (), {}, "[]", b"[]"])
def test_apply_batch_wants_a_list(backend: str, batches: object) -> None:
    with pytest.raises(InvalidPayload):
        build_sequencer(backend).apply_batch(batches)


def test_apply_jsonl_lines(backend: str) -> None:
    seq = build_sequencer(backend)
    data = b'[{"kind":"event","event_time":2,"source":"timer","venue":null,"instrument":null,"producer":0}]\n'
    data += b"[\n\nNaN\n{}\n[1]\n"
    out = seq.apply_jsonl(data)
    lines = out.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 7
    first = build_sequencer(backend).apply(
        [{"kind": "event", "event_time": 2, "source": "timer", "venue": None, "instrument": None, "producer": 0}]
    )
    assert lines[0] == canonical_bytes(first)
    assert lines[1:5] == [canonical_bytes(REFUSED_BATCH)] * 4
    assert b'"field":""' in lines[5] and b'"accepted":true,"code":"ok"' in lines[5]
    assert seq.apply_jsonl(b"") == b""
    assert seq.apply_jsonl(bytearray(b"[]")) == canonical_bytes(
        {"accepted": True, "code": "ok", "diagnostics": [], "events": [], "results": []}
    ) + b"\n"


@pytest.mark.parametrize("data", ["[]", None, [b"[]"], memoryview(b"[]")])
def test_apply_jsonl_wants_bytes(backend: str, data: object) -> None:
    with pytest.raises(InvalidPayload):
        build_sequencer(backend).apply_jsonl(data)


@pytest.mark.parametrize(
    "options",
    [
        {"late_policy": "later"},
        {"late_policy": 1},
        {"late_policy": ("reject",)},
        {"source_priority": ["control", "timer"]},
        {"source_priority": ["control", "control", "timer", "market_data"]},
        {"source_priority": ["control", "broker_report", "market_data", "timer", "timer"]},
        {"source_priority": "control"},
        {"source_priority": {"control": 1}},
        {"start_seq_id": 0},
        {"start_seq_id": True},
        {"start_seq_id": 1.0},
        {"start_seq_id": 2**63},
        {"start_seq_id": "1"},
    ],
)
def test_bad_options_raise_invalid_config(backend: str, options: dict) -> None:
    with pytest.raises(InvalidConfig):
        build_sequencer(backend, **options)


def test_none_options_are_defaults_and_options_are_keyword_only(backend: str) -> None:
    seq = build_sequencer(backend, late_policy=None, source_priority=None, start_seq_id=None)
    assert seq.snapshot() == build_sequencer(backend).snapshot() == {
        "schema_version": 1,
        "next_seq_id": 1,
        "last_event_time": None,
        "late_policy": "reject",
        "source_priority": ["control", "broker_report", "market_data", "timer"],
    }
    tuple_priority = build_sequencer(backend, source_priority=("timer", "control", "market_data", "broker_report"))
    assert tuple_priority.snapshot()["source_priority"] == ["timer", "control", "market_data", "broker_report"]
    with pytest.raises(TypeError):
        type(seq)("accept")
    with pytest.raises(TypeError):
        type(seq)(unknown=1)


def test_snapshot_restore_and_state_hash(backend: str) -> None:
    seq = build_sequencer(backend, late_policy="accept", start_seq_id=7)
    seq.apply([make_event(4), make_event(9)])
    snap = seq.snapshot()
    assert snap == {
        "schema_version": 1,
        "next_seq_id": 9,
        "last_event_time": 9,
        "late_policy": "accept",
        "source_priority": ["control", "broker_report", "market_data", "timer"],
    }
    assert validate_sequencer_snapshot(snap) == []
    assert seq.state_hash() == hashlib.sha256(canonical_bytes(snap)).hexdigest()
    fresh = build_sequencer(backend, source_priority=["timer", "control", "market_data", "broker_report"])
    fresh.restore(snap)
    assert fresh.snapshot() == snap  # options come from the snapshot too
    assert fresh.apply([make_event(1)]) == seq.apply([make_event(1)])


def _good_snapshot() -> dict:
    return {
        "schema_version": 1,
        "next_seq_id": 5,
        "last_event_time": 3,
        "late_policy": "reject",
        "source_priority": ["control", "broker_report", "market_data", "timer"],
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schema_version": 2}, "/schema_version"),
        ({"schema_version": True}, "/schema_version"),
        ({"next_seq_id": 0}, "/next_seq_id"),
        ({"next_seq_id": 2**63 + 1}, "/next_seq_id"),
        ({"next_seq_id": 5.0}, "/next_seq_id"),
        ({"last_event_time": -1}, "/last_event_time"),
        ({"last_event_time": 2**63}, "/last_event_time"),
        ({"last_event_time": "3"}, "/last_event_time"),
        ({"late_policy": "Reject"}, "/late_policy"),
        ({"source_priority": ["control", "broker_report", "market_data"]}, "/source_priority"),
        ({"source_priority": ("control", "broker_report", "market_data", "timer")}, "/source_priority"),
        ({"source_priority": ["control", "broker_report", "market_data", "market_data"]}, "/source_priority"),
        ({"extra": 1}, ""),
    ],
)
def test_bad_snapshots_raise_and_change_nothing(backend: str, change: dict, field: str) -> None:
    seq = build_sequencer(backend, late_policy="accept")
    seq.apply([make_event(8)])
    before = seq.state_hash()
    with pytest.raises(InvalidPayload):
        seq.restore({**_good_snapshot(), **change})
    assert seq.state_hash() == before
    with pytest.raises(InvalidPayload) as info:
        seq.restore({**_good_snapshot(), **change})
    assert info.value.field == field


@pytest.mark.parametrize("snapshot", [None, [], "x", {1: 2}, {}])
def test_restore_wants_an_object(backend: str, snapshot: object) -> None:
    with pytest.raises(InvalidPayload):
        build_sequencer(backend).restore(snapshot)


def test_missing_snapshot_key(backend: str) -> None:
    snapshot = _good_snapshot()
    del snapshot["last_event_time"]
    with pytest.raises(InvalidPayload):
        build_sequencer(backend).restore(snapshot)
    seq = build_sequencer(backend)
    seq.restore(_good_snapshot())
    assert seq.apply([make_event(2)])["results"][0]["code"] == "late_event"


def test_result_codes_come_from_the_closed_list() -> None:
    from cracktrader.engine.validation import load_schema

    result_codes = set(load_schema("codes")["$defs"]["result_code"]["enum"])
    schema = load_schema("sequencer_result")
    per_input = set(schema["$defs"]["input_result"]["properties"]["code"]["enum"])
    per_batch = set(schema["properties"]["code"]["enum"])
    assert per_input | per_batch <= result_codes
    assert per_input == {"ok", "invalid_payload", "late_event", "numeric_overflow"}
