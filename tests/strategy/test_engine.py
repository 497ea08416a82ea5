"""The engine: several data feeds aligned by time, warm-up per feed, the run result,
Cerebro wiring, and multi-feed equivalence with Backtrader."""

from __future__ import annotations

import pytest
from support import first_difference, rows

import cracktrader as ct
from cracktrader.strategy.lines import ms_to_datetime


def _feed(data, name, **kwargs):
    return ct.feeds.InMemoryData(dataname=data, name=name, **kwargs)


def _gappy(seed, count, keep):
    return [row for i, row in enumerate(rows(seed, count)) if keep(i)]


class Recorder(ct.Strategy):
    params = (("period", 3),)

    def __init__(self):
        self.smas = [ct.ind.SMA(d.close, period=self.p.period) for d in self.datas]
        self.seen = []
        self.phases = []

    def prenext(self):
        self.phases.append("prenext")
        self._record()

    def nextstart(self):
        self.phases.append("nextstart")
        self._record()

    def next(self):
        self.phases.append("next")
        self._record()

    def _record(self):
        self.seen.append((len(self), self.datetime[0], tuple(len(d) for d in self.datas)))


@pytest.mark.parametrize("runonce", [True, False])
def test_feeds_are_aligned_by_time(runonce):
    a = rows(1, 10)  # minutes 0..9
    b = _gappy(2, 10, lambda i: i % 2 == 0)  # minutes 0, 2, 4, 6, 8
    c = _gappy(3, 10, lambda i: i >= 4)  # starts at minute 4
    cerebro = ct.Cerebro(runonce=runonce, preload=runonce)
    for data, name in ((a, "A"), (b, "B"), (c, "C")):
        cerebro.adddata(_feed(data, name))
    cerebro.addstrategy(Recorder)
    strategy = cerebro.run()[0]
    start = a[0][0]
    assert [entry[1] for entry in strategy.seen] == [start + 60_000 * i for i in range(10)]
    assert [entry[2] for entry in strategy.seen] == [
        (1, 1, 0), (2, 1, 0), (3, 2, 0), (4, 2, 0), (5, 3, 1), (6, 3, 2), (7, 4, 3), (8, 4, 4), (9, 5, 5), (10, 5, 6)]
    # next() once every feed has 3 bars: C gets its third bar at minute 6 (step 7)
    assert strategy.phases == ["prenext"] * 6 + ["nextstart"] + ["next"] * 3
    assert cerebro.run_result.steps == 10 and cerebro.run_result.bars == 10 + 5 + 6


def test_single_feed_lengths_and_datetime():
    data = rows(1, 5)
    cerebro = ct.Cerebro()
    cerebro.adddata(_feed(data, "A"))
    cerebro.addstrategy(Recorder, period=2)
    strategy = cerebro.run()[0]
    assert strategy.phases == ["prenext", "nextstart", "next", "next", "next"]
    assert [entry[0] for entry in strategy.seen] == [1, 2, 3, 4, 5]
    assert strategy.datetime.datetime(0) == ms_to_datetime(data[-1][0])
    assert strategy.data_close[0] == data[-1][4] and strategy.data0_high[0] == data[-1][2]


def _multi_strategy(fw):
    class Rotate(fw.Strategy):
        """Holds one unit of whichever feed is above its SMA, market orders only."""

        def __init__(self):
            self.smas = [fw.ind.SMA(d.close, period=5) for d in self.datas]
            self.order_log = []

        def notify_order(self, order):
            self.order_log.append((len(self), order.getstatusname(), order.data._name, float(order.executed.size),
                                   float(order.executed.price or 0.0), self.broker.getcash()))

        def next(self):
            for data, sma in zip(self.datas, self.smas):
                position = self.getposition(data).size
                if data.close[0] > sma[0] and not position:
                    self.buy(data=data, size=1)
                elif data.close[0] < sma[0] and position:
                    self.close(data=data)

    return Rotate


def test_two_feeds_same_clock_match_backtrader(bt):
    from cracktrader.strategy.lines import ms_to_datetime as to_dt

    first, second = rows(21, 400), rows(22, 400)

    class ListFeed(bt.feed.DataBase):
        params = (("rows", None),)

        def start(self):
            super().start()
            self._i = 0

        def _load(self):
            if self._i >= len(self.p.rows):
                return False
            t, o, h, l, c, v, oi = self.p.rows[self._i]
            self._i += 1
            self.lines.datetime[0] = bt.date2num(to_dt(t))
            self.lines.open[0], self.lines.high[0], self.lines.low[0], self.lines.close[0] = o, h, l, c
            self.lines.volume[0], self.lines.openinterest[0] = v, oi
            return True

    theirs = bt.Cerebro(stdstats=False)
    theirs.adddata(ListFeed(rows=first, timeframe=bt.TimeFrame.Minutes), name="A")
    theirs.adddata(ListFeed(rows=second, timeframe=bt.TimeFrame.Minutes), name="B")
    theirs.addstrategy(_multi_strategy(bt))
    their_strategy = theirs.run()[0]
    mine = ct.Cerebro()
    mine.adddata(_feed(first, "A", timeframe=ct.TimeFrame.Minutes))
    mine.adddata(_feed(second, "B", timeframe=ct.TimeFrame.Minutes))
    mine.addstrategy(_multi_strategy(ct))
    my_strategy = mine.run()[0]
    assert len(their_strategy.order_log) > 50
    # within one step, notifications of two feeds may come in another order (docs)
    by_step = lambda log: sorted(log, key=lambda e: (e[0], e[2], e[1]))  # noqa: E731
    assert first_difference(by_step(their_strategy.order_log), by_step(my_strategy.order_log)) is None
    assert abs(theirs.broker.getvalue() - mine.broker.getvalue()) <= 1e-6


def test_run_result_contents():
    cerebro = ct.Cerebro()
    cerebro.adddata(_feed(rows(3, 300), "X"))
    cerebro.broker.setcash(5000.0)
    cerebro.broker.setcommission(commission=0.002)

    class Flip(ct.Strategy):
        def next(self):
            if len(self) % 50 == 0:
                self.order_target_size(target=-2 if self.position.size > 0 else 2)

    cerebro.addstrategy(Flip)
    cerebro.run()
    result = cerebro.run_result
    assert result.backend == "python" and result.steps == 300
    assert len(result.intent_hash) == 64 and len(result.state_hash) == 64
    # orders at bars 50, 100, ..., 300; the last one never gets a next bar
    assert result.intents == len(result.orders) == 6
    assert [o["status"] for o in result.orders] == ["Completed"] * 5 + ["Accepted"]
    assert len(result.fills) == 5 and len(result.trades) == 4
    assert float(result.final_cash) == pytest.approx(cerebro.broker.getcash(), abs=1e-9)
    assert float(result.final_value) == pytest.approx(cerebro.broker.getvalue(), abs=1e-9)
    from cracktrader.engine.canonical import find_float

    assert find_float(result.comparable()) is None  # exact decimals only, no floats


def test_optstrategy_runs_every_combination():
    cerebro = ct.Cerebro()
    cerebro.adddata(_feed(rows(3, 200), "X"))
    cerebro.optstrategy(Recorder, period=[2, 4, 8])
    results = cerebro.run()
    assert [len(group) for group in results] == [1, 1, 1]
    assert [group[0].phases.count("prenext") for group in results] == [1, 3, 7]
    assert len(cerebro.run_results) == 3


def test_cerebro_refuses_unsupported_features():
    with pytest.raises(NotImplementedError):
        ct.Cerebro(cheat_on_open=True)
    with pytest.raises(ValueError):
        ct.Cerebro(preload=True, runonce=False)
    with pytest.raises(TypeError):
        ct.Cerebro(no_such_option=1)
    cerebro = ct.Cerebro(stdstats=False, maxcpus=1)
    for call in (cerebro.plot, cerebro.resampledata, cerebro.addobserver):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.raises(NotImplementedError):
        cerebro.broker.setcommission(commission=1.0, margin=2000.0, mult=10)
    with pytest.raises(ValueError, match="no strategy"):
        cerebro.run()


def test_strategies_are_only_built_by_the_engine():
    with pytest.raises(RuntimeError, match="Cerebro.run"):
        Recorder()


def test_unsupported_order_types_raise():
    class Trail(ct.Strategy):
        def next(self):
            self.sell(size=1, exectype=ct.Order.StopTrail, trailamount=1.0)

    cerebro = ct.Cerebro()
    cerebro.adddata(_feed(rows(1, 5), "X"))
    cerebro.addstrategy(Trail)
    with pytest.raises(NotImplementedError, match="trailing"):
        cerebro.run()


def test_rust_backend_request_is_clear_when_unavailable(monkeypatch):
    """Without the extension, asking for the rust core raises BackendUnavailable."""
    import importlib

    import cracktrader.backend as backend
    from cracktrader.engine.errors import BackendUnavailable

    real_import = importlib.import_module

    def refuse(name, *args):
        if name == "cracktrader._native":
            raise ImportError("simulated: not built")
        return real_import(name, *args)

    backend._reset_for_tests()
    monkeypatch.setattr(backend.importlib, "import_module", refuse)
    try:
        cerebro = ct.Cerebro(engine_backend="rust")
        cerebro.adddata(_feed(rows(1, 5), "X"))
        cerebro.addstrategy(Recorder)
        with pytest.raises(BackendUnavailable, match="pip install"):
            cerebro.run()
    finally:
        monkeypatch.undo()
        backend._reset_for_tests()


def test_value_of_given_datas_uses_identity():
    """Feeds compare by value at run time (data == other compares closes), so the broker
    must pick feeds by identity: two feeds with equal closes are still two positions."""
    flat = [(i * 60_000, 10.0, 10.0, 10.0, 10.0, 1.0, 0.0) for i in range(4)]
    seen = []

    class Probe(ct.Strategy):
        def next(self):
            if len(self) == 1:
                self.buy(data=self.data0, size=2)
            if len(self) == 3:
                seen.append(self.broker.getvalue(datas=[self.data1]))
                seen.append(self.broker.getvalue(datas=[self.data0]))

    cerebro = ct.Cerebro()
    cerebro.adddata(_feed(list(flat), "A"))
    cerebro.adddata(_feed(list(flat), "B"))
    cerebro.addstrategy(Probe)
    cerebro.run()
    assert seen == [0.0, 20.0]
