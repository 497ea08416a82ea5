"""Trade-to-candle aggregation: the bucket rules of D-204, in the Python reference.

Buckets are ``[start, start + timeframe_ms)`` with ``start`` a multiple of
``timeframe_ms`` (aligned to the epoch). For each normalized trade, in arrival order:

- ``timestamp < next_bucket_start_ms``: stale, dropped (``trade_out_of_order_dropped``);
- inside the active bucket: a non-null id already aggregated into this bucket is
  dropped (``trade_duplicate_dropped``); a trade that would push the volume past the
  i128 range is dropped (``volume_overflow_dropped``); otherwise it updates the bucket:
  high/low, volume += amount, trade_count += 1, open = price of the earliest trade by
  timestamp (first arrival among equals), close = price of the latest (last arrival
  among equals);
- at or beyond the active bucket's end: the active bucket is emitted as a candle and a
  new one opens at the trade's own bucket. Empty buckets are never invented, and the
  bucket time never goes back.

``flush`` / ``close_until`` emit the active bucket; afterwards trades before its end are
stale. The Rust twin is ``cracktrader_rust/src/feeds/aggregate.rs``.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from cracktrader.engine import canonical, numbers, strict_json
from cracktrader.engine.errors import InvalidConfig, InvalidPayload
from cracktrader.feeds import codes
from cracktrader.feeds.dialects import trade_layout
from cracktrader.feeds.fields import TS_LIMIT, Reject, is_identifier
from cracktrader.feeds.trades import (
    TradeBatch,
    parse_trades_json,
    read_trade,
    trades_from_columns,
    trades_from_dicts,
)

RAW_MAX = numbers.RAW_MAX
SNAPSHOT_VERSION = 1
# next_bucket_start_ms may be one bucket past the last valid timestamp after a flush.
_THRESHOLD_LIMIT = 2**64
_BUCKET_KEYS = (
    "timestamp", "open", "high", "low", "close", "volume", "trade_count",
    "first_trade_ms", "last_trade_ms", "trade_ids",
)
_STATE_KEYS = {"next_bucket_start_ms", "next_bucket", "emit", "counters"}
_SNAPSHOT_KEYS = {
    "schema_version", "timeframe_ms", "next_bucket_start_ms", "next_bucket", "counters",
    "trades_aggregated", "candles_emitted",
}


def check_timeframe(timeframe_ms: Any) -> int:
    """``timeframe_ms`` must be an int in [1, 2^63) (D-006); else ``InvalidConfig``."""
    if not isinstance(timeframe_ms, int) or isinstance(timeframe_ms, bool) or not (
        1 <= timeframe_ms < TS_LIMIT
    ):
        raise InvalidConfig(f"timeframe_ms must be an integer in [1, 2^63), got {timeframe_ms!r}")
    return int(timeframe_ms)


class TradeAggregator:
    """Stateful trade -> candle aggregator (component protocol D-020)."""

    backend = "python"

    def __init__(self, timeframe_ms: int) -> None:
        self._tf = check_timeframe(timeframe_ms)
        self._reset()

    def _reset(self) -> None:
        # next_bucket_start_ms; -1 stands for "none yet" (every timestamp is >= 0).
        self._threshold = -1
        self._active = False
        self._start = 0
        # When no bucket is active, _end equals _threshold so the first accepted trade
        # opens a bucket through the same comparison as a bucket roll.
        self._end = -1
        self._open = self._high = self._low = self._close = self._volume = 0
        self._count = 0
        self._first = self._last = 0
        self._ids: set[str] = set()
        self._counters: dict[str, int] = {}
        self._trades_aggregated = 0
        self._candles_emitted = 0

    @property
    def timeframe_ms(self) -> int:
        """The bucket width in milliseconds."""
        return self._tf

    # -- the kernel -------------------------------------------------------------------
    def _aggregate(self, timestamps: Any, prices: Any, amounts: Any, ids: Any) -> tuple:
        """Run the bucket rules over parallel columns; returns (emit, stale, dup, overflow, used)."""
        tf = self._tf
        fmt = numbers.format_decimal
        emit: list[dict[str, Any]] = []
        threshold = self._threshold
        active = self._active
        start, end = self._start, self._end
        open_, high, low, close, volume = self._open, self._high, self._low, self._close, self._volume
        count, first, last = self._count, self._first, self._last
        seen = self._ids
        stale = duplicate = overflow = used = 0
        for t, p, a, tid in zip(timestamps, prices, amounts, ids):
            if t < threshold:
                stale += 1
                continue
            if t >= end:
                if active:
                    emit.append({
                        "timestamp": start, "open": fmt(open_), "high": fmt(high),
                        "low": fmt(low), "close": fmt(close), "volume": fmt(volume),
                        "trade_count": count,
                    })
                start = t - t % tf
                end = start + tf
                threshold = start
                active = True
                open_ = high = low = close = p
                volume = a
                count = 1
                first = last = t
                seen = set() if tid is None else {tid}
                used += 1
                continue
            if tid is not None:
                if tid in seen:
                    duplicate += 1
                    continue
                total = volume + a
                if total > RAW_MAX:
                    overflow += 1
                    continue
                seen.add(tid)
            else:
                total = volume + a
                if total > RAW_MAX:
                    overflow += 1
                    continue
            volume = total
            if p > high:
                high = p
            elif p < low:
                low = p
            if t < first:
                first = t
                open_ = p
            if t >= last:
                last = t
                close = p
            count += 1
            used += 1
        self._threshold, self._active, self._start, self._end = threshold, active, start, end
        self._open, self._high, self._low, self._close, self._volume = open_, high, low, close, volume
        self._count, self._first, self._last, self._ids = count, first, last, seen
        counters = self._counters
        if stale:
            counters[codes.TRADE_OUT_OF_ORDER_DROPPED] = counters.get(codes.TRADE_OUT_OF_ORDER_DROPPED, 0) + stale
        if duplicate:
            counters[codes.TRADE_DUPLICATE_DROPPED] = counters.get(codes.TRADE_DUPLICATE_DROPPED, 0) + duplicate
        if overflow:
            counters[codes.VOLUME_OVERFLOW_DROPPED] = counters.get(codes.VOLUME_OVERFLOW_DROPPED, 0) + overflow
        self._trades_aggregated += used
        self._candles_emitted += len(emit)
        return emit, stale, duplicate, overflow, used

    # -- batch entry points -----------------------------------------------------------
    def push(self, trades: Any) -> list[dict[str, Any]]:
        """Aggregate a ``TradeBatch`` or a list of CCXT unified trade dicts; return closed candles."""
        if isinstance(trades, TradeBatch):
            batch = trades
        elif isinstance(trades, (list, tuple)):
            batch = trades_from_dicts(trades, "ccxt")
        else:
            raise InvalidPayload(
                f"trades must be a TradeBatch or a list of trade dicts, not {type(trades).__name__}"
            )
        codes.merge(self._counters, batch.counters)
        return self._aggregate(batch.timestamps, batch.prices, batch.amounts, batch.ids)[0]

    def push_dicts(self, payloads: Any, dialect: str = "ccxt") -> list[dict[str, Any]]:
        """Normalize and aggregate a list of payloads of ``dialect``."""
        return self.push(trades_from_dicts(payloads, dialect))

    def push_json(self, frames: Any, dialect: str = "ccxt") -> list[dict[str, Any]]:
        """Parse raw JSON frames of ``dialect`` and aggregate their trades."""
        return self.push(parse_trades_json(frames, dialect))

    def push_columns(self, timestamps: Any, prices: Any, amounts: Any,
                     sides: Any = None, ids: Any = None) -> list[dict[str, Any]]:
        """Aggregate parallel columns (see ``trades_from_columns``)."""
        if sides is None and ids is None:
            batch = trades_from_columns(timestamps, prices, amounts)
            codes.merge(self._counters, batch.counters)
            return self._aggregate(batch.timestamps, batch.prices, batch.amounts,
                                   repeat(None))[0]
        return self.push(trades_from_columns(timestamps, prices, amounts, sides, ids))

    def flush(self) -> list[dict[str, Any]]:
        """Emit the active bucket (if any); trades before its end become stale."""
        if not self._active:
            return []
        candle = self._bucket_candle()
        self._threshold = self._end
        self._active = False
        self._ids = set()
        self._candles_emitted += 1
        return [candle]

    def close_until(self, now_ms: int) -> list[dict[str, Any]]:
        """Emit the active bucket when ``now_ms`` is at or past its end."""
        if self._active and now_ms >= self._end:
            return self.flush()
        return []

    def _bucket_candle(self) -> dict[str, Any]:
        fmt = numbers.format_decimal
        return {
            "timestamp": self._start, "open": fmt(self._open), "high": fmt(self._high),
            "low": fmt(self._low), "close": fmt(self._close), "volume": fmt(self._volume),
            "trade_count": self._count,
        }

    # -- state ------------------------------------------------------------------------
    def counters(self) -> dict[str, int]:
        """Counters by reason since creation (non-zero, sorted)."""
        return codes.sorted_counters(self._counters)

    def state(self) -> dict[str, Any]:
        """``{"next_bucket_start_ms", "next_bucket"}``: what the next call needs."""
        bucket = None
        if self._active:
            bucket = self._bucket_candle()
            bucket["first_trade_ms"] = self._first
            bucket["last_trade_ms"] = self._last
            bucket["trade_ids"] = sorted(self._ids)
        threshold = None if self._threshold < 0 else self._threshold
        return {"next_bucket_start_ms": threshold, "next_bucket": bucket}

    def load_state(self, state: Any) -> None:
        """Replace the bucket state with ``state`` (a previous result); misuse raises."""
        if not isinstance(state, dict):
            raise InvalidPayload("state must be a dict or None")
        unknown = sorted(set(state) - _STATE_KEYS)
        if unknown:
            raise InvalidPayload(f"unknown state key {unknown[0]!r}")
        self._load_bucket(state)

    def _load_bucket(self, state: dict[str, Any]) -> None:
        for key in ("next_bucket_start_ms", "next_bucket"):
            if key not in state:
                raise InvalidPayload(f"state lacks {key!r}")
        threshold = state["next_bucket_start_ms"]
        bucket = state["next_bucket"]
        tf = self._tf
        if threshold is None:
            if bucket is not None:
                raise InvalidPayload("next_bucket without next_bucket_start_ms")
            self._threshold, self._end, self._active, self._ids = -1, -1, False, set()
            return
        if not _is_int(threshold) or not 0 <= threshold < _THRESHOLD_LIMIT or threshold % tf:
            raise InvalidPayload("next_bucket_start_ms must be a multiple of timeframe_ms in [0, 2^64)")
        if bucket is None:
            self._threshold, self._end, self._active, self._ids = threshold, threshold, False, set()
            return
        if not isinstance(bucket, dict) or set(bucket) != set(_BUCKET_KEYS):
            raise InvalidPayload(f"next_bucket must be a dict with keys {', '.join(_BUCKET_KEYS)}")
        start = bucket["timestamp"]
        if not _is_int(start) or start != threshold or start >= TS_LIMIT:
            raise InvalidPayload("next_bucket.timestamp must equal next_bucket_start_ms")
        raws = []
        for key in ("open", "high", "low", "close", "volume"):
            try:
                raws.append(numbers.parse_decimal(bucket[key]))
            except Exception as exc:  # any number problem in a state is misuse
                raise InvalidPayload(f"next_bucket.{key} is not a decimal") from exc
        open_, high, low, close, volume = raws
        if high < max(open_, close) or low > min(open_, close) or volume <= 0:
            raise InvalidPayload("next_bucket prices or volume are inconsistent")
        count, first, last = bucket["trade_count"], bucket["first_trade_ms"], bucket["last_trade_ms"]
        if not _is_int(count) or not 1 <= count < TS_LIMIT:
            raise InvalidPayload("next_bucket.trade_count must be an integer >= 1")
        if not (_is_int(first) and _is_int(last) and start <= first <= last < start + tf):
            raise InvalidPayload("next_bucket first/last trade times must lie in the bucket, in order")
        ids = bucket["trade_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, str) and is_identifier(i) for i in ids):
            raise InvalidPayload("next_bucket.trade_ids must be a list of identifiers")
        id_set = set(ids)
        if len(id_set) != len(ids) or len(ids) > count:
            raise InvalidPayload("next_bucket.trade_ids must be distinct and at most trade_count")
        self._threshold, self._start, self._end, self._active = start, start, start + tf, True
        self._open, self._high, self._low, self._close, self._volume = open_, high, low, close, volume
        self._count, self._first, self._last, self._ids = count, first, last, id_set

    def snapshot(self) -> dict[str, Any]:
        """All state needed to continue identically (JSON-able, canonical-ready)."""
        out = self.state()
        out.update({
            "schema_version": SNAPSHOT_VERSION,
            "timeframe_ms": self._tf,
            "counters": self.counters(),
            "trades_aggregated": self._trades_aggregated,
            "candles_emitted": self._candles_emitted,
        })
        return out

    def restore(self, snapshot: Any) -> None:
        """Replace all state with ``snapshot``; a malformed snapshot raises ``InvalidPayload``."""
        if not isinstance(snapshot, dict) or set(snapshot) != _SNAPSHOT_KEYS:
            raise InvalidPayload(f"snapshot must be a dict with keys {', '.join(sorted(_SNAPSHOT_KEYS))}")
        if snapshot["schema_version"] != SNAPSHOT_VERSION or not _is_int(snapshot["schema_version"]):
            raise InvalidPayload("unsupported snapshot schema_version")
        try:
            timeframe = check_timeframe(snapshot["timeframe_ms"])
        except InvalidConfig as exc:
            raise InvalidPayload(str(exc)) from None
        counters = snapshot["counters"]
        known = set(codes.feed_codes())
        if not isinstance(counters, dict) or not all(
            key in known and _is_int(value) and 0 < value < TS_LIMIT for key, value in counters.items()
        ):
            raise InvalidPayload("snapshot counters must map feed codes to positive integers")
        totals = (snapshot["trades_aggregated"], snapshot["candles_emitted"])
        if not all(_is_int(total) and 0 <= total < TS_LIMIT for total in totals):
            raise InvalidPayload("snapshot totals must be non-negative integers")
        previous_tf = self._tf
        self._tf = timeframe
        try:
            self._load_bucket(snapshot)
        except InvalidPayload:
            self._tf = previous_tf
            raise
        self._counters = dict(counters)
        self._trades_aggregated, self._candles_emitted = totals

    def state_hash(self) -> str:
        """Lower-case hex SHA-256 of the canonical snapshot."""
        return canonical.state_hash(self.snapshot())

    # -- component protocol (D-020) ---------------------------------------------------
    def apply(self, payload: Any) -> dict[str, Any]:
        """One CCXT unified trade -> ``{"accepted", "code", "emit"}``."""
        try:
            t, p, a, _side, tid = read_trade(payload, _CCXT)
        except Reject as reject:
            codes.bump(self._counters, reject.code)
            return {"accepted": False, "code": reject.code, "emit": []}
        emit, stale, duplicate, overflow, _used = self._aggregate((t,), (p,), (a,), (tid,))
        if stale:
            code = codes.TRADE_OUT_OF_ORDER_DROPPED
        elif duplicate:
            code = codes.TRADE_DUPLICATE_DROPPED
        elif overflow:
            code = codes.VOLUME_OVERFLOW_DROPPED
        else:
            return {"accepted": True, "code": "ok", "emit": emit}
        return {"accepted": False, "code": code, "emit": emit}

    def apply_batch(self, payloads: Any) -> list[dict[str, Any]]:
        """``apply`` over a list, in order."""
        return [self.apply(payload) for payload in payloads]

    def apply_jsonl(self, data: bytes) -> bytes:
        """One canonical result line per input line; an unreadable line is ``invalid_json``."""
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidPayload("apply_jsonl takes bytes")
        out = []
        for value in strict_json.loads_lines(bytes(data)):
            if isinstance(value, InvalidPayload):
                codes.bump(self._counters, codes.INVALID_JSON)
                result = {"accepted": False, "code": codes.INVALID_JSON, "emit": []}
            else:
                result = self.apply(value)
            out.append(canonical.canonical_bytes(result))
        return b"".join(line + b"\n" for line in out)

    def stats(self) -> dict[str, Any]:
        """Which backend ran, counters by reason, and totals."""
        return {
            "backend": self.backend,
            "timeframe_ms": self._tf,
            "counters": self.counters(),
            "trades_aggregated": self._trades_aggregated,
            "candles_emitted": self._candles_emitted,
        }


_CCXT = trade_layout("ccxt")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def aggregate_trade_bucket(state: Any, trades: Any, timeframe_ms: int) -> dict[str, Any]:
    """Functional form: ``state`` (None or a previous result) + trades -> result.

    Returns ``{"emit": [candles], "next_bucket_start_ms", "next_bucket", "counters"}``;
    pass the result back as the next ``state``. ``counters`` are this call's only.
    """
    aggregator = TradeAggregator(timeframe_ms)
    if state is not None:
        aggregator.load_state(state)
    emit = aggregator.push(trades)
    out = aggregator.state()
    out["emit"] = emit
    out["counters"] = aggregator.counters()
    return out
