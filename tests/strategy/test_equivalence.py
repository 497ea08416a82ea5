"""Backtest equivalence: cracktrader on either core == Backtrader 1.9.78.123 (the oracle).

For each strategy (SMA cross, an always-in-market reversal, RSI threshold with limit
exits, and a limit-entry bracket with stop-loss and take-profit) on several seeded data
sets, the order notifications (bar, status, side, type, executed size/price/commission
and the broker's cash and value seen inside ``notify_order``), the closed trades (bar,
PnL, PnL net of commission, length, commission), the value on every bar and the final
value must match Backtrader's to 1e-6. And the run results must be identical across
the two core backends.
"""

from __future__ import annotations

import pytest
from bt_oracle import run_backtrader
from strategies import STRATEGIES
from support import first_difference, rows, run_ct

import cracktrader as ct

SEEDS = (1, 2, 3, 4)
CASES = [(name, seed) for name in STRATEGIES for seed in SEEDS]


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_matches_backtrader(bt, core_backend, name, seed):
    data = rows(seed, 1500)
    theirs, their_cerebro = run_backtrader(bt, STRATEGIES[name](bt), data, cash=10000.0, commission=0.001)
    mine, my_cerebro = run_ct(STRATEGIES[name](ct), data, backend=core_backend, cash=10000.0, commission=0.001)
    assert len(theirs.order_log) > 20, "the strategy must trade for the comparison to mean anything"
    assert first_difference(theirs.order_log, mine.order_log) is None, first_difference(theirs.order_log, mine.order_log)
    assert first_difference(theirs.trade_log, mine.trade_log) is None, first_difference(theirs.trade_log, mine.trade_log)
    assert first_difference(theirs.values, mine.values) is None, first_difference(theirs.values, mine.values)
    assert abs(their_cerebro.broker.getvalue() - my_cerebro.broker.getvalue()) <= 1e-6
    assert abs(their_cerebro.broker.getcash() - my_cerebro.broker.getcash()) <= 1e-6
    # the exact final value agrees with the float one
    assert abs(float(my_cerebro.run_result.final_value) - my_cerebro.broker.getvalue()) <= 1e-6


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_no_commission_and_daily_bars(bt, name):
    """Default broker settings (no commission) on daily bars."""
    data = rows(11, 900, step_ms=86_400_000)
    theirs, their_cerebro = run_backtrader(bt, STRATEGIES[name](bt), data, timeframe=bt.TimeFrame.Days)
    mine, my_cerebro = run_ct(STRATEGIES[name](ct), data, timeframe=ct.TimeFrame.Days)
    assert first_difference(theirs.order_log, mine.order_log) is None, first_difference(theirs.order_log, mine.order_log)
    assert first_difference(theirs.trade_log, mine.trade_log) is None
    assert abs(their_cerebro.broker.getvalue() - my_cerebro.broker.getvalue()) <= 1e-6


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_backends_give_identical_runs(core_backend, name):
    """The backend changes speed, never results: identical RunResult on both cores."""
    data = rows(5, 1200)
    _, reference = run_ct(STRATEGIES[name](ct), data, backend="python", commission=0.001)
    _, other = run_ct(STRATEGIES[name](ct), data, backend=core_backend, commission=0.001)
    assert other.run_result.backend == core_backend
    assert other.run_result.comparable() == reference.run_result.comparable()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_bar_by_bar_equals_preloaded(core_backend, name):
    """runonce=False (incremental indicators, bars loaded one by one) gives the same run."""
    data = rows(6, 1000)
    preloaded, first = run_ct(STRATEGIES[name](ct), data, backend=core_backend, commission=0.001)
    incremental, second = run_ct(STRATEGIES[name](ct), data, backend=core_backend, commission=0.001, runonce=False)
    assert incremental.order_log == preloaded.order_log
    assert incremental.trade_log == preloaded.trade_log
    assert second.run_result.comparable() == first.run_result.comparable()


def test_intent_hash_depends_on_the_intents():
    """Same data and params: same hash; other params: another hash."""
    data = rows(7, 800)
    _, one = run_ct(STRATEGIES["sma_cross"](ct), data)
    _, two = run_ct(STRATEGIES["sma_cross"](ct), data)
    _, other = run_ct(STRATEGIES["sma_cross"](ct), data, fast=5)
    assert one.run_result.intents > 0
    assert one.run_result.intent_hash == two.run_result.intent_hash
    assert one.run_result.state_hash == two.run_result.state_hash
    assert other.run_result.intent_hash != one.run_result.intent_hash


@pytest.mark.parametrize(("sizer", "kwargs"), [("FixedSize", {"stake": 7}), ("PercentSizerInt", {"percents": 40}),
                                               ("AllInSizerInt", {})])
def test_sizers_match_backtrader(bt, sizer, kwargs):
    """Orders sized by the sizer (no explicit size) match Backtrader's."""

    def build(fw):
        class Sized(STRATEGIES["sma_cross"](fw)):
            def decide(self):
                if not self.position:
                    if self.cross[0] > 0:
                        self.buy()
                elif self.cross[0] < 0:
                    self.close()

        return Sized

    data = rows(9, 1500)
    theirs, their_cerebro = run_backtrader(bt, build(bt), data, commission=0.001,
                                           sizer=(getattr(bt.sizers, sizer), kwargs))
    mine, my_cerebro = run_ct(build(ct), data, commission=0.001, sizer=(getattr(ct.sizers, sizer), kwargs))
    assert len(theirs.order_log) > 20
    assert first_difference(theirs.order_log, mine.order_log) is None, first_difference(theirs.order_log, mine.order_log)
    assert abs(their_cerebro.broker.getvalue() - my_cerebro.broker.getvalue()) <= 1e-6
