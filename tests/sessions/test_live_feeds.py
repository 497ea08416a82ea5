"""``ct.Feed``: history feeds for backtests, live feeds (trades or OHLCV) for paper/live."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import cracktrader as ct
from cracktrader.sessions.clock import ManualClock
from cracktrader.sessions.livefeed import LiveFeed
from fake_venue import START_MS, ScriptedExchange, bar_trades

DATA = Path(__file__).resolve().parents[1] / "data"
REPLAY = json.loads((DATA / "feeds" / "driver_replay.json").read_text())
B = REPLAY["base_ms"]
RECORDING = DATA / "strategy" / "ccxt_ohlcv_btcusdt_1m.jsonl"


class ReplayExchange:
    """Replays the recorded ``fetch_trades`` pages, one per call, setting the clock to
    the time each page was recorded at (tests/data/feeds/driver_replay.json)."""

    id = "kraken"
    has = {"fetchTrades": True, "fetchOHLCV": False}

    def __init__(self, clock):
        self.clock = clock
        self.polls = [copy.deepcopy(poll) for poll in REPLAY["polls"]]
        self.calls = []

    def fetch_trades(self, symbol, since=None, limit=None, params=None):
        self.calls.append((symbol, since, limit))
        if not self.polls:
            raise ConnectionError("replay exhausted")
        poll = self.polls.pop(0)
        self.clock.now = poll["clock_ms"]
        return poll["page"]


def rows_of(feed):
    lines = (feed.datetime, feed.open, feed.high, feed.low, feed.close, feed.volume)
    return [tuple(line.array[i] for line in lines) for i in range(feed.buflen())]


def drain(feed):
    """Read a feed bar by bar, as the engine does for live data."""
    while feed.peek() is not None:
        feed.advance()
    return rows_of(feed)


def test_recorded_trade_pages_become_the_driver_bars(backend):
    """The feed track's recorded replay, through ct.Feed: the bars derived by hand in
    tests/feeds/test_ccxt_driver.py, and its drop counters."""
    clock = ManualClock(B)
    store = ct.Store("kraken", client=ReplayExchange(clock), clock=clock)
    feed = ct.Feed(symbol="BTC/USDT", store=store, timeframe="1s", mode="live", feed_backend=backend,
                   until_ms=B + 4300)
    assert isinstance(feed, LiveFeed) and feed.islive() and feed.p.granularity == "trades"
    assert drain(feed) == [
        (B, 73324.4, 73330.1, 73320.0, 73330.1, 0.760309),
        (B + 1000, 73340.0, 73340.0, 73340.0, 73340.0, 1.0),
        (B + 3000, 73350.5, 73350.5, 73345.0, 73345.0, 0.3),
    ]
    stats = feed.stats()
    assert stats["counters"] == {"invalid_number": 1, "missing_field": 1, "trade_duplicate_dropped": 1,
                                 "trade_out_of_order_dropped": 2}
    assert stats["bars"] == 3 and stats["polls"] == 4 and stats["fetch_errors"] == 0
    assert stats["driver"]["backend"] == backend
    assert feed.rejected == []  # live problems are counted, not listed (MDL-006)


def test_live_trades_feed_waits_for_bars_to_close(clock):
    bars = [(100, 101, 99, 100.5), (100.5, 102, 100, 101.5), (101.5, 103, 101, 102.5)]
    fake = ScriptedExchange(clock, trades=bar_trades(START_MS, bars))
    store = ct.Store("fakex", client=fake, clock=clock)
    feed = ct.Feed(symbol="BTC/USDT", store=store, mode="paper", poll_interval_s=15.0,
                   until_ms=START_MS + 3 * 60_000 + 1)
    times = []
    while feed.peek() is not None:
        times.append(clock.now_ms())
        feed.advance()
    assert rows_of(feed) == [(START_MS + i * 60_000, *map(float, bar), 1.0) for i, bar in enumerate(bars)]
    # each bar is read at the first poll at or after its end (polls every 15 s)
    assert times == [START_MS + 60_000, START_MS + 120_000, START_MS + 180_000]
    sinces = [call[2] for call in fake.method_calls("fetch_trades")]
    assert sinces[0] == START_MS  # the feed starts at the current bucket


def test_live_ohlcv_feed_emits_closed_candles_once(clock, backend):
    rows = [[START_MS + i * 60_000, 100 + i, 101 + i, 99 + i, 100.5 + i, 2.0] for i in range(4)]
    rows.insert(2, [None, 1, 1, 1, 1, 1])  # a row without a timestamp: dropped and counted
    fake = ScriptedExchange(clock, ohlcv=[r for r in rows if r[0] is not None])
    fake.candles.insert(1, rows[2])
    store = ct.Store("fakex", client=fake, clock=clock)
    feed = ct.Feed(symbol="BTC/USDT", store=store, mode="live", granularity="ohlcv", poll_interval_s=20.0,
                   until_ms=START_MS + 4 * 60_000 + 1, feed_backend=backend)
    got = drain(feed)
    assert [row[0] for row in got] == [START_MS + i * 60_000 for i in range(4)]
    assert got[1] == (START_MS + 60_000, 101.0, 102.0, 100.0, 101.5, 2.0)
    assert feed.stats()["counters"]["missing_field"] >= 1
    assert feed.rejected == []


def test_backfill_warms_up_before_live_bars(clock):
    history = [[START_MS - (3 - i) * 60_000, 90 + i, 91 + i, 89 + i, 90.5 + i, 1.0] for i in range(3)]
    fake = ScriptedExchange(clock, ohlcv=history, trades=bar_trades(START_MS, [(100, 100, 100, 100)]))
    store = ct.Store("fakex", client=fake, clock=clock)
    feed = ct.Feed(symbol="BTC/USDT", store=store, mode="live", backfill=2, poll_interval_s=30.0,
                   until_ms=START_MS + 60_000 + 1)
    got = drain(feed)
    assert [row[0] for row in got] == [START_MS - 120_000, START_MS - 60_000, START_MS]
    assert feed.stats()["backfilled"] == 2


def test_stop_conditions(clock):
    bars = [(100, 100, 100, 100)] * 5
    for options, expected in (({"max_bars": 2}, 2), ({"until_ms": START_MS + 3 * 60_000 + 1}, 3)):
        fake = ScriptedExchange(clock, trades=bar_trades(clock.now_ms(), bars))
        store = ct.Store("fakex", client=fake, clock=clock)
        feed = ct.Feed(symbol="BTC/USDT", store=store, mode="live", poll_interval_s=30.0, **options)
        assert len(drain(feed)) == expected
        clock.now = START_MS
    fake = ScriptedExchange(clock, trades=bar_trades(START_MS, bars))
    feed = ct.Feed(symbol="BTC/USDT", store=ct.Store("fakex", client=fake, clock=clock), mode="live")
    feed.request_stop()
    assert feed.peek() is None


def test_fetch_errors_are_counted_and_retried(clock):
    fake = ScriptedExchange(clock, trades=bar_trades(START_MS, [(100, 100, 100, 100)]))
    failures = [2]
    original = fake.fetch_trades

    def flaky(*args, **kwargs):
        if failures[0]:
            failures[0] -= 1
            raise ConnectionError("connection reset")
        return original(*args, **kwargs)

    fake.fetch_trades = flaky
    feed = ct.Feed(symbol="BTC/USDT", store=ct.Store("fakex", client=fake, clock=clock), mode="live",
                   until_ms=START_MS + 60_000 + 1, poll_interval_s=10.0)
    assert len(drain(feed)) == 1
    assert feed.stats()["fetch_errors"] == 2


def test_history_feed_from_a_recording():
    feed = ct.Feed(symbol="BTC/USDT", path=str(RECORDING))  # no exchange needed, mode inferred
    assert isinstance(feed, ct.feeds.CCXTOHLCVData) and not feed.islive()
    feed.preload()
    assert [row[0] for row in rows_of(feed)] == [1_700_000_000_000 + 60_000 * i for i in (0, 1, 2, 3, 6)]
    assert {"row": 7, "code": "missing_field"} in feed.rejected


def test_history_feed_fetches_only_when_asked(clock):
    rows = [[START_MS + i * 60_000, 100, 101, 99, 100, 1] for i in range(3)]
    fake = ScriptedExchange(ManualClock(START_MS + 10 * 60_000), ohlcv=rows)
    store = ct.Store("fakex", client=fake, clock=clock)
    with pytest.raises(ValueError, match="exactly one source"):
        ct.Feed(symbol="BTC/USDT", store=store, mode="backtest")
    feed = ct.Feed(symbol="BTC/USDT", store=store, mode="backtest", allow_network=True, since=START_MS, limit=500)
    feed.preload()
    assert feed.buflen() == 3 and fake.method_calls("fetch_ohlcv")[0][1:] == ("BTC/USDT", "1m", START_MS, 500)


def test_feed_refusals(clock):
    fake = ScriptedExchange(clock)
    store = ct.Store("fakex", client=fake, clock=clock)
    with pytest.raises(ValueError, match="symbol"):
        ct.Feed(store=store, mode="live")
    with pytest.raises(ValueError, match="history"):
        ct.Feed(symbol="BTC/USDT", store=store, mode="live", path=str(RECORDING))
    with pytest.raises(ValueError, match="granularity"):
        ct.Feed(symbol="BTC/USDT", path=str(RECORDING), granularity="trades")
    with pytest.raises(ValueError, match="granularity"):
        ct.Feed(symbol="BTC/USDT", store=store, mode="live", granularity="tick")
    with pytest.raises(ValueError, match="ohlcv"):
        ct.Feed(symbol="BTC/USDT", store=store, mode="live", timeframe="1w")
    with pytest.raises(ValueError, match="needs exchange"):
        ct.Feed(symbol="BTC/USDT", mode="live")
    with pytest.raises(TypeError, match="unknown"):
        ct.Feed(symbol="BTC/USDT", store=store, mode="live", colour="red")
    with pytest.raises(ValueError, match="mode"):
        ct.Feed(symbol="BTC/USDT", store=store, mode="fast")
    with pytest.raises(ValueError, match="does not match"):
        ct.Feed(symbol="BTC/USDT", store=store, exchange="binance", mode="live")
    live = ct.Feed(symbol="BTC/USDT", store=store, mode="live")
    with pytest.raises(RuntimeError, match="preloaded"):
        live.preload()

    class AsyncClient:
        id = "asyncx"
        has = {"fetchTrades": True}

        async def fetch_trades(self, *args):
            return []

    with pytest.raises(ValueError, match="synchronous"):
        ct.Feed(symbol="BTC/USDT", store=ct.Store("asyncx", client=AsyncClient(), clock=clock), mode="live")
