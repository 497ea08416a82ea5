"""A runtime running a ``ct.Strategy`` on ``ct.Cerebro`` (issue 8's strategy layer).

``run_cerebro`` builds ``ct.Cerebro`` on ``ct.CracktraderEngine(engine_backend=...)``,
the broker's cash and commission, one seeded ``ct.feeds.SyntheticData`` per symbol and
the strategy with its parameters, and runs it. Two seams of the strategy layer connect
it to the runtime, and neither changes how the strategy runs:

- **Results.** ``engine.result_observer`` (``CerebroDriver.observe``) sees every core
  result the run produces: the strategy's intents, the runtime's own control inputs
  (kill switch, cancels), and each bar that changed something. A ``ResultFollower``
  turns them into ``order``, ``fill``, ``risk`` and ``position`` events and follows the
  account, exactly as on the direct path (``core_driver``).
- **Steps.** The run loads bar by bar (``runonce=False``, D-415: the same results as a
  preloaded run), so the engine asks the feeds for each next bar between steps. The
  feeds pull their rows through a ``BarGate``: before the first feed's next row, after
  the previous step went through the core and the strategy, the gate does what
  ``Runner`` does between bars (``RunControl.after_step``: positions, the mark, flush,
  pacing; ``before_step``: control commands, pause). Withholding rows is pausing;
  ending them is stopping (the engine then finishes normally: ``stop()``, analyzers,
  the run result). This is how a live feed behaves too, which is why no hook in the
  engine's loop is needed (D-571).

Both core backends produce the same results, so the same event stream (D-573).

A runtime on a venue (D-577) builds its feeds and broker through ``ct.exchange``
(``venue_session``) instead, and its live feeds pass their rows through a ``LiveGate``
(D-580), which also answers commands while the venue is silent.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

from cracktrader.engine import numbers
from cracktrader.feeds.synthetic import SyntheticData
from cracktrader.runtime.core_driver import kill_switch_event
from cracktrader.runtime.follower import ResultFollower
from cracktrader.runtime.runner import RunControl, StopRun
from cracktrader.strategy.timeframe import CCXT_TIMEFRAMES

Emit = Callable[..., None]


class BarGate:
    """Hands the rows of a runtime's feeds to the engine one step at a time, doing the
    run's between-step duties (``RunControl``) before the leading feed's next row.

    Every feed of a runtime has a bar at every step (synthetic feeds share their
    times), so the engine pulls exactly one row of the leading feed per step, first.
    """

    def __init__(self, control: RunControl, driver: "CerebroDriver") -> None:
        self.control = control
        self.driver = driver
        self.stopped = False
        self._stepped = False

    def lead(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        """The leading feed's rows; ends early when the run is stopped."""
        control = self.control
        try:
            for row in rows:
                if self._stepped:
                    control.after_step()
                control.before_step()
                self.driver.bar_time = row[0]
                self.driver.counts["bars"] += 1
                self._stepped = True
                yield row
            if self._stepped:
                control.after_step()
            # Commands that arrived after the last bar still get their answer.
            control.drain()
        except StopRun:
            pass
        self.stopped = True

    def follow(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        """Another feed's rows: they end when the leading feed's do."""
        for row in rows:
            if self.stopped:
                return
            self.driver.counts["bars"] += 1
            yield row


class LiveGate:
    """The gate of a runtime on a venue (D-580): its live feeds' rows pass through
    ``rows`` and the feeds call ``idle`` after every poll of the venue.

    Live feeds may skip a bar time without trades, and the engine peeks every feed at
    the start of each step, so the between-step duties run when a feed is asked for a
    row and the engine has taken bars since the last time (``_between_steps``): that
    moment is after the previous step went through the core and the strategy, before
    the next one. While the venue is silent, ``idle`` answers commands, holds while
    paused and beats the heartbeat. A stop ends every feed (``request_stop``): the
    engine then finishes the run normally.
    """

    def __init__(self, control: RunControl, driver: "CerebroDriver") -> None:
        self.control = control
        self.driver = driver
        self.feeds: list[Any] = []
        self.stopped = False
        self._taken: int | None = None  # bars the engine had taken at the last duties

    def attach(self, feed: Any) -> None:
        """Route ``feed``'s rows through the gate and hook its idle polls."""
        rows = feed._rows
        feed._rows = lambda: self.rows(rows())
        feed.add_idle_hook(self.idle)
        self.feeds.append(feed)

    def _between_steps(self) -> None:
        taken = sum(feed.clock.idx + 1 for feed in self.feeds)
        if taken == self._taken:
            return  # another feed of the same step boundary: the duties are done
        if self._taken is not None:
            self.control.after_step()
        self._taken = taken
        self.control.before_step()

    def rows(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        """One feed's rows, the duties done before each pull of the venue's next row."""
        try:
            while not self.stopped:
                self._between_steps()
                row = next(rows, None)  # polls the venue until a bar closes or the feed ends
                if row is None or self.stopped:
                    return
                self.driver.counts["bars"] += 1
                yield row
        except StopRun:
            self.stop()

    def idle(self) -> None:
        """A live feed polled its venue and has no bar yet."""
        if self.stopped:
            return
        try:
            self.control.waiting()
        except StopRun:
            self.stop()

    def stop(self) -> None:
        """End every feed at its next read."""
        self.stopped = True
        for feed in self.feeds:
            feed.request_stop()


def venue_session(spec: Mapping[str, Any]) -> tuple[Any, list[Any], Any]:
    """The runtime's venue (D-577): ``ct.exchange(data.exchange, mode=spec mode)``, one
    live feed per symbol and the session's broker (``PaperBroker`` for paper,
    ``LiveBroker`` in the core's external mode for live and sandbox), with the spec's
    cash and commission as exact decimal strings. Credentials are the sessions': from
    the environment only."""
    from cracktrader.sessions.session import exchange

    data = spec["data"]
    poll_s = int(data["poll_interval_ms"]) / 1000.0
    live_options = {} if spec["mode"] == "paper" else {"poll_interval_s": poll_s}
    session = exchange(data["exchange"], mode=spec["mode"], timeframe=spec["timeframe"],
                       granularity=data.get("granularity"), broker_options=live_options)
    try:
        feeds = [session.feed(symbol=symbol, poll_interval_s=poll_s, backfill=int(data.get("backfill") or 0),
                              max_bars=data.get("max_bars"))
                 for symbol in spec["symbols"]]
        broker = session.broker()
        broker.setcash(spec["initial_cash"])
        broker.setcommission(commission=spec["commission_rate"])
    except Exception:
        session.close()
        raise
    return session, feeds, broker


class RuntimeFeed(SyntheticData):
    """``ct.feeds.SyntheticData`` whose rows pass through a ``BarGate`` (set ``gate``
    and, on one feed, ``leads = True`` before the run)."""

    gate: BarGate | None = None
    leads = False

    def _rows(self) -> Iterator[tuple]:
        rows = super()._rows()
        if self.gate is None:
            return rows
        return self.gate.lead(rows) if self.leads else self.gate.follow(rows)


class CerebroDriver:
    """The runtime's side of a Cerebro run: core results in (``observe``), runtime
    events and account figures out, and the control effects through the run's broker."""

    def __init__(self, *, initial_cash: str, emit: Emit) -> None:
        self.bar_time: int | None = None
        self.kill_switch = False
        self._emit = emit
        self.follower = ResultFollower(initial_cash, self._emit_now)
        self.counts = self.follower.counts
        self.engine: Any = None
        self.broker: Any = None
        self._feeds: dict[str, Any] = {}

    def _emit_now(self, family: str, name: str, data: dict[str, Any]) -> None:
        self._emit(family, name, data, event_time=self.bar_time)

    def bind(self, engine: Any, broker: Any, feeds: Mapping[str, Any]) -> None:
        """Watch ``engine``'s runs; act through ``broker``; mark at ``feeds``' closes."""
        self.engine = engine
        self.broker = broker
        self._feeds = dict(feeds)
        engine.result_observer = self.observe

    def observe(self, item: dict[str, Any], result: dict[str, Any]) -> None:
        """The engine's result observer: every result becomes runtime events."""
        follower = self.follower
        if result["accepted"]:
            if item["kind"] == "intent" and item["intent_type"] == "place_order":
                follower.placed(item["payload"])
            follower.absorb(result)
        elif item["kind"] == "intent":
            follower.refused(item, result)
        elif item.get("event_type") == "bar":
            follower.input_refused(result, item.get("instrument"), item.get("event_time"))
        # A refused control event (the kill switch) is reported by whoever applied it.

    # control effects -------------------------------------------------------------------

    def cancel_all(self) -> int:
        """Cancel every live order through the broker (the strategy is notified as for
        its own cancels); how many cancels the core accepted."""
        broker = self.broker
        return sum(1 for order in broker.get_orders_open() if broker.cancel(order))

    def engage_kill_switch(self) -> int:
        """The core's kill switch on (every later placement is refused), then cancel
        every live order; how many were cancelled."""
        result = self.engine.session.apply_event(kill_switch_event(self.bar_time))
        self.kill_switch = bool(result["accepted"])
        self._emit_now("risk", "kill_switch_engaged", {"accepted": result["accepted"], "code": result["code"]})
        return self.cancel_all()

    # account ---------------------------------------------------------------------------

    def settle(self) -> None:
        """Emit ``position_changed`` for each position fills moved since the last call."""
        self.follower.settle()

    def _close_of(self, instrument: str) -> int | None:
        feed = self._feeds.get(instrument)
        if feed is None or feed.clock.idx < 0:
            return None
        # The float the core was sent, read through its shortest decimal as the core did.
        return numbers.parse_decimal(feed.close.array[feed.clock.idx])

    def account_figures(self) -> dict[str, str]:
        """Cash, equity (positions at each feed's current close), PnL, fees."""
        return self.follower.account_figures(self._close_of)

    def reconcile(self) -> list[dict[str, Any]]:
        """The followed account against one snapshot of the run's core."""
        return self.follower.reconcile(self.engine.session.core.snapshot())


class VenueCerebroDriver(CerebroDriver):
    """``CerebroDriver`` of a runtime on a venue: ``bar_time`` (the time events
    are stamped with) is the run's current step time, the latest bar any feed has
    taken, since live feeds need not all have a bar at every step."""

    @property
    def bar_time(self) -> int | None:
        latest = None
        for feed in getattr(self, "_feeds", {}).values():
            index = feed.clock.idx
            if index >= 0:
                time = feed.datetime.array[index]
                if latest is None or time > latest:
                    latest = time
        return latest

    @bar_time.setter
    def bar_time(self, value: int | None) -> None:
        """Derived from the feeds: nothing to set."""


def synthetic_feeds(spec: Mapping[str, Any], start_time: int) -> list[RuntimeFeed]:
    """One seeded ``SyntheticData`` per symbol: symbol ``i`` uses seed ``seed + i``, so a
    one-symbol runtime's bars are ``ct.feeds.SyntheticData(seed=seed, ...)``'s (D-574)."""
    data = spec["data"]
    timeframe, compression = CCXT_TIMEFRAMES[spec["timeframe"]]
    step_ms = _timeframe_ms(spec["timeframe"])
    return [
        RuntimeFeed(seed=int(data["seed"]) + index, bars=data.get("bars"), start=start_time,
                    start_price=float(data["start_price"]), volatility=float(data["volatility"]),
                    timeframe=timeframe, compression=compression, timeframe_ms=step_ms, name=symbol)
        for index, symbol in enumerate(spec["symbols"])
    ]


def _timeframe_ms(name: str) -> int:
    from cracktrader.runtime.synthetic import TIMEFRAMES_MS

    return TIMEFRAMES_MS[name]


def run_cerebro(
    *,
    cls: type,
    spec: Mapping[str, Any],
    emit: Emit,
    flush: Callable[[], None],
    controls: Any,
    start_info: Mapping[str, Any],
    start_time: int,
    pace_ms: int,
) -> int:
    """Run ``cls`` (a ``ct.Strategy``) as the runtime ``spec`` says; the exit status."""
    from cracktrader.strategy.cerebro import Cerebro
    from cracktrader.strategy.engine import CracktraderEngine

    venue = spec["data"].get("source") == "exchange"
    driver_cls = VenueCerebroDriver if venue else CerebroDriver
    driver = driver_cls(initial_cash=spec["initial_cash"], emit=emit)
    control = RunControl(driver=driver, controls=controls, emit=emit, flush=flush, pace_ms=pace_ms,
                         mark_every=int(spec.get("mark_every", 1)))
    try:
        engine = CracktraderEngine(spec["backend"], runonce=False)
    except Exception as exc:  # e.g. the rust core vanished between check and run
        emit("error", "engine_error", {"type": type(exc).__name__, "message": str(exc)[:2000]})
        emit("lifecycle", "failed", {"reason": "engine_error"})
        flush()
        return 1
    session = None
    if venue:
        try:
            session, feeds, broker = venue_session(spec)
        except Exception as exc:  # unknown exchange, missing credentials (their names only), bad options
            emit("error", "exchange_error", {"type": type(exc).__name__, "message": str(exc)[:2000]})
            emit("lifecycle", "failed", {"reason": "exchange_error"})
            flush()
            return 1
        cerebro = Cerebro(engine=engine)
        cerebro.setbroker(broker)
        live_gate = LiveGate(control, driver)
        for feed in feeds:
            live_gate.attach(feed)
            cerebro.adddata(feed)
    else:
        cerebro = Cerebro(engine=engine)
        # Strings, not floats: the broker keeps them exact (D-401).
        cerebro.broker.setcash(spec["initial_cash"])
        cerebro.broker.setcommission(commission=spec["commission_rate"])
        feeds = synthetic_feeds(spec, start_time)
        gate = BarGate(control, driver)
        for index, feed in enumerate(feeds):
            feed.gate, feed.leads = gate, index == 0
            cerebro.adddata(feed)
    driver.bind(engine, cerebro.broker, {feed.name: feed for feed in feeds})
    cerebro.addstrategy(cls, **spec.get("params", {}))
    control.started(start_info)
    try:
        try:
            cerebro.run()
        finally:
            if session is not None:
                session.close()
        driver.settle()
        problems = driver.reconcile()
    except Exception as exc:  # the strategy's code failed: report it, end the run
        return control.failed(exc)
    result = cerebro.run_result
    summary = {**driver.counts, "steps": result.steps, **driver.account_figures(),
               "intent_hash": result.intent_hash, "state_hash": result.state_hash}
    return control.finished(summary, problems)
