"""Building ``transition_result`` documents (schema ``transition_result``).

Twin of ``cracktrader_rust/src/engine/results.rs``.
"""

from __future__ import annotations

from typing import Any

from cracktrader.engine.inputs import MAX_I63
from cracktrader.engine.numbers import add, format_decimal

EMPTY: list[Any] = []


def echo_seq_id(obj: Any) -> int | None:
    """The input's seq_id as given, when it is a valid seq_id (else null)."""
    if type(obj) is dict:
        seq_id = obj.get("seq_id")
        if type(seq_id) is int and 1 <= seq_id <= MAX_I63:
            return seq_id
    return None


def refused(seq_id: int | None, code: str, field: str) -> dict[str, Any]:
    return {
        "seq_id": seq_id,
        "accepted": False,
        "code": code,
        "transitions": [],
        "fills": [],
        "cash_delta": "0",
        "position_deltas": [],
        "late": False,
        "diagnostics": [{"code": code, "field": field}],
    }


class ResultBuilder:
    """Collects the effects of one accepted input, in the order they happened."""

    __slots__ = ("transitions", "fills", "cash_delta", "position_deltas")

    def __init__(self) -> None:
        self.transitions: list[dict[str, Any]] = []
        self.fills: list[dict[str, Any]] = []
        self.cash_delta = 0
        # (venue, instrument) -> [size_delta, realized_pnl_delta]
        self.position_deltas: dict[tuple[str, str], list[int]] = {}

    def add_position_delta(self, key: tuple[str, str], size_delta: int, pnl_delta: int) -> None:
        entry = self.position_deltas.get(key)
        if entry is None:
            self.position_deltas[key] = [size_delta, pnl_delta]
        else:
            entry[0] = add(entry[0], size_delta)
            entry[1] = add(entry[1], pnl_delta)

    def finish(self, seq_id: int, code: str, late: bool) -> dict[str, Any]:
        deltas = [
            {
                "venue": venue,
                "instrument": instrument,
                "size_delta": format_decimal(size),
                "realized_pnl_delta": format_decimal(pnl),
            }
            for (venue, instrument), (size, pnl) in sorted(self.position_deltas.items())
        ]
        return {
            "seq_id": seq_id,
            "accepted": True,
            "code": code,
            "transitions": self.transitions,
            "fills": self.fills,
            "cash_delta": format_decimal(self.cash_delta),
            "position_deltas": deltas,
            "late": late,
            "diagnostics": [],
        }


def accepted_without_effect(seq_id: int, code: str, late: bool) -> dict[str, Any]:
    return {
        "seq_id": seq_id,
        "accepted": True,
        "code": code,
        "transitions": [],
        "fills": [],
        "cash_delta": "0",
        "position_deltas": [],
        "late": late,
        "diagnostics": [],
    }
