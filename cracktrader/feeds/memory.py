"""In-memory feeds: rows or columns of Python values, and pandas DataFrames.

``InMemoryData(dataname=rows)`` takes an iterable of rows ``(time, open, high, low,
close, volume[, openinterest])`` where ``time`` is a ``datetime``/``date`` (naive =
UTC) or integer milliseconds; ``InMemoryData(dataname={"datetime": [...], "open":
[...], ...})`` takes columns of equal length (``volume``/``openinterest`` optional).

``PandasData(dataname=frame)`` follows Backtrader's mapping: ``datetime=None`` uses the
index, otherwise a column; each of ``open``, ``high``, ``low``, ``close``, ``volume``,
``openinterest`` is ``-1`` (find the column by name, case-insensitive), ``None`` (absent:
volume/open interest read 0), a column name, or a column position. pandas is only
needed to build the frame; this module never imports it.
"""

from __future__ import annotations

from typing import Any, Iterator

from cracktrader.feeds.datafeed import DataFeed, Row

_FIELDS = ("open", "high", "low", "close", "volume", "openinterest")


class InMemoryData(DataFeed):
    """Rows or columns held in memory (see the module docstring).

    Preloading tries the column-wise path first (``DataFeed.load_columns``): clean data
    given as columns, or as a list of rows, is checked and stored without a Python step
    per row.
    """

    def _columns(self) -> tuple | None:
        data = self.p.dataname
        if isinstance(data, dict):
            times = data.get("datetime")
            if times is None:
                return None
            count = len(times)
            columns = [data.get(name) for name in _FIELDS]
            if any(column is None for column in columns[:4]):
                return None
            return (times, *[column if column is not None else [0.0] * count for column in columns])
        if isinstance(data, (list, tuple)) and data:
            width = len(data[0])
            if width not in (6, 7) or any(len(row) != width for row in data):
                return None
            columns = list(zip(*data))
            if width == 6:
                columns.append([0.0] * len(data))
            return tuple(columns)
        return None

    def preload(self) -> None:
        if self.preloaded:
            return
        columns = self._columns()
        if columns is not None and self.load_columns(columns):
            self.preloaded = True
            self._exhausted = True
            return
        super().preload()

    def _rows(self) -> Iterator[Row]:
        data = self.p.dataname
        if data is None:
            return iter(())
        if isinstance(data, dict):
            times = data["datetime"]
            columns = [data.get(name) for name in _FIELDS]
            count = len(times)
            for column, name in zip(columns, _FIELDS):
                if column is not None and len(column) != count:
                    raise ValueError(f"column {name!r} has {len(column)} values, datetime has {count}")
            filled = [column if column is not None else [0.0 if name in ("volume", "openinterest") else None] * count
                      for column, name in zip(columns, _FIELDS)]
            return zip(times, *filled)
        return iter(data)


def _timestamp(value: Any) -> Any:
    """pandas Timestamps and numpy datetimes -> something ``to_ms`` reads."""
    to_pydatetime = getattr(value, "to_pydatetime", None)
    if to_pydatetime is not None:
        moment = to_pydatetime()
        if getattr(value, "tzinfo", None) is None and hasattr(value, "value"):
            # exact ms from the integer nanoseconds (a datetime keeps only microseconds)
            return int(value.value) // 1_000_000
        return moment
    return value


class PandasData(DataFeed):
    """A pandas DataFrame (see the module docstring for the column mapping)."""

    params = (
        ("datetime", None),
        ("open", -1),
        ("high", -1),
        ("low", -1),
        ("close", -1),
        ("volume", -1),
        ("openinterest", None),
    )

    def _column(self, frame: Any, spec: Any, name: str) -> list | None:
        columns = list(frame.columns)
        if spec is None:
            return None
        if isinstance(spec, int) and not isinstance(spec, bool):
            if spec == -1:
                lowered = {str(column).lower(): column for column in columns}
                if name not in lowered:
                    if name in ("volume", "openinterest"):
                        return None
                    raise KeyError(f"PandasData: no column named {name!r} in {columns}")
                return list(frame[lowered[name]])
            return list(frame[columns[spec]])
        return list(frame[spec])

    def _rows(self) -> Iterator[Row]:
        frame = self.p.dataname
        if self.p.datetime is None:
            times = [_timestamp(value) for value in frame.index]
        else:
            times = [_timestamp(value) for value in self._column(frame, self.p.datetime, "datetime") or []]
        count = len(times)
        values = []
        for name in _FIELDS:
            column = self._column(frame, getattr(self.p, name), name)
            values.append(column if column is not None else [0.0] * count)
        return zip(times, *values)
