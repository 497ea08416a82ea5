"""Input validation: the check order of D-011 decides the code and field (D-010).

Each case breaks a valid input in one or two ways; the expected (code, field) follows
from the precedence rules, not from running the code. Every case runs through
``apply`` (Python objects) and, when it can be written as JSON, ``apply_jsonl``.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

import pytest
from core_inputs import bar_payload, event, intent, place_payload

from cracktrader.engine import build_core

BAR = event(1, "bar", bar_payload("1", "2", "0.5", "1.5", "3"))
FILL = event(
    1, "order_filled", {"order_id": "o", "fill_id": "f", "qty": "1", "price": "1", "fee": None}
)
PLACE = intent(1, "place_order", place_payload("o", order_type="limit", limit_price="10"))
REPLACE = intent(1, "replace_order", {"order_id": "o", "qty": "2", "limit_price": None, "stop_price": None})
FLAG = intent(1, "set_risk_flag", {"name": "kill_switch", "value": True})
TIMER = event(1, "timer", {"name": "t"})


def edit(base: dict, *changes: tuple[str, Any]) -> dict:
    """A copy of ``base`` with each (json-pointer-ish path, value) set; value DELETE removes."""
    out = copy.deepcopy(base)
    for path, value in changes:
        parts = path.strip("/").split("/")
        target = out
        for part in parts[:-1]:
            target = target[part]
        if value is DELETE:
            del target[parts[-1]]
        else:
            target[parts[-1]] = value
    return out


DELETE = object()

CASES: list[tuple[str, dict | Any, tuple[str, str]]] = [
    # the whole input
    ("not an object", [BAR], ("invalid_payload", "")),
    ("string input", "bar", ("invalid_payload", "")),
    ("kind missing", edit(BAR, ("kind", DELETE)), ("invalid_payload", "/kind")),
    ("kind unknown", edit(BAR, ("kind", "Event")), ("invalid_payload", "/kind")),
    ("kind not str", edit(BAR, ("kind", 1)), ("invalid_payload", "/kind")),
    # unknown keys come before missing ones; the code-point-smallest unknown is named
    ("unknown key", edit(BAR, ("zeta", 1), ("alpha", 1), ("seq_id", DELETE)), ("invalid_payload", "/alpha")),
    ("unknown key escaped", {**BAR, "a~b/c": 1}, ("invalid_payload", "/a~0b~1c")),
    ("missing key", edit(BAR, ("producer", DELETE), ("ingest_time", DELETE)), ("invalid_payload", "/ingest_time")),
    # envelope fields in declared order
    ("seq_id zero", edit(BAR, ("seq_id", 0), ("event_time", -1)), ("invalid_payload", "/seq_id")),
    ("seq_id bool", edit(BAR, ("seq_id", True)), ("invalid_payload", "/seq_id")),
    ("seq_id float", edit(BAR, ("seq_id", 1.0)), ("invalid_payload", "/seq_id")),
    ("seq_id 2^63", edit(BAR, ("seq_id", 2**63)), ("invalid_payload", "/seq_id")),
    ("event_time negative", edit(BAR, ("event_time", -1), ("source", "x")), ("invalid_payload", "/event_time")),
    ("ingest_time str", edit(BAR, ("ingest_time", "1")), ("invalid_payload", "/ingest_time")),
    ("source unknown", edit(BAR, ("source", "exchange")), ("invalid_payload", "/source")),
    ("venue null for market data", edit(BAR, ("venue", None)), ("invalid_payload", "/venue")),
    ("venue empty", edit(BAR, ("venue", "")), ("invalid_payload", "/venue")),
    ("venue too long", edit(BAR, ("venue", "v" * 129)), ("invalid_payload", "/venue")),
    ("instrument control char", edit(BAR, ("instrument", "BTC\u0085")), ("invalid_payload", "/instrument")),
    ("event_type for other source", edit(BAR, ("event_type", "order_filled")), ("invalid_payload", "/event_type")),
    ("event_type unknown", edit(BAR, ("event_type", "candle")), ("invalid_payload", "/event_type")),
    # payload before idempotency_key and producer
    ("payload not object", edit(BAR, ("payload", [1]), ("producer", -1)), ("invalid_payload", "/payload")),
    ("payload unknown key", edit(BAR, ("payload/extra", 1)), ("invalid_payload", "/payload/extra")),
    ("payload missing key", edit(BAR, ("payload/volume", DELETE)), ("invalid_payload", "/payload/volume")),
    ("decimal null", edit(BAR, ("payload/open", None)), ("invalid_payload", "/payload/open")),
    ("decimal list", edit(BAR, ("payload/open", [1])), ("invalid_payload", "/payload/open")),
    ("timeframe zero", edit(BAR, ("payload/timeframe_ms", 0)), ("invalid_payload", "/payload/timeframe_ms")),
    ("timeframe float", edit(BAR, ("payload/timeframe_ms", 1.5)), ("invalid_payload", "/payload/timeframe_ms")),
    ("key empty", edit(BAR, ("idempotency_key", "")), ("invalid_payload", "/idempotency_key")),
    ("producer negative", edit(BAR, ("producer", -1)), ("invalid_payload", "/producer")),
    # the shape phase completes before any number is judged
    ("bad number and bad producer", edit(BAR, ("payload/open", "x"), ("producer", None)), ("invalid_payload", "/producer")),
    # numbers, in declared order; invalid_number beats an earlier overflow
    ("NaN string", edit(BAR, ("payload/open", "NaN")), ("invalid_number", "/payload/open")),
    ("nan float", edit(BAR, ("payload/open", float("nan"))), ("invalid_number", "/payload/open")),
    ("inf float", edit(BAR, ("payload/high", float("inf"))), ("invalid_number", "/payload/high")),
    ("bool decimal", edit(BAR, ("payload/open", True)), ("invalid_number", "/payload/open")),
    ("padded", edit(BAR, ("payload/open", " 1")), ("invalid_number", "/payload/open")),
    ("arabic digit", edit(BAR, ("payload/open", "\u0661")), ("invalid_number", "/payload/open")),
    ("hex", edit(BAR, ("payload/open", "0x1")), ("invalid_number", "/payload/open")),
    ("overflow", edit(BAR, ("payload/volume", "1e40")), ("numeric_overflow", "/payload/volume")),
    ("huge int", edit(BAR, ("payload/volume", 2**130)), ("numeric_overflow", "/payload/volume")),
    ("first overflow named", edit(BAR, ("payload/high", "1e40"), ("payload/volume", 10**40)), ("numeric_overflow", "/payload/high")),
    ("invalid beats earlier overflow", edit(BAR, ("payload/open", "1e40"), ("payload/close", "NaN")), ("invalid_number", "/payload/close")),
    ("bar high below low", edit(BAR, ("payload/high", "0.1")), ("invalid_number", "/payload/high")),
    ("fill qty zero", edit(FILL, ("payload/qty", "0")), ("invalid_number", "/payload/qty")),
    ("fill qty negative", edit(FILL, ("payload/qty", -1)), ("invalid_number", "/payload/qty")),
    ("fill fee bad", edit(FILL, ("payload/fee", "one")), ("invalid_number", "/payload/fee")),
    # intents
    ("intent extra key", edit(PLACE, ("event_time", 1)), ("invalid_payload", "/event_time")),
    ("intent_type unknown", edit(PLACE, ("intent_type", "buy")), ("invalid_payload", "/intent_type")),
    ("side upper", edit(PLACE, ("payload/side", "BUY")), ("invalid_payload", "/payload/side")),
    ("order_type unknown", edit(PLACE, ("payload/order_type", "iceberg")), ("invalid_payload", "/payload/order_type")),
    ("tif unknown", edit(PLACE, ("payload/time_in_force", "day")), ("invalid_payload", "/payload/time_in_force")),
    ("expire float", edit(PLACE, ("payload/expire_time", 1.5)), ("invalid_payload", "/payload/expire_time")),
    ("limit missing for limit", edit(PLACE, ("payload/limit_price", None)), ("invalid_payload", "/payload/limit_price")),
    ("limit on market", edit(PLACE, ("payload/order_type", "market")), ("invalid_payload", "/payload/limit_price")),
    ("stop missing for stop_limit", edit(PLACE, ("payload/order_type", "stop_limit")), ("invalid_payload", "/payload/stop_price")),
    ("parent is self", edit(PLACE, ("payload/parent_order_id", "o")), ("invalid_payload", "/payload/parent_order_id")),
    # cross-field shape is phase 1: it beats a bad number
    ("cross field before numbers", edit(PLACE, ("payload/qty", "x"), ("payload/limit_price", None)), ("invalid_payload", "/payload/limit_price")),
    ("place qty zero", edit(PLACE, ("payload/qty", "0.0000000001")), ("invalid_number", "/payload/qty")),
    ("replace all null", edit(REPLACE, ("payload/qty", None)), ("invalid_payload", "/payload")),
    ("replace qty negative", edit(REPLACE, ("payload/qty", "-1")), ("invalid_number", "/payload/qty")),
    ("flag unknown", edit(FLAG, ("payload/name", "panic")), ("invalid_payload", "/payload/name")),
    ("flag value int", edit(FLAG, ("payload/value", 1)), ("invalid_payload", "/payload/value")),
    ("noop payload key", intent(1, "noop", {"x": 1}), ("invalid_payload", "/payload/x")),
    ("timer name null", edit(TIMER, ("payload/name", None)), ("invalid_payload", "/payload/name")),
    ("timer venue may be null", edit(TIMER, ("instrument", "")), ("invalid_payload", "/instrument")),
]


def _jsonl_result(core: Any, obj: Any) -> dict | None:
    try:
        line = json.dumps(obj, allow_nan=False).encode()  # a NaN token refuses the whole line
    except (TypeError, ValueError):
        return None
    out = core.apply_jsonl(line + b"\n")
    return json.loads(out)


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_refusal_code_and_field(name: str, backend: str) -> None:
    _, obj, expected = next(c for c in CASES if c[0] == name)
    result = build_core(backend).apply(obj)
    assert result["accepted"] is False
    assert (result["code"], result["diagnostics"][0]["field"]) == expected
    assert result["diagnostics"] == [{"code": expected[0], "field": expected[1]}]
    via_json = _jsonl_result(build_core(backend), obj)
    if via_json is not None:
        assert via_json == result


@pytest.mark.parametrize("base", [BAR, FILL, PLACE, REPLACE, FLAG, TIMER], ids=lambda b: b.get("event_type", b.get("intent_type")))
def test_valid_bases_pass_validation(base: dict, backend: str) -> None:
    # the bases are valid: they fail, if at all, on state (never on shape or numbers)
    result = build_core(backend, config={"mode": "external"}).apply(base)
    assert result["code"] not in ("invalid_payload", "invalid_number", "numeric_overflow"), result


def test_seq_id_is_echoed_only_when_valid(backend: str) -> None:
    core = build_core(backend)
    assert core.apply(edit(BAR, ("venue", None)))["seq_id"] == 1
    assert core.apply(edit(BAR, ("seq_id", 0)))["seq_id"] is None
    assert core.apply(edit(BAR, ("seq_id", "7")))["seq_id"] is None
    assert core.apply(edit(BAR, ("kind", None), ("seq_id", 9)))["seq_id"] == 9


def test_number_forms(backend: str) -> None:
    core = build_core(backend)
    forms = {"1": "1", "1.50": "1.5", "+2": "2", "1e2": "100", "2.5E-1": "0.25", 3: "3", 0.1: "0.1",
             "0.0000000015": "0.000000002", "0.0000000025": "0.000000002", "-0": "0"}
    for seq, (form, text) in enumerate(forms.items(), start=1):
        bar = edit(BAR, ("seq_id", seq), ("payload/open", form), ("payload/high", form), ("payload/low", form),
                   ("payload/close", form), ("event_time", 1000 + seq))
        assert core.apply(bar)["code"] == "ok", form
        assert core.snapshot()["last_bar"]["binance"]["BTC/USDT"]["open"] == text, form


def test_jsonl_lines(backend: str) -> None:
    core = build_core(backend)
    good = json.dumps(intent(1, "noop", {})).encode()
    data = b"\n".join([good, b"", b"{bad", b"NaN", b'{"a":1,"a":2}', b'"\xff"', b"[" * 40 + b"]" * 40]) + b"\n"
    lines = core.apply_jsonl(data).split(b"\n")
    assert lines[-1] == b"" and len(lines) == 8
    assert json.loads(lines[0])["code"] == "ok"
    for line in lines[1:-1]:
        result = json.loads(line)
        assert result["seq_id"] is None and result["diagnostics"] == [{"code": "invalid_payload", "field": ""}]
    assert core.apply_jsonl(b"") == b""
    # no trailing newline: the last line still counts; CRLF whitespace is JSON whitespace
    assert core.apply_jsonl(json.dumps(intent(2, "noop", {})).encode() + b"\r").count(b'"code":"ok"') == 1
