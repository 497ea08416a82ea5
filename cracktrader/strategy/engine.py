"""``ct.CracktraderEngine``: runs strategies over data feeds on one deterministic core.

The engine owns the core (``build_core(backend=engine_backend, config=...)``) and the
one counter of ``seq_id`` that events and intents share. Per step it

1. moves every data feed that has a bar at the step's time onto that bar (feeds are
   aligned by time: a feed without a bar at that time stays on its last bar),
2. applies each new bar to the core as a ``bar`` event (fills of working orders happen
   here; a result without transitions costs nothing more),
3. delivers the step's order and trade notifications, then runs each strategy's step
   (``prenext``/``nextstart``/``next``, analyzers), whose orders and cancels become
   intents applied immediately.

The per-bar Python path is one core call and one strategy call: indicators were
computed before the run (``runonce=True``, whole series at once), and nothing is
allocated per bar besides the event itself. Bar prices travel to the python core as the
shortest decimal text of the feed's floats (``repr``), and to the rust core as the
floats: the same decimals either way (DESIGN.md section 4), each the cheaper form for
its core.

With ``runonce=False`` the loop asks every feed for the time of its next bar
(``peek()``) and ends when none has one; a live feed may block there until its next
bar arrives. A run with a live feed (``data.islive()``) or a live broker
(``broker.live``) always loads bar by bar, as Backtrader does with live data; a broker
with ``polls_reports`` has ``poll_reports()`` called once per step, after the step's
bars and before its notifications are delivered (docs/sessions.md). Strategies, indicators and analyzers are wired through module-level
context while they are built, so one process runs one engine at a time.

A run can be watched without touching the loop: ``engine.result_observer``, when set,
is called as ``observer(item, result)`` with every intent and every non-bar event the
session applies, and with each bar whose result changed something (transitions) or was
refused (the item is then a summary of the bar event: the fast path keeps no dict). A
bar without transitions changes nothing but the core's last prices, which the observer
can read from the feeds. With the observer unset the per-bar path is untouched and an
intent costs one attribute test (the managed runtimes of ``cracktrader.runtime`` use it
to turn every core result into runtime events).

The run result (``RunResult``) carries what must not depend on the backend: the
SHA-256 of the intent stream (canonical JSON, one line per intent, seq_ids included),
the core's final state hash, final cash and value as exact decimals, every order,
fill and closed trade. ``RunResult.comparable()`` is identical on both backends.
"""

from __future__ import annotations

import hashlib
from array import array
from typing import Any, Callable

from cracktrader.engine.canonical import canonical_bytes
from cracktrader.engine.numbers import add, format_decimal, mul, parse_decimal
from cracktrader.strategy.broker import BacktestBroker, Broker
from cracktrader.strategy.lines import STAGE, Clock, DateTimeLine
from cracktrader.strategy.strategy import CONTEXT


class CoreSession:
    """The core of one run, its ``seq_id`` counter and the intent stream hash."""

    def __init__(self, backend: str, config: dict[str, Any], venue: str) -> None:
        from cracktrader.engine import build_core

        self.core = build_core(backend=backend, config=config)
        self.backend = backend
        self.venue = venue
        self.seq = 0
        self.intents = 0
        self.events = 0
        self._hash = hashlib.sha256()
        self.refused: list[dict[str, Any]] = []
        # ``observer(item, result)`` for every applied input (see the module docstring)
        self.observer: Callable[[dict[str, Any], dict[str, Any]], None] | None = None

    @property
    def intent_hash(self) -> str:
        """SHA-256 (hex) of the intents applied so far, canonical JSON lines."""
        return self._hash.hexdigest()

    def apply_intent(self, intent_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Apply one intent with the next seq_id; returns the core's result."""
        self.seq += 1
        intent = {"kind": "intent", "seq_id": self.seq, "intent_type": intent_type, "payload": payload}
        self._hash.update(canonical_bytes(intent) + b"\n")
        self.intents += 1
        result = self.core.apply(intent)
        if not result["accepted"]:
            self._refused(intent, result)
        if self.observer is not None:
            self.observer(intent, result)
        return result

    def apply_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Apply one event (its ``seq_id`` is replaced by the next one)."""
        self.seq += 1
        event = dict(event, seq_id=self.seq)
        self.events += 1
        result = self.core.apply(event)
        if not result["accepted"]:
            self._refused(event, result)
        if self.observer is not None:
            self.observer(event, result)
        return result

    def _refused(self, item: dict[str, Any], result: dict[str, Any]) -> None:
        diagnostics = result["diagnostics"]
        self.refused.append({
            "seq_id": item["seq_id"],
            "kind": item["kind"],
            "type": item.get("intent_type") or item.get("event_type"),
            "code": result["code"],
            "field": diagnostics[0]["field"] if diagnostics else "",
        })


class _BuildContext:
    """What strategies read while they are constructed (see ``Strategy._prepare``)."""

    def __init__(self, engine, cerebro, broker, datas, master_clock, master_datetime, sizer) -> None:
        self.engine = engine
        self.cerebro = cerebro
        self.broker = broker
        self.datas = datas
        self.master_clock = master_clock
        self.master_datetime = master_datetime
        self.sizer = sizer
        self.strategy_id = "strategy"


class RunResult:
    """The outcome of a run (see the module docstring)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def comparable(self) -> dict[str, Any]:
        """Everything that must be identical whichever core backend ran."""
        return {
            "steps": self.steps,
            "bars": self.bars,
            "intents": self.intents,
            "intent_hash": self.intent_hash,
            "state_hash": self.state_hash,
            "final_cash": self.final_cash,
            "final_value": self.final_value,
            "orders": self.orders,
            "fills": self.fills,
            "trades": self.trades,
            "refused": self.refused,
            "rejected_rows": self.rejected_rows,
        }

    def to_dict(self) -> dict[str, Any]:
        """``comparable()`` plus the backend name."""
        return {"backend": self.backend, **self.comparable()}

    def __repr__(self) -> str:
        return (f"<RunResult backend={self.backend} steps={self.steps} intents={self.intents} "
                f"final_value={self.final_value} intent_hash={self.intent_hash[:12]}>")


class CracktraderEngine:
    """Runs strategies on the deterministic core (``engine_backend``: ``"python"`` or
    ``"rust"``; None takes ``CRACKTRADER_BACKEND`` or python). ``runonce=True``
    preloads feeds and computes indicators once over whole series (backtests);
    ``runonce=False`` loads bar by bar and updates indicators incrementally (the
    live path). ``verify`` checks the strategy-side broker view against the core's
    final state."""

    def __init__(self, engine_backend: str | None = None, *, venue: str = "sim", runonce: bool = True,
                 verify: bool = True) -> None:
        from cracktrader.backend import resolve_backend

        self.backend = resolve_backend(engine_backend)
        self.venue = venue
        self.runonce = runonce
        self.verify = verify
        self.session: CoreSession | None = None
        # Called with every core result of a run (module docstring); None: nobody watches.
        self.result_observer: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
        # How bar prices travel (D-414): the shortest decimal text for the python core,
        # which parses text faster than floats; the float itself for the rust core,
        # which reads it through the same shortest decimal. Same decimals either way.
        self._price_form = repr if self.backend == "python" else float

    # -------------------------------------------------------------------- run
    def run(self, datas: list[Any], strategies: list[tuple[Any, tuple, dict]], *, broker: Broker | None = None,
            analyzers: list[tuple[Any, tuple, dict, str | None]] = (), sizer: tuple | None = None,
            cerebro: Any = None) -> RunResult:
        """Run ``strategies`` (``(cls, args, kwargs)``) over ``datas``; see the module docstring."""
        if not strategies:
            raise ValueError("no strategy to run")
        if not datas:
            raise ValueError("no data feed to run on")
        broker = broker if broker is not None else BacktestBroker()
        self._name_feeds(datas)
        # Live data or a live broker cannot be preloaded: such runs go bar by bar.
        runonce = self.runonce and not broker.live and not any(data.islive() for data in datas)
        for data in datas:
            if runonce:
                data.preload()
            data.rewind()
        # A broker bound to a venue (paper/live: its store's) names the run's venue.
        session = CoreSession(self.backend, broker.core_config(), broker.venue or self.venue)
        self.session = session
        session.observer = self.result_observer
        broker._start(session, datas)
        master_clock, master_dt, timeline = self._master(datas, runonce)
        context = _BuildContext(self, cerebro, broker, datas, master_clock, master_dt, sizer)
        built = []
        CONTEXT.current = context
        try:
            for index, (cls, args, kwargs) in enumerate(strategies):
                context.strategy_id = f"{cls.__name__[:100]}-{index}"
                built.append(cls(*args, **kwargs))
        finally:
            CONTEXT.current = None
        self._attach_analyzers(built, analyzers)
        for strat in built:
            strat._start_run()
            for analyzer in strat._all_analyzers:
                analyzer._start()
            strat.start()
        STAGE.building = 0
        try:
            if runonce:
                steps = self._run_preloaded(datas, built, broker, session, master_clock, timeline)
            else:
                steps = self._run_incremental(datas, built, broker, session, master_clock, master_dt)
        finally:
            for strat in built:
                strat.stop()
                for analyzer in strat._all_analyzers:
                    analyzer._stop()
            for data in datas:
                data.stop()
            broker._stop()
        return self._result(session, broker, datas, built, steps)

    @staticmethod
    def _name_feeds(datas: list[Any]) -> None:
        seen = set()
        for index, data in enumerate(datas):
            instrument = data.instrument_id(index)
            if instrument in seen:
                raise ValueError(f"two data feeds share the instrument id {instrument!r}; name them")
            seen.add(instrument)
            data._instrument = instrument

    def _master(self, datas: list[Any], runonce: bool) -> tuple[Clock, Any, Any]:
        """The step clock: the feed's own for one feed; a merged timeline otherwise."""
        if len(datas) == 1:
            return datas[0].clock, datas[0].datetime, None
        clock = Clock()
        line = DateTimeLine(clock)
        if runonce:
            merged = sorted(set().union(*(set(data.datetime.array) for data in datas)))
            line.array.extend(array("q", merged))
            return clock, line, merged
        return clock, line, None

    @staticmethod
    def _attach_analyzers(built: list[Any], analyzers: Any) -> None:
        from cracktrader.analyzers.base import BUILDING

        for strat in built:
            BUILDING.strategy = strat
            try:
                for cls, args, kwargs, name in analyzers:
                    strat.analyzers.append(cls(*args, **kwargs), name or cls.__name__.lower())
            finally:
                BUILDING.strategy = None

    # ------------------------------------------------------------------ loops
    def _run_preloaded(self, datas, built, broker, session, master_clock, timeline) -> int:
        core_apply = session.core.apply
        venue = session.venue
        steps = [strat._step for strat in built]
        if len(datas) == 1:
            feed = datas[0]
            clock = feed.clock
            instrument, frame = feed._instrument, feed.bar_ms()
            times = feed.datetime.array
            opens, highs, lows = feed.open.array, feed.high.array, feed.low.array
            closes, volumes = feed.close.array, feed.volume.array
            text = self._price_form
            for index in range(len(times)):
                clock.idx = index
                session.seq = seq = session.seq + 1
                time = times[index]
                result = core_apply({
                    "kind": "event", "seq_id": seq, "event_time": time, "ingest_time": time,
                    "source": "market_data", "venue": venue, "instrument": instrument, "event_type": "bar",
                    "payload": {"open": text(opens[index]), "high": text(highs[index]), "low": text(lows[index]),
                                "close": text(closes[index]), "volume": text(volumes[index]), "timeframe_ms": frame},
                    "idempotency_key": None, "producer": 0,
                })
                if result["transitions"] or not result["accepted"]:
                    self._bar_result(session, broker, result, feed)
                if broker._has_notes:
                    broker._deliver()
                for step in steps:
                    step()
            session.events += len(times)
            return len(times)
        pointers = [0] * len(datas)
        columns = [(data.datetime.array, len(data.datetime.array)) for data in datas]
        for step_index, time in enumerate(timeline):
            master_clock.idx = step_index
            for k, data in enumerate(datas):
                times, count = columns[k]
                position = pointers[k]
                if position < count and times[position] == time:
                    data.clock.idx = position
                    pointers[k] = position + 1
                    self._apply_bar(session, broker, data)
            if broker._has_notes:
                broker._deliver()
            for step in steps:
                step()
        return len(timeline)

    def _run_incremental(self, datas, built, broker, session, master_clock, master_dt) -> int:
        steps = [strat._step for strat in built]
        single = len(datas) == 1
        poll = broker.poll_reports if broker.polls_reports else None
        count = 0
        while True:
            peeks = [data.peek() for data in datas]
            pending = [time for time in peeks if time is not None]
            if not pending:
                break
            time = min(pending)
            if not single:
                master_dt.array.append(time)
                master_clock.idx += 1
            for data, peeked in zip(datas, peeks):
                if peeked == time:
                    data.advance()
                    self._apply_bar(session, broker, data)
            if poll is not None:
                poll()  # venue reports that arrived while the step's bars were awaited
            if broker._has_notes:
                broker._deliver()
            for step in steps:
                step()
            count += 1
        return count

    def _apply_bar(self, session: CoreSession, broker: Broker, data: Any) -> None:
        index = data.clock.idx
        text = self._price_form
        session.seq = seq = session.seq + 1
        session.events += 1
        time = data.datetime.array[index]
        result = session.core.apply({
            "kind": "event", "seq_id": seq, "event_time": time, "ingest_time": time,
            "source": "market_data", "venue": session.venue, "instrument": data._instrument, "event_type": "bar",
            "payload": {"open": text(data.open.array[index]), "high": text(data.high.array[index]),
                        "low": text(data.low.array[index]), "close": text(data.close.array[index]),
                        "volume": text(data.volume.array[index]), "timeframe_ms": data.bar_ms()},
            "idempotency_key": None, "producer": 0,
        })
        if result["transitions"] or not result["accepted"]:
            self._bar_result(session, broker, result, data)

    @staticmethod
    def _bar_result(session: CoreSession, broker: Broker, result: dict[str, Any], data: Any) -> None:
        if not result["accepted"]:
            # Feeds validate bars as the core does, so this is a bug guard, never raised.
            diagnostics = result["diagnostics"]
            session.refused.append({
                "seq_id": result["seq_id"], "kind": "event", "type": "bar", "code": result["code"],
                "field": diagnostics[0]["field"] if diagnostics else "", "instrument": data._instrument,
            })
        else:
            broker._bar_result(result)
        if session.observer is not None:
            session.observer({"kind": "event", "seq_id": result["seq_id"], "event_type": "bar",
                              "venue": session.venue, "instrument": data._instrument,
                              "event_time": data.datetime.array[data.clock.idx]}, result)

    # ----------------------------------------------------------------- result
    def _result(self, session: CoreSession, broker: Broker, datas: list[Any], built: list[Any],
                steps: int) -> RunResult:
        snapshot = session.core.snapshot()
        if self.verify:
            broker.verify(snapshot, session.venue)
        cash = parse_decimal(snapshot["cash"])
        value = cash
        last_bars = snapshot["last_bar"].get(session.venue, {})
        for instrument, position in snapshot["positions"].get(session.venue, {}).items():
            size = parse_decimal(position["size"])
            if size and instrument in last_bars:
                value = add(value, mul(size, parse_decimal(last_bars[instrument]["close"])))
        return RunResult(
            backend=self.backend,
            strategies=built,
            steps=steps,
            bars=session.events,
            intents=session.intents,
            intent_hash=session.intent_hash,
            state_hash=session.core.state_hash(),
            final_cash=snapshot["cash"],
            final_value=format_decimal(value),
            orders=broker.order_summaries(),
            fills=list(broker.fills),
            trades=list(broker.closed_trades),
            refused=list(session.refused),
            rejected_rows={data._instrument: list(data.rejected) for data in datas},
        )
