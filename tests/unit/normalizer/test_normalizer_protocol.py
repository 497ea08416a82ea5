"""The component protocol (D-020) of the normalizer on both backends: apply,
apply_batch, apply_jsonl, snapshot / restore / state_hash, conveniences, misuse."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from normalizer_support import BAR, BAR_CTX, CTX, MY_TRADE, ORDER, TRADE, build

from cracktrader.engine import build_event_normalizer
from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.errors import InvalidConfig, InvalidPayload
from cracktrader.engine.validation import validate_normalizer_snapshot

CODES = ["ok", "invalid_payload", "invalid_number", "numeric_overflow", "missing_field",
         "unsupported_payload", "invalid_timestamp"]
REFUSED_LINE = b'{"accepted":false,"code":"invalid_payload","events":[],"field":""}\n'


def test_outcome_has_exactly_the_compared_keys(normalizer) -> None:
    for item in (build("trade"), build("trade", price="x"), "garbage"):
        assert set(normalizer.apply(item)) == {"accepted", "code", "field", "events"}


def test_apply_batch_is_apply_in_order(normalizer, backend) -> None:
    items = [build("trade"), build("ohlcv"), build("order", status=None), "x", build("my_trade")]
    single = build_event_normalizer(backend=backend)
    expected = [single.apply(item) for item in items]
    assert normalizer.apply_batch(items) == expected
    assert normalizer.apply_batch(tuple(items)) == expected
    assert normalizer.apply_batch([]) == []
    assert normalizer.snapshot() == single.snapshot() | {"outcomes": {
        code: 2 * n for code, n in single.snapshot()["outcomes"].items()}}


@pytest.mark.parametrize("misuse", [None, "x", b"x", {"kind": "trade"}, 5])
def test_batch_misuse_raises(misuse, normalizer) -> None:
    with pytest.raises(InvalidPayload):
        normalizer.apply_batch(misuse)
    with pytest.raises(InvalidPayload):
        normalizer.normalize_batch("trade", misuse, CTX)


def test_conveniences_build_the_input(normalizer, backend) -> None:
    reference = build_event_normalizer(backend=backend)
    pairs = [
        (normalizer.normalize_trade(TRADE, CTX), build("trade")),
        (normalizer.normalize_ohlcv(BAR, BAR_CTX), build("ohlcv")),
        (normalizer.normalize_order(ORDER, CTX), build("order")),
        (normalizer.normalize_my_trade(MY_TRADE, CTX), build("my_trade")),
    ]
    for got, item in pairs:
        assert got == reference.apply(item)
        assert got["accepted"]
    batch = normalizer.normalize_batch("trade", [TRADE, {**TRADE, "id": None}], CTX)
    assert [o["code"] for o in batch] == ["ok", "missing_field"]
    assert normalizer.normalize_batch("ticker", [{}], CTX)[0]["field"] == "/kind"


def test_apply_jsonl_lines(normalizer, backend) -> None:
    good = json.dumps(build("trade")).encode()
    data = b"\n".join([good, b"", b"NaN", b'{"kind":"trade","kind":"trade"}', b"\xff\xfe", b"[" * 33 + b"]" * 33,
                       b'{"kind": "trade", "payload": {"price": NaN}}', b"   ", good + b"\r"]) + b"\n"
    out = normalizer.apply_jsonl(data)
    lines = out.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 10
    reference = build_event_normalizer(backend=backend)
    assert lines[0] + b"\n" == canonical_bytes(reference.apply(build("trade"))) + b"\n"
    assert all(line + b"\n" == REFUSED_LINE for line in lines[1:8])
    assert lines[8] == lines[0]
    assert normalizer.apply_jsonl(b"") == b""
    assert normalizer.apply_jsonl(b"\n") == REFUSED_LINE
    assert normalizer.apply_jsonl(bytearray(good)) == lines[0] + b"\n"
    assert normalizer.snapshot()["outcomes"]["invalid_payload"] == 8


def test_apply_jsonl_reads_numbers_exactly(normalizer) -> None:
    """Integers are exact and float tokens go through shortest digits, as with objects."""
    line = (b'{"kind":"trade","context":{"venue":"v","ingest_time":1,"producer":9223372036854775807},'
            b'"payload":{"id":"1","symbol":"B/Q","timestamp":9223372036854775807,"side":"sell",'
            b'"price":123456789012345678901234567890,"amount":0.30000000000000004}}\n')
    event = json.loads(normalizer.apply_jsonl(line))["events"][0]
    assert event["payload"]["price"] == "123456789012345678901234567890"
    assert event["payload"]["amount"] == "0.3"
    assert event["event_time"] == event["producer"] == 2**63 - 1
    huge = line.replace(b"123456789012345678901234567890", b"1" * 70)
    assert json.loads(normalizer.apply_jsonl(huge))["code"] == "numeric_overflow"
    huge_time = line.replace(b'"timestamp":9223372036854775807', b'"timestamp":' + b"9" * 70)
    assert json.loads(normalizer.apply_jsonl(huge_time))["field"] == "/payload/timestamp"


@pytest.mark.parametrize("misuse", ["text", None, 5, [b"x"], memoryview(b"x")])
def test_apply_jsonl_misuse_raises(misuse, normalizer) -> None:
    with pytest.raises(InvalidPayload):
        normalizer.apply_jsonl(misuse)


def test_snapshot_counts_outcomes_by_code(normalizer) -> None:
    assert normalizer.snapshot() == {"schema_version": 1, "outcomes": dict.fromkeys(CODES, 0)}
    for item in (build("trade"), build("trade"), build("trade", price="x"), build("order", status="new"), 7):
        normalizer.apply(item)
    snapshot = normalizer.snapshot()
    assert validate_normalizer_snapshot(snapshot) == []
    assert snapshot["outcomes"] == {**dict.fromkeys(CODES, 0), "ok": 2, "invalid_number": 1,
                                    "unsupported_payload": 1, "invalid_payload": 1}
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert normalizer.state_hash() == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("source, target", [("python", "rust"), ("rust", "python"), ("rust", "rust"),
                                            ("python", "python")])
def test_snapshot_restores_across_backends(source: str, target: str) -> None:
    from backend_support import require_rust

    require_rust()
    first = build_event_normalizer(backend=source)
    for item in (build("trade"), build("ohlcv", **{"5": None}), "x"):
        first.apply(item)
    second = build_event_normalizer(backend=target)
    second.restore(first.snapshot())
    assert second.state_hash() == first.state_hash()
    for normalizer in (first, second):
        normalizer.apply(build("my_trade"))
    assert second.snapshot() == first.snapshot()
    assert second.state_hash() == first.state_hash()


BAD_SNAPSHOTS = [
    None, [], {}, {"schema_version": 1}, {"schema_version": 2, "outcomes": dict.fromkeys(CODES, 0)},
    {"schema_version": True, "outcomes": dict.fromkeys(CODES, 0)},
    {"schema_version": 1, "outcomes": dict.fromkeys(CODES, 0), "extra": 1},
    {"schema_version": 1, "outcomes": {**dict.fromkeys(CODES, 0), "late": 0}},
    {"schema_version": 1, "outcomes": {**dict.fromkeys(CODES, 0), "ok": -1}},
    {"schema_version": 1, "outcomes": {**dict.fromkeys(CODES, 0), "ok": 2**63}},
    {"schema_version": 1, "outcomes": {**dict.fromkeys(CODES, 0), "ok": 1.0}},
    {"schema_version": 1, "outcomes": {**dict.fromkeys(CODES, 0), "ok": True}},
    {"schema_version": 1, "outcomes": dict.fromkeys(CODES[1:], 0)},
    {"schema_version": 1, "outcomes": {**dict.fromkeys(CODES, 0), "\ud800": 0}},
]


@pytest.mark.parametrize("snapshot", BAD_SNAPSHOTS)
def test_bad_snapshots_raise_and_change_nothing(snapshot, normalizer) -> None:
    normalizer.apply(build("trade"))
    before = normalizer.snapshot()
    with pytest.raises(InvalidPayload):
        normalizer.restore(snapshot)
    assert normalizer.snapshot() == before


def test_counters_saturate(normalizer) -> None:
    normalizer.restore({"schema_version": 1, "outcomes": {**dict.fromkeys(CODES, 0), "ok": 2**63 - 1}})
    normalizer.apply(build("trade"))
    assert normalizer.snapshot()["outcomes"]["ok"] == 2**63 - 1


def test_unknown_options_are_refused(backend) -> None:
    with pytest.raises(InvalidConfig):
        build_event_normalizer(backend=backend, venue="kraken")


def test_python_backend_reads_no_clock(monkeypatch) -> None:
    """Times come from the payload and the context only (DESIGN.md section 4)."""
    def no_clock(*_args):
        raise AssertionError("the normalizer read a clock")

    for name in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter"):
        monkeypatch.setattr(time, name, no_clock)
    normalizer = build_event_normalizer(backend="python")
    assert all(normalizer.apply(build(kind))["accepted"] for kind in ("trade", "ohlcv", "order", "my_trade"))
