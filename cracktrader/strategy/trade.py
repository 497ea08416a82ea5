"""Trades: a position's life from open to flat, per data feed and ``tradeid``.

Built from the core's fills exactly as Backtrader builds them from execution bits: the
closing part of a fill reduces the trade (and may close it), the opening part opens or
extends it (a reversal closes one trade and opens the next). PnL is computed on exact
decimals with the core's rules (realized = (exit - average entry) x size, fees kept
apart): ``pnl`` excludes commission, ``pnlcomm`` includes it.
"""

from __future__ import annotations

import itertools
from typing import Any

from cracktrader.engine.accounting import Position as RawPosition
from cracktrader.engine.accounting import apply_fill_to_position
from cracktrader.engine.numbers import SCALE
from cracktrader.strategy.lines import ms_to_datetime
from cracktrader.strategy.position import to_number


class Trade:
    """One trade (Backtrader's attributes; times are epoch milliseconds)."""

    Created, Open, Closed = range(3)
    status_names = ["Created", "Open", "Closed"]
    _refs = itertools.count(1)

    def __init__(self, data: Any = None, tradeid: int = 0, ref: int | None = None) -> None:
        self.ref = ref if ref is not None else next(self._refs)
        self.data = data
        self.tradeid = tradeid
        self.size = 0
        self.price = 0.0
        self.value = 0.0
        self.commission = 0.0
        self.pnl = 0.0
        self.pnlcomm = 0.0
        self.justopened = False
        self.isopen = False
        self.isclosed = False
        self.baropen = 0
        self.dtopen = 0
        self.barclose = 0
        self.dtclose = 0
        self.barlen = 0
        self.long = True
        self.status = Trade.Created
        self.history: list[Any] = []
        self._raw = RawPosition()
        self._comm_raw = 0
        self._price_raw = 0

    def update(self, size_raw: int, price_raw: int, comm_raw: int, bar: int, dt: int) -> None:
        """Apply one part of a fill (signed raw size) at ``price_raw`` with its commission."""
        if not size_raw:
            return
        old = self._raw.size
        apply_fill_to_position(self._raw, size_raw, price_raw)
        self._comm_raw += comm_raw
        new = self._raw.size
        self.justopened = bool(not old and size_raw)
        if self.justopened:
            self.baropen = bar
            self.dtopen = dt
            self.long = new > 0
        self.isopen = bool(new)
        self.barlen = bar - self.baropen
        self.isclosed = bool(old and not new)
        if self.isclosed:
            self.isopen = False
            self.barclose = bar
            self.dtclose = dt
            self.status = Trade.Closed
        elif self.isopen:
            self.status = Trade.Open
        self.size = to_number(new)
        if new:
            self._price_raw = self._raw.avg_price
            self.price = self._price_raw / SCALE
        self.commission = self._comm_raw / SCALE
        self.pnl = self._raw.realized_pnl / SCALE
        self.pnlcomm = (self._raw.realized_pnl - self._comm_raw) / SCALE
        self.value = self.size * self.price

    def clone(self) -> Trade:
        """A snapshot (what notifications carry)."""
        other = object.__new__(Trade)
        other.__dict__.update(self.__dict__)
        other._raw = RawPosition(*self._raw.save())
        other.history = list(self.history)
        return other

    @property
    def pnl_raw(self) -> int:
        """Realized PnL as a raw fixed-point integer (exact)."""
        return self._raw.realized_pnl

    @property
    def commission_raw(self) -> int:
        """Commission paid as a raw fixed-point integer (exact)."""
        return self._comm_raw

    def open_datetime(self):
        """Open time as a naive UTC datetime."""
        return ms_to_datetime(self.dtopen)

    def close_datetime(self):
        """Close time as a naive UTC datetime."""
        return ms_to_datetime(self.dtclose)

    def getdataname(self) -> str:
        """The data feed's name."""
        return getattr(self.data, "_name", "")

    def __len__(self) -> int:
        return abs(self.size)

    def __bool__(self) -> bool:
        return self.size != 0

    def __repr__(self) -> str:
        state = self.status_names[self.status]
        return f"<Trade ref={self.ref} {state} size={self.size} price={self.price} pnl={self.pnl} pnlcomm={self.pnlcomm}>"
