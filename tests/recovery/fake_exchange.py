"""An in-memory CCXT-like exchange for the reconciliation tests (no network).

Implements the three calls reconciliation makes, with CCXT's shapes: orders carry
``id``, ``clientOrderId``, ``symbol``, ``status`` (open/closed/canceled/expired/
rejected), ``amount``, ``filled``, ``remaining``, ``timestamp``,
``lastUpdateTimestamp``; trades carry ``id``, ``order``, ``symbol``, ``side``,
``price``, ``amount``, ``fee`` ({cost, currency}) and ``timestamp``. Numbers are
floats, as CCXT returns them. The test drives the venue side (fills, cancels,
expiries) directly, as if it happened while the engine was down.
"""

from __future__ import annotations

from typing import Any


class OrderNotFound(Exception):
    """CCXT's exception name for an unknown order."""


class FakeExchange:
    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.trades: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self._next = 0

    # ---- the venue side, driven by the test
    def place(self, client_id: str, symbol: str, side: str, amount: float, price: float, ts: int) -> str:
        self._next += 1
        venue_id = f"V{self._next}"
        self.orders[venue_id] = {
            "id": venue_id,
            "clientOrderId": client_id,
            "symbol": symbol,
            "side": side,
            "type": "limit",
            "price": price,
            "amount": amount,
            "filled": 0.0,
            "remaining": amount,
            "status": "open",
            "timestamp": ts,
            "lastUpdateTimestamp": ts,
        }
        return venue_id

    def fill(self, venue_id: str, amount: float, price: float, ts: int, trade_id: str, fee: float | None = 0.1) -> None:
        order = self.orders[venue_id]
        order["filled"] = round(order["filled"] + amount, 9)
        order["remaining"] = round(order["amount"] - order["filled"], 9)
        order["lastUpdateTimestamp"] = ts
        if order["remaining"] <= 0:
            order["status"] = "closed"
        self.trades.append(
            {
                "id": trade_id,
                "order": venue_id,
                "symbol": order["symbol"],
                "side": order["side"],
                "price": price,
                "amount": amount,
                "fee": None if fee is None else {"cost": fee, "currency": "USDT"},
                "timestamp": ts,
            }
        )

    def end(self, venue_id: str, status: str, ts: int) -> None:
        self.orders[venue_id]["status"] = status
        self.orders[venue_id]["lastUpdateTimestamp"] = ts

    # ---- the CCXT calls
    def fetch_open_orders(self, symbol: str | None = None, since: int | None = None, limit: int | None = None,
                          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.calls.append(f"fetch_open_orders {symbol}")
        return [dict(o) for o in self.orders.values() if o["status"] == "open" and symbol in (None, o["symbol"])]

    def fetch_order(self, id: str | None, symbol: str | None = None, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append(f"fetch_order {id} {params}")
        if id is None and params and "clientOrderId" in params:
            for order in self.orders.values():
                if order["clientOrderId"] == params["clientOrderId"]:
                    return dict(order)
            raise OrderNotFound(params["clientOrderId"])
        if id not in self.orders:
            raise OrderNotFound(id)
        return dict(self.orders[id])

    def fetch_my_trades(self, symbol: str | None = None, since: int | None = None, limit: int | None = None,
                        params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.calls.append(f"fetch_my_trades {symbol} {since} {limit}")
        found = sorted(
            (t for t in self.trades if symbol in (None, t["symbol"]) and (since is None or t["timestamp"] >= since)),
            key=lambda t: (t["timestamp"], t["id"]),
        )
        return [dict(t) for t in found[: limit or len(found)]]
