"""Simulated matching on bars, with Backtrader's default semantics (DESIGN.md section 8).

Twin of ``cracktrader_rust/src/engine/matching.rs``. Per bar of an instrument:

1. expire: a non-market working order whose ``expire_time`` is strictly earlier than
   the bar's time expires;
2. match: working orders in submission order, each eligible only on a bar strictly
   newer than the bar that was current when it was placed (next-bar rule); an order
   fills completely at the price of ``fill_price`` or not at all (no volume limit);
   a fill that would make cash negative is not booked: the order is rejected with
   reason ``insufficient_cash`` (Backtrader's Margin);
3. ``ioc``/``fok`` orders that were eligible and did not fill are cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cracktrader.engine.accounting import cash_delta, fill_fee
from cracktrader.engine.numbers import add, mul
from cracktrader.engine.orders import CANCELLED, EXPIRED, FILLED, REJECTED, WORKING, Order
from cracktrader.engine.results import ResultBuilder

if TYPE_CHECKING:
    from cracktrader.engine.core import Core


def limit_price_fill(is_buy: bool, limit: int, open_: int, high: int, low: int) -> int | None:
    """Buy: at the open if open <= limit, else at the limit if low <= limit."""
    if is_buy:
        if open_ <= limit:
            return open_
        return limit if low <= limit else None
    if open_ >= limit:
        return open_
    return limit if high >= limit else None


def fill_price(order: Order, open_: int, high: int, low: int) -> tuple[int | None, bool]:
    """The price ``order`` fills at on this bar (None: no fill), and whether this bar
    triggers a stop-limit (which then rests as a limit order)."""
    order_type = order.order_type
    is_buy = order.is_buy
    if order_type == "market":
        return open_, False
    if order_type == "limit":
        return limit_price_fill(is_buy, order.limit_price, open_, high, low), False
    stop = order.stop_price
    if order_type == "stop":
        if is_buy:
            if open_ >= stop:
                return open_, False
            return (stop if high >= stop else None), False
        if open_ <= stop:
            return open_, False
        return (stop if low <= stop else None), False
    # stop_limit
    if order.triggered:
        return limit_price_fill(is_buy, order.limit_price, open_, high, low), False
    if is_buy:
        if high < stop:
            return None, False
        price = max(open_, stop)
        return (price if price <= order.limit_price else None), True
    if low > stop:
        return None, False
    price = min(open_, stop)
    return (price if price >= order.limit_price else None), True


def match_bar(
    core: Core, key: tuple[str, str], bar_time: int, open_: int, high: int, low: int, result: ResultBuilder
) -> None:
    book = core.working.get(key)
    if not book:
        return
    orders = list(book.values())
    for order in orders:
        if (
            order.state in WORKING
            and order.order_type != "market"
            and order.expire_time is not None
            and order.expire_time < bar_time
        ):
            core.set_state(order, EXPIRED, result, "expire_time")
            core.settle(order, result, bar_time, False)
    unfilled_tif: list[Order] = []
    for order in orders:
        if order.state not in WORKING:
            continue
        placed = order.placed_bar_time
        if placed is not None and bar_time <= placed:
            continue  # next-bar rule: never on the bar that was current at placement
        price, triggers = fill_price(order, open_, high, low)
        if triggers:
            core.touch(order)
            order.triggered = True
        if price is None:
            if order.time_in_force != "gtc":
                unfilled_tif.append(order)
            continue
        _fill_or_reject(core, order, price, bar_time, result)
    for order in unfilled_tif:
        if order.state in WORKING:
            core.set_state(order, CANCELLED, result, "time_in_force")
            core.settle(order, result, bar_time, False)


def _fill_or_reject(core: Core, order: Order, price: int, bar_time: int, result: ResultBuilder) -> None:
    qty = order.remaining
    notional = mul(qty, price)
    fee = fill_fee(notional, None, core.config.commission_rate)
    if add(core.cash, cash_delta(order.is_buy, notional, fee)) < 0:
        core.set_state(order, REJECTED, result, "insufficient_cash")
        core.settle(order, result, bar_time, False)
        return
    core.book_fill(order, qty, price, None, None, result)
    core.set_state(order, FILLED, result)
    core.settle(order, result, bar_time, True)
