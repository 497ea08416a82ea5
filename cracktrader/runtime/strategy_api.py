"""The interface of runtime strategies while the strategy layer (``ct.Strategy`` on
``ct.Cerebro``, issue 8) is being built.

A runtime strategy subclasses ``RuntimeStrategy``, declares default ``params`` and
reacts to bars through a ``StrategyContext``. Once the strategy layer is merged, the
adapter also accepts ``ct.Strategy`` subclasses (docs/runtime.md, "Strategies").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from cracktrader.runtime.core_driver import CoreDriver


class StrategyParamError(TypeError):
    """A runtime was given a parameter its strategy does not declare."""


class RuntimeStrategy:
    """Base class: override ``on_start``, ``on_bar`` and ``on_stop``.

    ``params`` (a class attribute) lists every parameter with its default; a runtime
    spec may override them, and an unknown name is refused before the first bar.
    """

    params: Mapping[str, Any] = {}

    def __init__(self, **overrides: Any) -> None:
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise StrategyParamError(
                f"{type(self).__name__} has no parameter(s) {unknown}; known: {sorted(self.params)}"
            )
        self.p: dict[str, Any] = {**self.params, **overrides}

    def on_start(self, ctx: "StrategyContext") -> None:
        """Called once before the first bar."""

    def on_bar(self, ctx: "StrategyContext", bar: Mapping[str, Any]) -> None:
        """Called for every bar (``instrument``, ``time``, ``open`` ... ``close`` as
        decimal strings, ``volume``)."""

    def on_stop(self, ctx: "StrategyContext") -> None:
        """Called once at the end (data exhausted or stop requested)."""


class StrategyContext:
    """What a strategy may see and do; every order goes through the deterministic core."""

    def __init__(self, driver: "CoreDriver", symbols: list[str]) -> None:
        self._driver = driver
        self.symbols = list(symbols)

    @property
    def time(self) -> int | None:
        """The current bar's time (ms), ``None`` before the first bar."""
        return self._driver.bar_time

    def closes(self, instrument: str, count: int) -> list[float]:
        """The last ``count`` closes of an instrument (oldest first), as floats for
        signal arithmetic; prices sent to the core stay decimal strings."""
        history = self._driver.history.get(instrument, [])
        return history[-count:] if count > 0 else []

    def position(self, instrument: str) -> str:
        """The position size (a decimal string, negative when short)."""
        return self._driver.position_size(instrument)

    @property
    def cash(self) -> str:
        return self._driver.cash

    def open_orders(self) -> list[str]:
        return self._driver.working_order_ids()

    def buy(self, instrument: str, qty: str, **options: Any) -> str | None:
        """Place a buy; the order id, or ``None`` when the core refused it (the refusal
        is an ``order`` or ``risk`` event). Options: ``order_type`` (market, limit,
        stop, stop_limit), ``limit_price``, ``stop_price``, ``time_in_force``."""
        return self._driver.place(instrument, "buy", qty, **options)

    def sell(self, instrument: str, qty: str, **options: Any) -> str | None:
        """Place a sell (see ``buy``)."""
        return self._driver.place(instrument, "sell", qty, **options)

    def cancel(self, order_id: str) -> bool:
        """Ask the core to cancel an order; whether the core accepted the request."""
        return self._driver.cancel(order_id)
