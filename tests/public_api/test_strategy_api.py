"""Contract tests: the public signatures of the strategy layer, frozen.

A change here is a change of the public API (a migration note in docs/strategies.md and
a decision in docs/decisions.md), never a side effect.
"""

from __future__ import annotations

import inspect
import math
import subprocess
import sys

import pytest

import cracktrader as ct

SIGNATURES = {
    "Cerebro.__init__": (
        "(self, engine_backend: 'str | None' = None, *, engine: 'CracktraderEngine | None' = None, "
        "preload: 'bool' = True, runonce: 'bool' = True, stdstats: 'bool' = True, tradehistory: 'bool' = False, "
        "cheat_on_open: 'bool' = False, quicknotify: 'bool' = False, venue: 'str' = 'sim', **kwargs: 'Any') -> 'None'"
    ),
    "Cerebro.adddata": "(self, data: 'Any', name: 'str | None' = None) -> 'Any'",
    "Cerebro.addstrategy": "(self, strategy: 'Any', *args: 'Any', **kwargs: 'Any') -> 'int'",
    "Cerebro.optstrategy": "(self, strategy: 'Any', *args: 'Any', **kwargs: 'Any') -> 'None'",
    "Cerebro.addanalyzer": "(self, ancls: 'Any', *args: 'Any', **kwargs: 'Any') -> 'None'",
    "Cerebro.addsizer": "(self, sizercls: 'Any', *args: 'Any', **kwargs: 'Any') -> 'None'",
    "Cerebro.run": "(self, **kwargs: 'Any') -> 'list[Any]'",
    "Cerebro.setbroker": "(self, broker: 'Broker') -> 'Broker'",
    "CracktraderEngine.__init__": (
        "(self, engine_backend: 'str | None' = None, *, venue: 'str' = 'sim', runonce: 'bool' = True, "
        "verify: 'bool' = True) -> 'None'"
    ),
    "CracktraderEngine.run": (
        "(self, datas: 'list[Any]', strategies: 'list[tuple[Any, tuple, dict]]', *, broker: 'Broker | None' = None, "
        "analyzers: 'list[tuple[Any, tuple, dict, str | None]]' = (), sizer: 'tuple | None' = None, "
        "cerebro: 'Any' = None) -> 'RunResult'"
    ),
    "Broker.__init__": (
        "(self, cash: 'float' = 10000.0, commission: 'float' = 0.0, *, allow_short: 'bool' = True, "
        "max_order_qty: 'Any' = None, max_notional: 'Any' = None) -> 'None'"
    ),
    "Broker.setcash": "(self, cash: 'float') -> 'None'",
    "Broker.setcommission": (
        "(self, commission: 'float' = 0.0, margin: 'Any' = None, mult: 'float' = 1.0, commtype: 'Any' = None, "
        "percabs: 'bool' = True, stocklike: 'bool' = False, interest: 'float' = 0.0, "
        "interest_long: 'bool' = False, leverage: 'float' = 1.0, automargin: 'bool' = False, "
        "name: 'Any' = None) -> 'None'"
    ),
    "Broker.getcash": "(self) -> 'float'",
    "Broker.getvalue": "(self, datas: 'list[Any] | None' = None) -> 'float'",
    "Broker.getposition": "(self, data: 'Any') -> 'Position'",
    "Broker.cancel": "(self, order: 'Order') -> 'bool'",
    "Broker.apply_report": "(self, event: 'dict[str, Any]') -> 'dict[str, Any]'",
    "Broker.core_config": "(self) -> 'dict[str, Any]'",
    "Strategy.buy": (
        "(self, data: 'Any' = None, size: 'float | None' = None, price: 'float | None' = None, "
        "plimit: 'float | None' = None, exectype: 'int | None' = None, valid: 'Any' = None, tradeid: 'int' = 0, "
        "oco: 'Order | None' = None, trailamount: 'float | None' = None, trailpercent: 'float | None' = None, "
        "parent: 'Order | None' = None, transmit: 'bool' = True, **kwargs: 'Any') -> 'Order | None'"
    ),
    "Strategy.close": "(self, data: 'Any' = None, size: 'float | None' = None, **kwargs: 'Any') -> 'Order | None'",
    "Strategy.cancel": "(self, order: 'Order') -> 'bool'",
    "Strategy.buy_bracket": (
        "(self, data: 'Any' = None, size: 'float | None' = None, price: 'float | None' = None, "
        "plimit: 'float | None' = None, exectype: 'int' = 2, valid: 'Any' = None, tradeid: 'int' = 0, "
        "trailamount: 'float | None' = None, trailpercent: 'float | None' = None, oargs: 'dict | None' = None, "
        "stopprice: 'float | None' = None, stopexec: 'int | None' = 3, stopargs: 'dict | None' = None, "
        "limitprice: 'float | None' = None, limitexec: 'int | None' = 2, limitargs: 'dict | None' = None, "
        "**kwargs: 'Any') -> 'list[Order | None]'"
    ),
    "Strategy.notify_order": "(self, order: 'Order') -> 'None'",
    "Strategy.notify_trade": "(self, trade: 'Any') -> 'None'",
    "Strategy.notify_cashvalue": "(self, cash: 'float', value: 'float') -> 'None'",
    "Strategy.getposition": "(self, data: 'Any' = None, broker: 'Any' = None) -> 'Any'",
    "Strategy.order_target_size": "(self, data: 'Any' = None, target: 'float' = 0, **kwargs: 'Any') -> 'Order | None'",
}


def _resolve(path: str):
    owner, name = path.split(".")
    return getattr(getattr(ct, owner), name)


@pytest.mark.parametrize("path", sorted(SIGNATURES))
def test_signature_is_frozen(path):
    assert str(inspect.signature(_resolve(path))) == SIGNATURES[path]


def test_sell_and_sell_bracket_mirror_buy():
    assert str(inspect.signature(ct.Strategy.sell)) == str(inspect.signature(ct.Strategy.buy))
    assert str(inspect.signature(ct.Strategy.sell_bracket)) == str(inspect.signature(ct.Strategy.buy_bracket))


def test_order_constants_match_backtrader():
    assert [ct.Order.Market, ct.Order.Close, ct.Order.Limit, ct.Order.Stop, ct.Order.StopLimit] == [0, 1, 2, 3, 4]
    assert [ct.Order.Created, ct.Order.Submitted, ct.Order.Accepted, ct.Order.Partial, ct.Order.Completed,
            ct.Order.Canceled, ct.Order.Expired, ct.Order.Margin, ct.Order.Rejected] == list(range(9))
    assert ct.Order.Cancelled == ct.Order.Canceled
    assert [ct.TimeFrame.Minutes, ct.TimeFrame.Days, ct.TimeFrame.Years] == [4, 5, 8]


def test_public_names():
    for name in ("Strategy", "Cerebro", "CracktraderEngine", "Order", "Position", "Trade", "Broker", "TimeFrame",
                 "Indicator", "Analyzer", "Sizer", "RunResult"):
        assert inspect.isclass(getattr(ct, name)), name
    assert ct.ind is ct.indicators
    for name in ("SMA", "EMA", "WMA", "RSI", "MACD", "BollingerBands", "ATR", "StdDev", "CrossOver", "Highest",
                 "Lowest"):
        assert issubclass(getattr(ct.indicators, name), ct.Indicator), name
    for name in ("Returns", "DrawDown", "TradeAnalyzer", "SharpeRatio"):
        assert issubclass(getattr(ct.analyzers, name), ct.Analyzer), name
    for name in ("GenericCSVData", "InMemoryData", "PandasData", "SyntheticData", "CCXTOHLCVData"):
        assert issubclass(getattr(ct.feeds, name), ct.feeds.DataFeed), name
    for name in ("FixedSize", "PercentSizer", "AllInSizer"):
        assert issubclass(getattr(ct.sizers, name), ct.Sizer), name


def test_feed_and_indicator_parameters():
    pairs = ct.feeds.GenericCSVData.params._getpairs()
    assert math.isnan(pairs.pop("nullvalue"))
    assert pairs == {
        "dataname": None, "name": None, "instrument": None, "timeframe": ct.TimeFrame.Days, "compression": 1,
        "timeframe_ms": None, "fromdate": None, "todate": None, "headers": True, "separator": ",",
        "dtformat": "%Y-%m-%d %H:%M:%S",
        "tmformat": "%H:%M:%S", "datetime": 0, "time": -1, "open": 1, "high": 2, "low": 3, "close": 4,
        "volume": 5, "openinterest": 6,
    }
    defaults = {name: getattr(ct.ind, name).params._getpairs() for name in ("SMA", "RSI", "MACD", "BollingerBands")}
    assert defaults["SMA"] == {"period": 30}
    assert {k: defaults["RSI"][k] for k in ("period", "upperband", "lowerband", "lookback")} == {
        "period": 14, "upperband": 70.0, "lowerband": 30.0, "lookback": 1}
    assert {k: defaults["MACD"][k] for k in ("period_me1", "period_me2", "period_signal")} == {
        "period_me1": 12, "period_me2": 26, "period_signal": 9}
    assert {k: defaults["BollingerBands"][k] for k in ("period", "devfactor")} == {"period": 20, "devfactor": 2.0}


def test_import_cracktrader_stays_cheap():
    """``import cracktrader`` must not import the strategy layer (it is lazy)."""
    code = (
        "import sys, cracktrader\n"
        "heavy = [m for m in ('cracktrader.strategy', 'cracktrader.indicators', 'cracktrader.analyzers', "
        "'cracktrader.feeds', 'cracktrader.engine.core') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "cracktrader.Strategy\n"
        "print('cracktrader.strategy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == ""
    assert out[1] == "True"


def test_other_feed_parameters():
    base = {"dataname", "name", "instrument", "timeframe", "compression", "timeframe_ms", "fromdate", "todate"}
    synthetic = ct.feeds.SyntheticData.params._getpairs()
    assert set(synthetic) == base | {"seed", "bars", "start", "start_price", "volatility", "drift", "reversion", "gap",
                                     "wick", "decimals", "volume"}
    assert ct.feeds.CCXTOHLCVData.params._getpairs().items() >= {
        "ccxt_timeframe": "1m", "path": None, "payloads": None, "exchange": None, "allow_network": False,
        "since": None, "limit": 500, "max_pages": None, "record_to": None}.items()
    assert set(ct.feeds.PandasData.params._getpairs()) == base | {"datetime", "open", "high", "low", "close",
                                                                 "volume", "openinterest"}
    assert set(ct.feeds.InMemoryData.params._getpairs()) == base
