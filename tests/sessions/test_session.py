"""``ct.exchange(...) -> ExchangeSession``: one store, defaults, feeds, brokers, close."""

from __future__ import annotations

import copy
import json

import pytest

import cracktrader as ct
from cracktrader.sessions.livefeed import LiveFeed
from fake_venue import START_MS, ScriptedExchange, bar_trades


@pytest.fixture
def fake(clock):
    venue = ScriptedExchange(clock, trades=bar_trades(START_MS, [(100, 101, 99, 100)] * 3)
                             + bar_trades(START_MS, [(10, 11, 9, 10)] * 3, symbol="ETH/USDT"))
    ct.register_exchange("fakex", factory=lambda config: venue, replace=True)
    return venue


def test_feeds_and_brokers_share_the_session_store(fake, clock):
    session = ct.exchange("FakeX", mode="live", clock=clock, timeframe="1m",
                          broker_options={"cash": 500.0, "poll_interval_s": 1.0})
    assert session.store is ct.Store("fakex", clock=clock)  # the cached store
    btc, eth = session.feeds(["BTC/USDT", {"symbol": "ETH/USDT", "timeframe": "5m", "granularity": "ohlcv"}])
    assert isinstance(btc, LiveFeed) and btc.p.store is session.store and btc.p.granularity == "trades"
    assert eth.p.ccxt_timeframe == "5m" and eth.p.granularity == "ohlcv" and eth.frame_ms == 300_000
    broker = session.broker()
    assert isinstance(broker, ct.LiveBroker) and broker.store is session.store and broker.startingcash == 500.0
    paper = session.broker(mode="paper", cash=100.0)
    assert type(paper) is ct.PaperBroker and paper.store is session.store and paper.startingcash == 100.0
    with pytest.raises(TypeError, match="descriptor"):
        session.feeds([42])


def test_feed_defaults_and_overrides(fake, clock):
    session = ct.exchange("fakex", clock=clock, timeframe="5m", granularity="ohlcv",
                          feed_options={"poll_interval_s": 2.5})
    feed = session.feed(symbol="BTC/USDT")
    assert (feed.p.ccxt_timeframe, feed.p.granularity, feed.p.poll_interval_s) == ("5m", "ohlcv", 2.5)
    other = session.feed(symbol="BTC/USDT", timeframe="1m", granularity="trades", poll_interval_s=1.0)
    assert (other.p.ccxt_timeframe, other.p.granularity, other.p.poll_interval_s) == ("1m", "trades", 1.0)


def test_backtest_session_gives_history_feeds_and_backtest_brokers(fake, clock):
    session = ct.exchange("fakex", mode="backtest", clock=clock)
    feed = session.feed(symbol="BTC/USDT", payloads=[[START_MS, 1, 2, 0.5, 1.5, 3]])
    assert isinstance(feed, ct.feeds.CCXTOHLCVData) and not feed.islive()
    assert type(session.broker()) is ct.BacktestBroker
    with pytest.raises(ValueError, match="exactly one source"):
        session.feed(symbol="BTC/USDT")  # history from the venue only when asked (allow_network=True)


def test_summary_is_plain_data_and_changes_nothing(fake, clock):
    session = ct.exchange("fakex", mode="paper", clock=clock)
    session.feed(symbol="BTC/USDT")
    session.broker(cash=10.0)
    first = session.summary()
    json.dumps(first)  # plain data
    assert session.summary() == first
    assert first["exchange"] == "fakex" and first["mode"] == "paper" and first["closed"] is False
    assert first["feeds"][0]["symbol"] == "BTC/USDT" and first["feeds"][0]["bars"] == 0
    assert first["brokers"] == [{"mode": "paper", "exchange": "fakex", "starting_cash": 10.0, "cash": 10.0}]
    assert fake.calls == []  # nothing was fetched to describe the session


def test_close_stops_feeds_and_closes_the_store(fake, clock):
    with ct.exchange("fakex", mode="paper", clock=clock) as session:
        feed = session.feed(symbol="BTC/USDT")
    assert session.closed and session.store.closed and fake.closed
    assert feed.peek() is None  # the live feed ended
    session.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        session.feed(symbol="BTC/USDT")
    with pytest.raises(RuntimeError, match="closed"):
        session.broker()
    assert ct.Store("fakex", clock=clock) is not session.store


def test_sandbox_sessions(fake, clock):
    for options in ({"mode": "sandbox"}, {"mode": "live", "sandbox": True}):
        session = ct.exchange("fakex", clock=clock, **options)
        assert session.mode_name == "sandbox" and session.store.sandbox and fake.sandbox
        assert fake.urls["api"] == "https://testnet.fakex.test"
        broker = session.broker()
        assert isinstance(broker, ct.LiveBroker) and broker.mode_name == "sandbox"
        session.close()
        fake.sandbox = False
    with pytest.raises(ValueError, match="sandbox"):
        ct.exchange("fakex", mode="backtest", sandbox=True, clock=clock)
    with pytest.raises(TypeError, match="unknown options"):
        ct.exchange("fakex", colour="red")


def test_cerebro_helper_and_a_two_feed_paper_run(fake, clock, backend):
    session = ct.exchange("fakex", mode="paper", clock=clock, broker_options={"cash": 1000.0})
    cerebro = session.cerebro(engine_backend=backend)
    assert type(cerebro.broker) is ct.PaperBroker
    for feed in session.feeds([{"symbol": symbol, "until_ms": START_MS + 3 * 60_000 + 1, "poll_interval_s": 20.0,
                                "feed_backend": backend} for symbol in ("BTC/USDT", "ETH/USDT")]):
        cerebro.adddata(feed)

    class Both(ct.Strategy):
        def next(self):
            if len(self) == 1:
                self.buy(data=self.datas[1], size=3)

    cerebro.addstrategy(Both)
    cerebro.run()
    result = cerebro.run_result
    assert result.steps == 3 and result.bars == 6
    assert [(f["instrument"], f["venue"], f["price"]) for f in result.fills] == [("ETH/USDT", "fakex", "10")]
    summary = session.summary()
    assert [feed["bars"] for feed in summary["feeds"]] == [3, 3]


def test_session_objects_are_not_shared_between_sessions_of_other_configs(fake, clock):
    a = ct.exchange("fakex", clock=clock)
    b = ct.exchange("fakex", clock=clock)
    c = ct.exchange("fakex", clock=copy.copy(clock))
    assert a.store is b.store and a.store is not c.store
