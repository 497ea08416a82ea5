"""Python and Rust feed backends in lockstep: byte-identical canonical outputs.

Hypothesis draws hostile payloads, frames and streams (disorder, duplicates, extreme
numbers); the seeded generator (``cracktrader.feeds.generate``) adds volume through
``cracktrader.feeds.fuzz.run_case``. Every comparison is on canonical JSON bytes.
"""

from __future__ import annotations

import json
import math
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cracktrader.engine.canonical import canonical_bytes
from cracktrader.feeds import fuzz
from cracktrader.feeds.generate import RAW_EDGE_STRINGS, Scenario, draw_scenario

from backend_support import require_rust

pytestmark = pytest.mark.parity

TS_LIMIT = 2**63
numbers_in = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e12, max_value=1e12).map(lambda f: round(f, 4)),
    st.integers(min_value=-(2**130), max_value=2**130),
    st.sampled_from(RAW_EDGE_STRINGS),
    st.decimals(allow_nan=False, allow_infinity=False, places=12).map(str),
    st.from_regex(r"[+-]?[0-9]{1,3}(\.[0-9]{0,12})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.text(max_size=6),
    st.sampled_from([None, True, False, [], {}, [1], "\ud800", " 1", "0x1", "٣"]),
)
timestamps_in = st.one_of(
    st.integers(min_value=0, max_value=5_000),
    st.integers(min_value=-5, max_value=2**64),
    st.sampled_from([TS_LIMIT - 1, TS_LIMIT, 1.0, "17", "12a", "", True, None, "9" * 40]),
)
ids_in = st.one_of(
    st.none(), st.sampled_from(["a", "b", "c", "\x00", "", "\ud800", "x" * 129, "é", "\u0085"]),
    st.integers(min_value=-(2**128), max_value=2**128), st.text(max_size=4),
)
sides_in = st.one_of(st.sampled_from(["buy", "sell", None, "BUY", 0, 1, True, "0", "b"]), st.text(max_size=3))


@st.composite
def payloads(draw, hostile: bool = True):
    if hostile and draw(st.integers(0, 20)) == 0:
        return draw(st.sampled_from([[], "trade", 7, None, [1, 2], {"timestamp": 1}]))
    payload = {
        "timestamp": draw(timestamps_in) if hostile else draw(st.integers(0, 5_000)),
        "price": draw(numbers_in) if hostile else draw(st.sampled_from(["1", "2.5", 3, 0.1, -4])),
        "amount": draw(numbers_in) if hostile else draw(st.sampled_from(["1", 0.5, "1e-9", 2])),
        "side": draw(sides_in),
        "id": draw(ids_in) if hostile else draw(st.sampled_from(["a", "b", "c", None])),
        "info": {"ignored": draw(st.sampled_from([math.nan, "x", [1]]))},
    }
    for key in draw(st.lists(st.sampled_from(["timestamp", "price", "amount", "side", "id"]), max_size=2)):
        payload.pop(key, None)
    return payload


def same(python_call, rust_call):
    outcomes = []
    for call in (python_call, rust_call):
        try:
            value = call()
            if hasattr(value, "as_dict"):
                value = value.as_dict()
            outcomes.append(canonical_bytes(value) if not isinstance(value, bytes) else value)
        except Exception as exc:  # both must raise the same class
            outcomes.append(type(exc).__name__)
    assert outcomes[0] == outcomes[1]


@pytest.fixture(scope="module")
def pair():
    require_rust()
    from cracktrader.feeds import python_bridge, rust_bridge

    return python_bridge(), rust_bridge()


@given(st.lists(payloads(), max_size=30))
def test_normalize_trade_payload(pair, batch):
    python, rust = pair
    for payload in batch:
        for dialect in ("ccxt", "bitvavo", "bitstamp"):
            pc: dict = {}
            rc: dict = {}
            same(lambda: [python.normalize_trade_payload(payload, dialect, pc), pc],
                 lambda: [rust.normalize_trade_payload(payload, dialect, rc), rc])


@given(st.lists(st.one_of(st.lists(st.one_of(numbers_in, timestamps_in, sides_in), max_size=9),
                          st.tuples(numbers_in, numbers_in, timestamps_in, sides_in)), max_size=20))
def test_row_dialects(pair, rows):
    python, rust = pair
    same(lambda: python.trades_from_dicts(rows, "kraken"), lambda: rust.trades_from_dicts(rows, "kraken"))
    same(lambda: python.ohlcv_from_rows(rows, "kraken"), lambda: rust.ohlcv_from_rows(rows, "kraken"))
    same(lambda: python.ohlcv_from_rows(rows), lambda: rust.ohlcv_from_rows(rows))


@given(st.lists(st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40),
    st.lists(payloads(), max_size=5).map(lambda p: json.dumps(p, default=repr).encode()),
    st.lists(payloads(), max_size=5).map(lambda p: json.dumps(p, default=repr)[:-1].encode()),
    st.lists(payloads(), max_size=3).map(lambda p: json.dumps({"error": [], "result": {"P": p}}).encode()),
), max_size=6))
def test_raw_frames(pair, frames):
    python, rust = pair
    for dialect in ("ccxt", "kraken", "gemini"):
        same(lambda: python.parse_trades_json(frames, dialect), lambda: rust.parse_trades_json(frames, dialect))
    same(lambda: python.parse_ohlcv_json(frames, "bitstamp"), lambda: rust.parse_ohlcv_json(frames, "bitstamp"))


@given(st.lists(st.tuples(st.integers(0, 4_000), st.floats(-1e6, 1e6), st.floats(1e-9, 1e3),
                          st.sampled_from(["a", "b", None])), max_size=60),
       st.sampled_from([1, 10, 1000]))
def test_columns(pair, rows, timeframe):
    python, rust = pair
    ts = array("q", [r[0] for r in rows])
    prices = array("d", [r[1] for r in rows])
    amounts = array("d", [r[2] for r in rows])
    ids = [r[3] for r in rows]
    same(lambda: python.trades_from_columns(ts, prices, amounts, ids=ids),
         lambda: rust.trades_from_columns(ts, prices, amounts, ids=ids))
    p_agg, r_agg = python.TradeAggregator(timeframe), rust.TradeAggregator(timeframe)
    same(lambda: [p_agg.push_columns(ts, prices, amounts), p_agg.snapshot()],
         lambda: [r_agg.push_columns(ts, prices, amounts), r_agg.snapshot()])


@given(
    st.lists(payloads(hostile=False), max_size=80) | st.lists(payloads(), max_size=40),
    st.lists(st.integers(1, 12), min_size=1, max_size=12),
    st.sampled_from([1, 7, 1000, 2**62]),
)
def test_streams_in_lockstep(pair, stream, cuts, timeframe):
    """Disorder, duplicates and extremes, cut into chunks: identical candles and counters."""
    python, rust = pair
    p_agg, r_agg = python.TradeAggregator(timeframe), rust.TradeAggregator(timeframe)
    p_state = r_state = None
    position = 0
    for index, cut in enumerate(cuts * 10):
        chunk = stream[position:position + cut]
        position += cut
        if index % 3 == 0:
            same(lambda: p_agg.push(chunk), lambda: r_agg.push(chunk))
        elif index % 3 == 1:
            same(lambda: p_agg.apply_batch(chunk), lambda: r_agg.apply_batch(chunk))
        else:
            frames = [json.dumps(chunk, default=repr).encode()]
            same(lambda: p_agg.push_json(frames), lambda: r_agg.push_json(frames))
        p_state = python.aggregate_trade_bucket(p_state, chunk, timeframe)
        r_state = rust.aggregate_trade_bucket(r_state, chunk, timeframe)
        assert canonical_bytes(p_state) == canonical_bytes(r_state)
        if position >= len(stream):
            break
    same(lambda: [p_agg.flush(), p_agg.snapshot(), p_agg.state_hash()],
         lambda: [r_agg.flush(), r_agg.snapshot(), r_agg.state_hash()])
    assert p_agg.counters().get("trade_out_of_order_dropped") == r_agg.counters().get("trade_out_of_order_dropped")


@given(st.lists(st.one_of(
    st.fixed_dictionaries({"timestamp": st.integers(0, 50)}),
    st.fixed_dictionaries({"timestamp": st.sampled_from([-1, 2**63, True, 1.0, "1"])}),
), max_size=40))
def test_reorder(pair, candles):
    python, rust = pair
    same(lambda: python.sort_reorder_buffer(candles), lambda: rust.sort_reorder_buffer(candles))


@given(st.binary(max_size=200))
def test_apply_jsonl_bytes(pair, data):
    python, rust = pair
    same(lambda: python.TradeAggregator(10).apply_jsonl(data), lambda: rust.TradeAggregator(10).apply_jsonl(data))


@given(st.randoms(use_true_random=False))
def test_scenarios_drawn_by_hypothesis(pair, rnd):
    scenario = draw_scenario(rnd)
    assert fuzz.run_case(rnd.randrange(2**32), 150, scenario) is None


@pytest.mark.parametrize("seed", range(40))
def test_seeded_generator(pair, seed):
    assert fuzz.run_case(seed) is None


def test_extreme_scenario(pair):
    scenario = Scenario(timeframe_ms=2**62, extreme_rate=0.5, hostile_rate=0.2, duplicate_rate=0.2,
                        disorder_rate=0.3, price_regime="mixed", number_form="mixed",
                        start_ms=TS_LIMIT - 10**6, id_mode="reused")
    assert fuzz.run_case(7, 600, scenario) is None


def test_the_harness_reports_a_planted_divergence(pair, monkeypatch):
    """A lockstep run that cannot fail proves nothing: plant a difference, expect a report."""
    python, rust = pair
    original = rust.normalize_trade_payload

    def skewed(payload, dialect="ccxt", counters=None):
        result = original(payload, dialect, counters)
        if result is not None:
            result["price"] = result["price"] + "1"
        return result

    monkeypatch.setattr(fuzz, "rust_bridge", lambda: type(rust)(**{**vars(rust), "normalize_trade_payload": skewed}))
    scenario = Scenario(hostile_rate=0.0)
    divergence = fuzz.run_case(3, 50, scenario)
    assert divergence is not None and divergence["operation"] == "normalize_trade_payload"
    assert divergence["python"] != divergence["rust"]
