"""Demo strategies for runtimes: ``demo:SmaCross`` and ``demo:Churn``."""

from __future__ import annotations

from typing import Any, Mapping

from cracktrader.runtime.strategy_api import RuntimeStrategy, StrategyContext


class SmaCross(RuntimeStrategy):
    """Long-only moving-average cross: buy ``qty`` when the fast SMA of closes crosses
    above the slow one, sell the position when it crosses back below."""

    params = {"fast": 5, "slow": 20, "qty": "1"}

    def on_bar(self, ctx: StrategyContext, bar: Mapping[str, Any]) -> None:
        fast, slow = int(self.p["fast"]), int(self.p["slow"])
        closes = ctx.closes(bar["instrument"], slow + 1)
        if len(closes) <= slow:
            return
        before = sum(closes[-fast - 1 : -1]) / fast - sum(closes[:-1]) / slow
        now = sum(closes[-fast:]) / fast - sum(closes[1:]) / slow
        holding = ctx.position(bar["instrument"]) not in ("0",)
        if before <= 0 < now and not holding:
            ctx.buy(bar["instrument"], str(self.p["qty"]))
        elif before >= 0 > now and holding:
            ctx.sell(bar["instrument"], ctx.position(bar["instrument"]))


class Churn(RuntimeStrategy):
    """Trades on a fixed rhythm to produce a steady event stream (load tests, the
    operator page): every ``every`` bars, alternately buy and sell ``qty`` at market,
    and keep one resting limit order ``offset`` below the close that is replaced each
    time (so there is always a working order for cancel_all and the kill switch)."""

    params = {"every": 2, "qty": "0.1", "offset": "0.05"}

    def __init__(self, **overrides: Any) -> None:
        super().__init__(**overrides)
        self.count = 0
        self.resting: str | None = None

    def on_bar(self, ctx: StrategyContext, bar: Mapping[str, Any]) -> None:
        self.count += 1
        if self.count % int(self.p["every"]) != 0:
            return
        instrument = bar["instrument"]
        side = ctx.buy if (self.count // int(self.p["every"])) % 2 else ctx.sell
        side(instrument, str(self.p["qty"]))
        if self.resting is not None and self.resting in ctx.open_orders():
            ctx.cancel(self.resting)
        limit = float(bar["close"]) * (1 - float(self.p["offset"]))
        self.resting = ctx.buy(instrument, str(self.p["qty"]), order_type="limit", limit_price=f"{limit:.2f}")
