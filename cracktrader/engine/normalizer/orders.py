"""Broker reports: CCXT unified orders and my-trades -> order events.

Twin of ``cracktrader_rust/src/engine/normalizer/orders.rs``. Mapping (D-108..D-110,
docs/normalizer.md):

- an order yields ``order_accepted`` (event time: its ``timestamp``), then one
  ``order_filled`` per complete nested trade (its own time), then ``order_cancelled`` /
  ``order_expired`` for those statuses (time: the latest time known about the order);
  a ``rejected`` order yields ``order_rejected`` alone;
- fill quantities come only from trades, never from an order's cumulative ``filled``:
  a cumulative figure carries no fill id, so turning it into a fill would count it
  twice once the same fill arrives from ``fetchMyTrades``;
- a my-trade is one ``order_filled`` (order_id = ``order``, fill_id = ``id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cracktrader.engine.normalizer.events import Context, event, resolve_instrument
from cracktrader.engine.normalizer.fields import (
    ABSENT,
    INVALID_NUMBER,
    INVALID_PAYLOAD,
    NUMERIC_OVERFLOW,
    UNSUPPORTED_PAYLOAD,
    Reject,
    choice,
    identifier,
    is_object,
    need_object,
    number_like,
    parse_all,
    provided,
    quote_currency,
    timestamp,
)
from cracktrader.engine.numbers import RAW_MAX, RAW_MIN, format_decimal

STATUSES = ("open", "closed", "canceled", "expired", "rejected")
REJECTED_REASON = "venue_rejected"  # CCXT has no unified rejection reason (D-109)


@dataclass
class FeePart:
    """One fee cost still to be parsed, with its currency and where both live."""

    cost: Any
    cost_field: str
    currency: str | None
    currency_field: str


@dataclass
class PendingFill:
    """A fill read for shape; its numbers are parsed once every field is read."""

    base: str
    fill_id: str
    order_id: str
    instrument: str
    event_time: int
    price: Any
    amount: Any
    fees: list[FeePart]
    fees_field: str


def read_fee(obj: dict[str, Any], base: str) -> tuple[list[FeePart], str]:
    """The fee parts of a trade: ``fee`` when it has a cost, else every ``fees`` entry
    with a cost (summed later). Returns the parts and the field to blame on a sum
    overflow."""
    fee = obj.get("fee", ABSENT)
    if provided(fee):
        if not is_object(fee):
            raise Reject(INVALID_PAYLOAD, f"{base}/fee")
        cost = number_like(fee.get("cost", ABSENT), f"{base}/fee/cost", required=False)
        currency = identifier(fee.get("currency", ABSENT), f"{base}/fee/currency", required=False)
        if cost is not None:
            return [FeePart(cost, f"{base}/fee/cost", currency, f"{base}/fee/currency")], f"{base}/fee"
    fees = obj.get("fees", ABSENT)
    if not provided(fees):
        return [], f"{base}/fees"
    if not isinstance(fees, list):
        raise Reject(INVALID_PAYLOAD, f"{base}/fees")
    parts = []
    for index, entry in enumerate(fees):
        ptr = f"{base}/fees/{index}"
        if not is_object(entry):
            raise Reject(INVALID_PAYLOAD, ptr)
        cost = number_like(entry.get("cost", ABSENT), f"{ptr}/cost", required=False)
        currency = identifier(entry.get("currency", ABSENT), f"{ptr}/currency", required=False)
        if cost is not None:
            parts.append(FeePart(cost, f"{ptr}/cost", currency, f"{ptr}/currency"))
    return parts, f"{base}/fees"


def read_fill(
    obj: dict[str, Any], base: str, ctx: Context, order_id: str | None, instrument: str | None
) -> PendingFill:
    """Shape phase of one fill: a my-trade (``order_id`` None) or a nested trade."""
    fill_id = identifier(obj.get("id", ABSENT), f"{base}/id")
    if order_id is None:
        order_id = identifier(obj.get("order", ABSENT), f"{base}/order")
        symbol = identifier(obj.get("symbol", ABSENT), f"{base}/symbol", required=False)
        instrument = resolve_instrument(symbol, ctx, f"{base}/symbol")
    else:
        # A nested trade may restate its order and symbol; it may not contradict them.
        stated = identifier(obj.get("order", ABSENT), f"{base}/order", required=False)
        if stated is not None and stated != order_id:
            raise Reject(INVALID_PAYLOAD, f"{base}/order")
        symbol = identifier(obj.get("symbol", ABSENT), f"{base}/symbol", required=False)
        if symbol is not None and symbol != instrument:
            raise Reject(INVALID_PAYLOAD, f"{base}/symbol")
    event_time = timestamp(obj.get("timestamp", ABSENT), f"{base}/timestamp")
    price = number_like(obj.get("price", ABSENT), f"{base}/price")
    amount = number_like(obj.get("amount", ABSENT), f"{base}/amount")
    fees, fees_field = read_fee(obj, base)
    return PendingFill(base, fill_id, order_id, instrument, event_time, price, amount, fees, fees_field)  # type: ignore[arg-type]


def finish_fills(fills: list[PendingFill], ctx: Context) -> list[tuple[PendingFill, dict[str, Any]]]:
    """Numbers phase (all fills together), then the per-fill domain rules."""
    pending: list[tuple[Any, str]] = []
    for fill in fills:
        pending.append((fill.price, f"{fill.base}/price"))
        pending.append((fill.amount, f"{fill.base}/amount"))
        pending.extend((part.cost, part.cost_field) for part in fill.fees)
    raws = iter(parse_all(pending))
    out = []
    for fill in fills:
        price, qty = next(raws), next(raws)
        costs = [next(raws) for _ in fill.fees]
        if qty <= 0:
            raise Reject(INVALID_NUMBER, f"{fill.base}/amount")
        fee: int | None = None
        if costs:
            fee = 0
            for cost in costs:  # checked at every step, as the Rust twin adds
                fee += cost
                if not RAW_MIN <= fee <= RAW_MAX:
                    raise Reject(NUMERIC_OVERFLOW, fill.fees_field)
        body = {
            "order_id": fill.order_id,
            "fill_id": fill.fill_id,
            "qty": format_decimal(qty),
            "price": format_decimal(price),
            "fee": None if fee is None else format_decimal(fee),
        }
        out.append((fill, event(ctx, fill.instrument, fill.event_time, "broker_report", "order_filled", body)))
    return out


def check_fee_currencies(fills: list[PendingFill]) -> None:
    """Cross-field: a fee must be in the instrument's quote currency (D-110)."""
    for fill in fills:
        quote = quote_currency(fill.instrument)
        for part in fill.fees:
            if part.currency is not None and part.currency != quote:
                raise Reject(UNSUPPORTED_PAYLOAD, part.currency_field)


def my_trade_events(payload: Any, ctx: Context) -> list[dict[str, Any]]:
    """A private trade (``fetchMyTrades``): one ``order_filled``."""
    obj = need_object(payload, "/payload")
    fill = read_fill(obj, "/payload", ctx, None, None)
    done = finish_fills([fill], ctx)
    check_fee_currencies([fill])
    return [done[0][1]]


def order_events(payload: Any, ctx: Context) -> list[dict[str, Any]]:
    """An order (``fetchOrder(s)``, ``createOrder``, ...): its state and its fills."""
    obj = need_object(payload, "/payload")
    order_id = identifier(obj.get("id", ABSENT), "/payload/id")
    symbol = identifier(obj.get("symbol", ABSENT), "/payload/symbol", required=False)
    instrument = resolve_instrument(symbol, ctx, "/payload/symbol")
    status = choice(obj.get("status", ABSENT), "/payload/status", STATUSES, UNSUPPORTED_PAYLOAD)
    created = timestamp(obj.get("timestamp", ABSENT), "/payload/timestamp")
    times = [created]
    for key in ("lastTradeTimestamp", "lastUpdateTimestamp"):
        known = timestamp(obj.get(key, ABSENT), f"/payload/{key}", required=False)
        if known is not None:
            times.append(known)
    fills: list[PendingFill] = []
    trades = obj.get("trades", ABSENT)
    if provided(trades):
        if not isinstance(trades, list):
            raise Reject(INVALID_PAYLOAD, "/payload/trades")
        for index, entry in enumerate(trades):
            base = f"/payload/trades/{index}"
            if not is_object(entry):
                raise Reject(INVALID_PAYLOAD, base)
            # D-108: a trade with neither amount nor price is a reference (kraken's
            # stub naming a trade id), not a fill report; its fill arrives as a my-trade.
            if not provided(entry.get("amount", ABSENT)) and not provided(entry.get("price", ABSENT)):
                continue
            fills.append(read_fill(entry, base, ctx, order_id, instrument))
    done = finish_fills(fills, ctx)
    if status == "rejected" and fills:
        raise Reject(INVALID_PAYLOAD, fills[0].base)  # a rejected order has no fills
    check_fee_currencies(fills)

    def report(event_type: str, event_time: int, body: dict[str, Any]) -> dict[str, Any]:
        # Idempotency key null: the core's default "{event_type}:{venue}:{order_id}"
        # makes a re-polled order a duplicate, which is what it is (D-107).
        return event(ctx, instrument, event_time, "broker_report", event_type, body)

    if status == "rejected":
        return [report("order_rejected", max(times), {"order_id": order_id, "reason": REJECTED_REASON})]
    events = [report("order_accepted", created, {"order_id": order_id})]  # type: ignore[arg-type]
    for fill, fill_event in done:
        events.append(fill_event)
        times.append(fill.event_time)
    if status == "canceled":
        events.append(report("order_cancelled", max(times), {"order_id": order_id}))
    elif status == "expired":
        events.append(report("order_expired", max(times), {"order_id": order_id}))
    return events
