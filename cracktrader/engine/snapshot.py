"""Core snapshots (schema ``core_snapshot``): everything needed to continue identically.

Twin of ``cracktrader_rust/src/engine/snapshot.rs``. A snapshot from either backend
restores in either backend (the canonical JSON is identical). Maps have string keys
(venue -> instrument -> ...); stream keys are the canonical JSON of
``[source, venue, instrument, producer]``; orders are listed by ``submit_seq``;
``applied_keys`` are sorted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cracktrader.engine import strict_json
from cracktrader.engine.accounting import Position
from cracktrader.engine.canonical import canonical_dumps
from cracktrader.engine.config import CoreConfig
from cracktrader.engine.errors import CracktraderError, InvalidPayload
from cracktrader.engine.numbers import format_decimal, parse_decimal_str
from cracktrader.engine.orders import TERMINAL, Order
from cracktrader.engine.validation import problems

if TYPE_CHECKING:
    from cracktrader.engine.core import Core

SCHEMA_VERSION = 1


def _nested(items: dict[tuple[str, str], Any], render) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for (venue, instrument), value in items.items():
        out.setdefault(venue, {})[instrument] = render(value)
    return out


def _bar(bar: tuple[int, ...]) -> dict[str, Any]:
    time, open_, high, low, close, volume, timeframe_ms = bar
    return {
        "time": time,
        "open": format_decimal(open_),
        "high": format_decimal(high),
        "low": format_decimal(low),
        "close": format_decimal(close),
        "volume": format_decimal(volume),
        "timeframe_ms": timeframe_ms,
    }


def to_snapshot(core: Core) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "config": core.config.to_dict(),
        "last_seq_id": core.last_seq_id,
        "cash": format_decimal(core.cash),
        "fees_paid": format_decimal(core.fees_paid),
        "positions": _nested(core.positions, Position.to_dict),
        "orders": [order.to_dict() for order in core.orders.values()],
        "applied_keys": sorted(core.applied_keys),
        "last_bar": _nested(core.last_bar, _bar),
        "last_price": _nested(core.last_price, lambda tp: {"time": tp[0], "price": format_decimal(tp[1])}),
        "stream_times": {canonical_dumps(list(stream)): time for stream, time in core.stream_times.items()},
        "kill_switch": core.kill_switch,
        "risk_flags": {"allow_short": core.allow_short},
    }


def restore(core: Core, snapshot: Any) -> None:
    """Validate ``snapshot`` fully, then replace ``core``'s state; never half-load."""
    found = problems("core_snapshot", snapshot)
    if found:
        path, reason = found[0]
        raise InvalidPayload(f"core_snapshot invalid at {path or '/'}: {reason}", field=path)
    try:
        staged = _stage(snapshot)
    except CracktraderError as exc:
        raise InvalidPayload(f"core_snapshot inconsistent: {exc}") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidPayload(f"core_snapshot inconsistent: {exc}") from None
    config, state = staged
    core.config = config
    core._reset()
    for name, value in state.items():
        setattr(core, name, value)
    for order in state["orders"].values():
        if order.state not in TERMINAL:
            core.working.setdefault((order.venue, order.instrument), {})[order.order_id] = order
        if order.parent_order_id is not None:
            core.children.setdefault(order.parent_order_id, []).append(order.order_id)
        if order.oco_group is not None:
            core.oco_groups.setdefault(order.oco_group, []).append(order.order_id)
    core._begin()


def _dec(text: str | None) -> int | None:
    return None if text is None else parse_decimal_str(text)


def _stage(snapshot: dict[str, Any]) -> tuple[CoreConfig, dict[str, Any]]:
    """Build every piece of state first, so a bad snapshot changes nothing."""
    config = CoreConfig(snapshot["config"])
    orders: dict[str, Order] = {}
    last_submit = 0
    for item in snapshot["orders"]:
        if item["order_id"] in orders:
            raise InvalidPayload(f"order {item['order_id']} listed twice")
        if item["submit_seq"] <= last_submit:
            raise InvalidPayload("orders are not ordered by submit_seq")
        last_submit = item["submit_seq"]
        order = Order(
            **{key: item[key] for key in Order.__slots__ if key not in _DECIMAL_ORDER_FIELDS},
            **{key: _dec(item[key]) for key in _DECIMAL_ORDER_FIELDS},
        )
        order.fill_notional = int(item["fill_notional"])
        orders[order.order_id] = order
    positions = {
        (venue, instrument): Position(
            parse_decimal_str(p["size"]), parse_decimal_str(p["avg_price"]), parse_decimal_str(p["realized_pnl"])
        )
        for venue, by_instrument in snapshot["positions"].items()
        for instrument, p in by_instrument.items()
    }
    last_bar = {
        (venue, instrument): (
            b["time"],
            parse_decimal_str(b["open"]),
            parse_decimal_str(b["high"]),
            parse_decimal_str(b["low"]),
            parse_decimal_str(b["close"]),
            parse_decimal_str(b["volume"]),
            b["timeframe_ms"],
        )
        for venue, by_instrument in snapshot["last_bar"].items()
        for instrument, b in by_instrument.items()
    }
    last_price = {
        (venue, instrument): (p["time"], parse_decimal_str(p["price"]))
        for venue, by_instrument in snapshot["last_price"].items()
        for instrument, p in by_instrument.items()
    }
    stream_times = {}
    for text, time in snapshot["stream_times"].items():
        stream = strict_json.loads(text)
        if not (isinstance(stream, list) and len(stream) == 4):
            raise InvalidPayload(f"bad stream key {text!r}")
        stream_times[tuple(stream)] = time
    state = {
        "last_seq_id": snapshot["last_seq_id"],
        "cash": parse_decimal_str(snapshot["cash"]),
        "fees_paid": parse_decimal_str(snapshot["fees_paid"]),
        "positions": positions,
        "orders": orders,
        "applied_keys": set(snapshot["applied_keys"]),
        "last_bar": last_bar,
        "last_price": last_price,
        "stream_times": stream_times,
        "kill_switch": snapshot["kill_switch"],
        "allow_short": snapshot["risk_flags"]["allow_short"],
    }
    return config, state


_DECIMAL_ORDER_FIELDS = ("qty", "limit_price", "stop_price", "filled_qty")
