"""Trade payloads -> normalized trades (D-202, D-203), one at a time or in batches.

A normalized trade is ``(timestamp_ms, price_raw, amount_raw, side, trade_id)`` inside
the backend and ``{"timestamp", "price", "amount", "side", "id"}`` (decimals as
canonical strings) in any compared output. An unusable payload gives ``None`` and bumps
one counter; the check order (first failure wins) is:

1. the item's shape (``not_an_object`` / ``not_a_row``);
2. ``missing_field``: timestamp, price, amount absent or null, in that order;
3. ``invalid_timestamp``; 4. ``invalid_side``; 5. ``invalid_trade_id``;
6. numbers: any ``invalid_number`` (price, amount) wins over any ``numeric_overflow``;
   then the domain rule amount > 0 (``invalid_number``, D-012).

Batch entry points take the forms data arrives in: raw JSON frames (bytes), columns and
lists of dicts. The Rust twin is ``cracktrader_rust/src/feeds/trades.rs``.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from cracktrader.engine import numbers, strict_json
from cracktrader.engine.errors import InvalidPayload
from cracktrader.feeds import codes
from cracktrader.feeds.dialects import TradeLayout, frame_items, trade_layout
from cracktrader.feeds.fields import Reject, decimal_or_code, read_timestamp, side, trade_id

Trade = tuple  # (timestamp_ms, price_raw, amount_raw, side | None, trade_id | None)
_COLUMN_SIDES = {"buy": "buy", "sell": "sell"}


def read_trade(item: Any, layout: TradeLayout) -> Trade:
    """One item -> a normalized trade tuple, or ``Reject`` with the first failing code."""
    if layout.item == "object":
        if not isinstance(item, dict):
            raise Reject(codes.NOT_AN_OBJECT)
        get = item.get
        ts_value = get(layout.timestamp)
        price_value = get(layout.price)
        amount_value = get(layout.amount)
        side_value = get(layout.side) if layout.side is not None else None
        id_value = get(layout.trade_id) if layout.trade_id is not None else None
    else:
        if not isinstance(item, (list, tuple)):
            raise Reject(codes.NOT_A_ROW)
        ts_value = _at(item, layout.timestamp)
        price_value = _at(item, layout.price)
        amount_value = _at(item, layout.amount)
        side_value = _at(item, layout.side)
        id_value = _at(item, layout.trade_id)
    return _build(ts_value, price_value, amount_value, side_value, id_value,
                  layout.timestamp_unit, layout.side_map)


def _at(row: Sequence[Any], index: Any) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]


def _build(ts_value: Any, price_value: Any, amount_value: Any, side_value: Any,
           id_value: Any, unit: str, side_map: dict[str, str]) -> Trade:
    if ts_value is None or price_value is None or amount_value is None:
        raise Reject(codes.MISSING_FIELD)
    timestamp = read_timestamp(ts_value, unit)
    trade_side = side(side_value, side_map)
    identifier = trade_id(id_value)
    price = decimal_or_code(price_value)
    amount = decimal_or_code(amount_value)
    if price.__class__ is str or amount.__class__ is str:
        if price == codes.INVALID_NUMBER or amount == codes.INVALID_NUMBER:
            raise Reject(codes.INVALID_NUMBER)
        raise Reject(codes.NUMERIC_OVERFLOW)
    if amount <= 0:  # type: ignore[operator]
        raise Reject(codes.INVALID_NUMBER)
    return (timestamp, price, amount, trade_side, identifier)


def trade_dict(trade: Trade) -> dict[str, Any]:
    """The compared form of a normalized trade (decimals as canonical strings)."""
    timestamp, price, amount, trade_side, identifier = trade
    return {
        "timestamp": timestamp,
        "price": numbers.format_decimal(price),
        "amount": numbers.format_decimal(amount),
        "side": trade_side,
        "id": identifier,
    }


def normalize_trade_payload(
    payload: Any, dialect: str = "ccxt", counters: dict[str, int] | None = None
) -> dict[str, Any] | None:
    """One trade payload (default: a CCXT unified trade) -> trade dict, or ``None``.

    ``None`` bumps ``counters[reason]`` when a counters dict is given.
    """
    try:
        return trade_dict(read_trade(payload, trade_layout(dialect)))
    except Reject as reject:
        if counters is not None:
            codes.bump(counters, reject.code)
        return None


def trade_reason(payload: Any, dialect: str = "ccxt") -> str | None:
    """The feed code that refuses ``payload``, or ``None`` when it is usable."""
    try:
        read_trade(payload, trade_layout(dialect))
    except Reject as reject:
        return reject.code
    return None


class TradeBatch:
    """Normalized trades held column-wise, plus the counters of what was dropped.

    The Python backend's native batch form; the Rust backend has ``FeedTradeBatch``
    with the same methods. A batch only feeds an aggregator of its own backend.
    """

    __slots__ = ("timestamps", "prices", "amounts", "sides", "ids", "counters", "items_seen")

    def __init__(self) -> None:
        self.timestamps: list[int] = []
        self.prices: list[int] = []
        self.amounts: list[int] = []
        self.sides: list[str | None] = []
        self.ids: list[str | None] = []
        self.counters: dict[str, int] = {}
        self.items_seen = 0

    def append(self, trade: Trade) -> None:
        """Add one normalized trade tuple."""
        timestamp, price, amount, trade_side, identifier = trade
        self.timestamps.append(timestamp)
        self.prices.append(price)
        self.amounts.append(amount)
        self.sides.append(trade_side)
        self.ids.append(identifier)

    def __len__(self) -> int:
        return len(self.timestamps)

    def trades(self) -> Iterable[Trade]:
        """The normalized trade tuples in arrival order."""
        return zip(self.timestamps, self.prices, self.amounts, self.sides, self.ids)

    def to_list(self) -> list[dict[str, Any]]:
        """Every trade in its compared form."""
        return [trade_dict(trade) for trade in self.trades()]

    def get_counters(self) -> dict[str, int]:
        """Counters of dropped items and frames (non-zero, sorted)."""
        return codes.sorted_counters(self.counters)

    def as_dict(self) -> dict[str, Any]:
        """``{"trades": [...], "counters": {...}, "items_seen": n}`` (compared form)."""
        return {"trades": self.to_list(), "counters": self.get_counters(),
                "items_seen": self.items_seen}


def _add_items(batch: TradeBatch, items: Iterable[Any], layout: TradeLayout) -> None:
    append = batch.append
    counters = batch.counters
    seen = 0
    for item in items:
        seen += 1
        try:
            append(read_trade(item, layout))
        except Reject as reject:
            counters[reject.code] = counters.get(reject.code, 0) + 1
    batch.items_seen += seen


def trades_from_dicts(payloads: Iterable[Any], dialect: str = "ccxt") -> TradeBatch:
    """A list of payloads (dicts, or rows for row dialects) -> a ``TradeBatch``."""
    layout = trade_layout(dialect)
    batch = TradeBatch()
    _add_items(batch, payloads, layout)
    return batch


def frame_list(frames: Any) -> list[bytes | str]:
    """One frame (bytes, bytearray or str) or a list/tuple of them; misuse raises."""
    if isinstance(frames, (bytes, bytearray, str)):
        return [frames]
    if isinstance(frames, (list, tuple)):
        for frame in frames:
            if not isinstance(frame, (bytes, bytearray, str)):
                raise InvalidPayload(
                    f"a frame must be bytes, bytearray or str, not {type(frame).__name__}"
                )
        return list(frames)
    raise InvalidPayload(f"frames must be bytes or a list of bytes, not {type(frames).__name__}")


def parse_frame(frame: bytes | str, root: str, root_path: tuple[str, ...],
                counters: dict[str, int]) -> list[Any] | None:
    """Strictly parse one frame and find its items; ``None`` (and a counter) if unusable."""
    if isinstance(frame, str) and not strict_json.is_valid_unicode(frame):
        codes.bump(counters, codes.INVALID_JSON)
        return None
    try:
        value = strict_json.loads(bytes(frame) if isinstance(frame, bytearray) else frame)
    except InvalidPayload:
        codes.bump(counters, codes.INVALID_JSON)
        return None
    try:
        return frame_items(value, root, root_path)
    except Reject as reject:
        codes.bump(counters, reject.code)
        return None


def parse_trades_json(frames: Any, dialect: str = "ccxt") -> TradeBatch:
    """Raw JSON frames (websocket messages or REST bodies) -> a ``TradeBatch``."""
    layout = trade_layout(dialect)
    batch = TradeBatch()
    for frame in frame_list(frames):
        items = parse_frame(frame, layout.root, layout.root_path, batch.counters)
        if items is not None:
            _add_items(batch, items, layout)
    return batch


# Buffer formats read as native 8-byte integers / floats (the Rust binding takes its
# buffer fast path for exactly these, so both backends see the same Python values).
_I64_FORMATS = frozenset({"q", "@q", "=q", "l", "@l", "n", "@n"})
_F64_FORMATS = frozenset({"d", "@d", "=d"})


def as_column(column: Any, floats: bool) -> Any:
    """A column as a sequence of Python values; 8-byte int/float buffers are unpacked."""
    try:
        view = memoryview(column)
    except TypeError:
        view = None
    if view is not None and view.ndim == 1 and view.itemsize == 8:
        if view.format in (_F64_FORMATS if floats else _I64_FORMATS):
            return view.tolist()
    try:
        len(column)
    except TypeError:
        raise InvalidPayload("columns must be sequences with a length") from None
    return column


def same_length(columns: list[Any]) -> int:
    """The common length of the given columns (``None`` entries skipped), else misuse."""
    present = [column for column in columns if column is not None]
    length = len(present[0])
    if any(len(column) != length for column in present):
        raise InvalidPayload("columns have different lengths")
    return length


def trades_from_columns(timestamps: Sequence[Any], prices: Sequence[Any], amounts: Sequence[Any],
                        sides: Sequence[Any] | None = None,
                        ids: Sequence[Any] | None = None) -> TradeBatch:
    """Parallel columns -> a ``TradeBatch``.

    ``timestamps``: ints (e.g. ``array('q')``) or digit strings, in ms; ``prices`` and
    ``amounts``: floats (e.g. ``array('d')``, each through its shortest round-trip
    digits), ints or decimal strings; optional ``sides`` ("buy"/"sell"/None) and
    ``ids``. Columns of different lengths are misuse (``InvalidPayload``).
    """
    timestamps = as_column(timestamps, floats=False)
    prices = as_column(prices, floats=True)
    amounts = as_column(amounts, floats=True)
    side_column = as_column(sides, floats=False) if sides is not None else None
    id_column = as_column(ids, floats=False) if ids is not None else None
    length = same_length([timestamps, prices, amounts, side_column, id_column])
    side_column = side_column if side_column is not None else [None] * length
    id_column = id_column if id_column is not None else [None] * length
    batch = TradeBatch()
    append = batch.append
    counters = batch.counters
    for row in zip(timestamps, prices, amounts, side_column, id_column):
        try:
            append(_build(row[0], row[1], row[2], row[3], row[4], "ms", _COLUMN_SIDES))
        except Reject as reject:
            counters[reject.code] = counters.get(reject.code, 0) + 1
    batch.items_seen = length
    return batch
