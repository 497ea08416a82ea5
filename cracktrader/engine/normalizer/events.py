"""The input envelope, its context, and the engine_event envelope the normalizer emits.

Twin of ``cracktrader_rust/src/engine/normalizer/events.rs``. An input is
``{"kind", "payload", "context"}``; the context carries what the venue payload does not:
``venue``, ``ingest_time``, ``producer`` (all required), ``instrument`` (required for
``ohlcv``, optional otherwise) and ``timeframe_ms`` (required for ``ohlcv``). Nothing is
read from a clock: every time comes from the payload or the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cracktrader.engine.normalizer.fields import (
    ABSENT,
    INVALID_PAYLOAD,
    MISSING_FIELD,
    Reject,
    check_keys,
    identifier,
    int_field,
    need_object,
    timestamp,
)

KINDS = ("trade", "ohlcv", "order", "my_trade")
INPUT_KEYS = frozenset(("kind", "payload", "context"))
CONTEXT_KEYS = frozenset(("venue", "ingest_time", "producer", "instrument", "timeframe_ms"))


@dataclass(frozen=True)
class Context:
    """The validated context of one input."""

    venue: str
    ingest_time: int
    producer: int
    instrument: str | None
    timeframe_ms: int | None


def read_context(value: Any, kind: str) -> Context:
    """Validate ``/context`` (unknown keys, then each key in declared order)."""
    ctx = need_object(value, "/context")
    check_keys(ctx, CONTEXT_KEYS, "/context")
    venue = identifier(ctx.get("venue", ABSENT), "/context/venue")
    ingest_time = timestamp(ctx.get("ingest_time", ABSENT), "/context/ingest_time")
    producer = int_field(ctx.get("producer", ABSENT), "/context/producer", 0)
    instrument = identifier(ctx.get("instrument", ABSENT), "/context/instrument", required=False)
    timeframe_ms = int_field(ctx.get("timeframe_ms", ABSENT), "/context/timeframe_ms", 1, required=False)
    if kind == "ohlcv":
        if instrument is None:
            raise Reject(MISSING_FIELD, "/context/instrument")
        if timeframe_ms is None:
            raise Reject(MISSING_FIELD, "/context/timeframe_ms")
    return Context(venue, ingest_time, producer, instrument, timeframe_ms)  # type: ignore[arg-type]


def resolve_instrument(symbol: str | None, ctx: Context, field: str) -> str:
    """The event's instrument: the payload's symbol, else the context's (D-104).

    Both given and different is a contradiction (``invalid_payload`` at the symbol).
    """
    if symbol is not None:
        if ctx.instrument is not None and ctx.instrument != symbol:
            raise Reject(INVALID_PAYLOAD, field)
        return symbol
    if ctx.instrument is None:
        raise Reject(MISSING_FIELD, field)
    return ctx.instrument


def event(
    ctx: Context,
    instrument: str,
    event_time: int,
    source: str,
    event_type: str,
    payload: dict[str, Any],
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """One engine_event envelope; ``seq_id`` stays null until the sequencer runs."""
    return {
        "kind": "event",
        "seq_id": None,
        "event_time": event_time,
        "ingest_time": ctx.ingest_time,
        "source": source,
        "venue": ctx.venue,
        "instrument": instrument,
        "event_type": event_type,
        "payload": payload,
        "idempotency_key": idempotency_key,
        "producer": ctx.producer,
    }
