"""Market data: CCXT unified trades -> ``trade`` events, OHLCV rows -> ``bar`` events.

Twin of ``cracktrader_rust/src/engine/normalizer/market.rs``. Field order of the checks
is the order of the reads below; docs/normalizer.md has the tables.
"""

from __future__ import annotations

from typing import Any

from cracktrader.engine.normalizer.events import Context, event, resolve_instrument
from cracktrader.engine.normalizer.fields import (
    ABSENT,
    INVALID_NUMBER,
    INVALID_PAYLOAD,
    MAX_ID_LEN,
    MISSING_FIELD,
    Reject,
    choice,
    identifier,
    need_object,
    number_like,
    parse_all,
    provided,
    timestamp,
)
from cracktrader.engine.numbers import format_decimal

SIDES = ("buy", "sell")
OHLCV_FIELDS = ("open", "high", "low", "close", "volume")


def trade_events(payload: Any, ctx: Context) -> list[dict[str, Any]]:
    """A public trade (``fetchTrades``): one ``trade`` event, keyed for deduplication."""
    obj = need_object(payload, "/payload")
    trade_id = identifier(obj.get("id", ABSENT), "/payload/id")
    symbol = identifier(obj.get("symbol", ABSENT), "/payload/symbol", required=False)
    instrument = resolve_instrument(symbol, ctx, "/payload/symbol")
    event_time = timestamp(obj.get("timestamp", ABSENT), "/payload/timestamp")
    side = choice(obj.get("side", ABSENT), "/payload/side", SIDES, INVALID_PAYLOAD)
    price_in = number_like(obj.get("price", ABSENT), "/payload/price")
    amount_in = number_like(obj.get("amount", ABSENT), "/payload/amount")
    price, amount = parse_all([(price_in, "/payload/price"), (amount_in, "/payload/amount")])
    if amount <= 0:
        raise Reject(INVALID_NUMBER, "/payload/amount")
    # D-107: trades are deduplicated by venue, instrument and the venue's trade id.
    key = f"trade:{ctx.venue}:{instrument}:{trade_id}"
    if len(key) > MAX_ID_LEN:
        raise Reject(INVALID_PAYLOAD, "/payload/id")
    body = {
        "price": format_decimal(price),
        "amount": format_decimal(amount),
        "side": side,
        "trade_id": trade_id,
    }
    return [event(ctx, instrument, event_time, "market_data", "trade", body, key)]  # type: ignore[arg-type]


def bar_events(payload: Any, ctx: Context) -> list[dict[str, Any]]:
    """An OHLCV row ``[ts, open, high, low, close, volume]``: one ``bar`` event."""
    if not provided(payload):
        raise Reject(MISSING_FIELD, "/payload")
    if not isinstance(payload, list) or len(payload) != 6:
        raise Reject(INVALID_PAYLOAD, "/payload")
    event_time = timestamp(payload[0], "/payload/0")
    pending = [(number_like(payload[i], f"/payload/{i}"), f"/payload/{i}") for i in range(1, 6)]
    open_, high, low, close, volume = parse_all(pending)
    # D-012: a bar that contradicts itself is unusable; report the first culprit.
    if high < low:
        raise Reject(INVALID_NUMBER, "/payload/2")
    if not low <= open_ <= high:
        raise Reject(INVALID_NUMBER, "/payload/1")
    if not low <= close <= high:
        raise Reject(INVALID_NUMBER, "/payload/4")
    if volume < 0:
        raise Reject(INVALID_NUMBER, "/payload/5")
    body: dict[str, Any] = {
        name: format_decimal(raw) for name, raw in zip(OHLCV_FIELDS, (open_, high, low, close, volume))
    }
    body["timeframe_ms"] = ctx.timeframe_ms
    return [event(ctx, ctx.instrument, event_time, "market_data", "bar", body)]  # type: ignore[arg-type]
