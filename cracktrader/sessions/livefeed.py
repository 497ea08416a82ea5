"""``LiveFeed``: bars from a venue as they close, for paper and live runs.

A live feed is a ``DataFeed`` (``ct.feeds``) whose rows come from polling its store's
client; the engine reads it bar by bar (``islive()`` is true, so the run never
preloads). Two sources (``granularity``):

- ``"trades"``: ``fetch_trades`` polled through the feed track's ``CcxtTradeDriver``
  (D-207), which aggregates trades into epoch-aligned candles and emits a candle once
  the clock passed its end plus ``close_grace_ms``. A bucket without trades gives no
  bar (never invented); trades arriving after their bucket was emitted are stale and
  counted.
- ``"ohlcv"``: ``fetch_ohlcv`` polled; a candle is emitted once it is closed (its end
  plus ``close_grace_ms`` is past the clock), each at most once, in time order. Rows are
  read through the feed bridge (``ohlcv_from_rows``), whose counters keep the reasons
  of unusable rows.

Bad venue payloads are dropped and *counted* (``stats()["counters"]``), never listed
one by one: a live stream cannot be re-read, and a list would grow without bound
(MDL-006). The feed starts at the bucket that contains the clock's time when the run
starts (``rewind()``, so the feeds of one run start together); ``backfill=N`` first
emits the N closed candles before it (one ``fetch_ohlcv`` call), so indicators are
warm when live bars begin. The feed ends when
``max_bars`` bars were emitted, when the clock reaches ``until_ms``, or when
``request_stop()`` is called (``ExchangeSession.close()`` does); the forming bucket is
not emitted (an incomplete bar is not a bar).

All time comes from the store's clock (``now_ms``, ``sleep``), so a test drives a live
feed with a manual clock and a fake client, without the network.
"""

from __future__ import annotations

import inspect
import logging
from collections import deque
from typing import Any, Callable, Iterator

from cracktrader.feeds import bridge as select_bridge
from cracktrader.feeds.ccxt_driver import CcxtTradeDriver
from cracktrader.feeds.datafeed import DataFeed, Row
from cracktrader.strategy.timeframe import CCXT_TIMEFRAMES, timeframe_ms

logger = logging.getLogger("cracktrader.sessions.livefeed")

GRANULARITIES = ("trades", "ohlcv")
# Trade buckets are epoch-aligned; venues align these longer frames differently.
_TRADE_FRAMES = tuple(name for name in CCXT_TIMEFRAMES if name not in ("3d", "1w", "1M"))


def _row(candle: dict[str, Any], time: int) -> Row:
    return (time, float(candle["open"]), float(candle["high"]), float(candle["low"]), float(candle["close"]),
            float(candle["volume"]), 0.0)


class _TradeSource:
    """Trades -> candles through the feed track's driver."""

    def __init__(self, feed: LiveFeed, since: int) -> None:
        store = feed.p.store
        self.driver = CcxtTradeDriver(
            store.client, feed.p.symbol, feed.frame_ms, feed._on_bar_event, feed_backend=feed.p.feed_backend,
            venue=store.venue, limit=feed.p.limit, since=since, clock_ms=store.now_ms,
            close_grace_ms=feed.p.close_grace_ms,
        )

    def poll(self) -> None:
        self.driver.poll_once()

    def stats(self) -> dict[str, Any]:
        stats = self.driver.stats()
        return {"source": "trades", "counters": dict(stats["aggregator"]["counters"]), "driver": stats}


class _OhlcvSource:
    """Closed candles from ``fetch_ohlcv``, each emitted once."""

    def __init__(self, feed: LiveFeed, since: int) -> None:
        self.feed = feed
        self.since = since
        self.last: int | None = None
        self.counters: dict[str, int] = {}
        self.bridge = select_bridge(feed.p.feed_backend)

    def poll(self, *, until: int | None = None) -> None:
        feed = self.feed
        store = feed.p.store
        frame = feed.frame_ms
        rows = store.client.fetch_ohlcv(feed.p.symbol, feed.p.ccxt_timeframe, self.since, feed.p.limit)
        parsed = self.bridge.ohlcv_from_rows(rows if isinstance(rows, list) else [])
        for code, count in parsed["counters"].items():
            self.counters[code] = self.counters.get(code, 0) + count
        now = store.now_ms()
        for candle in sorted(parsed["candles"], key=lambda c: c["timestamp"]):
            start = candle["timestamp"]
            if start < self.since or (self.last is not None and start <= self.last):
                continue  # before the feed's start, or already emitted
            if until is not None and start >= until:
                continue
            if start + frame + feed.p.close_grace_ms > now:
                break  # the forming candle (and anything after it) is not closed yet
            self.last = start
            feed._buffer.append(_row(candle, start))
        if self.last is not None:
            self.since = self.last + frame

    def stats(self) -> dict[str, Any]:
        return {"source": "ohlcv", "counters": dict(self.counters), "since": self.since}


class LiveFeed(DataFeed):
    """Bars of ``symbol`` from ``store``'s venue as they close (see the module docstring).

    Parameters beyond ``DataFeed``'s: ``store``, ``symbol``, ``ccxt_timeframe``,
    ``granularity`` (``"trades"`` or ``"ohlcv"``), ``poll_interval_s``,
    ``close_grace_ms``, ``limit`` (per fetch), ``since`` (ms; default the start of the
    current bucket), ``backfill`` (closed candles fetched first), ``max_bars``,
    ``until_ms``, ``feed_backend`` (the feed accelerator: ``python`` or ``rust``).
    """

    params = (
        ("store", None),
        ("symbol", None),
        ("ccxt_timeframe", "1m"),
        ("granularity", "trades"),
        ("poll_interval_s", 1.0),
        ("close_grace_ms", 0),
        ("limit", None),
        ("since", None),
        ("backfill", 0),
        ("max_bars", None),
        ("until_ms", None),
        ("feed_backend", None),
    )

    def __init__(self, **kwargs: Any) -> None:
        given = set(kwargs)
        super().__init__(**kwargs)
        p = self.p
        if p.store is None:
            raise ValueError("a live feed needs a store (ct.Store or ct.exchange(...).store)")
        if not isinstance(p.symbol, str) or not p.symbol:
            raise ValueError("a live feed needs symbol= (a venue symbol such as 'BTC/USDT')")
        if p.granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, not {p.granularity!r}")
        mapped = CCXT_TIMEFRAMES.get(p.ccxt_timeframe)
        if mapped is None:
            raise ValueError(f"unknown timeframe {p.ccxt_timeframe!r}; known: {', '.join(CCXT_TIMEFRAMES)}")
        fetch = getattr(p.store.client, "fetch_trades" if p.granularity == "trades" else "fetch_ohlcv", None)
        if not callable(fetch):
            raise ValueError(f"the {p.store.name} client cannot serve granularity={p.granularity!r}")
        if inspect.iscoroutinefunction(fetch):
            raise ValueError("live feeds poll synchronous clients (ccxt, not ccxt.async_support / ccxt.pro)")
        if p.granularity == "trades" and p.ccxt_timeframe not in _TRADE_FRAMES:
            raise ValueError(f"trades cannot be aggregated into {p.ccxt_timeframe!r} bars the way venues align them; "
                             "use granularity='ohlcv'")
        if "timeframe" not in given:
            self._timeframe = mapped[0]
        if "compression" not in given:
            self._compression = mapped[1]
        self.frame_ms = timeframe_ms(*mapped) if p.timeframe_ms is None else int(p.timeframe_ms)
        if p.name is None:
            self._name = p.symbol
        self.symbol = p.symbol
        self._buffer: deque[Row] = deque()
        self._source: _TradeSource | _OhlcvSource | None = None
        self._stop_requested = False
        self._emitted = 0
        self._polls = 0
        self._errors = 0
        self._backfilled = 0
        self._idle_hooks: list[Callable[[], Any]] = []
        self._start: int | None = None

    # ------------------------------------------------------------- interface
    def islive(self) -> bool:
        """A live feed: the run loads it bar by bar."""
        return True

    def preload(self) -> None:
        """Refused: live bars do not exist before they close."""
        raise RuntimeError("a live feed cannot be preloaded; run it bar by bar (the engine does so by itself)")

    def rewind(self) -> None:
        """Before a run (the engine rewinds every feed at once): fix the start bucket
        now, so the feeds of one run start together whatever order they are read in."""
        super().rewind()
        if self._start is None:
            now = self.p.store.now_ms()
            self._start = self.p.since if self.p.since is not None else now - now % self.frame_ms

    def request_stop(self) -> None:
        """End the feed at its next read (the forming bucket is dropped)."""
        self._stop_requested = True

    def add_idle_hook(self, hook: Callable[[], Any]) -> None:
        """Call ``hook()`` after every poll of the venue (a live broker polls its reports
        there, so reports are applied while the feed waits for its next bar)."""
        self._idle_hooks.append(hook)

    def stats(self) -> dict[str, Any]:
        """Polls, fetch errors, bars emitted and the source's counters by reason."""
        source = self._source.stats() if self._source is not None else {"source": self.p.granularity, "counters": {}}
        return {
            "symbol": self.symbol,
            "timeframe": self.p.ccxt_timeframe,
            "granularity": self.p.granularity,
            "polls": self._polls,
            "fetch_errors": self._errors,
            "bars": self._emitted,
            "backfilled": self._backfilled,
            "stopped": self._stop_requested,
            **source,
        }

    # ------------------------------------------------------------------ rows
    def _on_bar_event(self, event: dict[str, Any]) -> None:
        self._buffer.append(_row(event["payload"], event["event_time"]))

    def _done(self) -> bool:
        p = self.p
        if self._stop_requested:
            return True
        if p.max_bars is not None and self._emitted >= p.max_bars:
            return True
        return p.until_ms is not None and p.store.now_ms() >= p.until_ms

    def _rows(self) -> Iterator[Row]:
        p = self.p
        if self._start is None:  # read without a run (no rewind): start now
            self.rewind()
        start = self._start
        if p.backfill:
            history = _OhlcvSource(self, start - int(p.backfill) * self.frame_ms)
            self._guarded(lambda: history.poll(until=start))
            self._backfilled = len(self._buffer)
        self._source = _TradeSource(self, start) if p.granularity == "trades" else _OhlcvSource(self, start)
        while True:
            while self._buffer:
                if self._done():
                    return
                self._emitted += 1
                yield self._buffer.popleft()
            if self._done():
                return
            self._guarded(self._source.poll)
            for hook in self._idle_hooks:
                hook()
            if not self._buffer:
                p.store.clock.sleep(p.poll_interval_s)

    def _guarded(self, poll: Callable[[], Any]) -> None:
        self._polls += 1
        try:
            poll()
        except Exception as exc:  # network and venue errors: count, log, retry next poll
            self._errors += 1
            logger.warning("live feed %s: fetch failed: %s", self.symbol, exc)
