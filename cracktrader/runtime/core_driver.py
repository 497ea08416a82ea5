"""A runtime strategy on the deterministic core, with no strategy layer in between.

``CoreDriver`` owns one core (``build_core(backend, config)``, simulated mode): it turns
bars into ``bar`` events and the strategy's orders into intents, numbers both from one
``seq_id`` counter (a refused input consumes none, D-030), and emits what each result
did as runtime events. Account figures (cash, fees, positions) follow the results
(``Account``, with the reference accounting) and are reconciled against the core's
snapshot at the end of the run (``reconcile``), on either backend.

What results do (events, the followed account) is ``follower.ResultFollower``, shared
with the ``ct.Strategy`` path (``cerebro_driver``). This driver runs the
``RuntimeStrategy`` classes (``strategy_api``), the built-in ``demo:*`` strategies
among them (D-570).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from cracktrader.engine import build_core, numbers
from cracktrader.runtime.follower import ResultFollower

VENUE = "sim"
HISTORY_LIMIT = 1_000
Emit = Callable[[str, str, dict[str, Any]], None]


class CoreDriver:
    """Bars and orders in, runtime events out, through one simulated core."""

    def __init__(
        self,
        *,
        backend: str,
        initial_cash: str,
        commission_rate: str,
        emit: Emit,
        strategy_id: str,
    ) -> None:
        self.core = build_core(
            backend,
            {"mode": "simulated", "starting_cash": initial_cash, "commission_rate": commission_rate},
        )
        self._emit = emit
        self.strategy_id = strategy_id
        self.last_seq = 0
        self.bar_time: int | None = None
        self.history: dict[str, list[float]] = {}
        self._last_close: dict[str, int] = {}
        self.follower = ResultFollower(initial_cash, emit)
        self.counts = self.follower.counts
        self._order_counter = 0
        self.kill_switch = False

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """The orders the core has accepted and not yet finished (static fields, state)."""
        return self.follower.orders

    @property
    def account(self):
        """The followed account (``cracktrader.runtime.account.Account``)."""
        return self.follower.account

    # inputs ----------------------------------------------------------------------------

    def _apply(self, item: dict[str, Any]) -> dict[str, Any]:
        item["seq_id"] = self.last_seq + 1
        result = self.core.apply(item)
        if result["accepted"]:
            self.last_seq = item["seq_id"]
        return result

    def on_bar(self, bar: Mapping[str, Any]) -> None:
        """Apply one bar (the core matches working orders against it)."""
        self.bar_time = bar["time"]
        event = {
            "kind": "event",
            "event_time": bar["time"],
            "ingest_time": bar["time"],
            "source": "market_data",
            "venue": VENUE,
            "instrument": bar["instrument"],
            "event_type": "bar",
            "payload": {key: bar[key] for key in ("open", "high", "low", "close", "volume", "timeframe_ms")},
            "idempotency_key": None,
            "producer": 0,
        }
        result = self._apply(event)
        self.counts["bars"] += 1
        if not result["accepted"]:
            self.follower.input_refused(result, bar["instrument"], bar["time"])
            return
        history = self.history.setdefault(bar["instrument"], [])
        history.append(float(bar["close"]))
        if len(history) > HISTORY_LIMIT:
            del history[: len(history) - HISTORY_LIMIT]
        self._last_close[bar["instrument"]] = numbers.parse_decimal(bar["close"])
        self.follower.absorb(result)

    def place(
        self,
        instrument: str,
        side: str,
        qty: str,
        *,
        order_type: str = "market",
        limit_price: str | None = None,
        stop_price: str | None = None,
        time_in_force: str = "gtc",
    ) -> str | None:
        """Send a ``place_order`` intent; the order id, or ``None`` if refused."""
        self._order_counter += 1
        order_id = f"o{self._order_counter}"
        payload = {
            "intent_id": f"i-{order_id}",
            "order_id": order_id,
            "instrument": instrument,
            "venue": VENUE,
            "side": side,
            "order_type": order_type,
            "qty": qty,
            "limit_price": limit_price,
            "stop_price": stop_price,
            "time_in_force": time_in_force,
            "expire_time": None,
            "parent_order_id": None,
            "oco_group": None,
            "strategy_id": self.strategy_id,
        }
        intent = {"kind": "intent", "intent_type": "place_order", "payload": payload}
        result = self._apply(intent)
        if not result["accepted"]:
            self.follower.refused(intent, result)
            return None
        self.follower.placed(payload)
        self.follower.absorb(result)
        return order_id

    def cancel(self, order_id: str) -> bool:
        """Send a ``cancel_order`` intent; whether the core accepted it."""
        intent = {"kind": "intent", "intent_type": "cancel_order", "payload": {"order_id": order_id}}
        result = self._apply(intent)
        if not result["accepted"]:
            self.follower.refused(intent, result)
            return False
        self.follower.absorb(result)
        return True

    def working_order_ids(self) -> list[str]:
        return self.follower.working_order_ids()

    def cancel_all(self) -> int:
        """Cancel every working order; how many cancels the core accepted."""
        return sum(1 for order_id in self.working_order_ids() if self.cancel(order_id))

    def engage_kill_switch(self) -> int:
        """Turn the core's kill switch on (no new order or replace passes), then cancel
        every working order; how many were cancelled."""
        result = self._apply(kill_switch_event(self.bar_time))
        self.kill_switch = bool(result["accepted"])
        self._emit("risk", "kill_switch_engaged", {"accepted": result["accepted"], "code": result["code"]})
        return self.cancel_all()

    # account ---------------------------------------------------------------------------

    @property
    def cash(self) -> str:
        return numbers.format_decimal(self.account.cash)

    def position_size(self, instrument: str) -> str:
        return self.follower.position_size(VENUE, instrument)

    def settle(self) -> None:
        """After a bar: emit ``position_changed`` for each position fills moved."""
        self.follower.settle()

    def reconcile(self) -> list[dict[str, Any]]:
        """Compare the followed account with the core's snapshot (one O(state) read)."""
        return self.follower.reconcile(self.core.snapshot())

    def account_figures(self) -> dict[str, str]:
        """Cash, equity (cash + marked positions), realized and unrealized PnL, fees."""
        return self.follower.account_figures(self._last_close.get)


def kill_switch_event(bar_time: int | None) -> dict[str, Any]:
    """The core's ``kill_switch`` control event (``enabled: true``), stamped at the
    current bar's time (0 before the first bar); its ``seq_id`` is the caller's."""
    return {
        "kind": "event",
        "event_time": bar_time or 0,
        "ingest_time": bar_time or 0,
        "source": "control",
        "venue": None,
        "instrument": None,
        "event_type": "kill_switch",
        "payload": {"enabled": True},
        "idempotency_key": None,
        "producer": 0,
    }
