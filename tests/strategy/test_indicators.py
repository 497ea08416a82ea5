"""Indicators: Backtrader's values bit for bit, warm-up periods, and the two computation
paths (vectorised over a preloaded series, incremental bar by bar) giving identical numbers."""

from __future__ import annotations

import math
import random

import pytest
from bt_oracle import run_backtrader
from hypothesis import given, settings
from hypothesis import strategies as st
from support import rows, run_ct

import cracktrader as ct
from cracktrader.indicators.averages import rolling_fsum, window_sums

# name -> (builder(fw, data), first valid index with inputs from bar 0)
SPECS = {
    "SMA": (lambda fw, d: fw.ind.SMA(d.close, period=13), 12),
    "EMA": (lambda fw, d: fw.ind.EMA(d.close, period=9), 8),
    "WMA": (lambda fw, d: fw.ind.WMA(d.close, period=11), 10),
    "SMMA": (lambda fw, d: fw.ind.SMMA(d.close, period=7), 6),
    "RSI": (lambda fw, d: fw.ind.RSI(d, period=14), 14),
    "MACD.macd": (lambda fw, d: fw.ind.MACD(d.close).macd, 25),
    "MACD.signal": (lambda fw, d: fw.ind.MACD(d.close).signal, 33),
    "BB.mid": (lambda fw, d: fw.ind.BollingerBands(d.close, period=20).mid, 19),
    "BB.top": (lambda fw, d: fw.ind.BollingerBands(d.close, period=20, devfactor=2.5).top, 19),
    "BB.bot": (lambda fw, d: fw.ind.BollingerBands(d.close, period=20).bot, 19),
    "ATR": (lambda fw, d: fw.ind.ATR(d, period=14), 14),
    "StdDev": (lambda fw, d: fw.ind.StdDev(d.close, period=10), 9),
    "CrossOver": (lambda fw, d: fw.ind.CrossOver(fw.ind.SMA(d.close, period=5), fw.ind.SMA(d.close, period=12)), 12),
    "Highest": (lambda fw, d: fw.ind.Highest(d.high, period=10), 9),
    "Lowest": (lambda fw, d: fw.ind.Lowest(d.low, period=10), 9),
    "SMA-of-EMA": (lambda fw, d: fw.ind.SMA(fw.ind.EMA(d.close, period=5), period=4), 7),
    "line ops": (lambda fw, d: (d.high - d.low) / d.close * 100.0, 0),
    "delay": (lambda fw, d: d.close - d.close(-3), 3),
}


def _collector(fw, use_safe_rsi: bool = False):
    class Collector(fw.Strategy):
        def __init__(self):
            self.out = {}
            for name, (build, _) in SPECS.items():
                if name == "RSI" and use_safe_rsi:
                    self.out[name] = fw.ind.RSI(self.data, period=14, safediv=True)
                else:
                    self.out[name] = build(fw, self.data)

    return Collector


def _values(obj) -> list[float]:
    line = obj.lines[0] if hasattr(obj, "lines") else obj
    return list(line.array)


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b))


@pytest.fixture(scope="module")
def data():
    return rows(5, 2500)


@pytest.fixture(scope="module")
def preloaded(data):
    return run_ct(_collector(ct), data)[0]


@pytest.fixture(scope="module")
def incremental(data):
    return run_ct(_collector(ct), data, runonce=False)[0]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_identical_to_backtrader(bt, data, preloaded, name):
    # Backtrader's RSI raises ZeroDivisionError on a zero down-average unless
    # safediv=True, which is cracktrader's behaviour (docs/strategies.md).
    theirs = run_backtrader(bt, _collector(bt, use_safe_rsi=True), data)[0]
    expected, got = _values(theirs.out[name]), _values(preloaded.out[name])
    assert _same(expected, got), next(
        (i, x, y) for i, (x, y) in enumerate(zip(expected, got)) if not ((math.isnan(x) and math.isnan(y)) or x == y)
    )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_incremental_equals_vectorised(preloaded, incremental, name):
    assert _same(_values(preloaded.out[name]), _values(incremental.out[name]))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_warm_up(preloaded, name):
    """NaN before the first valid bar, a number from it on, and the documented minimum period."""
    values = _values(preloaded.out[name])
    first = SPECS[name][1]
    assert all(math.isnan(v) for v in values[:first])
    assert not any(math.isnan(v) for v in values[first:])
    indicator = preloaded.out[name]
    if hasattr(indicator, "minperiod"):
        assert indicator.minperiod == first + 1


def test_strategy_waits_for_every_indicator(data):
    calls = {"prenext": 0, "nextstart": 0, "next": 0, "first_len": None}

    class Waits(ct.Strategy):
        def __init__(self):
            self.slow = ct.ind.MACD(self.data.close)  # signal first valid at bar 34
            self.fast = ct.ind.SMA(self.data.close, period=3)

        def prenext(self):
            calls["prenext"] += 1
            assert math.isnan(self.slow.signal[0])

        def nextstart(self):
            calls["nextstart"] += 1
            calls["first_len"] = len(self)
            super().nextstart()

        def next(self):
            calls["next"] += 1
            assert not math.isnan(self.slow.signal[0])

    run_ct(Waits, data[:100])
    assert calls == {"prenext": 33, "nextstart": 1, "next": 100 - 33, "first_len": 34}


def test_rsi_zero_division_is_safe(data):
    """A flat stretch gives RSI 50 (no moves) and a rising one 100 (no down moves)."""
    flat = [(i * 60_000, 10.0, 10.0, 10.0, 10.0, 1.0, 0.0) for i in range(20)]
    rising = [(i * 60_000, 10.0 + i, 10.0 + i, 10.0 + i, 10.0 + i, 1.0, 0.0) for i in range(20)]
    seen = {}

    class Probe(ct.Strategy):
        def __init__(self):
            self.rsi = ct.ind.RSI(self.data, period=5)

        def next(self):
            seen.setdefault(self.data._name, []).append(self.rsi[0])

    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=flat), name="flat")
    cerebro.addstrategy(Probe)
    cerebro.run()
    assert set(seen["flat"]) == {50.0}
    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rising), name="rising")
    cerebro.addstrategy(Probe)
    cerebro.run()
    assert set(seen["rising"]) == {100.0}


def test_lookahead_and_before_start_raise(data):
    errors = []

    class Peek(ct.Strategy):
        def __init__(self):
            self.sma = ct.ind.SMA(self.data.close, period=2)

        def next(self):
            for probe in (lambda: self.data.close[1], lambda: self.sma[1], lambda: self.data.close[-len(self)]):
                try:
                    probe()
                except IndexError:
                    errors.append(len(self))
            self.data.close[-(len(self) - 1)]  # the first bar is reachable

    run_ct(Peek, data[:10])
    assert len(errors) == 3 * 9


@settings(max_examples=200)
@given(st.lists(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_subnormal=False), min_size=1, max_size=60),
       st.integers(min_value=1, max_value=12))
def test_exact_window_sums_equal_fsum(values, period):
    """The vectorised SMA's window sums are exactly math.fsum of each window."""
    period = min(period, len(values))
    expected = [math.fsum(values[i - period + 1 : i + 1]) for i in range(period - 1, len(values))]
    assert list(rolling_fsum(values, period)) == expected
    assert list(rolling_fsum(values, period, chunk=3)) == expected  # chunk seams change nothing
    sums = window_sums(values, period)
    if all(v == 0 or 1e-9 <= abs(v) <= 1e15 for v in values):
        assert sums is not None  # the fast route covers every price-like magnitude
    if sums is not None:
        assert list(sums) == expected


def test_exact_window_sums_refuse_non_finite():
    assert window_sums([1.0, float("inf"), 2.0], 2) is None


def test_sma_matches_fsum_on_awkward_values():
    """Values whose naive running sum drifts (0.1 steps, mixed magnitudes)."""
    rng = random.Random(3)
    values = [rng.choice([0.1, 0.2, 0.3, 1e6 + 0.1, -1e6]) for _ in range(500)]
    data_rows = [(i * 60_000, abs(v) + 1, abs(v) + 1, abs(v) + 1, abs(v) + 1, 1.0, 0.0) for i, v in enumerate(values)]
    seen = []

    class Probe(ct.Strategy):
        def __init__(self):
            self.sma = ct.ind.SMA(self.data.close, period=7)

    strategy = run_ct(Probe, data_rows)[0]
    closes = [r[4] for r in data_rows]
    expected = [math.fsum(closes[i - 6 : i + 1]) / 7 for i in range(6, len(closes))]
    seen = list(strategy.sma.lines[0].array)[6:]
    assert seen == expected


def test_inputs_from_two_feeds_are_refused():
    class Mixed(ct.Strategy):
        def __init__(self):
            ct.ind.CrossOver(self.data0.close, self.data1.close)

    cerebro = ct.Cerebro()
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rows(1, 20)), name="a")
    cerebro.adddata(ct.feeds.InMemoryData(dataname=rows(2, 20)), name="b")
    cerebro.addstrategy(Mixed)
    with pytest.raises(ValueError, match="same data feed"):
        cerebro.run()


def test_custom_indicator_with_next_only(data):
    """A user indicator written Backtrader style (next only) works in both modes."""

    class Momentum(ct.Indicator):
        lines = ("mom",)
        params = (("period", 4),)

        def __init__(self):
            self.addminperiod(self.p.period + 1)

        def next(self):
            self.lines.mom[0] = self.data[0] - self.data[-self.p.period]

    class Uses(ct.Strategy):
        def __init__(self):
            self.mom = Momentum(self.data.close)

    closes = [r[4] for r in data[:200]]
    for runonce in (True, False):
        strategy = run_ct(Uses, data[:200], runonce=runonce)[0]
        values = list(strategy.mom.lines[0].array)
        assert all(math.isnan(v) for v in values[:4])
        assert values[4:] == [closes[i] - closes[i - 4] for i in range(4, 200)]
