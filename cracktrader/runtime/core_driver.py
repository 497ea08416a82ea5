"""A runtime strategy on the deterministic core, with no strategy layer in between.

``CoreDriver`` owns one core (``build_core(backend, config)``, simulated mode): it turns
bars into ``bar`` events and the strategy's orders into intents, numbers both from one
``seq_id`` counter (a refused input consumes none, D-030), and emits what each result
did as runtime events. Account figures (cash, fees, positions) follow the results
(``Account``, with the reference accounting) and are reconciled against the core's
snapshot at the end of the run (``reconcile``), on either backend.

This is the stand-in the adapter uses until ``ct.Cerebro`` exists (issue 8).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from cracktrader.engine import build_core, numbers
from cracktrader.runtime import translate
from cracktrader.runtime.account import Account
from cracktrader.runtime.vocabulary import TERMINAL_ORDER_STATES

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
        self.orders: dict[str, dict[str, Any]] = {}
        self._order_counter = 0
        self.account = Account(initial_cash)
        self._touched: set[tuple[str, str]] = set()
        self.kill_switch = False
        self.counts = {"bars": 0, "orders": 0, "fills": 0, "refused": 0}

    # inputs ----------------------------------------------------------------------------

    def _apply(self, item: dict[str, Any]) -> dict[str, Any]:
        item["seq_id"] = self.last_seq + 1
        result = self.core.apply(item)
        if result["accepted"]:
            self.last_seq = item["seq_id"]
        return result

    def _absorb(self, result: Mapping[str, Any]) -> None:
        """Record what an accepted result changed, and emit it."""
        for transition in result["transitions"]:
            order = self.orders.get(transition["order_id"])
            if order is not None:
                order["state"] = transition["to"]
                order["qty"] = numbers.format_decimal(
                    numbers.add(
                        numbers.parse_decimal(transition["filled_qty"]),
                        numbers.parse_decimal(transition["remaining_qty"]),
                    )
                )
        self.counts["fills"] += len(result["fills"])
        self._touched |= self.account.apply(result)
        translate.transition_events(result, self.orders, self._emit)
        for order_id in [oid for oid, o in self.orders.items() if o["state"] in TERMINAL_ORDER_STATES]:
            del self.orders[order_id]

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
            diagnostics = result["diagnostics"] or [{}]
            self._emit("error", "input_refused", {"code": result["code"], "field": diagnostics[0].get("field"),
                                                  "instrument": bar["instrument"], "time": bar["time"]})
            return
        history = self.history.setdefault(bar["instrument"], [])
        history.append(float(bar["close"]))
        if len(history) > HISTORY_LIMIT:
            del history[: len(history) - HISTORY_LIMIT]
        self._last_close[bar["instrument"]] = numbers.parse_decimal(bar["close"])
        self._absorb(result)

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
            self.counts["refused"] += 1
            translate.refusal_event(result, intent, self._emit)
            return None
        self.counts["orders"] += 1
        self.orders[order_id] = {key: payload[key] for key in translate.ORDER_STATIC} | {"state": "created"}
        self._absorb(result)
        return order_id

    def cancel(self, order_id: str) -> bool:
        """Send a ``cancel_order`` intent; whether the core accepted it."""
        intent = {"kind": "intent", "intent_type": "cancel_order", "payload": {"order_id": order_id}}
        result = self._apply(intent)
        if not result["accepted"]:
            self.counts["refused"] += 1
            translate.refusal_event(result, intent, self._emit)
            return False
        self._absorb(result)
        return True

    def working_order_ids(self) -> list[str]:
        return [oid for oid, order in self.orders.items() if order["state"] not in TERMINAL_ORDER_STATES]

    def cancel_all(self) -> int:
        """Cancel every working order; how many cancels the core accepted."""
        return sum(1 for order_id in self.working_order_ids() if self.cancel(order_id))

    def engage_kill_switch(self) -> int:
        """Turn the core's kill switch on (no new order or replace passes), then cancel
        every working order; how many were cancelled."""
        event = {
            "kind": "event",
            "event_time": self.bar_time or 0,
            "ingest_time": self.bar_time or 0,
            "source": "control",
            "venue": None,
            "instrument": None,
            "event_type": "kill_switch",
            "payload": {"enabled": True},
            "idempotency_key": None,
            "producer": 0,
        }
        result = self._apply(event)
        self.kill_switch = bool(result["accepted"])
        self._emit("risk", "kill_switch_engaged", {"accepted": result["accepted"], "code": result["code"]})
        return self.cancel_all()

    # account ---------------------------------------------------------------------------

    @property
    def cash(self) -> str:
        return numbers.format_decimal(self.account.cash)

    def position_size(self, instrument: str) -> str:
        return self.account.position((VENUE, instrument))["size"]

    def settle(self) -> None:
        """After a bar: emit ``position_changed`` for each position fills moved."""
        for venue, instrument in sorted(self._touched):
            self._emit("position", "position_changed",
                       {"venue": venue, "instrument": instrument, **self.account.position((venue, instrument))})
        self._touched.clear()

    def reconcile(self) -> list[dict[str, Any]]:
        """Compare the followed account with the core's snapshot (one O(state) read)."""
        return self.account.reconcile(self.core.snapshot())

    def account_figures(self) -> dict[str, str]:
        """Cash, equity (cash + marked positions), realized and unrealized PnL, fees."""
        cash = self.account.cash
        equity, realized, unrealized = cash, 0, 0
        for (_venue, instrument), position in self.account.positions.items():
            realized = numbers.add(realized, position.realized_pnl)
            close = self._last_close.get(instrument)
            if close is None or position.size == 0:
                continue
            equity = numbers.add(equity, numbers.mul(position.size, close))
            unrealized = numbers.add(unrealized, numbers.mul(position.size, numbers.sub(close, position.avg_price)))
        return {
            "cash": numbers.format_decimal(cash),
            "equity": numbers.format_decimal(equity),
            "realized_pnl": numbers.format_decimal(realized),
            "unrealized_pnl": numbers.format_decimal(unrealized),
            "fees": numbers.format_decimal(self.account.fees),
        }
