"""Core snapshots (schema ``core_snapshot``): everything needed to continue identically.

Twin of ``cracktrader_rust/src/engine/snapshot.rs``. A snapshot from either backend
restores in either backend (the canonical JSON is identical). Maps have string keys
(venue -> instrument -> ...); stream keys are the canonical JSON of
``[source, venue, instrument, producer]``; orders are listed by ``submit_seq``;
``applied_keys`` are sorted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cracktrader.engine import strict_json
from cracktrader.engine.accounting import Position
from cracktrader.engine.canonical import canonical_dumps
from cracktrader.engine.config import CoreConfig
from cracktrader.engine.errors import CracktraderError, InvalidPayload
from cracktrader.engine.inputs import MAX_I63, SOURCES, is_identifier
from cracktrader.engine.numbers import check_raw, format_decimal, parse_decimal_str
from cracktrader.engine.orders import STATES, TERMINAL, Order

if TYPE_CHECKING:
    from cracktrader.engine.core import Core

SCHEMA_VERSION = 1

# What the schema's patterns mean, matched as whole strings (Python's ``$`` also
# matches before a trailing newline, so the schema check alone lets "5\n" through).
_CANONICAL_DECIMAL = re.compile(r"0|-?(?:0\.[0-9]*[1-9]|[1-9][0-9]*(?:\.[0-9]*[1-9])?)")
_INTEGER_TEXT = re.compile(r"0|-?[1-9][0-9]*")
_ID_FIELDS = ("order_id", "intent_id", "strategy_id", "venue", "instrument")
_OPTIONAL_ID_FIELDS = ("parent_order_id", "oco_group")


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
    check_shape(snapshot)
    _check_plain(snapshot)
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


def _check_plain(snapshot: dict[str, Any]) -> None:
    """What the schema check lets through but no snapshot can hold (D-251).

    The schema's ``integer`` accepts ``1.0``, its maps accept any key and its types are
    ``isinstance`` checks. A snapshot is plain JSON data: exact ``dict``/``list``/
    ``str``/``int``/``bool``/``None`` only (no float, no subclass, as for inputs,
    D-007), ``str`` keys only, and no string Rust could not hold (a lone surrogate).
    The walk is bounded: the schema has already fixed the shape down to scalars.
    """
    stack: list[Any] = [snapshot]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not strict_json.is_valid_unicode(item):
                raise InvalidPayload("core_snapshot invalid: a string with a lone surrogate")
        elif kind is dict:
            for key, value in item.items():
                if type(key) is not str or not strict_json.is_valid_unicode(key):
                    raise InvalidPayload("core_snapshot invalid: a map key is not a valid string")
                stack.append(value)
        elif kind is list:
            stack.extend(item)
        elif not (kind is int or kind is bool or item is None):
            raise InvalidPayload(f"core_snapshot invalid: {kind.__name__} is not plain JSON data")


def _dec(text: str | None) -> int | None:
    if text is None:
        return None
    if _CANONICAL_DECIMAL.fullmatch(text) is None:
        raise InvalidPayload(f"not a canonical decimal: {text!r}")
    return parse_decimal_str(text)


def _int_text(text: str) -> int:
    if _INTEGER_TEXT.fullmatch(text) is None:
        raise InvalidPayload(f"not an integer string: {text!r}")
    return check_raw(int(text))


def _bounded(value: int, what: str) -> int:
    if value > MAX_I63:
        raise InvalidPayload(f"{what} above 2^63 - 1")
    return value


def _stream_key(text: str) -> tuple[Any, ...]:
    """A stream key is the canonical JSON of a valid [source, venue, instrument, producer]."""
    stream = strict_json.loads(text)
    valid = (
        isinstance(stream, list)
        and len(stream) == 4
        and type(stream[0]) is str
        and stream[0] in SOURCES
        and all(part is None or is_identifier(part) for part in stream[1:3])
        and type(stream[3]) is int
        and 0 <= stream[3] <= MAX_I63
        and canonical_dumps(stream) == text
    )
    if not valid:
        raise InvalidPayload(f"bad stream key {text!r}")
    return tuple(stream)


def _stage(snapshot: dict[str, Any]) -> tuple[CoreConfig, dict[str, Any]]:
    """Build every piece of state first, so a bad snapshot changes nothing."""
    for key in ("starting_cash", "commission_rate", "max_order_qty", "max_notional"):
        _dec(snapshot["config"][key])
    config = CoreConfig(snapshot["config"])
    orders: dict[str, Order] = {}
    last_submit = 0
    for item in snapshot["orders"]:
        if item["order_id"] in orders:
            raise InvalidPayload(f"order {item['order_id']} listed twice")
        if item["submit_seq"] <= last_submit:
            raise InvalidPayload("orders are not ordered by submit_seq")
        last_submit = item["submit_seq"]
        for key in _ID_FIELDS:
            if not is_identifier(item[key]):
                raise InvalidPayload(f"order {key} is not an identifier")
        for key in _OPTIONAL_ID_FIELDS:
            if item[key] is not None and not is_identifier(item[key]):
                raise InvalidPayload(f"order {key} is not an identifier")
        _dec(item["avg_fill_price"])  # recomputed on output, but must be well-formed
        order = Order(
            **{key: item[key] for key in Order.__slots__ if key not in _DECIMAL_ORDER_FIELDS},
            **{key: _dec(item[key]) for key in _DECIMAL_ORDER_FIELDS},
        )
        order.fill_notional = _int_text(item["fill_notional"])
        _bounded(order.fill_count, "fill_count")
        # Consistency the schema cannot state (D-251): what fills and replaces keep.
        if not 0 < order.qty or not 0 <= order.filled_qty <= order.qty:
            raise InvalidPayload(f"order {order.order_id}: needs 0 < qty and 0 <= filled_qty <= qty")
        needs_limit = order.order_type in ("limit", "stop_limit")
        needs_stop = order.order_type in ("stop", "stop_limit")
        if (order.limit_price is not None) != needs_limit or (order.stop_price is not None) != needs_stop:
            raise InvalidPayload(f"order {order.order_id}: prices do not match its order_type")
        orders[order.order_id] = order
    positions = {
        (venue, instrument): Position(_dec(p["size"]), _dec(p["avg_price"]), _dec(p["realized_pnl"]))
        for venue, by_instrument in snapshot["positions"].items()
        for instrument, p in by_instrument.items()
    }
    last_bar = {
        (venue, instrument): (
            b["time"],
            _dec(b["open"]),
            _dec(b["high"]),
            _dec(b["low"]),
            _dec(b["close"]),
            _dec(b["volume"]),
            _bounded(b["timeframe_ms"], "timeframe_ms"),
        )
        for venue, by_instrument in snapshot["last_bar"].items()
        for instrument, b in by_instrument.items()
    }
    last_price = {
        (venue, instrument): (p["time"], _dec(p["price"]))
        for venue, by_instrument in snapshot["last_price"].items()
        for instrument, p in by_instrument.items()
    }
    stream_times = {_stream_key(text): time for text, time in snapshot["stream_times"].items()}
    state = {
        "last_seq_id": _bounded(snapshot["last_seq_id"], "last_seq_id"),
        "cash": _dec(snapshot["cash"]),
        "fees_paid": _dec(snapshot["fees_paid"]),
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


# ------------------------------------------------------------------ shape check
# A hand-written twin of schemas/core_snapshot.json (the contract): jsonschema is far
# too slow for snapshots restored mid-run, and the Rust backend needs the same checks
# in code anyway. tests/contracts check that both refuse the same documents.

_TOP = (
    "schema_version", "config", "last_seq_id", "cash", "fees_paid", "positions", "orders",
    "applied_keys", "last_bar", "last_price", "stream_times", "kill_switch", "risk_flags",
)
_CONFIG = ("mode", "starting_cash", "commission_rate", "late_policy", "max_order_qty", "max_notional", "allow_short")
_ORDER = (
    "order_id", "intent_id", "strategy_id", "venue", "instrument", "side", "order_type", "qty",
    "limit_price", "stop_price", "time_in_force", "expire_time", "parent_order_id", "oco_group", "state",
    "filled_qty", "avg_fill_price", "fill_notional", "fill_count", "submit_seq", "triggered", "placed_bar_time",
)
_POSITION = ("size", "avg_price", "realized_pnl")
_BAR = ("time", "open", "high", "low", "close", "volume", "timeframe_ms")
_PRICE_AT = ("time", "price")


def _fail(path: str, reason: str) -> None:
    raise InvalidPayload(f"core_snapshot invalid at {path or '/'}: {reason}", field=path)


def _object(value: Any, keys: tuple[str, ...], path: str) -> dict[str, Any]:
    if type(value) is not dict:
        _fail(path, "expected an object")
    if value.keys() != set(keys):
        extra = sorted(str(k) for k in value if k not in keys)
        missing = [k for k in keys if k not in value]
        _fail(f"{path}/{(extra or missing)[0]}", "unexpected key" if extra else "missing key")
    return value


def _decimal(value: Any, path: str, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if type(value) is not str:
        _fail(path, "expected a canonical decimal string")
    try:
        canonical = format_decimal(parse_decimal_str(value)) == value
    except CracktraderError:
        canonical = False
    if not canonical:
        _fail(path, "not a canonical decimal")


def _integer(value: Any, path: str, minimum: int = 0, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if type(value) is not int or not minimum <= value <= MAX_I63:
        _fail(path, f"expected an integer >= {minimum}")


def _boolean(value: Any, path: str) -> None:
    if value is not True and value is not False:
        _fail(path, "expected a boolean")


def _identifier(value: Any, path: str, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if not is_identifier(value):
        _fail(path, "expected an identifier")


def _enum(value: Any, allowed: tuple[str, ...], path: str) -> None:
    if type(value) is not str or value not in allowed:
        _fail(path, f"expected one of {', '.join(allowed)}")


def _check_nested(value: Any, path: str, check) -> None:
    if type(value) is not dict:
        _fail(path, "expected an object")
    for venue, by_instrument in value.items():
        if type(by_instrument) is not dict:
            _fail(f"{path}/{venue}", "expected an object")
        for instrument, item in by_instrument.items():
            check(item, f"{path}/{venue}/{instrument}")


def _check_position(item: Any, path: str) -> None:
    _object(item, _POSITION, path)
    for key in _POSITION:
        _decimal(item[key], f"{path}/{key}")


def _check_bar(item: Any, path: str) -> None:
    _object(item, _BAR, path)
    _integer(item["time"], f"{path}/time")
    for key in ("open", "high", "low", "close", "volume"):
        _decimal(item[key], f"{path}/{key}")
    _integer(item["timeframe_ms"], f"{path}/timeframe_ms", minimum=1)


def _check_price_at(item: Any, path: str) -> None:
    _object(item, _PRICE_AT, path)
    _integer(item["time"], f"{path}/time")
    _decimal(item["price"], f"{path}/price")


def _check_order(item: Any, path: str) -> None:
    _object(item, _ORDER, path)
    for key in ("order_id", "intent_id", "strategy_id", "venue", "instrument"):
        _identifier(item[key], f"{path}/{key}")
    _enum(item["side"], ("buy", "sell"), f"{path}/side")
    _enum(item["order_type"], ("market", "limit", "stop", "stop_limit"), f"{path}/order_type")
    _decimal(item["qty"], f"{path}/qty")
    _decimal(item["limit_price"], f"{path}/limit_price", nullable=True)
    _decimal(item["stop_price"], f"{path}/stop_price", nullable=True)
    _enum(item["time_in_force"], ("gtc", "ioc", "fok"), f"{path}/time_in_force")
    _integer(item["expire_time"], f"{path}/expire_time", nullable=True)
    _identifier(item["parent_order_id"], f"{path}/parent_order_id", nullable=True)
    _identifier(item["oco_group"], f"{path}/oco_group", nullable=True)
    _enum(item["state"], STATES, f"{path}/state")
    _decimal(item["filled_qty"], f"{path}/filled_qty")
    _decimal(item["avg_fill_price"], f"{path}/avg_fill_price", nullable=True)
    notional = item["fill_notional"]
    if type(notional) is not str or not notional.lstrip("-").isdigit() or not notional.isascii():
        _fail(f"{path}/fill_notional", "expected an integer string")
    _integer(item["fill_count"], f"{path}/fill_count")
    _integer(item["submit_seq"], f"{path}/submit_seq", minimum=1)
    _boolean(item["triggered"], f"{path}/triggered")
    _integer(item["placed_bar_time"], f"{path}/placed_bar_time", nullable=True)


def check_shape(snapshot: Any) -> None:
    """Raise ``InvalidPayload`` naming the first field that breaks the contract."""
    _object(snapshot, _TOP, "")
    if snapshot["schema_version"] != SCHEMA_VERSION or type(snapshot["schema_version"]) is not int:
        _fail("/schema_version", f"expected {SCHEMA_VERSION}")
    config = _object(snapshot["config"], _CONFIG, "/config")
    _enum(config["mode"], ("simulated", "external"), "/config/mode")
    _decimal(config["starting_cash"], "/config/starting_cash")
    _decimal(config["commission_rate"], "/config/commission_rate")
    _enum(config["late_policy"], ("reject", "accept"), "/config/late_policy")
    _decimal(config["max_order_qty"], "/config/max_order_qty", nullable=True)
    _decimal(config["max_notional"], "/config/max_notional", nullable=True)
    _boolean(config["allow_short"], "/config/allow_short")
    _integer(snapshot["last_seq_id"], "/last_seq_id")
    _decimal(snapshot["cash"], "/cash")
    _decimal(snapshot["fees_paid"], "/fees_paid")
    _check_nested(snapshot["positions"], "/positions", _check_position)
    orders = snapshot["orders"]
    if type(orders) is not list:
        _fail("/orders", "expected an array")
    for index, item in enumerate(orders):
        _check_order(item, f"/orders/{index}")
    keys = snapshot["applied_keys"]
    if type(keys) is not list or any(type(key) is not str for key in keys):
        _fail("/applied_keys", "expected an array of strings")
    _check_nested(snapshot["last_bar"], "/last_bar", _check_bar)
    _check_nested(snapshot["last_price"], "/last_price", _check_price_at)
    streams = snapshot["stream_times"]
    if type(streams) is not dict:
        _fail("/stream_times", "expected an object")
    for key, time in streams.items():
        _integer(time, f"/stream_times/{key}")
    _boolean(snapshot["kill_switch"], "/kill_switch")
    flags = _object(snapshot["risk_flags"], ("allow_short",), "/risk_flags")
    _boolean(flags["allow_short"], "/risk_flags/allow_short")
