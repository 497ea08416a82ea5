"""``ct.Cerebro``: Backtrader's wiring (``adddata``, ``addstrategy``, ``addanalyzer``,
``addsizer``, ``broker``, ``run``) on top of ``ct.CracktraderEngine``.

``Cerebro(engine_backend="rust")`` picks the core backend (default: python, or the
``CRACKTRADER_BACKEND`` environment variable); it changes speed, never results.
``run()`` returns the strategy instances like Backtrader and keeps the full
``RunResult`` in ``cerebro.run_result``. ``optstrategy`` runs every parameter
combination and returns one list of strategies per run.

Accepted for compatibility but without effect: ``stdstats`` (no observers), ``maxcpus``,
``exactbars``, ``optdatas``, ``optreturn``, ``objcache``, ``live``, ``lookahead``,
``oldsync``, ``oldbuysell``, ``oldtrades``, ``tz``, ``writer``. ``preload`` and
``runonce`` must agree (both true: a preloaded backtest; both false: bar-by-bar with
incremental indicators). ``cheat_on_open``, ``quicknotify``, resampling, replaying,
observers, writers and plotting are not supported (``NotImplementedError``).
"""

from __future__ import annotations

import itertools
from typing import Any

from cracktrader.strategy.broker import BacktestBroker, Broker
from cracktrader.strategy.engine import CracktraderEngine, RunResult

_IGNORED = ("maxcpus", "exactbars", "optdatas", "optreturn", "objcache", "live", "lookahead", "oldsync",
            "oldbuysell", "oldtrades", "tz", "writer")


class Cerebro:
    """Backtrader-compatible wiring (see the module docstring)."""

    def __init__(self, engine_backend: str | None = None, *, engine: CracktraderEngine | None = None,
                 preload: bool = True, runonce: bool = True, stdstats: bool = True, tradehistory: bool = False,
                 cheat_on_open: bool = False, quicknotify: bool = False, venue: str = "sim", **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(_IGNORED))
        if unknown:
            raise TypeError(f"Cerebro got unknown parameters: {', '.join(unknown)}")
        if cheat_on_open or quicknotify:
            raise NotImplementedError("cheat_on_open and quicknotify are not supported")
        if bool(preload) != bool(runonce):
            raise ValueError("preload and runonce must agree (both True for backtests, both False bar by bar)")
        if engine is not None and engine_backend is not None:
            raise ValueError("give engine_backend or engine, not both")
        self.engine = engine or CracktraderEngine(engine_backend, venue=venue, runonce=runonce)
        self.stdstats = stdstats
        self.tradehistory = tradehistory
        self._broker = BacktestBroker()
        self.datas: list[Any] = []
        self.strats: list[list[tuple[Any, tuple, dict]]] = []
        self.analyzers: list[tuple[Any, tuple, dict, str | None]] = []
        self._sizer: tuple | None = None
        self.run_result: RunResult | None = None
        self.run_results: list[RunResult] = []

    # ------------------------------------------------------------------ broker
    @property
    def broker(self) -> Broker:
        """The broker (configure before ``run``; read final cash/value after)."""
        return self._broker

    @broker.setter
    def broker(self, broker: Broker) -> None:
        self._broker = broker

    def getbroker(self) -> Broker:
        """The broker."""
        return self._broker

    def setbroker(self, broker: Broker) -> Broker:
        """Replace the broker (e.g. a live broker from a session)."""
        self._broker = broker
        return broker

    # ----------------------------------------------------------------- wiring
    def adddata(self, data: Any, name: str | None = None) -> Any:
        """Add a data feed (``name`` also becomes its instrument id unless it has one)."""
        if name is not None:
            data._name = name
        self.datas.append(data)
        return data

    def addstrategy(self, strategy: Any, *args: Any, **kwargs: Any) -> int:
        """Add a strategy class with its arguments; returns its index."""
        self.strats.append([(strategy, args, kwargs)])
        return len(self.strats) - 1

    def optstrategy(self, strategy: Any, *args: Any, **kwargs: Any) -> None:
        """Add a strategy whose keyword values are iterables: every combination runs."""
        names = list(kwargs)
        values = [v if isinstance(v, (list, tuple, range)) else [v] for v in kwargs.values()]
        combos = [dict(zip(names, combo)) for combo in itertools.product(*values)]
        self.strats.append([(strategy, args, combo) for combo in combos])

    def addanalyzer(self, ancls: Any, *args: Any, **kwargs: Any) -> None:
        """Add an analyzer to every strategy (``_name=`` sets its name)."""
        name = kwargs.pop("_name", None)
        self.analyzers.append((ancls, args, kwargs, name))

    def addsizer(self, sizercls: Any, *args: Any, **kwargs: Any) -> None:
        """The sizer class every strategy uses."""
        self._sizer = (sizercls, args, kwargs)

    def addobserver(self, *args: Any, **kwargs: Any) -> None:
        """Observers are not supported (there is no plotting)."""
        raise NotImplementedError("observers are not supported; use analyzers")

    def resampledata(self, *args: Any, **kwargs: Any) -> None:
        """Resampling is not supported; feed bars of the wanted time frame."""
        raise NotImplementedError("resampledata is not supported")

    def replaydata(self, *args: Any, **kwargs: Any) -> None:
        """Replaying is not supported."""
        raise NotImplementedError("replaydata is not supported")

    def addwriter(self, *args: Any, **kwargs: Any) -> None:
        """Writers are not supported."""
        raise NotImplementedError("writers are not supported; use cerebro.run_result")

    def plot(self, *args: Any, **kwargs: Any) -> None:
        """Plotting is not part of cracktrader."""
        raise NotImplementedError("plotting is not supported")

    # -------------------------------------------------------------------- run
    def run(self, **kwargs: Any) -> list[Any]:
        """Run; returns the strategies (a list of lists when ``optstrategy`` was used)."""
        if kwargs:
            raise TypeError(f"run() options are not supported: {', '.join(sorted(kwargs))}")
        if not self.strats:
            raise ValueError("no strategy added")
        optimizing = any(len(group) > 1 for group in self.strats)
        self.run_results = []
        outputs = []
        for combination in itertools.product(*self.strats):
            result = self.engine.run(self.datas, list(combination), broker=self._broker, analyzers=self.analyzers,
                                     sizer=self._sizer, cerebro=self)
            self.run_results.append(result)
            outputs.append(result.strategies)
        self.run_result = self.run_results[-1]
        return outputs if optimizing else outputs[0]
