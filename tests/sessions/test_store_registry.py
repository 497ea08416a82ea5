"""Stores (cached per exchange and config), the exchange registry, sandbox mode and
credentials. Real ``ccxt`` classes are built where no network call happens (building a
client, switching it to sandbox); the conftest fails any test that opens a socket."""

from __future__ import annotations

import json

import ccxt
import pytest

import cracktrader as ct
from cracktrader.sessions.registry import ExchangeSpec, resolve_exchange, unregister_exchange
from fake_venue import ScriptedExchange


def test_same_name_and_config_give_the_same_store():
    first = ct.Store("binance")
    assert ct.Store("binance") is first
    assert ct.Store(" Binance ") is first  # names are normalized
    assert ct.Store("binance", config={"timeout": 5000}) is ct.Store("binance", config={"timeout": 5000})
    assert ct.Store("binance", config={"timeout": 5000}) is not first
    assert ct.Store("binance", sandbox=True) is not first
    assert ct.Store("binance", venue="binance-main") is not first
    assert isinstance(first.client, ccxt.binance)
    assert first.client.enableRateLimit is True  # the registry's default option


def test_close_forgets_the_store_and_closes_the_client(clock):
    fake = ScriptedExchange(clock)
    store = ct.Store("fakex", client=fake)
    store.close()
    assert fake.closed and store.closed
    store.close()  # idempotent
    assert ct.Store("fakex", client=fake) is not store


def test_sandbox_switches_ccxt_to_the_test_urls():
    live = ct.Store("binance")
    sandbox = ct.Store("binance", sandbox=True)
    assert sandbox.sandbox and not live.sandbox
    assert sandbox.client.isSandboxModeEnabled is True
    assert sandbox.client.urls["api"] == ccxt.binance().urls["test"]
    assert live.client.urls["api"] == ccxt.binance().urls["api"]
    with pytest.raises(ValueError, match="no sandbox"):
        ct.Store("kraken", sandbox=True)  # ccxt knows no test environment for kraken
    with pytest.raises(TypeError):
        ct.Store("binance", sandbox="yes")


def test_registry_builds_every_builtin_exchange_offline():
    for name in ("binance", "bybit", "coinbase", "kraken", "okx", "bitstamp", "bitvavo", "gemini"):
        spec = ct.EXCHANGE_REGISTRY[name]
        assert isinstance(spec, ExchangeSpec) and spec.ccxt_id in ccxt.exchanges
        assert type(spec.create_client({})).__name__ == spec.ccxt_id


def test_unregistered_ccxt_ids_resolve_and_unknown_names_do_not():
    assert "bitfinex" not in ct.EXCHANGE_REGISTRY
    assert resolve_exchange("Bitfinex").ccxt_id == "bitfinex"
    assert isinstance(ct.Store("bitfinex").client, ccxt.bitfinex)
    with pytest.raises(ValueError, match="unknown exchange 'nowhere'"):
        ct.Store("nowhere")
    with pytest.raises(ValueError):
        ct.Store("  ")


def test_register_exchange_routes_stores_and_sessions(clock):
    built = []

    def factory(config):
        built.append(config)
        return ScriptedExchange(clock)

    class MySession(ct.ExchangeSession):
        pass

    spec = ct.register_exchange("MyVenue", factory=factory, session_cls=MySession, options={"timeout": 1})
    assert ct.EXCHANGE_REGISTRY["myvenue"] is spec and spec.ccxt_id is None
    store = ct.Store("myvenue", config={"timeout": 2})
    assert isinstance(store.client, ScriptedExchange) and built == [{"timeout": 2}]
    session = ct.exchange("MYVENUE", clock=clock)
    assert type(session) is MySession and session.store.client is not None
    with pytest.raises(ValueError, match="already registered"):
        ct.register_exchange("myvenue", factory=factory)
    ct.register_exchange("myvenue", ccxt_id="kraken", replace=True)
    assert isinstance(ct.Store("myvenue").client, ccxt.kraken)
    with pytest.raises(TypeError):
        ct.register_exchange("other", session_cls=dict)
    with pytest.raises(TypeError):
        ct.register_exchange("other", factory="not callable")
    unregister_exchange("myvenue")
    assert "myvenue" not in ct.EXCHANGE_REGISTRY


def test_credentials_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CRACKTRADER_BINANCE_API_KEY", "live-key")
    monkeypatch.setenv("CRACKTRADER_BINANCE_SECRET", "live-secret")
    monkeypatch.setenv("CRACKTRADER_BINANCE_SANDBOX_API_KEY", "test-key")
    monkeypatch.setenv("CRACKTRADER_BINANCE_SANDBOX_SECRET", "test-secret")
    live = ct.Store("binance")
    sandbox = ct.Store("binance", sandbox=True)
    assert (live.client.apiKey, live.client.secret) == ("live-key", "live-secret")
    assert (sandbox.client.apiKey, sandbox.client.secret) == ("test-key", "test-secret")  # never the live keys
    assert live.credentials() == {"apiKey": True, "secret": True}
    text = json.dumps(live.summary()) + repr(live)
    assert "live-key" not in text and "live-secret" not in text
    monkeypatch.setenv("CRACKTRADER_BINANCE_API_KEY", "rotated-key")
    assert ct.Store("binance") is not live  # new credentials, new store
    monkeypatch.setenv("MY_KEYS_API_KEY", "other")
    assert ct.Store("binance", credentials_env="MY_KEYS_").client.apiKey == "other"


def test_credentials_in_code_are_refused():
    with pytest.raises(ValueError, match="CRACKTRADER_BINANCE_API_KEY"):
        ct.Store("binance", config={"apiKey": "k", "secret": "s"})
    with pytest.raises(ValueError, match="environment"):
        ct.Store("binance", apiKey="k")
    with pytest.raises(ValueError, match="environment"):
        ct.exchange("binance", api_key="k")
    with pytest.raises(ValueError, match="environment"):
        ct.exchange("binance", config={"password": "p"})
    with pytest.raises(ValueError, match="environment"):
        ct.exchange("binance", broker_options={"secret": "s"})
    with pytest.raises(ValueError, match="environment"):
        ct.register_exchange("other", options={"secret": "s"})
    with pytest.raises(TypeError, match="unknown options"):
        ct.Store("binance", colour="red")


def test_live_broker_needs_credentials(monkeypatch):
    with pytest.raises(RuntimeError, match="CRACKTRADER_BINANCE_API_KEY"):
        ct.Broker(mode="live", exchange="binance")
    with pytest.raises(RuntimeError, match="CRACKTRADER_BINANCE_SANDBOX_API_KEY"):
        ct.Broker(mode="sandbox", exchange="binance")
    monkeypatch.setenv("CRACKTRADER_BINANCE_SANDBOX_API_KEY", "k")
    monkeypatch.setenv("CRACKTRADER_BINANCE_SANDBOX_SECRET", "s")
    broker = ct.Broker(mode="sandbox", exchange="binance")
    assert isinstance(broker, ct.LiveBroker) and broker.mode_name == "sandbox"
    assert broker.store.client.isSandboxModeEnabled is True
    assert broker.core_config()["mode"] == "external"


def test_broker_factory_modes(clock):
    fake = ScriptedExchange(clock)
    store = ct.Store("fakex", client=fake, clock=clock)
    backtest = ct.Broker(mode="backtest", cash=500.0)
    assert type(backtest) is ct.BacktestBroker and backtest.startingcash == 500.0
    assert backtest.core_config()["mode"] == "simulated"
    paper = ct.Broker("paper", store=store, commission=0.001)
    assert type(paper) is ct.PaperBroker and paper.core_config()["mode"] == "simulated" and paper.venue == "fakex"
    default = ct.Broker()
    assert type(default) is ct.PaperBroker and default.venue is None
    live = ct.Broker(mode="LIVE", store=store)
    assert type(live) is ct.LiveBroker and live.live and live.polls_reports
    for broker in (backtest, paper, default, live):
        assert isinstance(broker, ct.Broker)
    with pytest.raises(ValueError, match="mode"):
        ct.Broker(mode="demo")
    with pytest.raises(ValueError, match="needs exchange"):
        ct.Broker(mode="live")
    with pytest.raises(ValueError, match="backtest broker"):
        ct.Broker(mode="backtest", store=store)
    with pytest.raises(ValueError, match="not in sandbox"):
        ct.Broker(mode="sandbox", store=store)
    with pytest.raises(ValueError, match="contradicts"):
        ct.Broker(mode="sandbox", store=store, sandbox=False)
    with pytest.raises(TypeError):
        ct.Broker(mode="paper", store=store, colour="red")
    # subclasses construct normally (the factory is only the base class's call)
    assert type(ct.BacktestBroker(cash=10.0)) is ct.BacktestBroker
    from cracktrader.strategy import BackBroker

    assert type(BackBroker(cash=10.0)) is ct.BacktestBroker
