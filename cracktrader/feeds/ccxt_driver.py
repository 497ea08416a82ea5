"""A live-style feed driver: CCXT trades -> candles -> engine ``bar`` events (D-207).

``CcxtTradeDriver`` polls ``fetch_trades`` (or streams ``watch_trades`` where ccxt.pro
provides it), aggregates the unified trades with the chosen feed backend and hands one
engine event per closed candle to a sink callable. The events follow
``schemas/engine_event.json``: ``kind: "event"``, ``seq_id: null`` (the sequencer
assigns it), ``source: "market_data"``, ``event_type: "bar"``, ``event_time`` = the
candle's bucket start (CCXT's OHLCV convention, so a live bar and the same bar fetched
with ``fetch_ohlcv`` carry the same time and idempotency key), ``ingest_time`` = the
driver's clock, payload ``{open, high, low, close, volume, timeframe_ms}``.

Polling cursor: the next ``fetch_trades`` asks ``since`` the newest timestamp seen, so
trades sharing that millisecond are not missed; the re-fetched ones are dropped by the
aggregator's duplicate-id rule (or, once their bucket was emitted, as stale). After
every poll the active bucket is closed when the clock has passed its end plus
``close_grace_ms``, so quiet markets still get their bar. Nothing here reads the clock
except through ``clock_ms`` (injectable), and no test touches the network.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any, Callable

from cracktrader.feeds import bridge as select_bridge
from cracktrader.feeds.fields import is_identifier

logger = logging.getLogger("cracktrader.feeds.ccxt_driver")

Sink = Callable[[dict[str, Any]], Any]


def _wall_clock_ms() -> int:
    return int(time.time() * 1000)


class CcxtTradeDriver:
    """Trades from a CCXT exchange object -> engine bar events, on either backend."""

    def __init__(
        self,
        exchange: Any,
        symbol: str,
        timeframe_ms: int,
        sink: Sink,
        *,
        feed_backend: str | None = None,
        venue: str | None = None,
        producer: int = 0,
        limit: int | None = None,
        since: int | None = None,
        params: dict[str, Any] | None = None,
        clock_ms: Callable[[], int] | None = None,
        close_grace_ms: int = 0,
    ) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.sink = sink
        self.venue = venue if venue is not None else str(getattr(exchange, "id", "unknown"))
        self.producer = producer
        self.limit = limit
        self.since = since
        self.params = dict(params or {})
        self.clock_ms = clock_ms or _wall_clock_ms
        self.close_grace_ms = close_grace_ms
        self._bridge = select_bridge(feed_backend)
        self.aggregator = self._bridge.TradeAggregator(timeframe_ms)
        self.timeframe_ms = self.aggregator.timeframe_ms
        self._polls = 0
        self._payloads = 0
        self._bars = 0
        self._fetch_errors = 0

    # -- events -----------------------------------------------------------------------
    def _bar_event(self, candle: dict[str, Any], now_ms: int) -> dict[str, Any]:
        key = f"bar:{self.venue}:{self.symbol}:{self.timeframe_ms}:{candle['timestamp']}"
        return {
            "kind": "event",
            "seq_id": None,
            "event_time": candle["timestamp"],
            "ingest_time": now_ms,
            "source": "market_data",
            "venue": self.venue,
            "instrument": self.symbol,
            "event_type": "bar",
            "payload": {
                "open": candle["open"],
                "high": candle["high"],
                "low": candle["low"],
                "close": candle["close"],
                "volume": candle["volume"],
                "timeframe_ms": self.timeframe_ms,
            },
            "idempotency_key": key if is_identifier(key) else None,
            "producer": self.producer,
        }

    def _emit(self, candles: list[dict[str, Any]], now_ms: int) -> list[dict[str, Any]]:
        events = [self._bar_event(candle, now_ms) for candle in candles]
        for event in events:
            self.sink(event)
        self._bars += len(events)
        return events

    def _ingest(self, trades: Any) -> list[dict[str, Any]]:
        """Aggregate one batch of unified trades, then close buckets the clock passed."""
        self._polls += 1
        if not isinstance(trades, list):
            trades = list(trades or [])
        self._payloads += len(trades)
        newest = max((t["timestamp"] for t in trades if isinstance(t, dict)
                      and type(t.get("timestamp")) is int and 0 <= t["timestamp"] < 2**63),
                     default=None)
        if newest is not None and (self.since is None or newest > self.since):
            self.since = newest
        candles = self.aggregator.push_dicts(trades)
        now = self.clock_ms()
        candles += self.aggregator.close_until(now - self.close_grace_ms)
        return self._emit(candles, now)

    # -- sources ----------------------------------------------------------------------
    def poll_once(self) -> list[dict[str, Any]]:
        """One ``fetch_trades`` call (synchronous ccxt); returns the events emitted."""
        result = self.exchange.fetch_trades(self.symbol, self.since, self.limit, self.params)
        if inspect.isawaitable(result):
            result.close()  # type: ignore[union-attr]
            raise TypeError("this exchange is asynchronous: use poll_once_async()")
        return self._ingest(result)

    async def poll_once_async(self) -> list[dict[str, Any]]:
        """One ``fetch_trades`` call of an asynchronous exchange (ccxt.async_support/pro)."""
        result = self.exchange.fetch_trades(self.symbol, self.since, self.limit, self.params)
        if inspect.isawaitable(result):
            result = await result
        return self._ingest(result)

    async def watch_once(self) -> list[dict[str, Any]]:
        """One ``watch_trades`` update (ccxt.pro): the trades since the last update."""
        if not self.can_watch():
            raise TypeError(f"{self.venue} has no watchTrades; poll fetch_trades instead")
        trades = await self.exchange.watch_trades(self.symbol, None, self.limit, self.params)
        return self._ingest(trades)

    def can_watch(self) -> bool:
        """True when the exchange object streams trades (ccxt.pro ``has['watchTrades']``)."""
        has = getattr(self.exchange, "has", {}) or {}
        return bool(has.get("watchTrades")) and callable(getattr(self.exchange, "watch_trades", None))

    def run(self, *, polls: int | None = None, interval_s: float = 1.0,
            sleep: Callable[[float], Any] = time.sleep) -> None:
        """Poll until ``polls`` calls were made (forever when None); fetch errors are
        logged, counted and retried after ``interval_s``."""
        done = 0
        while polls is None or done < polls:
            try:
                self.poll_once()
            except Exception as exc:  # network and exchange errors: log, count, retry
                self._fetch_errors += 1
                logger.warning("fetch_trades(%s) failed: %s", self.symbol, exc)
            done += 1
            if polls is None or done < polls:
                sleep(interval_s)

    async def run_async(self, *, updates: int | None = None, interval_s: float = 1.0) -> None:
        """Stream with ``watch_trades`` when available, else poll asynchronously."""
        done = 0
        while updates is None or done < updates:
            try:
                if self.can_watch():
                    await self.watch_once()
                else:
                    await self.poll_once_async()
            except Exception as exc:  # network and exchange errors: log, count, retry
                self._fetch_errors += 1
                logger.warning("trades(%s) failed: %s", self.symbol, exc)
                await asyncio.sleep(interval_s)
            done += 1
            if not self.can_watch() and (updates is None or done < updates):
                await asyncio.sleep(interval_s)

    def close(self) -> list[dict[str, Any]]:
        """Emit the still-open bucket (end of a session or a backfill)."""
        return self._emit(self.aggregator.flush(), self.clock_ms())

    def stats(self) -> dict[str, Any]:
        """Which backend ran (and whether it fell back), counters, totals and the cursor."""
        out: dict[str, Any] = dict(self._bridge.selection.as_dict())
        out.update({
            "venue": self.venue,
            "instrument": self.symbol,
            "polls": self._polls,
            "payloads": self._payloads,
            "bars_emitted": self._bars,
            "fetch_errors": self._fetch_errors,
            "since": self.since,
            "aggregator": self.aggregator.stats(),
        })
        return out
