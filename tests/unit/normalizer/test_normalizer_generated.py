"""Generated CCXT-shaped payloads and field-by-field mutations.

- sane payloads are always accepted, with the decimals the ``decimal`` module predicts
  (a rejection of sane data is a bug);
- mutated payloads always give an outcome (never an exception), schema-valid;
- both backends give byte-identical canonical outputs on every path (``apply``,
  ``apply_batch``, ``apply_jsonl``), over a seeded corpus of several thousand inputs
  and over Hypothesis-drawn ones.
"""

from __future__ import annotations

import json
import math
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from normalizer_support import (
    CTX,
    HOSTILE,
    build,
    canonical_decimal,
    gen_input,
    json_line,
    mutate,
    paths_of,
)

from cracktrader.engine import strict_json
from cracktrader.engine.canonical import canonical_bytes, find_float
from cracktrader.engine.errors import InvalidPayload
from cracktrader.engine.validation import validate_normalizer_outcome

SEED = 20240313
SANE = 2500
MUTATED = 3500


def seeded_corpus() -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[Any]]:
    rng = random.Random(SEED)
    sane = [gen_input(rng) for _ in range(SANE)]
    mutated = [mutate(rng, rng.choice(sane)[0]) for _ in range(MUTATED)]
    # a second mutation on some inputs reaches combinations of problems (precedence)
    mutated += [mutate(rng, item) for item in mutated[:500] if isinstance(item, dict)]
    return sane, mutated


SANE_CORPUS, MUTATED_CORPUS = seeded_corpus()


def check_sane(outcome: dict[str, Any], item: dict[str, Any], expect: dict[str, Any]) -> None:
    assert outcome["accepted"], (outcome, item)
    events = outcome["events"]
    kind = item["kind"]
    if kind == "ohlcv":
        (event,) = events
        names = ["open", "high", "low", "close", "volume"]
        assert [event["payload"][n] for n in names] == expect["values"]
        assert event["event_time"] == expect["event_time"]
        return
    if kind == "order":
        assert [e["event_type"] for e in events] == expect["types"]
        if expect["types"][0] == "order_accepted":
            assert events[0]["event_time"] == expect["created"]
        fills = [e for e in events if e["event_type"] == "order_filled"]
        for event, (fill_id, want) in zip(fills, expect["fills"]):
            assert event["payload"]["fill_id"] == fill_id
            assert (event["payload"]["qty"], event["payload"]["price"], event["payload"]["fee"]) == (
                want["amount"], want["price"], want["fee"])
            assert event["event_time"] == want["event_time"]
        if expect["types"][-1] in ("order_cancelled", "order_expired", "order_rejected"):
            assert events[-1]["event_time"] == expect["last"]
        assert all(e["instrument"] == expect["instrument"] for e in events)
        return
    (event,) = events
    assert event["event_time"] == expect["event_time"]
    assert event["instrument"] == expect["instrument"]
    if kind == "trade":
        assert (event["payload"]["price"], event["payload"]["amount"]) == (expect["price"], expect["amount"])
    else:
        assert (event["payload"]["qty"], event["payload"]["price"], event["payload"]["fee"]) == (
            expect["amount"], expect["price"], expect["fee"])


def test_sane_generated_inputs_are_accepted_as_predicted(normalizer) -> None:
    for item, expect in SANE_CORPUS:
        outcome = normalizer.apply(item)
        check_sane(outcome, item, expect)
    assert normalizer.snapshot()["outcomes"]["ok"] == SANE


def test_mutated_inputs_always_give_a_valid_outcome(normalizer) -> None:
    codes = set()
    for item in MUTATED_CORPUS:
        outcome = normalizer.apply(item)
        assert validate_normalizer_outcome(outcome) == [], (item, outcome)
        assert find_float(outcome) is None
        codes.add(outcome["code"])
    # the mutations reach every code (so they are not all caught by one early check)
    assert codes == {"ok", "invalid_payload", "invalid_number", "numeric_overflow", "missing_field",
                     "unsupported_payload", "invalid_timestamp"}


def test_generated_corpus_is_byte_identical_across_backends(both) -> None:
    python, rust = both
    items = [item for item, _ in SANE_CORPUS] + MUTATED_CORPUS
    assert len(items) >= 5000
    for item in items:
        assert canonical_bytes(python.apply(item)) == canonical_bytes(rust.apply(item)), item
    expected = [canonical_bytes(o) for o in python.apply_batch(items)]
    assert [canonical_bytes(o) for o in rust.apply_batch(items)] == expected
    assert python.snapshot() == rust.snapshot()
    assert python.state_hash() == rust.state_hash()


def test_jsonl_path_agrees_with_objects_and_across_backends(both) -> None:
    python, rust = both
    items = [item for item, _ in SANE_CORPUS] + MUTATED_CORPUS
    lines = [line for item in items for line in (json_line(item), json_line(item, ascii_only=False)) if line]
    data = b"\n".join(lines) + b"\n"
    out_python, out_rust = python.apply_jsonl(data), rust.apply_jsonl(data)
    assert out_python == out_rust
    outs = out_python.split(b"\n")[:-1]
    assert len(outs) == len(lines)
    reference = type(python)()
    for line, out in zip(lines, outs):
        try:
            value = strict_json.loads(line)
        except InvalidPayload:
            assert out == b'{"accepted":false,"code":"invalid_payload","events":[],"field":""}'
            continue
        assert out == canonical_bytes(reference.apply(value))


def test_huge_and_deep_values(both) -> None:
    python, rust = both
    big = "9" * 10_000_000
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    cases = [
        build("trade", price=big), build("trade", id=big), build("trade", info={"x": big}),
        build("trade", price=deep), build("trade", info=deep), build("order", trades=deep),
        build("trade", price="1" + "0" * 5_000_000), build("trade", price="0." + "0" * 5_000_000 + "1"),
        build("trade", price="1e" + "9" * 1_000_000), build("trade", price=10**5000),
    ]
    for item in cases:
        first, second = python.apply(item), rust.apply(item)
        assert canonical_bytes(first) == canonical_bytes(second)
        assert validate_normalizer_outcome(first) == []
    line = b'{"kind":"trade","payload":' + b"[" * 100_000 + b"]" * 100_000 + b',"context":{}}\n'
    assert python.apply_jsonl(line) == rust.apply_jsonl(line)


# -- Hypothesis ----------------------------------------------------------------------

def decimals(min_value: str = "-1e21") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=min_value, max_value="1e21", allow_nan=False, allow_infinity=False, places=8)


def spelled(value: Decimal) -> st.SearchStrategy[Any]:
    """The spellings a venue may use for one decimal."""
    options = [st.just(str(value)), st.just(format(value, "f"))]
    if len(value.as_tuple().digits) <= 15:
        options.append(st.just(float(value)))
    if value == value.to_integral_value():
        options.append(st.just(int(value)))
    return st.one_of(options)


ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=40)


@st.composite
def sane_trades(draw: st.DrawFn) -> tuple[dict[str, Any], Decimal, Decimal]:
    price = draw(decimals())
    amount = draw(decimals(min_value="0.00000001"))
    trade = {
        "id": draw(ids), "symbol": draw(st.sampled_from(["BTC/USDT", "BTC/GUSD:GUSD", "ÉTH/€"])),
        "timestamp": draw(st.integers(0, 2**63 - 1)), "side": draw(st.sampled_from(["buy", "sell"])),
        "price": draw(spelled(price)), "amount": draw(spelled(amount)),
        "info": draw(st.dictionaries(st.text(max_size=5), st.none() | st.text(max_size=5), max_size=3)),
    }
    return trade, price, amount


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sane_trades())
def test_hypothesis_sane_trades(drawn: tuple[dict[str, Any], Decimal, Decimal]) -> None:
    from backend_support import require_rust
    from cracktrader.engine import build_event_normalizer

    trade, price, amount = drawn
    item = {"kind": "trade", "payload": trade, "context": CTX}
    outcome = build_event_normalizer(backend="python").apply(item)
    key = f"trade:{CTX['venue']}:{trade['symbol']}:{trade['id']}"
    if len(key) > 128:
        assert (outcome["code"], outcome["field"]) == ("invalid_payload", "/payload/id")
    else:
        (event,) = outcome["events"]
        assert event["payload"]["price"] == canonical_decimal(str(price))
        assert event["payload"]["amount"] == canonical_decimal(str(amount))
    require_rust()
    assert canonical_bytes(build_event_normalizer(backend="rust").apply(item)) == canonical_bytes(outcome)


json_atoms = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**60), st.floats(), st.text(max_size=8),
    st.sampled_from(HOSTILE[:60]), st.text(st.characters(codec="utf-8"), max_size=4),
)
json_like = st.recursive(json_atoms, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["trade", "ohlcv", "order", "my_trade"]), st.data())
def test_hypothesis_mutations_never_raise_and_agree(kind: str, data: st.DataObject) -> None:
    from backend_support import require_rust
    from cracktrader.engine import build_event_normalizer

    item = build(kind)
    path = data.draw(st.sampled_from(paths_of(item)))
    value = data.draw(json_like)
    if path:
        parent = item
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    else:
        item = value
    outcome = build_event_normalizer(backend="python").apply(item)
    assert validate_normalizer_outcome(outcome) == []
    require_rust()
    assert canonical_bytes(build_event_normalizer(backend="rust").apply(item)) == canonical_bytes(outcome)
    line = json_line(item)
    if line is not None:
        python_line = build_event_normalizer(backend="python").apply_jsonl(line)
        assert build_event_normalizer(backend="rust").apply_jsonl(line) == python_line


@pytest.mark.parametrize("value", [math.nan, math.inf, True, 2**64, "\ud83d", {"\ud800": 1}])
def test_hostile_values_in_every_read_field(value: Any, both) -> None:
    """Each hostile value in each field the normalizer reads, on every kind."""
    python, rust = both
    for kind in ("trade", "ohlcv", "order", "my_trade"):
        base = build(kind)
        for path in paths_of(base):
            if not path:
                continue
            item = build(kind)
            parent = item
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            first = python.apply(item)
            assert validate_normalizer_outcome(first) == []
            assert canonical_bytes(first) == canonical_bytes(rust.apply(item)), (kind, path)


# -- a Hypothesis-generated corpus: CCXT-shaped inputs of every kind, half mutated ---

symbols = st.sampled_from(["BTC/USDT", "BTC/EUR", "ETH/GUSD:GUSD", "LTC/USDT", "X/€"])
times = st.integers(0, 2**63 - 1)


@st.composite
def numbers_in(draw: st.DrawFn, min_value: str = "-1e15") -> Any:
    return draw(decimals(min_value=min_value).flatmap(spelled))


@st.composite
def fees(draw: st.DrawFn, symbol: str) -> dict[str, Any]:
    quote = symbol.split("/")[1].split(":")[0]
    currency = st.sampled_from([quote, None])
    cost = st.none() | numbers_in()
    fee = draw(st.none() | st.fixed_dictionaries({"cost": cost, "currency": currency}))
    entries = draw(st.lists(st.fixed_dictionaries({"cost": cost, "currency": currency}), max_size=2))
    return {"fee": fee, "fees": entries}


@st.composite
def trades(draw: st.DrawFn, symbol: str | None = None, order: str | None = None) -> dict[str, Any]:
    symbol = symbol or draw(symbols)
    trade = {"id": draw(ids), "symbol": symbol, "timestamp": draw(times), "side": draw(st.sampled_from(["buy", "sell"])),
             "price": draw(numbers_in()), "amount": draw(numbers_in(min_value="0.000000001")),
             "order": order, "info": {"raw": draw(st.sampled_from([[], "x", 1.5]))}, "takerOrMaker": None,
             "cost": None}
    trade.update(draw(fees(symbol)))
    return trade


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    symbol, order_id = draw(symbols), draw(ids)
    nested = draw(st.lists(trades(symbol, draw(st.sampled_from([order_id, None]))), max_size=3))
    return {"id": order_id, "symbol": symbol, "status": draw(st.sampled_from(["open", "closed", "canceled", "expired"])),
            "timestamp": draw(times), "lastTradeTimestamp": draw(st.none() | times),
            "lastUpdateTimestamp": draw(st.none() | times), "trades": nested, "filled": 0.1, "fee": None}


@st.composite
def rows(draw: st.DrawFn) -> list[Any]:
    low, a, b, c = (draw(decimals(min_value="0")) for _ in range(4))
    high = low + max(a, b, c)
    return [draw(times), draw(spelled(low + a)), draw(spelled(high)), draw(spelled(low)), draw(spelled(low + b)),
            draw(spelled(c))]


@st.composite
def hypothesis_inputs(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["trade", "ohlcv", "order", "my_trade"]))
    ctx: dict[str, Any] = {"venue": draw(st.sampled_from(["kraken", "bitvavo"])), "ingest_time": draw(times),
                           "producer": draw(st.integers(0, 2**63 - 1))}
    if kind == "ohlcv":
        ctx.update(instrument=draw(symbols), timeframe_ms=draw(st.integers(1, 2**63 - 1)))
        payload: Any = draw(rows())
    elif kind == "order":
        payload = draw(orders())
    else:
        payload = draw(trades(order=draw(ids) if kind == "my_trade" else None))
    item = {"kind": kind, "payload": payload, "context": ctx}
    if draw(st.booleans()):  # half of them get one field replaced by garbage
        path = draw(st.sampled_from(paths_of(item)))
        value = draw(json_like)
        if not path:
            return value
        parent: Any = item
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    return item


def assert_backends_agree(items: list[Any]) -> None:
    """Schema-valid outcomes, byte-identical on apply_batch and apply_jsonl."""
    from backend_support import require_rust
    from cracktrader.engine import build_event_normalizer

    python = build_event_normalizer(backend="python")
    outcomes = python.apply_batch(items)
    for outcome in outcomes:
        assert validate_normalizer_outcome(outcome) == []
    require_rust()
    rust = build_event_normalizer(backend="rust")
    assert [canonical_bytes(o) for o in rust.apply_batch(items)] == [canonical_bytes(o) for o in outcomes]
    assert rust.state_hash() == python.state_hash()
    lines = [line for line in (json_line(item) for item in items) if line is not None]
    data = b"\n".join(lines) + b"\n"
    assert rust.apply_jsonl(data) == python.apply_jsonl(data)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(hypothesis_inputs(), min_size=8, max_size=8))
def test_hypothesis_corpus_is_byte_identical_across_backends(items: list[Any]) -> None:
    """150 runs x 8 structured, shrinkable inputs (Hypothesis draws ~100 of these a
    second here, so volume comes from the scenario test below)."""
    assert_backends_agree(items)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**64 - 1), st.floats(0, 1))
def test_hypothesis_scenarios_are_byte_identical_across_backends(seed: int, hostility: float) -> None:
    """Hypothesis picks the scenario (seed, share of mutated inputs); the seeded
    generator expands it into 100 CCXT-shaped inputs: 4,000 inputs per run
    (DESIGN.md section 11: volume from a direct generator, Hypothesis for the choice)."""
    rng = random.Random(seed)
    items = []
    for _ in range(100):
        item, _ = gen_input(rng)
        items.append(mutate(rng, item) if rng.random() < hostility else item)
    assert_backends_agree(items)
