"""Analyzers: Backtrader's numbers on the same run, and hand-checked small cases."""

from __future__ import annotations

import math

import pytest
from bt_oracle import run_backtrader
from strategies import STRATEGIES
from support import close_enough, rows, run_ct

import cracktrader as ct

SPECS = [
    ("returns", "Returns", {}),
    ("drawdown", "DrawDown", {}),
    ("trades", "TradeAnalyzer", {}),
    ("sharpe", "SharpeRatio", {}),
    ("sharpe_days", "SharpeRatio", {"timeframe": "Days"}),
    ("sharpe_a", "SharpeRatio_A", {"timeframe": "Months"}),
    ("timereturn", "TimeReturn", {"timeframe": "Months"}),
    ("returns_weeks", "Returns", {"timeframe": "Weeks"}),
]


def _analyzers(fw):
    out = []
    for name, cls, kwargs in SPECS:
        kwargs = {k: getattr(fw.TimeFrame, v) if k == "timeframe" else v for k, v in kwargs.items()}
        out.append((getattr(fw.analyzers, cls), {**kwargs, "_name": name}))
    return out


def _flat(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


@pytest.mark.parametrize(("timeframe", "step"), [("Days", 86_400_000), ("Minutes", 60_000)])
@pytest.mark.parametrize("strategy", ["sma_reversal", "bracket"])
def test_same_analysis_as_backtrader(bt, timeframe, step, strategy):
    data = rows(3, 1200, step_ms=step)
    theirs, _ = run_backtrader(bt, STRATEGIES[strategy](bt), data, commission=0.001,
                               timeframe=getattr(bt.TimeFrame, timeframe), analyzers=_analyzers(bt))
    mine, _ = run_ct(STRATEGIES[strategy](ct), data, commission=0.001,
                     timeframe=getattr(ct.TimeFrame, timeframe), analyzers=_analyzers(ct))
    for name, _, _ in SPECS:
        expected = _flat(theirs.analyzers.getbyname(name).get_analysis())
        got = _flat(mine.analyzers.getbyname(name).get_analysis())
        assert set(expected) == set(got), (name, set(expected) ^ set(got))
        for key in expected:
            assert close_enough(expected[key], got[key]), (name, key, expected[key], got[key])
    analysis = mine.analyzers.trades.get_analysis()
    assert analysis.total.closed > 5  # the comparison covered real trades


class _Script(ct.Strategy):
    """Places a scripted list of (bar, action) orders."""

    params = (("script", ()),)

    def next(self):
        for bar, action, size in self.p.script:
            if bar == len(self):
                getattr(self, action)(size=size)


def _bars(closes):
    return [(i * 86_400_000, c, c, c, c, 1.0, 0.0) for i, c in enumerate(closes)]


def test_drawdown_by_hand():
    # buy 10 at bar 2's open (11), value follows the close: 1000-110+10*c
    closes = [10.0, 11.0, 12.0, 9.0, 8.0, 13.0, 12.0]
    strategy, _ = run_ct(_Script, _bars(closes), cash=1000.0, timeframe=ct.TimeFrame.Days,
                         analyzers=[(ct.analyzers.DrawDown, {})], script=[(1, "buy", 10)])
    # values: 1000, 1000 (bought at 11 close 11), 1010, 980, 970, 1020, 1010
    dd = strategy.analyzers.drawdown.get_analysis()
    assert dd.max.moneydown == pytest.approx(40.0)
    assert dd.max.drawdown == pytest.approx(100.0 * 40.0 / 1010.0)
    assert dd.max.len == 2
    assert dd.len == 1 and dd.moneydown == pytest.approx(10.0)


def test_trade_analyzer_by_hand():
    closes = [10.0, 10.0, 12.0, 12.0, 9.0, 9.0, 8.0, 8.0]
    script = [(1, "buy", 2), (3, "sell", 2), (4, "sell", 1), (6, "buy", 1)]
    strategy, _ = run_ct(_Script, _bars(closes), cash=1000.0, timeframe=ct.TimeFrame.Days,
                         analyzers=[(ct.analyzers.TradeAnalyzer, {})], script=script)
    ta = strategy.analyzers.tradeanalyzer.get_analysis()
    # long 2 @ 10 -> 12: +4 over 2 bars; short 1 @ 9 -> 8: +1 over 2 bars
    assert ta.total.total == 2 and ta.total.closed == 2 and ta.total.open == 0
    assert ta.won.total == 2 and ta.lost.total == 0
    assert ta.pnl.gross.total == pytest.approx(5.0) and ta.pnl.net.average == pytest.approx(2.5)
    assert ta.long.pnl.total == pytest.approx(4.0) and ta.short.pnl.total == pytest.approx(1.0)
    assert ta.streak.won.longest == 2
    assert ta.len.max == 2 and ta.len.min == 2


def test_no_trades_analysis_is_minimal():
    strategy, _ = run_ct(_Script, _bars([10.0] * 5), analyzers=[(ct.analyzers.TradeAnalyzer, {})])
    assert strategy.analyzers.tradeanalyzer.get_analysis().to_dict() == {"total": {"total": 0}}


def test_returns_by_hand():
    closes = [10.0, 10.0, 20.0, 20.0]
    strategy, _ = run_ct(_Script, _bars(closes), cash=100.0, timeframe=ct.TimeFrame.Days,
                         analyzers=[(ct.analyzers.Returns, {})], script=[(1, "buy", 5)])
    # 100 -> 150 over 4 daily periods
    analysis = strategy.analyzers.returns.get_analysis()
    assert analysis["rtot"] == pytest.approx(math.log(1.5))
    assert analysis["ravg"] == pytest.approx(math.log(1.5) / 4)
    assert analysis["rnorm"] == pytest.approx(math.expm1(math.log(1.5) / 4 * 252))


def test_sharpe_none_without_variance():
    strategy, _ = run_ct(_Script, _bars([10.0] * 30), timeframe=ct.TimeFrame.Days,
                         analyzers=[(ct.analyzers.SharpeRatio, {})])
    assert strategy.analyzers.sharperatio.get_analysis()["sharperatio"] is None
