"""The run loop of a runtime: bars through the driver and the strategy, control
commands between bars, pacing, lifecycle and heartbeat events.

Lifecycle: ``started``, then ``paused``/``resumed`` as commanded, and one terminal
event: ``completed`` (the data ran out), ``stopped`` (a ``stop`` command, or the daemon
closed the control channel) or ``failed`` (the strategy raised; an ``error`` event with
the traceback comes first). Every command is answered by ``control_applied`` with its
``command_id`` and effect, after the events the command caused (D-458).

``RunControl`` is everything a runtime does around and between bars, whoever steps
them: ``Runner`` (below) loops over bars for ``RuntimeStrategy`` classes, and the
``ct.Strategy`` path (``cerebro_driver``) calls the same methods from the gate its feeds
pull their bars through. A driver is anything with ``bar_time``, ``kill_switch``,
``engage_kill_switch()``, ``cancel_all()``, ``settle()``, ``account_figures()``.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable, Iterable, Mapping

from cracktrader.runtime.controls import ControlSource
from cracktrader.runtime.core_driver import CoreDriver
from cracktrader.runtime.strategy_api import RuntimeStrategy, StrategyContext

Emit = Callable[..., None]
HEARTBEAT_S = 1.0
TRACEBACK_CHARS = 4_000


class StopRun(Exception):
    """Leave the bar loop (stop command or closed control channel)."""


class RunControl:
    """Controls, pacing, marks and lifecycle events of one run (module docstring)."""

    def __init__(
        self,
        *,
        driver: Any,
        controls: ControlSource,
        emit: Emit,
        flush: Callable[[], None],
        pace_ms: int = 0,
        mark_every: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.driver = driver
        self.controls = controls
        self.emit = emit
        self.flush = flush
        self.pace_s = pace_ms / 1000.0
        self.mark_every = max(1, mark_every)
        self.clock = clock
        self.paused = False
        self.stop_reason: str | None = None
        self.seen_commands: set[str] = set()
        self.steps = 0
        self._unmarked = True
        self._last_emit = clock()

    def event(self, family: str, name: str, data: dict[str, Any]) -> None:
        """Emit an event stamped with the current bar's time."""
        self._last_emit = self.clock()
        self.emit(family, name, data, event_time=self.driver.bar_time)

    # controls --------------------------------------------------------------------------

    def handle(self, command: Mapping[str, Any]) -> None:
        """Apply one message of the control channel (raises ``StopRun`` to end the run)."""
        if command.get("type") == "eof":
            # The daemon is gone (or closed our channel): nobody can read our events.
            self.stop_reason = "control_channel_closed"
            raise StopRun
        if command.get("type") == "shutdown":
            self.stop_reason = "daemon_shutdown"
            raise StopRun
        if command.get("type") != "control":
            return
        name, command_id = command.get("command"), command.get("command_id")
        if not isinstance(command_id, str) or command_id in self.seen_commands:
            return  # the daemon deduplicates too; this keeps a resent line harmless
        self.seen_commands.add(command_id)
        effect: dict[str, Any]
        ref = {"command_id": command_id}
        if name == "pause":
            effect = {"effect": "already_paused" if self.paused else "paused"}
            if not self.paused:
                self.paused = True
                self.event("lifecycle", "paused", ref)
        elif name == "resume":
            effect = {"effect": "resumed" if self.paused else "not_paused"}
            if self.paused:
                self.paused = False
                self.event("lifecycle", "resumed", ref)
        elif name == "stop":
            effect = {"effect": "stopping"}
            self.stop_reason = "stop_requested"
            self.event("lifecycle", "stopping", ref)
        elif name == "kill_switch":
            if self.driver.kill_switch:
                effect = {"effect": "already_engaged"}
            else:
                effect = {"effect": "engaged", "cancelled": self.driver.engage_kill_switch()}
        elif name == "cancel_all":
            effect = {"effect": "cancelled", "cancelled": self.driver.cancel_all()}
        else:
            effect = {"effect": "unknown_command"}
        self.driver.settle()
        self._unmarked = True
        self.event("lifecycle", "control_applied", {**ref, "command": name, **effect})
        self.flush()

    def drain(self) -> None:
        """Apply every command that arrived; ``StopRun`` when the run must end."""
        for command in self.controls.poll():
            self.handle(command)
        if self.stop_reason:
            raise StopRun

    def idle(self, seconds: float) -> None:
        """Wait ``seconds`` (pacing) or while paused, answering commands at once and
        emitting a wall-clock ``heartbeat`` at least every second of silence."""
        deadline = self.clock() + seconds
        while self.paused or self.clock() < deadline:
            if self.clock() - self._last_emit >= HEARTBEAT_S:
                self.event("heartbeat", "heartbeat", {"status": "paused" if self.paused else "running",
                                                      "steps": self.steps})
                self.flush()
            wait = HEARTBEAT_S if self.paused else min(deadline - self.clock(), HEARTBEAT_S)
            command = self.controls.wait(max(wait, 0.0))
            if command is not None:
                self.handle(command)
                if self.stop_reason:
                    raise StopRun

    def waiting(self) -> None:
        """While the bars' source is silent (a live feed between two polls of its venue):
        a wall-clock ``heartbeat`` at least every second, commands at once, hold while
        paused (``StopRun`` when the run must end)."""
        if self.clock() - self._last_emit >= HEARTBEAT_S:
            self.event("heartbeat", "heartbeat", {"status": "paused" if self.paused else "running",
                                                  "steps": self.steps})
            self.flush()
        self.before_step()

    # steps -----------------------------------------------------------------------------

    def mark(self) -> None:
        """A ``heartbeat/mark`` event: the account at this bar (one equity-curve point)."""
        self.event("heartbeat", "mark", self.driver.account_figures())
        self._unmarked = False

    def started(self, start_info: Mapping[str, Any]) -> None:
        """The ``started`` event, before the strategy's first code runs."""
        self.event("lifecycle", "started", dict(start_info))
        self.flush()

    def before_step(self) -> None:
        """Before a step's bars: apply the commands that arrived; hold while paused."""
        self.drain()
        if self.paused:
            self.idle(0.0)

    def after_step(self) -> None:
        """After a step's bars went through the core and the strategy: positions that
        moved, the mark (every ``mark_every`` steps), a flush, then the pace."""
        self.driver.settle()
        self.steps += 1
        self._unmarked = True
        if self.steps % self.mark_every == 0:
            self.mark()
        self.flush()
        if self.pace_s > 0:
            self.idle(self.pace_s)

    def failed(self, exc: BaseException) -> int:
        """The strategy's code raised: ``strategy_error`` (with the traceback), then
        ``failed``; the worker's exit status (1)."""
        text = "".join(traceback.format_exception(exc))[-TRACEBACK_CHARS:]
        self.event("error", "strategy_error", {"type": type(exc).__name__, "message": str(exc)[:1000],
                                               "traceback": text})
        self.event("lifecycle", "failed", {"reason": "strategy_error"})
        self.flush()
        return 1

    def finished(self, summary: Mapping[str, Any], problems: list[dict[str, Any]]) -> int:
        """The end of a run that did not fail: ``account_mismatch`` if the followed
        account is not the core's, a last mark if the last step had none, then
        ``stopped`` or ``completed`` with ``summary``; the exit status (0)."""
        if problems:  # the followed account must be the core's: say so loudly
            self.event("error", "account_mismatch", {"problems": problems[:20]})
        if self._unmarked:
            self.mark()
        if self.stop_reason:
            self.event("lifecycle", "stopped", {"reason": self.stop_reason, **summary})
        else:
            self.event("lifecycle", "completed", {"reason": "data_exhausted", **summary})
        self.flush()
        return 0


class Runner:
    """One ``RuntimeStrategy`` over one bar stream on one core (``CoreDriver``)."""

    def __init__(
        self,
        *,
        strategy: RuntimeStrategy,
        driver: CoreDriver,
        bars: Iterable[list[dict[str, Any]]],
        controls: ControlSource,
        emit: Emit,
        flush: Callable[[], None],
        symbols: list[str],
        pace_ms: int = 0,
        mark_every: int = 1,
        start_info: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.strategy = strategy
        self.driver = driver
        self.bars = bars
        self.ctx = StrategyContext(driver, symbols)
        self.start_info = dict(start_info or {})
        self.control = RunControl(driver=driver, controls=controls, emit=emit, flush=flush, pace_ms=pace_ms,
                                  mark_every=mark_every, clock=clock)

    def run(self) -> int:
        """Run to the end; the worker's exit status (0, or 1 when the strategy failed)."""
        control = self.control
        control.started(self.start_info)
        try:
            try:
                self.strategy.on_start(self.ctx)
                for step in self.bars:
                    control.before_step()
                    for bar in step:
                        self.driver.on_bar(bar)
                        self.strategy.on_bar(self.ctx, bar)
                    control.after_step()
                # Commands that arrived after the last bar still get their answer.
                control.drain()
            except StopRun:
                pass
            self.strategy.on_stop(self.ctx)
            self.driver.settle()
            problems = self.driver.reconcile()
        except Exception as exc:  # the strategy's code failed: report it, end the run
            return control.failed(exc)
        summary = {**self.driver.counts, "steps": control.steps, **self.driver.account_figures()}
        return control.finished(summary, problems)
