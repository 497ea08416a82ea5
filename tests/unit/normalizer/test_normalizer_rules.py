"""The normalizer's rules one by one (docs/normalizer.md), on both backends."""

from __future__ import annotations

import math
from typing import Any

import pytest

from normalizer_support import BAR, BAR_CTX, CTX, DELETE, FILL, TRADE, build

from cracktrader.engine.canonical import find_float
from cracktrader.engine.validation import validate_engine_event, validate_normalizer_outcome

def check(outcome: dict[str, Any]) -> dict[str, Any]:
    """Every outcome is schema-valid, float-free, and its events validate."""
    assert validate_normalizer_outcome(outcome) == []
    assert find_float(outcome) is None
    for event in outcome["events"]:
        assert validate_engine_event(event) == []
    return outcome


def accepted(normalizer, item: dict[str, Any]) -> list[dict[str, Any]]:
    outcome = check(normalizer.apply(item))
    assert (outcome["accepted"], outcome["code"], outcome["field"]) == (True, "ok", None), outcome
    return outcome["events"]


REJECTIONS = [
    # the envelope (D-101)
    ("not an object", [], "invalid_payload", ""),
    ("null input", None, "invalid_payload", ""),
    ("unknown keys: smallest reported", {**build("trade"), "zz": 1, "aa": 2}, "invalid_payload", "/aa"),
    ("unknown key escaped", {**build("trade"), "a/b~": 1}, "invalid_payload", "/a~1b~0"),
    ("kind missing", {"payload": TRADE, "context": CTX}, "missing_field", "/kind"),
    ("kind unknown", {**build("trade"), "kind": "ticker"}, "unsupported_payload", "/kind"),
    ("kind event not here", {**build("trade"), "kind": "event"}, "unsupported_payload", "/kind"),
    ("kind not a string", {**build("trade"), "kind": 5}, "invalid_payload", "/kind"),
    ("kind lone surrogate", {**build("trade"), "kind": "\ud800"}, "invalid_payload", "/kind"),
    ("dict with a surrogate key", {**build("trade"), "\udc00": 1}, "invalid_payload", ""),
    ("dict with a non-str key", {**build("trade"), 1: 1}, "invalid_payload", ""),
    ("context missing", {"kind": "trade", "payload": TRADE}, "missing_field", "/context"),
    ("context null", build("trade", context=None) | {"context": None}, "missing_field", "/context"),
    ("context a list", build("trade") | {"context": [CTX]}, "invalid_payload", "/context"),
    ("context unknown key", build("trade", context={**CTX, "symbol": "x"}), "invalid_payload", "/context/symbol"),
    ("venue missing", build("trade", context={"ingest_time": 1, "producer": 1}), "missing_field", "/context/venue"),
    ("venue empty", build("trade", context={**CTX, "venue": ""}), "invalid_payload", "/context/venue"),
    ("venue too long", build("trade", context={**CTX, "venue": "v" * 129}), "invalid_payload", "/context/venue"),
    ("venue control char", build("trade", context={**CTX, "venue": "a\x85"}), "invalid_payload", "/context/venue"),
    ("ingest_time null", build("trade", context={**CTX, "ingest_time": None}), "missing_field", "/context/ingest_time"),
    ("ingest_time string", build("trade", context={**CTX, "ingest_time": "1"}), "invalid_timestamp", "/context/ingest_time"),
    ("ingest_time negative", build("trade", context={**CTX, "ingest_time": -1}), "invalid_timestamp", "/context/ingest_time"),
    ("ingest_time 2**63", build("trade", context={**CTX, "ingest_time": 2**63}), "invalid_timestamp", "/context/ingest_time"),
    ("ingest_time float", build("trade", context={**CTX, "ingest_time": 1.0}), "invalid_timestamp", "/context/ingest_time"),
    ("ingest_time bool", build("trade", context={**CTX, "ingest_time": True}), "invalid_timestamp", "/context/ingest_time"),
    ("producer missing", build("trade", context={"venue": "v", "ingest_time": 1}), "missing_field", "/context/producer"),
    ("producer negative", build("trade", context={**CTX, "producer": -1}), "invalid_payload", "/context/producer"),
    ("producer bool", build("trade", context={**CTX, "producer": True}), "invalid_payload", "/context/producer"),
    ("producer 2**63", build("trade", context={**CTX, "producer": 2**63}), "invalid_payload", "/context/producer"),
    ("instrument not str", build("trade", context={**CTX, "instrument": 7}), "invalid_payload", "/context/instrument"),
    ("timeframe bool", build("ohlcv", context={**BAR_CTX, "timeframe_ms": True}), "invalid_payload", "/context/timeframe_ms"),
    ("timeframe float", build("ohlcv", context={**BAR_CTX, "timeframe_ms": 60000.0}), "invalid_payload", "/context/timeframe_ms"),
    ("timeframe 0", build("ohlcv", context={**BAR_CTX, "timeframe_ms": 0}), "invalid_payload", "/context/timeframe_ms"),
    ("ohlcv needs instrument", build("ohlcv", context={**CTX, "timeframe_ms": 60_000}), "missing_field", "/context/instrument"),
    ("ohlcv needs timeframe", build("ohlcv", context={**CTX, "instrument": "B/E"}), "missing_field", "/context/timeframe_ms"),
    ("context before payload", build("trade", context={**CTX, "venue": None}) | {"payload": None}, "missing_field", "/context/venue"),
    # trades
    ("payload missing", {"kind": "trade", "context": CTX}, "missing_field", "/payload"),
    ("payload a list", build("trade") | {"payload": [TRADE]}, "invalid_payload", "/payload"),
    ("trade id null", build("trade", id=None), "missing_field", "/payload/id"),
    ("trade id int", build("trade", id=123), "invalid_payload", "/payload/id"),
    ("no symbol anywhere", build("trade", symbol=DELETE), "missing_field", "/payload/symbol"),
    ("symbol contradicts context", build("trade", context={**CTX, "instrument": "ETH/EUR"}), "invalid_payload", "/payload/symbol"),
    ("null timestamp is not 0", build("trade", timestamp=None), "missing_field", "/payload/timestamp"),
    ("timestamp string", build("trade", timestamp="1710327533000"), "invalid_timestamp", "/payload/timestamp"),
    ("timestamp float", build("trade", timestamp=1.710327533e12), "invalid_timestamp", "/payload/timestamp"),
    ("timestamp negative", build("trade", timestamp=-5), "invalid_timestamp", "/payload/timestamp"),
    ("timestamp object", build("trade", timestamp={"ms": 1}), "invalid_payload", "/payload/timestamp"),
    ("side unknown", build("trade", side="b"), "invalid_payload", "/payload/side"),
    ("side null", build("trade", side=None), "missing_field", "/payload/side"),
    ("price NaN", build("trade", price=math.nan), "invalid_number", "/payload/price"),
    ("price inf", build("trade", price=-math.inf), "invalid_number", "/payload/price"),
    ("price bool", build("trade", price=True), "invalid_number", "/payload/price"),
    ("price text", build("trade", price="abc"), "invalid_number", "/payload/price"),
    ("price padded", build("trade", price=" 1"), "invalid_number", "/payload/price"),
    ("price non-ASCII digits", build("trade", price="١٢"), "invalid_number", "/payload/price"),
    ("price hex", build("trade", price="0x10"), "invalid_number", "/payload/price"),
    ("price list", build("trade", price=[1]), "invalid_payload", "/payload/price"),
    ("price lone surrogate", build("trade", price="1\ud800"), "invalid_payload", "/payload/price"),
    ("price null", build("trade", price=None), "missing_field", "/payload/price"),
    ("price overflow string", build("trade", price="1e40"), "numeric_overflow", "/payload/price"),
    ("price overflow int", build("trade", price=10**40), "numeric_overflow", "/payload/price"),
    ("amount zero", build("trade", amount=0), "invalid_number", "/payload/amount"),
    ("amount negative", build("trade", amount="-1"), "invalid_number", "/payload/amount"),
    ("invalid number beats overflow", build("trade", price="1e40", amount="x"), "invalid_number", "/payload/amount"),
    ("shape beats numbers", build("trade", price=math.nan, side="up"), "invalid_payload", "/payload/side"),
    ("idempotency key too long", build("trade", id="i" * 120), "invalid_payload", "/payload/id"),
    # OHLCV rows
    ("row too short", build("ohlcv", payload=BAR[:5]), "invalid_payload", "/payload"),
    ("row an object", build("ohlcv", payload={"0": 1}), "invalid_payload", "/payload"),
    ("row a tuple", build("ohlcv") | {"payload": tuple(BAR)}, "invalid_payload", "/payload"),
    ("row null", build("ohlcv") | {"payload": None}, "missing_field", "/payload"),
    ("row null timestamp", build("ohlcv", **{"0": None}), "missing_field", "/payload/0"),
    ("row float timestamp", build("ohlcv", **{"0": 1.7e12}), "invalid_timestamp", "/payload/0"),
    ("row high below low", build("ohlcv", **{"2": 1, "3": 2}), "invalid_number", "/payload/2"),
    ("row open above high", build("ohlcv", **{"1": 40000}), "invalid_number", "/payload/1"),
    ("row close below low", build("ohlcv", **{"4": 1}), "invalid_number", "/payload/4"),
    ("row close above high", build("ohlcv", **{"4": 40000}), "invalid_number", "/payload/4"),
    ("row open below low", build("ohlcv", **{"1": "38749.99"}), "invalid_number", "/payload/1"),
    ("row high below low beats open", build("ohlcv", **{"1": 0, "2": 1, "3": 2}), "invalid_number", "/payload/2"),
    ("row negative volume", build("ohlcv", **{"5": -0.1}), "invalid_number", "/payload/5"),
    ("row null volume", build("ohlcv", **{"5": None}), "missing_field", "/payload/5"),
    ("row text value", build("ohlcv", **{"3": "low"}), "invalid_number", "/payload/3"),
    # orders
    ("order status null", build("order", status=None), "missing_field", "/payload/status"),
    ("order status unknown", build("order", status="canceling"), "unsupported_payload", "/payload/status"),
    ("order status not str", build("order", status=1), "invalid_payload", "/payload/status"),
    ("status read before time", build("order", status=None, timestamp=None), "missing_field", "/payload/status"),
    ("order timestamp null", build("order", timestamp=None), "missing_field", "/payload/timestamp"),
    ("order update time text", build("order", lastUpdateTimestamp="x"), "invalid_timestamp", "/payload/lastUpdateTimestamp"),
    ("trades not a list", build("order", trades={"0": FILL}), "invalid_payload", "/payload/trades"),
    ("trade entry not object", build("order", trades=[FILL, 5]), "invalid_payload", "/payload/trades/1"),
    ("nested trade half empty", build("order", trades__0__price=None), "missing_field", "/payload/trades/0/price"),
    ("nested trade no amount", build("order", trades__0__amount=DELETE), "missing_field", "/payload/trades/0/amount"),
    ("nested trade other order", build("order", trades__0__order="o2"), "invalid_payload", "/payload/trades/0/order"),
    ("nested trade other symbol", build("order", trades__0__symbol="ETH/EUR"), "invalid_payload", "/payload/trades/0/symbol"),
    ("nested trade no time", build("order", trades__0__timestamp=None), "missing_field", "/payload/trades/0/timestamp"),
    ("nested trade no id", build("order", trades__0__id=None), "missing_field", "/payload/trades/0/id"),
    ("nested trade zero qty", build("order", trades__0__amount="0"), "invalid_number", "/payload/trades/0/amount"),
    ("rejected order with a fill", build("order", status="rejected"), "invalid_payload", "/payload/trades/0"),
    ("fee in the base currency", build("order", trades__0__fee={"cost": 1, "currency": "BTC"}),
     "unsupported_payload", "/payload/trades/0/fee/currency"),
    ("fee not an object", build("order", trades__0__fee="0.1"), "invalid_payload", "/payload/trades/0/fee"),
    ("fees entry bad cost", build("order", trades__0__fee=None, trades__0__fees=[{"cost": "x"}]),
     "invalid_number", "/payload/trades/0/fees/0/cost"),
    ("fee currency read without cost", build("my_trade", fee={"cost": None, "currency": ["EUR"]}),
     "invalid_payload", "/payload/fee/currency"),
    ("fees entry null", build("my_trade", fee=None, fees=[None]), "invalid_payload", "/payload/fees/0"),
    ("fees not a list", build("order", trades__0__fee=None, trades__0__fees={"cost": 1}), "invalid_payload", "/payload/trades/0/fees"),
    ("fees sum overflows", build("order", trades__0__fee=None,
                                 trades__0__fees=[{"cost": "170141183460469231731687303715"}] * 2),
     "numeric_overflow", "/payload/trades/0/fees"),
    ("second fill's invalid number wins over the first's overflow",
     build("order", trades=[{**FILL, "price": "1e99"}, {**FILL, "id": "f2", "amount": "x"}]),
     "invalid_number", "/payload/trades/1/amount"),
    # my-trades
    ("my-trade symbol contradicts context", build("my_trade", context={**CTX, "instrument": "BTC/USD"}),
     "invalid_payload", "/payload/symbol"),
    ("my-trade without order", build("my_trade", order=None), "missing_field", "/payload/order"),
    ("my-trade fee text", build("my_trade", fee={"cost": "abc"}), "invalid_number", "/payload/fee/cost"),
    ("my-trade fee currency", build("my_trade", fee={"cost": 1, "currency": "USD"}), "unsupported_payload", "/payload/fee/currency"),
    ("my-trade bad currency", build("my_trade", fee={"cost": 1, "currency": 5}), "invalid_payload", "/payload/fee/currency"),
    ("my-trade zero amount", build("my_trade", amount=0.0), "invalid_number", "/payload/amount"),
]


@pytest.mark.parametrize("name, item, code, field", REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejection(name: str, item: Any, code: str, field: str, normalizer) -> None:
    outcome = check(normalizer.apply(item))
    assert outcome == {"accepted": False, "code": code, "field": field, "events": []}


@pytest.mark.parametrize("spelling, canonical", [
    (0.1, "0.1"), ("0.10000000", "0.1"), ("1e-3", "0.001"), (5, "5"), (2.812e-05, "0.00002812"),
    ("1.0000000005", "1"), ("1.0000000015", "1.000000002"), (-0.0, "0"), ("-0", "0"), ("+7.50", "7.5"),
    (73324.4, "73324.4"), (2445430.3489926164, "2445430.348992616"), ("2445430.3489926162", "2445430.348992616"),
    (10**20, "100000000000000000000"), ("170141183460469231731687303715.884105727", "170141183460469231731687303715.884105727"),
])
def test_numbers_are_read_per_design(spelling: Any, canonical: str, normalizer) -> None:
    event = accepted(normalizer, build("trade", price=spelling))[0]
    assert event["payload"]["price"] == canonical


def test_trade_event(normalizer) -> None:
    (event,) = accepted(normalizer, build("trade"))
    assert event == {
        "kind": "event", "seq_id": None, "event_time": 1_710_327_533_000, "ingest_time": 1_720_000_000_000,
        "source": "market_data", "venue": "bitvavo", "instrument": "BTC/EUR", "event_type": "trade",
        "payload": {"price": "73254", "amount": "0.00055284", "side": "buy", "trade_id": "t1"},
        "idempotency_key": "trade:bitvavo:BTC/EUR:t1", "producer": 1,
    }


def test_instrument_may_come_from_the_context(normalizer) -> None:
    item = build("trade", symbol=None, context={**CTX, "instrument": "BTC/EUR"})
    assert accepted(normalizer, item)[0]["instrument"] == "BTC/EUR"
    same = build("trade", context={**CTX, "instrument": "BTC/EUR"})
    assert accepted(normalizer, same)[0]["instrument"] == "BTC/EUR"


def test_bar_event_from_strings_and_numbers(normalizer) -> None:
    strings = build("ohlcv", payload=[1_702_354_080_000, "38766", "38766", "38766", "38766", "0.00012865"])
    (event,) = accepted(normalizer, strings)
    assert event["payload"] == {"open": "38766", "high": "38766", "low": "38766", "close": "38766",
                                "volume": "0.00012865", "timeframe_ms": 60_000}
    assert (event["event_time"], event["source"], event["idempotency_key"]) == (1_702_354_080_000, "market_data", None)
    numbers = build("ohlcv", payload=[1_702_354_080_000, 38766, 38766.0, 38766, 38766, 0.00012865])
    assert accepted(normalizer, numbers)[0]["payload"] == event["payload"]


def test_timestamp_bounds_are_inclusive(normalizer) -> None:
    assert accepted(normalizer, build("trade", timestamp=0))[0]["event_time"] == 0
    assert accepted(normalizer, build("trade", timestamp=2**63 - 1))[0]["event_time"] == 2**63 - 1


def test_negative_and_zero_prices_are_prices(normalizer) -> None:
    assert accepted(normalizer, build("trade", price="-37.63"))[0]["payload"]["price"] == "-37.63"
    row = build("ohlcv", payload=[1, "-5", "0", "-6", "-1", "0"])
    assert accepted(normalizer, row)[0]["payload"]["low"] == "-6"


def test_identifiers_may_be_unicode_and_long(normalizer) -> None:
    trade_id = "é" * 100
    event = accepted(normalizer, build("trade", id=trade_id, context={**CTX, "venue": "v"}, symbol="B/Q"))[0]
    assert event["idempotency_key"] == f"trade:v:B/Q:{trade_id}"
    assert len(event["idempotency_key"]) == 112


@pytest.mark.parametrize("status, types", [
    ("open", ["order_accepted", "order_filled"]),
    ("closed", ["order_accepted", "order_filled"]),
    ("canceled", ["order_accepted", "order_filled", "order_cancelled"]),
    ("expired", ["order_accepted", "order_filled", "order_expired"]),
])
def test_order_status_mapping(status: str, types: list[str], normalizer) -> None:
    events = accepted(normalizer, build("order", status=status))
    assert [e["event_type"] for e in events] == types
    assert all(e["source"] == "broker_report" and e["idempotency_key"] is None for e in events)
    accept, fill = events[0], events[1]
    assert accept["event_time"] == 1_700_130_493_027 and accept["payload"] == {"order_id": "o1"}
    assert fill["event_time"] == 1_700_130_493_037
    assert fill["payload"] == {"order_id": "o1", "fill_id": "f1", "qty": "0.0002", "price": "34464", "fee": "0.0228"}
    if len(events) == 3:
        assert events[2]["payload"] == {"order_id": "o1"}


def test_terminal_event_time_is_the_latest_known(normalizer) -> None:
    late_fill = {**FILL, "id": "f2", "timestamp": 1_700_130_499_999}
    item = build("order", status="canceled", trades=[FILL, late_fill], lastUpdateTimestamp=1_700_130_495_000)
    events = accepted(normalizer, item)
    assert [e["event_time"] for e in events] == [1_700_130_493_027, 1_700_130_493_037, 1_700_130_499_999,
                                                 1_700_130_499_999]
    item = build("order", status="expired", trades=[], lastUpdateTimestamp=1_700_130_600_000)
    assert [e["event_time"] for e in accepted(normalizer, item)] == [1_700_130_493_027, 1_700_130_600_000]


def test_a_rejected_order_may_name_a_trade_stub(normalizer) -> None:
    stub = {"id": "x", "amount": None, "price": None}
    events = accepted(normalizer, build("order", status="rejected", trades=[stub], lastTradeTimestamp=None))
    assert [e["event_type"] for e in events] == ["order_rejected"]
    assert events[0]["event_time"] == 1_700_130_493_027


def test_bar_with_zero_volume_and_flat_prices(normalizer) -> None:
    (event,) = accepted(normalizer, build("ohlcv", payload=[5, "7", "7", "7", "7", "0"]))
    assert event["payload"] == {"open": "7", "high": "7", "low": "7", "close": "7", "volume": "0",
                                "timeframe_ms": 60_000}
    assert event["event_time"] == 5


def test_rejected_order(normalizer) -> None:
    item = build("order", status="rejected", trades=[], lastUpdateTimestamp=1_700_130_500_000)
    (event,) = accepted(normalizer, item)
    assert event["event_type"] == "order_rejected"
    assert event["payload"] == {"order_id": "o1", "reason": "venue_rejected"}
    assert event["event_time"] == 1_700_130_500_000


def test_order_fills_come_only_from_trades(normalizer) -> None:
    """A cumulative ``filled`` without trades is no fill (it has no fill id)."""
    events = accepted(normalizer, build("order", trades=[], filled=0.1, average=71.05741))
    assert [e["event_type"] for e in events] == ["order_accepted"]
    events = accepted(normalizer, build("order", trades=DELETE))
    assert [e["event_type"] for e in events] == ["order_accepted"]


def test_trade_stubs_are_skipped(normalizer) -> None:
    stub = {"id": "TWA6QJ", "orderId": "o1", "symbol": "BTC/EUR", "info": {}, "fees": [], "amount": None,
            "price": None, "cost": None, "fee": {"cost": None, "currency": None}}
    events = accepted(normalizer, build("order", trades=[stub, FILL, {"id": None}]))
    assert [e["event_type"] for e in events] == ["order_accepted", "order_filled"]


@pytest.mark.parametrize("fee, fees, expected", [
    (None, [], None),
    ({"cost": None, "currency": None}, [], None),
    ({"cost": "0.000000", "rate": None, "currency": "EUR"}, [{"cost": 0}], "0"),
    ({"currency": "EUR", "cost": 0.0224}, [{"cost": 99, "currency": "BTC"}], "0.0224"),
    ({"cost": -0.01, "currency": "EUR"}, [], "-0.01"),
    ({"cost": 0.5, "currency": None}, [], "0.5"),
    (None, [{"cost": 1, "currency": "EUR"}, {"cost": "0.5", "currency": None}, {"cost": None, "currency": "BTC"}], "1.5"),
    ({"cost": None}, [{"cost": "0.25", "currency": "EUR"}], "0.25"),
    (None, None, None),
])
def test_fee_forms(fee: Any, fees: Any, expected: str | None, normalizer) -> None:
    (event,) = accepted(normalizer, build("my_trade", fee=fee, fees=fees))
    assert event["payload"] == {"order_id": "o1", "fill_id": "f1", "qty": "0.0002", "price": "34488", "fee": expected}
    assert (event["event_type"], event["event_time"], event["idempotency_key"]) == (
        "order_filled", 1_700_130_593_656, None)


def test_fee_currency_is_the_quote_of_swaps_too(normalizer) -> None:
    item = build("my_trade", symbol="BTC/GUSD:GUSD", fee={"cost": "0.1", "currency": "GUSD"})
    assert accepted(normalizer, item)[0]["payload"]["fee"] == "0.1"
    no_quote = build("my_trade", symbol="BTCEUR", fee={"cost": "0.1", "currency": "EUR"})
    outcome = check(normalizer.apply(no_quote))
    assert (outcome["code"], outcome["field"]) == ("unsupported_payload", "/payload/fee/currency")


def test_unread_fields_do_not_matter(normalizer) -> None:
    """CCXT structures carry many fields the events do not need; garbage there is fine."""
    noisy = build("trade", info={"\ud800": math.nan}, cost=math.inf, takerOrMaker=object(), datetime=None)
    assert accepted(normalizer, noisy)[0]["payload"]["trade_id"] == "t1"
    noisy_order = build("order", price=math.nan, side=None, type="trailing-stop", fee="garbage", clientOrderId="0")
    assert len(accepted(normalizer, noisy_order)) == 2
