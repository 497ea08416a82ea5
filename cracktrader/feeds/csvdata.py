"""CSV feeds with Backtrader's GenericCSVData column mapping.

``GenericCSVData(dataname="bars.csv", dtformat="%Y-%m-%d", datetime=0, open=1, high=2,
low=3, close=4, volume=5, openinterest=-1)``: each line parameter is a column index, -1
when the column is absent (volume and open interest then read as 0, Backtrader reads
``nullvalue``). ``time`` (>= 0) names a separate time column joined to the date with
``tmformat``. ``dtformat`` is a ``strptime`` format, a callable (str -> datetime), ``1``
(Unix seconds) or ``2`` (Unix seconds as a float). Times are UTC. An empty field takes
``nullvalue`` (NaN by default), which makes the row a rejected ``missing_field`` row
(see ``cracktrader.feeds.datafeed``); a row that cannot be parsed is rejected too
(``invalid_timestamp`` or ``invalid_number``), never raised.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from typing import Any, Iterator

from cracktrader.feeds.datafeed import DataFeed, Row, to_ms

_FIELDS = ("open", "high", "low", "close", "volume", "openinterest")
_DEFAULT_ZERO = ("volume", "openinterest")


class GenericCSVData(DataFeed):
    """A CSV file (path or file-like ``dataname``) mapped by column indices."""

    params = (
        ("headers", True),
        ("separator", ","),
        ("nullvalue", float("nan")),
        ("dtformat", "%Y-%m-%d %H:%M:%S"),
        ("tmformat", "%H:%M:%S"),
        ("datetime", 0),
        ("time", -1),
        ("open", 1),
        ("high", 2),
        ("low", 3),
        ("close", 4),
        ("volume", 5),
        ("openinterest", 6),
    )

    def _convert_time(self, fields: list[str]) -> Any:
        text = fields[self.p.datetime]
        fmt = self.p.dtformat
        if isinstance(fmt, str):
            if self.p.time is not None and self.p.time >= 0:
                text += "T" + fields[self.p.time]
                fmt += "T" + self.p.tmformat
            return to_ms(datetime.strptime(text, fmt))
        if fmt == 1:
            return int(text) * 1000
        if fmt == 2:
            return to_ms(datetime.fromtimestamp(float(text), tz=timezone.utc))
        return to_ms(fmt(text))

    def _value(self, fields: list[str], name: str) -> Any:
        index = getattr(self.p, name)
        if index is None or index < 0:
            return 0.0 if name in _DEFAULT_ZERO else self.p.nullvalue
        field = fields[index].strip() if index < len(fields) else ""
        return self.p.nullvalue if field == "" else field

    def _rows(self) -> Iterator[Row]:
        source = self.p.dataname
        handle = source if hasattr(source, "read") else open(source, newline="", encoding="utf-8")
        try:
            reader = csv.reader(handle, delimiter=self.p.separator)
            if self.p.headers:
                next(reader, None)
            for fields in reader:
                if not fields or all(not field.strip() for field in fields):
                    continue
                try:
                    time = self._convert_time(fields)
                except (ValueError, IndexError, TypeError, OverflowError, OSError):
                    time = "unparsable"
                try:
                    values = [self._value(fields, name) for name in _FIELDS]
                except IndexError:
                    values = [None] * len(_FIELDS)
                yield (time, *values)
        finally:
            if handle is not source:
                handle.close()
