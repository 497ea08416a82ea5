"""Cash, fees and positions of one simulated core, followed from its results.

The core's results carry everything the account needs (``cash_delta``, the fills), and
the position arithmetic is the reference implementation's own
(``cracktrader.engine.accounting``), so following the results costs O(1) per fill
where reading the core's snapshot after every fill would cost O(orders) (a snapshot
holds every order ever placed). ``reconcile`` compares the followed account with a
snapshot; the runner does that at the end of every run, on either backend (D-459).
"""

from __future__ import annotations

from typing import Any, Mapping

from cracktrader.engine import numbers
from cracktrader.engine.accounting import Position, apply_fill_to_position

Key = tuple[str, str]


class Account:
    """The account of one core, followed result by result."""

    def __init__(self, initial_cash: str) -> None:
        self.cash = numbers.parse_decimal(initial_cash)
        self.fees = 0
        self.positions: dict[Key, Position] = {}

    def apply(self, result: Mapping[str, Any]) -> set[Key]:
        """Follow one accepted result; the (venue, instrument) positions it moved."""
        self.cash = numbers.add(self.cash, numbers.parse_decimal(result["cash_delta"]))
        touched: set[Key] = set()
        for fill in result["fills"]:
            key = (fill["venue"], fill["instrument"])
            qty = numbers.parse_decimal(fill["qty"])
            signed = qty if fill["side"] == "buy" else numbers.neg(qty)
            apply_fill_to_position(self.positions.setdefault(key, Position()), signed,
                                   numbers.parse_decimal(fill["price"]))
            self.fees = numbers.add(self.fees, numbers.parse_decimal(fill["fee"]))
            touched.add(key)
        return touched

    def position(self, key: Key) -> dict[str, str]:
        return self.positions.get(key, Position()).to_dict()

    def reconcile(self, snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every field where the followed account and the core's snapshot differ."""
        problems = []
        for field, mine in (("cash", self.cash), ("fees_paid", self.fees)):
            if numbers.format_decimal(mine) != snapshot[field]:
                problems.append({"field": field, "followed": numbers.format_decimal(mine), "core": snapshot[field]})
        held: dict[Key, dict[str, str]] = {
            (venue, instrument): position
            for venue, by_instrument in snapshot["positions"].items()
            for instrument, position in by_instrument.items()
        }
        flat = Position().to_dict()
        for key in sorted(set(held) | set(self.positions)):
            mine_d, core_d = self.position(key), held.get(key, flat)
            if mine_d != {k: core_d[k] for k in mine_d}:
                problems.append({"field": f"positions/{key[0]}/{key[1]}", "followed": mine_d, "core": core_d})
        return problems
