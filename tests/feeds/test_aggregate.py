"""Trade-to-candle aggregation rules (D-204) on each backend, with hand-derived values."""

from __future__ import annotations

import pytest

from cracktrader.engine.canonical import canonical_bytes, find_float
from cracktrader.engine.errors import InvalidConfig, InvalidPayload

RAW_MAX = "170141183460469231731687303715.884105727"
RAW_MIN = "-170141183460469231731687303715.884105728"


def trade(ts, price, amount="1", tid=None):
    return {"timestamp": ts, "price": price, "amount": amount, "id": tid}


def candle(ts, o, h, low, c, v, n):
    return {"timestamp": ts, "open": o, "high": h, "low": low, "close": c, "volume": v,
            "trade_count": n}


def test_open_close_follow_time_not_arrival(feeds):
    agg = feeds.TradeAggregator(1000)
    # Bucket [1000, 2000): arrivals 1500, 1200 (earlier: the open), 1999, 1999 (a tie:
    # the later arrival closes), then 2100 rolls the bucket.
    emitted = agg.push([trade(1500, "10"), trade(1200, "8"), trade(1999, "11"),
                        trade(1999, "9.5", "0.5"), trade(2100, "7")])
    assert emitted == [candle(1000, "8", "11", "8", "9.5", "3.5", 4)]
    assert agg.state()["next_bucket_start_ms"] == 2000


def test_stale_duplicates_and_gaps(feeds):
    agg = feeds.TradeAggregator(1000)
    emitted = agg.push([
        trade(1500, "10", tid="a"),
        trade(1600, "12", tid="a"),    # same id in the active bucket: dropped
        trade(1700, "9", tid="b"),
        trade(4200, "20", tid="a"),    # new bucket 4000; 2000 and 3000 are not invented
        trade(3999, "1", tid="c"),     # older than the active bucket: stale
        trade(4300, "21", tid="a"),    # 'a' opened bucket 4000: a duplicate again
        trade(4400, "22"),             # no id: never a duplicate
        trade(4400, "22"),
    ])
    assert emitted == [candle(1000, "10", "10", "9", "9", "2", 2)]
    assert agg.counters() == {"trade_duplicate_dropped": 2, "trade_out_of_order_dropped": 1}
    assert agg.flush() == [candle(4000, "20", "22", "20", "22", "3", 3)]
    assert agg.flush() == []
    # After a flush the bucket's remaining time is closed: 4999 is stale now.
    assert agg.push([trade(4999, "1"), trade(5000, "2")]) == []
    assert agg.counters()["trade_out_of_order_dropped"] == 2
    assert agg.stats()["backend"] == feeds.name
    # aggregated: 1500, 1700, 4200, 4400, 4400, 5000; emitted: bucket 1000 and the flush
    assert agg.stats()["trades_aggregated"] == 6 and agg.stats()["candles_emitted"] == 2


def test_close_until_emits_only_finished_buckets(feeds):
    agg = feeds.TradeAggregator(60_000)
    agg.push([trade(61_000, "1"), trade(65_000, "3")])
    assert agg.close_until(119_999) == []
    assert agg.close_until(120_000) == [candle(60_000, "1", "3", "1", "3", "2", 2)]
    assert agg.close_until(10**9) == []
    assert agg.state() == {"next_bucket_start_ms": 120_000, "next_bucket": None}


def test_extremes_do_not_wrap(feeds):
    top = 2**63 - 1
    agg = feeds.TradeAggregator(2**63 - 1)
    assert agg.push([trade(top, RAW_MIN, RAW_MAX), trade(top, RAW_MAX, "0.000000001"),
                     trade(top, RAW_MAX, "1")]) == []
    assert agg.counters() == {"volume_overflow_dropped": 2}
    (last,) = agg.flush()
    assert last == candle(top, RAW_MIN, RAW_MIN, RAW_MIN, RAW_MIN, RAW_MAX, 1)
    assert agg.state()["next_bucket_start_ms"] == 2 * top  # one bucket past 2^63 - 1
    assert agg.push([trade(top, "1")]) == []
    assert agg.counters()["trade_out_of_order_dropped"] == 1
    small = feeds.TradeAggregator(1)
    assert small.push([trade(0, "-5"), trade(1, "0"), trade(0, "1")]) == [candle(0, "-5", "-5", "-5", "-5", "1", 1)]
    assert small.counters() == {"trade_out_of_order_dropped": 1}


def test_dropped_payloads_are_counted_by_reason(feeds):
    agg = feeds.TradeAggregator(1000)
    agg.push([trade(1, "x"), trade(None, "1"), "junk", trade(5, "1", "0"), trade(7, "1e40")])
    assert agg.counters() == {"invalid_number": 2, "missing_field": 1, "not_an_object": 1,
                              "numeric_overflow": 1}
    agg.push_json([b"{", b'[{"timestamp": 9, "price": 1, "amount": 1}]'])
    assert agg.counters()["invalid_json"] == 1
    assert agg.apply_jsonl(bytearray(b"[]\n")) == b'{"accepted":false,"code":"not_an_object","emit":[]}\n'
    with pytest.raises(InvalidPayload):
        agg.apply_jsonl("text")
    assert agg.state()["next_bucket"]["trade_count"] == 1


@pytest.mark.parametrize("timeframe", [0, -1, 2**63, 1.0, True, "1000", None])
def test_timeframe_is_validated(feeds, timeframe):
    with pytest.raises(InvalidConfig):
        feeds.TradeAggregator(timeframe)
    with pytest.raises(InvalidConfig):
        feeds.aggregate_trade_bucket(None, [], timeframe)


def test_functional_form_chains_like_one_stream(feeds):
    trades = [trade(t, str(p), tid=f"id{t}") for t, p in
              [(100, 5), (900, 6), (1100, 7), (950, 1), (2500, 8), (2500, 8), (2600, 9), (4100, 10)]]
    whole = feeds.aggregate_trade_bucket(None, trades, 1000)
    state = None
    emitted = []
    stale = 0
    for chunk in (trades[:2], trades[2:4], trades[4:5], trades[5:]):
        state = feeds.aggregate_trade_bucket(state, chunk, 1000)
        emitted += state["emit"]
        stale += state["counters"].get("trade_out_of_order_dropped", 0)
    assert emitted == whole["emit"] == [candle(0, "5", "6", "5", "6", "2", 2),
                                        candle(1000, "7", "7", "7", "7", "1", 1),
                                        candle(2000, "8", "9", "8", "9", "2", 2)]
    assert state["next_bucket_start_ms"] == whole["next_bucket_start_ms"] == 4000
    assert state["next_bucket"] == whole["next_bucket"]
    assert state["next_bucket"]["trade_ids"] == ["id4100"]
    assert stale == 1 and whole["counters"] == {"trade_duplicate_dropped": 1,
                                                "trade_out_of_order_dropped": 1}
    assert find_float(whole) is None


def _state(**bucket_changes):
    bucket = {"timestamp": 1000, "open": "1", "high": "2", "low": "1", "close": "2",
              "volume": "3", "trade_count": 2, "first_trade_ms": 1000, "last_trade_ms": 1500,
              "trade_ids": ["a"]}
    bucket.update(bucket_changes)
    return {"next_bucket_start_ms": 1000, "next_bucket": bucket}


@pytest.mark.parametrize(
    "state",
    [
        [],
        {"next_bucket_start_ms": None},
        {"next_bucket_start_ms": None, "next_bucket": _state()["next_bucket"]},
        {"next_bucket_start_ms": 1500, "next_bucket": None},  # not aligned
        {"next_bucket_start_ms": -1000, "next_bucket": None},
        {"next_bucket_start_ms": True, "next_bucket": None},
        {"next_bucket_start_ms": 1000, "next_bucket": None, "extra": 1},
        _state(timestamp=2000),
        _state(high="1.5"),
        _state(volume="0"),
        _state(open="abc"),
        _state(trade_count=0),
        _state(first_trade_ms=999),
        _state(last_trade_ms=2000),
        _state(first_trade_ms=1600),
        _state(trade_ids=["a", "a"]),
        _state(trade_ids=["a", "b", "c"]),
        _state(trade_ids=[""]),
        _state(trade_ids="a"),
        {**_state(), "next_bucket": {**_state()["next_bucket"], "more": 1}},
    ],
)
def test_bad_state_is_refused(feeds, state):
    with pytest.raises(InvalidPayload):
        feeds.aggregate_trade_bucket(state, [], 1000)


def test_state_continues_exactly(feeds):
    result = feeds.aggregate_trade_bucket(_state(), [trade(1200, "0.5", tid="a"),
                                                     trade(1100, "4", tid="b")], 1000)
    # 'a' is a known id of the bucket; 'b' at 1100 is after first_trade_ms so open stays.
    assert result["next_bucket"] == {
        "timestamp": 1000, "open": "1", "high": "4", "low": "1", "close": "2", "volume": "4",
        "trade_count": 3, "first_trade_ms": 1000, "last_trade_ms": 1500, "trade_ids": ["a", "b"]}
    assert result["counters"] == {"trade_duplicate_dropped": 1}


def test_snapshot_restore_and_hash(feeds):
    agg = feeds.TradeAggregator(1000)
    agg.push([trade(1500, "10", tid="x"), trade(3500, "11", tid="y"), trade(10, "1")])
    snap = agg.snapshot()
    assert snap["schema_version"] == 1 and snap["timeframe_ms"] == 1000
    assert snap["counters"] == {"trade_out_of_order_dropped": 1}
    other = feeds.TradeAggregator(5)
    other.restore(snap)
    assert other.state_hash() == agg.state_hash()
    assert canonical_bytes(other.snapshot()) == canonical_bytes(snap)
    assert agg.push([trade(3600, "12", tid="y")]) == other.push([trade(3600, "12", tid="y")]) == []
    assert agg.counters() == other.counters()
    for broken in ({**snap, "schema_version": 2}, {**snap, "counters": {"nope": 1}},
                   {**snap, "counters": {"invalid_json": 0}}, {**snap, "timeframe_ms": 0},
                   {k: v for k, v in snap.items() if k != "candles_emitted"}):
        with pytest.raises(InvalidPayload):
            other.restore(broken)
    assert other.state_hash() == agg.state_hash()  # a refused restore changes nothing


def test_component_protocol(feeds):
    agg = feeds.TradeAggregator(1000)
    results = agg.apply_batch([trade(1500, "1", tid="a"), trade(1500, "1", tid="a"),
                               trade(2500, "2"), trade(1000, "3"), {"timestamp": 1}])
    assert [r["code"] for r in results] == ["ok", "trade_duplicate_dropped", "ok",
                                            "trade_out_of_order_dropped", "missing_field"]
    assert [r["accepted"] for r in results] == [True, False, True, False, False]
    assert results[2]["emit"] == [candle(1000, "1", "1", "1", "1", "1", 1)]
    lines = agg.apply_jsonl(b'{"timestamp": 2600, "price": 5, "amount": 1}\nNaN\n'
                            b'{"timestamp": 3000, "price": "6", "amount": "1", "id": "z"}\n')
    assert lines.split(b"\n") == [
        b'{"accepted":true,"code":"ok","emit":[]}',
        b'{"accepted":false,"code":"invalid_json","emit":[]}',
        b'{"accepted":true,"code":"ok","emit":[{"close":"5","high":"5","low":"2","open":"2",'
        b'"timestamp":2000,"trade_count":2,"volume":"2"}]}',
        b"",
    ]
    assert agg.counters()["invalid_json"] == 1


def test_push_forms_agree(feeds):
    from array import array

    rows = [(1000, 1.5, 0.25), (1500, 2.5, 0.5), (2100, 0.1, 3.0)]
    by_columns = feeds.TradeAggregator(1000)
    first = by_columns.push_columns(array("q", [r[0] for r in rows]), array("d", [r[1] for r in rows]),
                                    array("d", [r[2] for r in rows]))
    by_json = feeds.TradeAggregator(1000)
    second = by_json.push_json(
        b"[" + b",".join(b'{"timestamp":%d,"price":%r,"amount":%r}' % r for r in rows) + b"]")
    by_dicts = feeds.TradeAggregator(1000)
    third = by_dicts.push_dicts([{"timestamp": t, "price": p, "amount": a} for t, p, a in rows])
    by_batch = feeds.TradeAggregator(1000)
    fourth = by_batch.push(feeds.trades_from_columns([r[0] for r in rows], [r[1] for r in rows],
                                                     [r[2] for r in rows]))
    assert first == second == third == fourth == [candle(1000, "1.5", "2.5", "1.5", "2.5", "0.75", 2)]
    assert by_columns.snapshot() == by_json.snapshot() == by_dicts.snapshot() == by_batch.snapshot()
    with pytest.raises(InvalidPayload):
        by_batch.push("not trades")
