"""CCXT OHLCV bars: offline from recorded ``fetch_ohlcv`` payloads, online only on request.

``CCXTOHLCVData(dataname="BTC/USDT", ccxt_timeframe="1m", path="bars.jsonl")`` replays a
recording: one JSON line per ``fetch_ohlcv`` page, each a list of
``[timestamp_ms, open, high, low, close, volume]`` rows (numbers may be JSON numbers or
strings, as some venues send them). ``payloads=[page, ...]`` (or a flat list of rows)
does the same from memory.

Nothing touches the network unless ``allow_network=True`` is given with an
``exchange`` (a CCXT exchange instance, or an exchange id such as ``"binance"``): the
feed then pages through ``exchange.fetch_ohlcv(symbol, timeframe, since, limit)`` from
``since`` until a short page, an empty page or ``max_pages``, and ``record_to`` (a path)
appends every page it fetched as one JSON line, ready to replay offline.

Lines of a recording that are not strict JSON (``cracktrader.engine.strict_json``) are
recorded in ``rejected`` as ``{"page": n, "code": "invalid_payload"}``; bad rows are
rejected like any feed's rows (``cracktrader.feeds.datafeed``).
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from cracktrader.engine.errors import InvalidPayload
from cracktrader.engine.strict_json import loads_lines
from cracktrader.feeds.datafeed import DataFeed, Row
from cracktrader.strategy.timeframe import CCXT_TIMEFRAMES


def _is_page(item: Any) -> bool:
    """A page is a list of rows; a row is a list whose first item is a number."""
    return isinstance(item, list) and (not item or isinstance(item[0], list))


class CCXTOHLCVData(DataFeed):
    """CCXT OHLCV bars (see the module docstring)."""

    params = (
        ("ccxt_timeframe", "1m"),
        ("path", None),
        ("payloads", None),
        ("exchange", None),
        ("allow_network", False),
        ("since", None),
        ("limit", 500),
        ("max_pages", None),
        ("record_to", None),
    )

    def __init__(self, **kwargs: Any) -> None:
        given = set(kwargs)
        super().__init__(**kwargs)
        mapped = CCXT_TIMEFRAMES.get(self.p.ccxt_timeframe)
        if mapped is None:
            raise ValueError(f"unknown ccxt_timeframe {self.p.ccxt_timeframe!r}; known: {', '.join(CCXT_TIMEFRAMES)}")
        if "timeframe" not in given:
            self._timeframe = mapped[0]
        if "compression" not in given:
            self._compression = mapped[1]
        if self.p.name is None and isinstance(self.p.dataname, str):
            self._name = self.p.dataname
        sources = [self.p.path is not None, self.p.payloads is not None, bool(self.p.allow_network)]
        if sum(sources) != 1:
            raise ValueError(
                "CCXTOHLCVData needs exactly one source: path= (a recording), payloads= (in memory) "
                "or allow_network=True with exchange= (fetches from the venue)"
            )
        if self.p.allow_network and self.p.exchange is None:
            raise ValueError("allow_network=True needs exchange= (a ccxt exchange or its id)")

    # ------------------------------------------------------------------ pages
    def _recorded_pages(self) -> Iterator[Any]:
        with open(self.p.path, "rb") as handle:
            items = loads_lines(handle.read())
        for number, item in enumerate(items, start=1):
            if isinstance(item, InvalidPayload):
                self.rejected.append({"page": number, "code": "invalid_payload"})
                continue
            yield item

    def _memory_pages(self) -> Iterator[Any]:
        payloads = self.p.payloads
        if payloads and not _is_page(payloads[0]):
            yield payloads  # a flat list of rows
            return
        yield from payloads

    def _exchange(self) -> Any:
        exchange = self.p.exchange
        if isinstance(exchange, str):
            import ccxt  # imported only when the user asked for the network

            exchange = getattr(ccxt, exchange)({"enableRateLimit": True})
        return exchange

    def _network_pages(self) -> Iterator[Any]:
        exchange = self._exchange()
        since = self.p.since
        limit = self.p.limit
        pages = 0
        while self.p.max_pages is None or pages < self.p.max_pages:
            page = exchange.fetch_ohlcv(self.p.dataname, self.p.ccxt_timeframe, since, limit)
            pages += 1
            if self.p.record_to is not None:
                with open(self.p.record_to, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(page, separators=(",", ":")) + "\n")
            if not page:
                return
            yield page
            if limit is not None and len(page) < limit:
                return
            last = page[-1][0] if isinstance(page[-1], list) and page[-1] else None
            if not isinstance(last, int):
                return
            since = last + 1

    def _pages(self) -> Iterator[Any]:
        if self.p.path is not None:
            return self._recorded_pages()
        if self.p.payloads is not None:
            return self._memory_pages()
        return self._network_pages()

    def _rows(self) -> Iterator[Row]:
        for page in self._pages():
            if not isinstance(page, list):
                self.rejected.append({"page": None, "code": "invalid_payload"})
                continue
            for row in page:
                if not isinstance(row, (list, tuple)) or len(row) < 6:
                    yield (None,)  # rejected as missing_field
                    continue
                yield tuple(row[:6]) + (0.0,)
