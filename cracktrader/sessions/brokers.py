"""``PaperBroker``: simulated matching on live data (``ct.Broker(mode="paper")``).

A paper broker is the simulated broker of backtests — the core in ``simulated`` mode is
the venue and fills orders from bars with the rules of DESIGN.md section 8 — fed by
live bars. Given the same bars it produces exactly the orders, fills and trades of a
backtest (MDL-001, tested); what differs between paper and backtest is where the bars
come from and how they are read (MDL-006..MDL-008). It keeps its store only for
diagnostics: no order reaches the venue.
"""

from __future__ import annotations

from typing import Any

from cracktrader.strategy.broker import Broker


class PaperBroker(Broker):
    """The simulated broker under the ``paper`` mode name, with the store it watches."""

    mode_name = "paper"

    def __init__(self, cash: float = 10000.0, commission: float = 0.0, *, store: Any = None,
                 allow_short: bool = True, max_order_qty: Any = None, max_notional: Any = None) -> None:
        self.store = store
        super().__init__(cash, commission, allow_short=allow_short, max_order_qty=max_order_qty,
                         max_notional=max_notional)

    @property
    def venue(self) -> str | None:  # type: ignore[override]
        """The store's venue name (the run's core uses it); None without a store."""
        return None if self.store is None else self.store.venue

    def summary(self) -> dict[str, Any]:
        """Mode, venue and cash as plain data."""
        return {
            "mode": self.mode_name,
            "exchange": None if self.store is None else self.store.name,
            "starting_cash": self.startingcash,
            "cash": self.getcash(),
        }
