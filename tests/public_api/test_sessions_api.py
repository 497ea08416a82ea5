"""Contract tests: the public signatures of sessions and factories, frozen.

``ct.Store``, ``ct.Feed``, ``ct.Broker`` (the mode factory), ``ct.exchange`` and the
``ExchangeSession`` methods keep their parameter names and defaults; later changes may
only add optional keyword arguments (docs/sessions.md, D-500). A change here is a change
of the public API, never a side effect.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import cracktrader as ct
from cracktrader.sessions.clock import ManualClock
from cracktrader.sessions.store import Store

SIGNATURES = {
    "Store": "(exchange: 'Any', **kwargs: 'Any') -> 'Store'",
    "Feed": (
        "(*, symbol: 'str | None' = None, exchange: 'Any' = None, store: 'Any' = None, timeframe: 'str' = '1m', "
        "granularity: 'str | None' = None, **kwargs: 'Any') -> 'Any'"
    ),
    "Broker": "(mode: 'str' = 'paper', exchange: 'Any' = None, store: 'Any' = None, **kwargs: 'Any') -> 'Broker'",
    "exchange": "(name: 'str', **options: 'Any') -> 'ExchangeSession'",
    "register_exchange": (
        "(name: 'str', *, ccxt_id: 'str | None' = None, factory: 'Callable[[dict[str, Any]], Any] | None' = None, "
        "session_cls: 'type | None' = None, options: 'Mapping[str, Any] | None' = None, description: 'str' = '', "
        "replace: 'bool' = False) -> 'ExchangeSpec'"
    ),
    "ExchangeSession.feed": "(self, **kwargs: 'Any') -> 'Any'",
    "ExchangeSession.feeds": "(self, descriptors: 'Iterable[Any]') -> 'list[Any]'",
    "ExchangeSession.broker": "(self, *, mode: 'str | None' = None, **kwargs: 'Any') -> 'Any'",
    "ExchangeSession.close": "(self) -> 'None'",
    "ExchangeSession.summary": "(self) -> 'dict[str, Any]'",
    "LiveBroker": (
        "(store: 'Any', cash: 'float | None' = 10000.0, commission: 'float' = 0.0, *, allow_short: 'bool' = True, "
        "max_order_qty: 'Any' = None, max_notional: 'Any' = None, quote: 'str | None' = None, "
        "poll_interval_s: 'float' = 5.0, ack_timeout_s: 'float' = 30.0, since_margin_s: 'float' = 60.0, "
        "producer: 'int' = 0, client_order_id: 'Any' = 'auto', order_params: 'dict[str, Any] | None' = None, "
        "check_credentials: 'bool' = True) -> 'None'"
    ),
    "PaperBroker": (
        "(cash: 'float' = 10000.0, commission: 'float' = 0.0, *, store: 'Any' = None, allow_short: 'bool' = True, "
        "max_order_qty: 'Any' = None, max_notional: 'Any' = None) -> 'None'"
    ),
}


def _resolve(path: str):
    obj = ct
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("path", sorted(SIGNATURES))
def test_signature_is_frozen(path):
    assert str(inspect.signature(_resolve(path))) == SIGNATURES[path]


def test_public_names_and_types():
    assert inspect.isclass(ct.Store) and inspect.isclass(ct.Broker) and inspect.isclass(ct.ExchangeSession)
    assert callable(ct.Feed) and callable(ct.exchange)
    assert isinstance(ct.EXCHANGE_REGISTRY, dict)
    assert ct.EXCHANGE_REGISTRY is ct.sessions.EXCHANGE_REGISTRY
    for cls in (ct.BacktestBroker, ct.PaperBroker, ct.LiveBroker):
        assert issubclass(cls, ct.Broker)
    assert isinstance(inspect.getattr_static(ct.ExchangeSession, "store"), property)
    assert ct.Broker().mode_name == "paper"  # the frozen default mode
    assert ct.sessions.MODES == ("backtest", "paper", "live", "sandbox")


def test_import_cracktrader_does_not_import_sessions_or_ccxt():
    code = (
        "import sys, cracktrader\n"
        "cracktrader.Cerebro, cracktrader.Broker\n"
        "print(','.join(m for m in ('cracktrader.sessions', 'ccxt') if m in sys.modules))\n"
        "cracktrader.Store\n"
        "print('cracktrader.sessions' in sys.modules, 'ccxt' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == ""
    assert out[1] == "True False"


class TinyVenue:
    """The least a venue must answer for a paper session: public trades, by the clock."""

    id = "tiny"
    has = {"fetchTrades": True}

    def __init__(self, clock, start):
        self.clock = clock
        self.trades = [
            {"id": f"{symbol}-{i}", "symbol": symbol, "timestamp": start + i * 20_000 + 1, "price": price,
             "amount": 1.0, "side": "buy"}
            for symbol, price in (("BTC/USDT", 100.0), ("ETH/USDT", 10.0)) for i in range(9)
        ]

    def fetch_trades(self, symbol, since=None, limit=None, params=None):
        now = self.clock.now_ms()
        return [dict(t) for t in self.trades if t["symbol"] == symbol and t["timestamp"] <= now
                and (since is None or t["timestamp"] >= since)]


def test_session_smoke_run():
    """A session builds two feeds and a broker; the user wires them into a Cerebro and a
    no-op strategy runs over three bars of each (offline)."""
    start = 1_710_327_960_000
    clock = ManualClock(start)
    venue = TinyVenue(clock, start)
    ct.register_exchange("tiny", factory=lambda config: venue, replace=True)
    try:
        session = ct.exchange("tiny", mode="paper", clock=clock, feed_options={"until_ms": start + 180_001})
        cerebro = ct.Cerebro()
        for feed in session.feeds(["BTC/USDT", {"symbol": "ETH/USDT", "timeframe": "1m"}]):
            cerebro.adddata(feed)
        cerebro.setbroker(session.broker(cash=1000.0))
        cerebro.addstrategy(ct.Strategy)
        cerebro.run()
        assert cerebro.run_result.steps == 3 and cerebro.run_result.bars == 6
        assert cerebro.run_result.final_value == "1000"
        session.close()
        assert session.summary()["closed"] is True
    finally:
        ct.sessions.unregister_exchange("tiny")
        Store.clear_cache()
