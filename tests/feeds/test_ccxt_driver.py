"""The CCXT trade driver, offline: a fake exchange replays recorded-shape pages."""

from __future__ import annotations

import asyncio
import copy
import json

import pytest

from cracktrader.engine.validation import validate_engine_event
from cracktrader.feeds.ccxt_driver import CcxtTradeDriver

from feed_data import DATA

REPLAY = json.loads((DATA / "driver_replay.json").read_text())
B = REPLAY["base_ms"]


class FakeExchange:
    """Replays one page per fetch_trades call and records the cursor it was asked for."""

    id = "kraken"
    has = {"fetchTrades": True, "watchTrades": False}

    def __init__(self, pages):
        self.pages = [copy.deepcopy(page) for page in pages]
        self.calls = []

    def fetch_trades(self, symbol, since=None, limit=None, params=None):
        self.calls.append((symbol, since, limit, params))
        if not self.pages:
            raise ConnectionError("replay exhausted")
        return self.pages.pop(0)


class FakeAsyncExchange(FakeExchange):
    async def fetch_trades(self, symbol, since=None, limit=None, params=None):
        return FakeExchange.fetch_trades(self, symbol, since, limit, params)


class FakeProExchange(FakeExchange):
    has = {"fetchTrades": True, "watchTrades": True}

    async def watch_trades(self, symbol, since=None, limit=None, params=None):
        return FakeExchange.fetch_trades(self, symbol, since, limit, params)


def bar(start, o, h, low, c, v, ingest):
    return {"kind": "event", "seq_id": None, "event_time": start, "ingest_time": ingest,
            "source": "market_data", "venue": "kraken", "instrument": "BTC/USDT", "event_type": "bar",
            "payload": {"open": o, "high": h, "low": low, "close": c, "volume": v, "timeframe_ms": 1000},
            "idempotency_key": f"bar:kraken:BTC/USDT:1000:{start}", "producer": 0}


# Derived by hand from driver_replay.json (B = base_ms, 1 s buckets):
# poll 1 (clock B+600): t1 B+100 73324.4, t2 B+400 73330.1, t3 B+250 73320 -> bucket B
#   open = earliest (t1), close = latest (t2), volume 0.010309 + 0.5 + 0.25; no bar yet.
# poll 2 (clock B+1700): t2 again (duplicate id), t4 B+1200 closes bucket B -> bar B;
#   t5 B+900 is older than bucket B+1000: stale. Bucket B+1000 ends at B+2000 > clock.
# poll 3 (clock B+4200): t6 B+3500 closes bucket B+1000 -> bar (t4 alone); bucket B+2000
#   had no trade and is not invented; t7 B+3999; the clock passed B+4000 -> bar B+3000.
# poll 4 (clock B+4300): t7 again is stale now (its bucket was emitted); t8 has a null
#   price (missing_field); t9 has amount "0" (invalid_number).
EXPECTED = [
    bar(B, "73324.4", "73330.1", "73320", "73330.1", "0.760309", B + 1700),
    bar(B + 1000, "73340", "73340", "73340", "73340", "1", B + 4200),
    bar(B + 3000, "73350.5", "73350.5", "73345", "73345", "0.3", B + 4200),
]
EXPECTED_COUNTERS = {"invalid_number": 1, "missing_field": 1, "trade_duplicate_dropped": 1,
                     "trade_out_of_order_dropped": 2}


def make_driver(exchange, backend, events, clock):
    return CcxtTradeDriver(exchange, REPLAY["symbol"], REPLAY["timeframe_ms"], events.append,
                           feed_backend=backend, clock_ms=lambda: clock[0], limit=100)


def test_replay_polling(backend):
    exchange = FakeExchange([poll["page"] for poll in REPLAY["polls"]])
    events: list = []
    clock = [0]
    driver = make_driver(exchange, backend, events, clock)
    for poll in REPLAY["polls"]:
        clock[0] = poll["clock_ms"]
        driver.poll_once()
    assert events == EXPECTED
    for event in events:
        assert validate_engine_event(event) == []
    assert [call[1] for call in exchange.calls] == [None, B + 400, B + 1200, B + 3999]
    stats = driver.stats()
    assert stats["backend"] == backend and stats["fallback"] is False
    assert stats["aggregator"]["counters"] == EXPECTED_COUNTERS
    assert stats["polls"] == 4 and stats["payloads"] == 11 and stats["bars_emitted"] == 3
    assert driver.close() == []  # the last bucket was already closed by the clock


def test_run_counts_fetch_errors_and_close_flushes(backend):
    pages = [REPLAY["polls"][0]["page"]]
    exchange = FakeExchange(pages)
    events: list = []
    clock = [B + 600]
    driver = make_driver(exchange, backend, events, clock)
    sleeps: list = []
    driver.run(polls=3, interval_s=0.5, sleep=sleeps.append)
    assert sleeps == [0.5, 0.5] and driver.stats()["fetch_errors"] == 2
    assert events == []
    (last,) = driver.close()
    assert last["event_time"] == B and last["payload"]["volume"] == "0.760309"


def test_async_poll_and_watch(backend):
    pages = [poll["page"] for poll in REPLAY["polls"]]
    for exchange_class in (FakeAsyncExchange, FakeProExchange):
        exchange = exchange_class(pages)
        events: list = []
        clock = [0]
        driver = make_driver(exchange, backend, events, clock)

        async def drive():
            for poll in REPLAY["polls"]:
                clock[0] = poll["clock_ms"]
                if driver.can_watch():
                    await driver.watch_once()
                else:
                    await driver.poll_once_async()

        asyncio.run(drive())
        assert events == EXPECTED, exchange_class.__name__
    with pytest.raises(TypeError):
        make_driver(FakeAsyncExchange(pages), backend, [], [0]).poll_once()
    with pytest.raises(TypeError):
        asyncio.run(make_driver(FakeExchange(pages), backend, [], [0]).watch_once())


def test_both_backends_emit_identical_events(both):
    runs = []
    for backend in ("python", "rust"):
        exchange = FakeExchange([poll["page"] for poll in REPLAY["polls"]])
        events: list = []
        clock = [0]
        driver = make_driver(exchange, backend, events, clock)
        for poll in REPLAY["polls"]:
            clock[0] = poll["clock_ms"]
            driver.poll_once()
        runs.append((events, driver.stats()["aggregator"]["counters"]))
    assert runs[0] == runs[1]
