"""The data feed base class for strategies: OHLCV lines, validation, preload or bar by bar.

A feed subclass only yields raw rows ``(time_ms, open, high, low, close, volume,
openinterest)`` from ``_rows()``; this base validates each row and stores accepted bars
in its lines (``close``, ``low``, ``high``, ``open``, ``volume``, ``openinterest``,
``datetime``; line 0 is ``close``, as in Backtrader, so ``data[0]`` is the close).

Validation mirrors what the core would refuse, so the core never refuses a bar of a
feed (data problems are counted, never raised): a row is skipped and recorded in
``rejected`` (``{"row": n, "code": ...}``) when a field is missing or NaN
(``missing_field``), a number is not finite or breaks the bar rules
``low <= min(open, close)``, ``high >= max(open, close)``, ``volume >= 0``
(``invalid_number``), a value is beyond the core's fixed-point range
(``numeric_overflow``), the time is not an integer millisecond in ``[0, 2**63)``
(``invalid_timestamp``), or the time is not after the previous bar's (``duplicate``
for an equal time, ``late_event`` for an earlier one). ``fromdate``/``todate`` filter
rows without recording them.

Two loading modes: ``preload()`` reads every row before the run (backtests: indicators
are then computed once over whole arrays); ``peek()``/``advance()`` read one bar at a
time (``runonce=False`` and live feeds: indicators update bar by bar).
"""

from __future__ import annotations

import math
import operator
from array import array
from datetime import date, datetime
from itertools import islice
from typing import Any, Iterator

from cracktrader.strategy.lines import Clock, DateTimeLine, Line, Lines, LineSeries, datetime_to_ms
from cracktrader.strategy.params import MetaParams
from cracktrader.strategy.timeframe import TimeFrame, timeframe_ms

LINE_NAMES = ("close", "low", "high", "open", "volume", "openinterest", "datetime")
MAX_TIME = 2**63 - 1
# The core's fixed-point range is i128 raws at 10**9 per unit.
MAX_ABS_VALUE = (2**127 - 1) / 10**9

Row = tuple  # (time_ms, open, high, low, close, volume, openinterest)


def to_ms(value: Any) -> int:
    """A bar time as integer milliseconds: datetime/date (naive = UTC) or an int of ms."""
    if isinstance(value, datetime):
        return datetime_to_ms(value)
    if isinstance(value, date):
        return datetime_to_ms(datetime(value.year, value.month, value.day))
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"not a bar time: {value!r}")


def _number(value: Any) -> float | str:
    """A row's value as a float, or the code that rejects it."""
    if value is None:
        return "missing_field"
    if isinstance(value, bool):
        return "invalid_number"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "invalid_number"
    if math.isnan(number):
        return "missing_field"
    if math.isinf(number):
        return "invalid_number"
    if abs(number) > MAX_ABS_VALUE:
        return "numeric_overflow"
    return number


def check_row(row: Row, last_time: int | None) -> tuple[Row | None, str | None]:
    """Validate one raw row: ``(clean_row, None)`` or ``(None, code)``."""
    if len(row) == 7:
        # Fast path: an int time and float values that pass every rule (NaN and
        # infinities fail the range comparisons and take the slow path for their code).
        time, open_, high, low, close, volume, interest = row
        if (
            type(time) is int
            and type(open_) is float and type(high) is float and type(low) is float
            and type(close) is float and type(volume) is float and type(interest) is float
            and (last_time is None or time > last_time)
            and 0 <= time <= MAX_TIME
            and -MAX_ABS_VALUE <= low <= open_ <= high <= MAX_ABS_VALUE
            and low <= close <= high
            and 0.0 <= volume <= MAX_ABS_VALUE
            and -MAX_ABS_VALUE <= interest <= MAX_ABS_VALUE
        ):
            return row, None
    if len(row) < 6:
        return None, "missing_field"
    time = row[0]
    if time is None:
        return None, "missing_field"
    if type(time) is not int:
        try:
            time = to_ms(time)
        except (ValueError, TypeError, OverflowError):
            return None, "invalid_timestamp"
    if not 0 <= time <= MAX_TIME:
        return None, "invalid_timestamp"
    values = []
    for raw in row[1:6]:
        number = _number(raw)
        if type(number) is str:
            return None, number
        values.append(number)
    open_, high, low, close, volume = values
    if high < low or not low <= open_ <= high or not low <= close <= high or volume < 0:
        return None, "invalid_number"
    interest = 0.0
    if len(row) > 6 and row[6] is not None:
        interest = _number(row[6])
        if type(interest) is str:
            return None, interest
    if last_time is not None:
        if time == last_time:
            return None, "duplicate"
        if time < last_time:
            return None, "late_event"
    return (time, open_, high, low, close, volume, interest), None


class DataFeed(LineSeries, metaclass=MetaParams):
    """Base class of strategy data feeds (see the module docstring).

    Parameters (all feeds): ``dataname`` (what to read), ``name`` (display name, also
    the core's instrument id unless ``instrument`` is given), ``timeframe`` and
    ``compression`` (Backtrader's, used by analyzers), ``timeframe_ms`` (the bar length
    sent to the core; derived from the time frame when None), ``fromdate``/``todate``
    (datetime filters, inclusive).
    """

    params = (
        ("dataname", None),
        ("name", None),
        ("instrument", None),
        ("timeframe", TimeFrame.Days),
        ("compression", 1),
        ("timeframe_ms", None),
        ("fromdate", None),
        ("todate", None),
    )

    def __init__(self, **kwargs: Any) -> None:
        self.params = self.p = type(self).params(**kwargs)
        self.clock = Clock(self)
        lines = [Line(self.clock, name) for name in LINE_NAMES[:-1]]
        lines.append(DateTimeLine(self.clock, "datetime"))
        self.lines = Lines(self, LINE_NAMES, lines)
        self._l0 = lines[0]
        (self.close, self.low, self.high, self.open, self.volume, self.openinterest, self.datetime) = lines
        self._name = self.p.name or ""
        self._timeframe = self.p.timeframe
        self._compression = self.p.compression
        self.rejected: list[dict[str, Any]] = []
        self._rows_seen = 0
        self._last_time: int | None = None
        self._iter: Iterator[Row] | None = None
        self._pending: Row | None = None
        self._exhausted = False
        self.preloaded = False
        self._from = None if self.p.fromdate is None else to_ms(self.p.fromdate)
        self._to = None if self.p.todate is None else to_ms(self.p.todate)

    # --------------------------------------------------------------- identity
    @property
    def name(self) -> str:
        """The feed's name (set by ``Cerebro.adddata(data, name=...)`` or ``name=``)."""
        return self._name

    def instrument_id(self, index: int) -> str:
        """The instrument id the core knows this feed by."""
        return self.p.instrument or self._name or f"data{index}"

    def bar_ms(self) -> int:
        """``timeframe_ms`` of this feed's bar events."""
        if self.p.timeframe_ms is not None:
            return int(self.p.timeframe_ms)
        return timeframe_ms(self._timeframe, self._compression)

    def islive(self) -> bool:
        """True for a feed of live data (Backtrader's name): such a run loads bar by bar."""
        return False

    # ---------------------------------------------------------- subclass hook
    def _rows(self) -> Iterator[Row]:
        """Raw rows ``(time, open, high, low, close, volume[, openinterest])``."""
        raise NotImplementedError

    def start(self) -> None:
        """Called before the first row is read."""

    def stop(self) -> None:
        """Called after the run."""

    # ------------------------------------------------------------- validation
    def _next_valid(self) -> Row | None:
        """The next accepted row, recording rejected ones; None when exhausted."""
        if self._iter is None:
            self.start()
            self._iter = iter(self._rows())
        for row in self._iter:
            self._rows_seen += 1
            clean, code = check_row(tuple(row), self._last_time)
            if clean is None:
                self.rejected.append({"row": self._rows_seen, "code": code})
                continue
            time = clean[0]
            if self._from is not None and time < self._from:
                continue
            if self._to is not None and time > self._to:
                continue
            self._last_time = time
            return clean
        return None

    def _store(self, row: Row) -> None:
        time, open_, high, low, close, volume, interest = row
        self.datetime.array.append(time)
        self.open.array.append(open_)
        self.high.array.append(high)
        self.low.array.append(low)
        self.close.array.append(close)
        self.volume.array.append(volume)
        self.openinterest.array.append(interest)

    # ----------------------------------------------------------------- modes
    def preload(self) -> None:
        """Read and store every bar; the clock stays before the first bar."""
        if self.preloaded:
            return
        # Straight into the typed arrays: 8 bytes a value, no temporary lists.
        appends = [line.array.append for line in
                   (self.datetime, self.open, self.high, self.low, self.close, self.volume, self.openinterest)]
        while True:
            row = self._next_valid()
            if row is None:
                break
            for append, value in zip(appends, row):
                append(value)
        self.preloaded = True
        self._exhausted = True

    def load_columns(self, columns: tuple) -> bool:
        """Store whole columns ``(times, opens, highs, lows, closes, volumes, interests)``
        when every row passes the checks, testing them column-wise at C speed; False
        (nothing stored) when any row would be rejected: the caller then loads row by
        row, which records each rejection. Only for an empty feed without date filters.
        """
        if self.buflen() or self._from is not None or self._to is not None:
            return False
        times, opens, highs, lows, closes, volumes, interests = columns
        count = len(times)
        if any(len(column) != count for column in columns) or count == 0:
            return False
        numbers = (opens, highs, lows, closes, volumes, interests)
        try:
            if not set(map(type, times)) <= {int}:
                return False
            for column in numbers:
                if not set(map(type, column)) <= {float, int}:
                    return False
                if not all(map(math.isfinite, column)) or max(map(abs, column)) > MAX_ABS_VALUE:
                    return False
            if times[0] < 0 or times[-1] > MAX_TIME or not all(map(operator.lt, times, islice(times, 1, None))):
                return False
            if self._last_time is not None and times[0] <= self._last_time:
                return False
            le = operator.le
            if not (all(map(le, lows, opens)) and all(map(le, opens, highs)) and all(map(le, lows, closes))
                    and all(map(le, closes, highs)) and min(volumes) >= 0):
                return False
        except (TypeError, ValueError, OverflowError):
            return False
        self.datetime.array.extend(array("q", times))
        for line, column in zip((self.open, self.high, self.low, self.close, self.volume, self.openinterest),
                                numbers):
            line.array.extend(array("d", column))
        self._rows_seen += count
        self._last_time = times[-1]
        return True

    def peek(self) -> int | None:
        """Time of the next bar (reading it if needed), None when there is none."""
        if self._pending is None and not self._exhausted:
            self._pending = self._next_valid()
            if self._pending is None:
                self._exhausted = True
        return None if self._pending is None else self._pending[0]

    def advance(self) -> bool:
        """Append the peeked bar, move the clock onto it and update indicators."""
        if self.peek() is None:
            return False
        row, self._pending = self._pending, None
        self._store(row)
        self.clock.idx += 1
        for indicator in self.clock.indicators:
            indicator._advance()
        return True

    def rewind(self) -> None:
        """Put the clock before the first bar (a preloaded feed can run again) and forget
        the indicators of a previous run."""
        self.clock.idx = -1
        self.clock.indicators = []

    # ------------------------------------------------------------- Backtrader
    def buflen(self) -> int:
        """Number of bars held."""
        return len(self.datetime.array)

    def __len__(self) -> int:
        return self.clock.idx + 1

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name!r} bars={self.buflen()}>"
