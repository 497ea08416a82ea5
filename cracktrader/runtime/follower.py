"""Core results -> runtime events and the followed account, whoever drives the core.

Both ways a runtime runs a strategy share this: the direct driver of ``RuntimeStrategy``
classes (``core_driver.CoreDriver``) and ``ct.Strategy`` classes on ``ct.Cerebro``
(``cerebro_driver.CerebroDriver``, fed by the engine's result observer). A
``ResultFollower`` keeps the static fields of every live order (so order events carry
them), follows cash, fees and positions from each accepted result (``Account``, D-471),
emits the fills and transitions (``translate``) and the refusals, counts them, and
reports the positions each bar moved (``settle``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from cracktrader.engine import numbers
from cracktrader.runtime import translate
from cracktrader.runtime.account import Account
from cracktrader.runtime.vocabulary import TERMINAL_ORDER_STATES

Emit = Callable[[str, str, dict[str, Any]], None]


class ResultFollower:
    """What the results of one core did, as runtime events and account figures."""

    def __init__(self, initial_cash: str, emit: Emit) -> None:
        self._emit = emit
        self.orders: dict[str, dict[str, Any]] = {}
        self.account = Account(initial_cash)
        self._touched: set[tuple[str, str]] = set()
        self.counts = {"bars": 0, "orders": 0, "fills": 0, "refused": 0}

    def placed(self, payload: Mapping[str, Any]) -> None:
        """Remember an order the core accepted (call before ``absorb`` of its result)."""
        self.counts["orders"] += 1
        self.orders[payload["order_id"]] = {key: payload.get(key) for key in translate.ORDER_STATIC} | {
            "state": "created"}

    def absorb(self, result: Mapping[str, Any]) -> None:
        """Record and emit what an accepted result changed."""
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
        if result["transitions"]:
            for order_id in [oid for oid, o in self.orders.items() if o["state"] in TERMINAL_ORDER_STATES]:
                del self.orders[order_id]

    def refused(self, intent: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        """Emit the refusal of an intent (an ``order`` or ``risk`` event, D-457)."""
        self.counts["refused"] += 1
        translate.refusal_event(result, intent, self._emit)

    def input_refused(self, result: Mapping[str, Any], instrument: str | None, time: int | None) -> None:
        """Emit a bar the core refused (feeds validate bars first: a bug guard)."""
        diagnostics = result["diagnostics"] or [{}]
        self._emit("error", "input_refused", {"code": result["code"], "field": diagnostics[0].get("field"),
                                              "instrument": instrument, "time": time})

    def working_order_ids(self) -> list[str]:
        """Orders the core has accepted and not yet finished, in placement order."""
        return [oid for oid, order in self.orders.items() if order["state"] not in TERMINAL_ORDER_STATES]

    def position_size(self, venue: str, instrument: str) -> str:
        return self.account.position((venue, instrument))["size"]

    def settle(self) -> None:
        """After a bar: emit ``position_changed`` for each position fills moved."""
        for venue, instrument in sorted(self._touched):
            self._emit("position", "position_changed",
                       {"venue": venue, "instrument": instrument, **self.account.position((venue, instrument))})
        self._touched.clear()

    def reconcile(self, snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every field where the followed account and a core snapshot differ."""
        return self.account.reconcile(snapshot)

    def account_figures(self, close_of: Callable[[str], int | None]) -> dict[str, str]:
        """Cash, equity (cash + positions marked at ``close_of(instrument)``, a raw
        decimal or None when unknown), realized and unrealized PnL, fees."""
        cash = self.account.cash
        equity, realized, unrealized = cash, 0, 0
        for (_venue, instrument), position in self.account.positions.items():
            realized = numbers.add(realized, position.realized_pnl)
            if position.size == 0:
                continue
            close = close_of(instrument)
            if close is None:
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
