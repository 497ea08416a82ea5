"""Regressions found by running the Python reference and the Rust core side by side.

Each test pins the rule that decided which backend was wrong; both backends must pass.
"""

from __future__ import annotations

import pytest
from core_inputs import Driver, canon, event, intent, place_payload, refusal

from cracktrader.engine import build_core


class _Str(str):
    pass


def test_json_integer_too_long_to_read_is_overflow_in_a_decimal_field(backend: str) -> None:
    # D-005: a huge integer token in a decimal field is numeric_overflow, whatever its
    # length (the Python reader keeps tokens over 60 digits as an opaque marker, which
    # the shape phase refused as invalid_payload before this was fixed).
    core = build_core(backend)
    for digits in (45, 61, 400):
        line = (
            b'{"kind":"intent","seq_id":1,"intent_type":"place_order","payload":{"intent_id":"i","order_id":"o",'
            b'"instrument":"x","venue":"v","side":"buy","order_type":"market","qty":' + b"9" * digits + b","
            b'"limit_price":null,"stop_price":null,"time_in_force":"gtc","expire_time":null,'
            b'"parent_order_id":null,"oco_group":null,"strategy_id":"s"}}\n'
        )
        out = core.apply_jsonl(line)
        assert b'"code":"numeric_overflow"' in out and b'"field":"/payload/qty"' in out, (digits, out)
    # in an integer field the same token is invalid_payload (not a seq_id)
    out = core.apply_jsonl(b'{"kind":"intent","seq_id":' + b"9" * 61 + b',"intent_type":"noop","payload":{}}\n')
    assert b'"code":"invalid_payload"' in out and b'"field":"/seq_id"' in out


def test_str_subclasses_are_not_json_strings(backend: str) -> None:
    # D-007: exact built-in types only. Python compared kind/side with ==, which a str
    # subclass passes; the Rust binding (exact types) refused them.
    core = build_core(backend)
    noop = intent(1, "noop", {})
    noop["kind"] = _Str("intent")
    assert refusal(core.apply(noop)) == ("invalid_payload", "/kind")
    core.apply(event(1, "bar", {"open": 1, "high": 1, "low": 1, "close": 1, "volume": 1, "timeframe_ms": 1}))
    payload = place_payload("o1", side=_Str("buy"))
    assert refusal(core.apply(intent(2, "place_order", payload))) == ("invalid_payload", "/payload/side")


def test_jsonl_rejects_non_bytes_like_input(backend: str) -> None:
    core = build_core(backend)
    for bad in ("text", 5, [1, 2], None):
        with pytest.raises(TypeError):
            core.apply_jsonl(bad)
    line = b'{"kind":"intent","seq_id":1,"intent_type":"noop","payload":{}}\n'
    assert core.apply_jsonl(bytearray(line)).count(b"\n") == 1
    assert canon(core.snapshot())  # still a valid core


def test_jsonl_accepts_memoryview(backend: str) -> None:
    core = build_core(backend)
    line = b'{"kind":"intent","seq_id":1,"intent_type":"noop","payload":{}}\n'
    assert b'"code":"ok"' in core.apply_jsonl(memoryview(line))
