"""Sinks: where a running strategy's events go.

``PipeSink`` writes one JSON line per event to the worker's event pipe (the daemon
reads the other end); ``ListSink`` keeps them in memory (tests, in-process runs).
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO, Protocol


class EventSink(Protocol):
    """Receives runtime events (``cracktrader.runtime.events.make_event`` dicts)."""

    def emit(self, event: dict[str, Any]) -> None: ...

    def flush(self) -> None: ...


class ListSink:
    """Collects events in a list."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def flush(self) -> None:
        pass


class PipeSink:
    """JSON lines to a binary stream; ``flush`` hands a batch to the daemon.

    Writes block when the daemon reads slower than the strategy produces: that is the
    backpressure that keeps a fast backtest from growing memory without bound.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def emit(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        self._stream.write(line.encode("utf-8", "surrogatepass") + b"\n")

    def flush(self) -> None:
        self._stream.flush()
