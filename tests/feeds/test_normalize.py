"""Trade and OHLCV normalization on each backend: venue shapes, rules and precedence."""

from __future__ import annotations

import json
import math

import pytest

from cracktrader.engine.errors import InvalidConfig

from feed_data import DATA, load_jsonl

TRADES = load_jsonl("ccxt_trades.jsonl")
OHLCV = load_jsonl("ccxt_ohlcv.jsonl")


@pytest.mark.parametrize("entry", TRADES, ids=lambda e: e["exchange"])
def test_raw_replies_match_ccxts_own_parse(feeds, entry):
    """Each venue's raw reply, read with its dialect, gives the trades CCXT parsed."""
    raw = feeds.parse_trades_json(json.dumps(entry["raw"]).encode(), entry["exchange"]).as_dict()
    unified = feeds.trades_from_dicts(entry["parsed"]).as_dict()
    assert raw["counters"] == {} and unified["counters"] == {}
    key = lambda t: t["timestamp"]  # noqa: E731 - bitvavo sends newest first
    assert sorted(raw["trades"], key=key) == sorted(unified["trades"], key=key)
    for trade, parsed in zip(sorted(unified["trades"], key=key), sorted(entry["parsed"], key=key)):
        assert trade["timestamp"] == parsed["timestamp"]
        assert trade["side"] == parsed["side"]
        assert trade["id"] == parsed["id"]
        assert float(trade["price"]) == parsed["price"]
        assert float(trade["amount"]) == parsed["amount"]


def test_corpus_values_are_exact_decimals(feeds):
    kraken = next(e for e in TRADES if e["exchange"] == "kraken")
    (trade,) = feeds.parse_trades_json(json.dumps(kraken["raw"]), "kraken").to_list()
    # "73324.40000" keeps no trailing zeros; 1710327959.1733468 s truncates to ms.
    assert trade == {"timestamp": 1710327959173, "price": "73324.4", "amount": "0.010309",
                     "side": "buy", "id": "6324366"}
    bitstamp = next(e for e in TRADES if e["exchange"] == "bitstamp")
    (trade,) = feeds.parse_trades_json(json.dumps(bitstamp["raw"]), "bitstamp").to_list()
    assert trade == {"timestamp": 1710327533000, "price": "73254", "amount": "0.00055284",
                     "side": "buy", "id": "326595342"}


@pytest.mark.parametrize("entry", [e for e in OHLCV if "raw" in e], ids=lambda e: e["exchange"])
def test_ohlcv_raw_bodies_match_ccxts_rows(feeds, entry):
    raw = feeds.parse_ohlcv_json(json.dumps(entry["raw"]), entry["exchange"])
    rows = feeds.ohlcv_from_rows(entry["parsed"])
    assert raw["counters"] == {} and rows["counters"] == {}
    by_time = lambda c: c["timestamp"]  # noqa: E731
    assert sorted(raw["candles"], key=by_time) == sorted(rows["candles"], key=by_time)
    assert [c["timestamp"] for c in rows["candles"]] == [row[0] for row in entry["parsed"]]


def test_kraken_ohlc_body_carries_counts(feeds):
    body = (DATA / "kraken_ohlc_body.json").read_bytes()
    result = feeds.parse_ohlcv_json(body, "kraken")
    kraken = next(e for e in OHLCV if e["exchange"] == "kraken")
    assert [c["timestamp"] for c in result["candles"]] == [row[0] for row in kraken["parsed"]]
    assert result["candles"][0] == {"timestamp": 1706630400000, "open": "43366.3", "high": "43529.2",
                                    "low": "43234.2", "close": "43485", "volume": "12.51327406",
                                    "trade_count": 812}


GOOD = {"timestamp": 1_000, "price": "10.5", "amount": "2", "side": "buy", "id": "t-1"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"timestamp": None}, "missing_field"),
        ({"price": None, "timestamp": "x"}, "missing_field"),  # presence before types
        ({"amount": None}, "missing_field"),
        ({"timestamp": -1}, "invalid_timestamp"),
        ({"timestamp": 2**63}, "invalid_timestamp"),
        ({"timestamp": 1.0}, "invalid_timestamp"),
        ({"timestamp": True}, "invalid_timestamp"),
        ({"timestamp": "12a"}, "invalid_timestamp"),
        ({"timestamp": "-5"}, "invalid_timestamp"),
        ({"timestamp": -1, "side": "up"}, "invalid_timestamp"),  # timestamp before side
        ({"side": "BUY"}, "invalid_side"),
        ({"side": True}, "invalid_side"),
        ({"side": "up", "id": ""}, "invalid_side"),  # side before id
        ({"id": ""}, "invalid_trade_id"),
        ({"id": "a\x00b"}, "invalid_trade_id"),
        ({"id": "\u0085"}, "invalid_trade_id"),
        ({"id": "x" * 129}, "invalid_trade_id"),
        ({"id": 1.5}, "invalid_trade_id"),
        ({"id": 2**127}, "invalid_trade_id"),
        ({"id": "\ud800"}, "invalid_trade_id"),
        ({"id": "", "price": "abc"}, "invalid_trade_id"),  # shape before numbers
        ({"price": "abc"}, "invalid_number"),
        ({"price": " 1"}, "invalid_number"),
        ({"price": True}, "invalid_number"),
        ({"price": [1]}, "invalid_number"),
        ({"price": math.nan}, "invalid_number"),
        ({"price": "\ud800"}, "invalid_number"),
        ({"amount": "0"}, "invalid_number"),
        ({"amount": "-1"}, "invalid_number"),
        ({"amount": "0.0000000004"}, "invalid_number"),  # rounds to 0
        ({"price": "1e40"}, "numeric_overflow"),
        ({"price": 10**40}, "numeric_overflow"),
        ({"price": "1e40", "amount": "x"}, "invalid_number"),  # invalid beats overflow
        ({"amount": "1e40", "price": "x"}, "invalid_number"),
        ({"price": "1e40", "amount": "0"}, "numeric_overflow"),  # parsing before domain
    ],
)
def test_trade_precedence(feeds, change, code):
    payload = {**GOOD, **change}
    counters: dict[str, int] = {}
    assert feeds.normalize_trade_payload(payload, counters=counters) is None
    assert counters == {code: 1}


def test_trade_shapes_and_accepted_forms(feeds):
    counters: dict[str, int] = {"missing_field": 2}
    assert feeds.normalize_trade_payload([GOOD], counters=counters) is None
    assert feeds.normalize_trade_payload("trade", counters=counters) is None
    assert counters == {"missing_field": 2, "not_an_object": 2}
    accepted = {**GOOD, "timestamp": "0001000", "price": -0.5, "amount": 1e-9, "side": None,
                "id": 42, "info": {"anything": [math.nan]}}
    assert feeds.normalize_trade_payload(accepted) == {
        "timestamp": 1000, "price": "-0.5", "amount": "0.000000001", "side": None, "id": "42"}
    assert feeds.normalize_trade_payload({**GOOD, "price": 0.1 + 0.2}) ["price"] == "0.3"
    assert feeds.normalize_trade_payload({k: v for k, v in GOOD.items() if k != "id"})["id"] is None


def test_row_dialect_shapes(feeds):
    counters: dict[str, int] = {}
    row = ["1.5", "2", 1.25, "s", "l", "", 7]
    assert feeds.normalize_trade_payload(row, "kraken") == {
        "timestamp": 1250, "price": "1.5", "amount": "2", "side": "sell", "id": "7"}
    assert feeds.normalize_trade_payload(("1.5", "2", 1), "kraken")["id"] is None  # short row
    assert feeds.normalize_trade_payload({"0": 1}, "kraken", counters) is None
    assert feeds.normalize_trade_payload(["1.5", "2"], "kraken", counters) is None
    assert counters == {"not_a_row": 1, "missing_field": 1}


def test_unknown_dialect_is_misuse(feeds):
    with pytest.raises(InvalidConfig):
        feeds.normalize_trade_payload(GOOD, "nasdaq")
    with pytest.raises(InvalidConfig):
        feeds.parse_ohlcv_json(b"[]", "nasdaq")


def test_frame_level_problems_are_counted_once(feeds):
    frames = [
        b"[",  # not JSON
        b'[{"timestamp": 1, "price": NaN, "amount": 1}]',  # NaN token: the whole frame
        b'[{"timestamp": 1, "price": 1, "amount": 1, "amount": 2}]',  # duplicate key
        '["\ud800"]',  # a str no UTF-8 can hold
        b'"just a string"',
        b'{"timestamp": 5, "price": "1", "amount": "1"}',  # ccxt: one object is one trade
        bytearray(b'[{"timestamp": 6, "price": "1", "amount": "1"}, 7]'),
    ]
    batch = feeds.parse_trades_json(frames).as_dict()
    assert [t["timestamp"] for t in batch["trades"]] == [5, 6]
    assert batch["counters"] == {"invalid_json": 4, "invalid_frame": 1, "not_an_object": 1}
    assert batch["items_seen"] == 3
    kraken = feeds.parse_trades_json(
        [b'{"error": ["EAPI:Rate limit exceeded"]}', b'{"error": [], "result": []}',
         b'{"error": [], "result": {"XBTUSD": [["1", "1", 1, "b"]], "last": "9"}}'], "kraken")
    assert kraken.get_counters() == {"exchange_error": 1, "invalid_frame": 1}
    assert len(kraken) == 1


def test_ohlcv_rules(feeds):
    counters: dict[str, int] = {}
    cases = [
        ([1, 2, 3, 1, 2], "missing_field"),
        ([1, 2, 3, 1, None, 5], "missing_field"),
        ({"t": 1}, "not_a_row"),
        ([-1, 2, 3, 1, 2, 1], "invalid_timestamp"),
        ([1, 2, 1, 3, 2, 1], "invalid_number"),  # high < low
        ([1, 4, 3, 1, 2, 1], "invalid_number"),  # open above high
        ([1, 2, 3, 1, 0.5, 1], "invalid_number"),  # close below low
        ([1, 2, 3, 1, 2, -1], "invalid_number"),  # negative volume
        ([1, "1e40", 3, 1, 2, "x"], "invalid_number"),
        ([1, "1e40", 3, 1, 2, 1], "numeric_overflow"),
    ]
    for row, code in cases:
        before = dict(counters)
        assert feeds.normalize_ohlcv_payload(row, counters=counters) is None, row
        assert counters.get(code, 0) == before.get(code, 0) + 1, (row, code)
    assert feeds.normalize_ohlcv_payload([60_000, "1.10", 2, "-1", 1, 0, 99]) == {
        "timestamp": 60000, "open": "1.1", "high": "2", "low": "-1", "close": "1",
        "volume": "0", "trade_count": None}
    kraken_row = [60, "1", "2", "1", "2", "1.5", "3", True]
    assert feeds.normalize_ohlcv_payload(kraken_row, "kraken", counters) is None
    assert feeds.normalize_ohlcv_payload(kraken_row[:7] + [None], "kraken")["trade_count"] is None


def test_columns(feeds):
    from array import array

    batch = feeds.trades_from_columns(
        array("q", [5, 1, 7]), array("d", [0.1, 2.5, 1e-10]), ["1", 2, "3"],
        sides=["buy", None, "hold"], ids=["a", None, "c"])
    assert batch.as_dict() == {
        "trades": [{"timestamp": 5, "price": "0.1", "amount": "1", "side": "buy", "id": "a"},
                   {"timestamp": 1, "price": "2.5", "amount": "2", "side": None, "id": None}],
        "counters": {"invalid_side": 1}, "items_seen": 3}
    plain = feeds.trades_from_columns([5, "6", 7.0], ["1", "1", "1"], [1, 1, 1])
    assert plain.get_counters() == {"invalid_timestamp": 1} and len(plain) == 2
    from cracktrader.engine.errors import InvalidPayload

    with pytest.raises(InvalidPayload):
        feeds.trades_from_columns([1, 2], [1], [1, 2])
    with pytest.raises(InvalidPayload):
        feeds.trades_from_columns((x for x in [1]), [1], [1])
    candles = feeds.ohlcv_from_columns(array("q", [0, 60]), array("d", [1, 1]), [2, 0],
                                       ["0.5", "0.5"], [1.5, 1.5], [0, 1], trade_counts=[3, 4])
    assert candles["counters"] == {"invalid_number": 1}
    assert candles["candles"] == [{"timestamp": 0, "open": "1", "high": "2", "low": "0.5",
                                   "close": "1.5", "volume": "0", "trade_count": 3}]
