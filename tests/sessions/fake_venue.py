"""A scripted CCXT-like exchange for the session tests: no network, simulated time.

``ScriptedExchange(clock, trades=..., ohlcv=..., scripts=...)`` answers the CCXT calls
the sessions make (``fetch_trades``, ``fetch_ohlcv``, ``create_order``,
``cancel_order``, ``fetch_order``, ``fetch_open_orders``, ``fetch_my_trades``,
``fetch_balance``, ``set_sandbox_mode``, ``check_required_credentials``) with the
shapes CCXT gives: orders are built from the recorded bitvavo ``createOrder`` reply,
private trades from the recorded bitvavo ``fetchMyTrades`` entry and public trades from
the recorded kraken ``fetchTrades`` entry (``tests/data/ccxt_unified/``), with ids,
times, prices and amounts replaced. Numbers are floats, as CCXT returns them. Errors
are ccxt's own exception classes.

Market data is revealed by the clock: ``fetch_trades`` returns the trades whose
timestamp is not after ``clock.now_ms()``. Each ``create_order`` takes the next
``Script`` (what the venue does with that order): how it answers the creation, the
steps it takes later (fills, a cancel or an expiry of its own, each ``delay_ms`` after
the creation) and how it answers a cancel request. Every call first runs the steps that
are due, so the venue moves exactly as simulated time passes.
"""

from __future__ import annotations

import copy
import json
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ccxt.base.errors import (
    AuthenticationError,
    BadSymbol,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RequestTimeout,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ccxt_unified"
# A minute boundary in March 2024 (the recorded trades' time).
START_MS = 1_710_327_960_000


def _recorded(file: str, exchange: str, method: str) -> Any:
    for line in (DATA / file).read_text().splitlines():
        entry = json.loads(line)
        if entry["exchange"] == exchange and entry["method"] == method:
            parsed = entry["parsed"]
            return parsed[0] if isinstance(parsed, list) else parsed
    raise LookupError((file, exchange, method))


ORDER_TEMPLATE = _recorded("orders.jsonl", "bitvavo", "createOrder")
UNUSABLE_REPLY_TEMPLATE = _recorded("orders.jsonl", "kraken", "createOrder")  # timestamp and status null
MY_TRADE_TEMPLATE = _recorded("trades.jsonl", "bitvavo", "fetchMyTrades")
PUBLIC_TRADE_TEMPLATE = _recorded("trades.jsonl", "kraken", "fetchTrades")


def public_trade(trade_id: str, timestamp: int, price: float, amount: float, side: str = "buy",
                 symbol: str = "BTC/USDT") -> dict[str, Any]:
    """A public trade in the recorded kraken shape."""
    trade = copy.deepcopy(PUBLIC_TRADE_TEMPLATE)
    trade.update(id=trade_id, timestamp=timestamp, datetime=None, symbol=symbol, price=price, amount=amount,
                 side=side, cost=None)
    trade["info"] = [str(price), str(amount), timestamp / 1000, side[0], "m", "", trade_id, trade_id]
    return trade


def bar_trades(start_ms: int, bars: list[tuple[float, float, float, float]], frame_ms: int = 60_000,
               symbol: str = "BTC/USDT") -> list[dict[str, Any]]:
    """Four public trades per bar (open, high, low, close at +1 s, +20 s, +40 s, +59 s)."""
    out = []
    for index, (o, h, low, c) in enumerate(bars):
        base = start_ms + index * frame_ms
        for k, (offset, price) in enumerate(((1_000, o), (20_000, h), (40_000, low), (59_000, c))):
            out.append(public_trade(f"{index}-{k}", base + offset, price, 0.25, "buy" if k % 2 else "sell", symbol))
    return out


@dataclass
class Script:
    """What the venue does with one created order.

    ``on_create``: ``"ack"`` (reply: the open order), ``"unusable_reply"`` (the order is
    open; the reply has a null timestamp and status, as kraken's), ``"reject"``
    (``InvalidOrder``), ``"insufficient"`` (``InsufficientFunds``), ``"timeout_lost"``
    (``RequestTimeout``; the venue never got the order), ``"timeout_known"``
    (``RequestTimeout``, but the order is open at the venue), ``"timeout_late"``
    (``RequestTimeout``; the order appears at the venue ``appear_ms`` later).
    ``steps``: ``(delay_ms, action, kwargs)`` with action ``"fill"`` (``qty``,
    ``price``, ``fee``, optionally the fee's ``currency``), ``"cancel"`` or ``"expire"``.
    ``on_cancel``: ``"cancel"`` (cancels the rest), ``"fill_first"`` (the rest fills at
    ``race_price`` before the cancel arrives; the cancel fails with ``OrderNotFound``),
    ``"partial_then_cancel"`` (``race_qty`` fills at ``race_price``, then the rest is
    cancelled), ``"timeout_once"`` (the first request times out unprocessed).
    """

    on_create: str = "ack"
    steps: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    on_cancel: str = "cancel"
    appear_ms: int = 0
    race_price: float | None = None
    race_qty: float | None = None


def _num(value: Decimal) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


class ScriptedExchange:
    """See the module docstring."""

    id = "fakex"

    def __init__(self, clock: Any, *, trades: list[dict[str, Any]] = (), ohlcv: list[list[Any]] = (),
                 scripts: list[Script] = (), balance: dict[str, float] | None = None, nested_trades: bool = False,
                 require_credentials: bool = False, client_id_lookup: bool = True, trade_skew_ms: int = 0,
                 symbols: tuple[str, ...] | None = None) -> None:
        self.clock = clock
        self.has = {"fetchTrades": True, "fetchOHLCV": True, "createOrder": True, "cancelOrder": True,
                    "fetchOrder": True, "fetchOpenOrders": True, "fetchMyTrades": True, "watchTrades": False}
        self.urls = {"api": "https://api.fakex.test", "test": "https://testnet.fakex.test"}
        self.public_trades = sorted((dict(t) for t in trades), key=lambda t: t["timestamp"])
        self.candles = [list(row) for row in ohlcv]
        self.scripts = deque(scripts)
        self.balance = dict(balance or {"USDT": 10_000.0})
        self.nested_trades = nested_trades
        self.require_credentials = require_credentials
        self.client_id_lookup = client_id_lookup
        self.trade_skew_ms = trade_skew_ms  # private trades stamped this much early (a lagging venue clock)
        self.symbols = symbols  # the markets the venue lists (None: any symbol)
        self.apiKey = None
        self.secret = None
        self.sandbox = False
        self.closed = False
        self.orders: dict[str, dict[str, Any]] = {}
        self.hidden: dict[str, int] = {}  # venue id -> time it appears (timeout_late)
        self.order_scripts: dict[str, Script] = {}
        self.filled: dict[str, Decimal] = {}
        self.my_trades: list[dict[str, Any]] = []
        self.pending: list[tuple[int, int, str, str, dict[str, Any]]] = []
        self.calls: list[tuple[Any, ...]] = []
        self._ids = 0
        self._trade_ids = 0
        self._step_seq = 0
        self._cancel_timeouts: set[str] = set()

    # -------------------------------------------------------------- venue side
    def _now(self) -> int:
        return self.clock.now_ms()

    def _advance(self) -> None:
        now = self._now()
        for venue_id, at in list(self.hidden.items()):
            if at <= now:
                del self.hidden[venue_id]
        due = sorted(step for step in self.pending if step[0] <= now)
        self.pending = [step for step in self.pending if step[0] > now]
        for at, _, venue_id, action, kwargs in due:
            order = self.orders[venue_id]
            if order["status"] != "open":
                continue
            if action == "fill":
                self._fill(venue_id, Decimal(str(kwargs["qty"])), kwargs["price"], kwargs.get("fee"), at,
                           kwargs.get("currency"))
            elif action == "cancel":
                self._end(venue_id, "canceled", at)
            elif action == "expire":
                self._end(venue_id, "expired", at)

    def _fill(self, venue_id: str, qty: Decimal, price: float, fee: float | None, at: int,
              currency: str | None = None) -> None:
        order = self.orders[venue_id]
        quote = currency or order["symbol"].split("/")[1]
        self._trade_ids += 1
        trade = copy.deepcopy(MY_TRADE_TEMPLATE)
        trade.update(id=f"T{self._trade_ids}", order=venue_id, symbol=order["symbol"], timestamp=at - self.trade_skew_ms,
                     datetime=None,
                     side=order["side"], price=price, amount=_num(qty), cost=None, takerOrMaker="taker")
        trade["fee"] = None if fee is None else {"currency": quote, "cost": fee}
        trade["fees"] = [] if fee is None else [{"currency": quote, "cost": fee}]
        trade["info"] = {"orderId": venue_id}
        self.my_trades.append(trade)
        self.filled[venue_id] += qty
        amount = Decimal(str(order["amount"]))
        order["filled"] = _num(self.filled[venue_id])
        order["remaining"] = _num(amount - self.filled[venue_id])
        order["lastTradeTimestamp"] = at
        order["lastUpdateTimestamp"] = at
        if self.nested_trades:
            order["trades"].append(copy.deepcopy(trade))
        if self.filled[venue_id] >= amount:
            order["status"] = "closed"

    def _end(self, venue_id: str, status: str, at: int) -> None:
        order = self.orders[venue_id]
        order["status"] = status
        order["lastUpdateTimestamp"] = at

    def _visible(self, venue_id: str) -> bool:
        return venue_id in self.orders and venue_id not in self.hidden

    def _copy(self, venue_id: str) -> dict[str, Any]:
        return copy.deepcopy(self.orders[venue_id])

    # ------------------------------------------------------------- CCXT calls
    def set_sandbox_mode(self, enabled: bool) -> None:
        self.sandbox = bool(enabled)
        self.urls["api"] = self.urls["test"] if enabled else "https://api.fakex.test"

    def check_required_credentials(self, error: bool = True) -> bool:
        if self.require_credentials and not (self.apiKey and self.secret):
            raise AuthenticationError("fakex requires apiKey and secret")
        return True

    def close(self) -> None:
        self.closed = True

    def fetch_balance(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append(("fetch_balance",))
        out: dict[str, Any] = {"info": {}, "free": dict(self.balance), "used": {}, "total": dict(self.balance)}
        for currency, amount in self.balance.items():
            out[currency] = {"free": amount, "used": 0.0, "total": amount}
        return out

    def fetch_trades(self, symbol: str, since: int | None = None, limit: int | None = None,
                     params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.calls.append(("fetch_trades", symbol, since, limit))
        now = self._now()
        found = [copy.deepcopy(t) for t in self.public_trades
                 if t["symbol"] == symbol and t["timestamp"] <= now and (since is None or t["timestamp"] >= since)]
        return found[:limit] if limit else found

    def fetch_ohlcv(self, symbol: str, timeframe: str = "1m", since: int | None = None, limit: int | None = None,
                    params: dict[str, Any] | None = None) -> list[list[Any]]:
        self.calls.append(("fetch_ohlcv", symbol, timeframe, since, limit))
        now = self._now()
        # a row whose timestamp is not an integer is venue garbage: sent every time
        found = [list(row) for row in self.candles
                 if not isinstance(row[0], int) or (row[0] <= now and (since is None or row[0] >= since))]
        return found[:limit] if limit else found

    def create_order(self, symbol: str, type: str, side: str, amount: float, price: float | None = None,  # noqa: A002
                     params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._advance()
        params = dict(params or {})
        self.calls.append(("create_order", symbol, type, side, amount, price, params))
        if self.symbols is not None and symbol not in self.symbols:
            raise BadSymbol(f"fakex does not have market symbol {symbol}")
        script = self.scripts.popleft() if self.scripts else Script()
        if script.on_create == "reject":
            raise InvalidOrder("fakex: order refused")
        if script.on_create == "insufficient":
            raise InsufficientFunds("fakex: insufficient balance")
        if script.on_create == "timeout_lost":
            raise RequestTimeout("fakex: request timed out")
        now = self._now()
        self._ids += 1
        venue_id = f"V{self._ids}"
        order = copy.deepcopy(ORDER_TEMPLATE)
        quote = symbol.split("/")[1]
        order.update(id=venue_id, clientOrderId=params.get("clientOrderId"), timestamp=now, datetime=None,
                     symbol=symbol, type=type, side=side, price=price, amount=amount, filled=0, remaining=amount,
                     status="open", cost=0, average=None, lastTradeTimestamp=None, lastUpdateTimestamp=now,
                     timeInForce=params.get("timeInForce", "GTC"), triggerPrice=params.get("triggerPrice"),
                     stopPrice=params.get("triggerPrice"), trades=[])
        order["fee"] = {"cost": 0, "currency": quote}
        order["fees"] = [{"cost": 0, "currency": quote}]
        order["info"] = {"orderId": venue_id}
        self.orders[venue_id] = order
        self.order_scripts[venue_id] = script
        self.filled[venue_id] = Decimal(0)
        for delay, action, kwargs in script.steps:
            self._step_seq += 1
            self.pending.append((now + delay, self._step_seq, venue_id, action, dict(kwargs)))
        if script.on_create == "timeout_late":
            self.hidden[venue_id] = now + script.appear_ms
        self._advance()  # steps due at once (an immediate fill)
        if script.on_create in ("timeout_known", "timeout_late"):
            raise RequestTimeout("fakex: request timed out")
        if script.on_create == "unusable_reply":
            reply = copy.deepcopy(UNUSABLE_REPLY_TEMPLATE)
            reply.update(id=venue_id, symbol=symbol, amount=amount)
            return reply
        return self._copy(venue_id)

    def cancel_order(self, id: str, symbol: str | None = None,  # noqa: A002
                     params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._advance()
        self.calls.append(("cancel_order", id, symbol))
        if not self._visible(id) or self.orders[id]["status"] != "open":
            raise OrderNotFound(f"fakex: order {id} is not open")
        script = self.order_scripts[id]
        now = self._now()
        if script.on_cancel == "timeout_once" and id not in self._cancel_timeouts:
            self._cancel_timeouts.add(id)
            raise RequestTimeout("fakex: cancel timed out")
        if script.on_cancel == "fill_first":
            rest = Decimal(str(self.orders[id]["amount"])) - self.filled[id]
            self._fill(id, rest, script.race_price, None, now)
            raise OrderNotFound(f"fakex: order {id} is already closed")
        if script.on_cancel == "partial_then_cancel":
            self._fill(id, Decimal(str(script.race_qty)), script.race_price, None, now)
        self._end(id, "canceled", now)
        return self._copy(id)

    def fetch_order(self, id: str | None, symbol: str | None = None,  # noqa: A002
                    params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._advance()
        self.calls.append(("fetch_order", id, symbol, dict(params or {})))
        if id is None:
            client_id = (params or {}).get("clientOrderId")
            if not self.client_id_lookup:
                raise InvalidOrder("fakex: fetch_order needs an id")
            for venue_id, order in self.orders.items():
                if order["clientOrderId"] == client_id and self._visible(venue_id):
                    return self._copy(venue_id)
            raise OrderNotFound(f"fakex: no order {client_id}")
        if not self._visible(id):
            raise OrderNotFound(f"fakex: no order {id}")
        return self._copy(id)

    def fetch_open_orders(self, symbol: str | None = None, since: int | None = None, limit: int | None = None,
                          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self._advance()
        self.calls.append(("fetch_open_orders", symbol))
        return [self._copy(venue_id) for venue_id, order in self.orders.items()
                if self._visible(venue_id) and order["status"] == "open" and symbol in (None, order["symbol"])]

    def fetch_my_trades(self, symbol: str | None = None, since: int | None = None, limit: int | None = None,
                        params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self._advance()
        self.calls.append(("fetch_my_trades", symbol, since, limit))
        found = sorted((t for t in self.my_trades
                        if symbol in (None, t["symbol"]) and (since is None or t["timestamp"] >= since)),
                       key=lambda t: (t["timestamp"], t["id"]))
        return [copy.deepcopy(t) for t in (found[:limit] if limit else found)]

    def method_calls(self, name: str) -> list[tuple[Any, ...]]:
        """The recorded calls of one method."""
        return [call for call in self.calls if call[0] == name]
