"""Lines: Backtrader-style series indexed relative to "now" (``line[0]``, ``line[-1]``).

A ``Line`` holds its values in one flat ``array('d')`` (``array('q')`` for datetimes)
aligned with a ``Clock``: the clock of the data feed it derives from, whose ``idx`` is
the index of the current bar. ``line[0]`` is ``array[clock.idx]``; ``line[-1]`` the bar
before. Backtests preload whole series, so indicators are computed once over the whole
array before the run and the per-bar path only moves ``clock.idx``; live runs append one
value per bar (see ``cracktrader.indicators.base``).

Operators follow Backtrader's two stages: while a strategy or indicator is being built
(inside its ``__init__``), ``a - b`` or ``a > b`` on lines makes a new derived line (an
indicator); at run time (``next``) they compare or combine the current values.

Looking ahead (``line[1]``) raises ``IndexError``, as does looking before the first
bar: a preloaded array would otherwise hand out future or wrapped-around values.
"""

from __future__ import annotations

import math
import operator
from array import array
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

NAN = float("nan")
EPOCH = datetime(1970, 1, 1)


class _Stage:
    """Whether objects are being declared (``building > 0``) or run."""

    __slots__ = ("building", "owners")

    def __init__(self) -> None:
        self.building = 0
        # The strategy / indicator whose ``__init__`` is running (innermost last).
        self.owners: list[Any] = []


STAGE = _Stage()


def current_owner() -> Any:
    """The object whose ``__init__`` is running, or None at run time."""
    return STAGE.owners[-1] if STAGE.owners and STAGE.building else None


class Clock:
    """The bar cursor of one data feed, shared by its lines and their indicators.

    ``idx`` is the index of the current bar (-1 before the first); ``indicators`` are
    updated in creation order when a bar is appended in incremental (live) mode.
    """

    __slots__ = ("idx", "indicators", "feed")

    def __init__(self, feed: Any = None) -> None:
        self.idx = -1
        self.indicators: list[Any] = []
        self.feed = feed

    def __len__(self) -> int:
        return self.idx + 1


def as_line(obj: Any) -> Line:
    """The line an object stands for: a line itself, or line 0 of a series."""
    if isinstance(obj, Line):
        return obj
    lines = getattr(obj, "lines", None)
    if isinstance(lines, Lines) and len(lines):
        return lines[0]
    raise TypeError(f"{obj!r} is not a line or a series with lines")


def _operand(other: Any) -> Any:
    """A line, or a plain number for constants."""
    if isinstance(other, (int, float)):
        return float(other)
    return as_line(other)


class Line:
    """One series of floats aligned with a clock (see the module docstring)."""

    __slots__ = ("array", "clock", "minperiod", "name", "__weakref__")

    def __init__(self, clock: Clock, name: str = "", minperiod: int = 1, values: array | None = None) -> None:
        self.clock = clock
        self.name = name
        self.minperiod = minperiod
        self.array = values if values is not None else array("d")

    # ------------------------------------------------------------ value access
    def __getitem__(self, ago: int) -> float:
        if ago > 0:
            raise IndexError(f"line {self.name!r}: [{ago}] looks into the future")
        index = self.clock.idx + ago
        if index < 0:
            raise IndexError(f"line {self.name!r}: [{ago}] is before the first bar")
        return self.array[index]

    def __setitem__(self, ago: int, value: float) -> None:
        self.array[self.clock.idx + ago] = value

    def __len__(self) -> int:
        return self.clock.idx + 1

    def get(self, ago: int = 0, size: int = 1) -> list[float]:
        """The ``size`` values ending at ``ago`` (oldest first), or [] if not available."""
        end = self.clock.idx + ago + 1
        start = end - size
        if start < 0 or ago > 0:
            return []
        return list(self.array[start:end])

    def buflen(self) -> int:
        """Number of values held (the whole series in a backtest)."""
        return len(self.array)

    def __call__(self, ago: int = 0) -> Any:
        """A delayed copy of this line (``line(-1)`` is the line one bar back)."""
        from cracktrader.indicators.ops import Delay

        return Delay(self, ago=ago)

    def __repr__(self) -> str:
        return f"<Line {self.name!r} len={len(self)}>"

    def __bool__(self) -> bool:
        return bool(self[0])

    def __float__(self) -> float:
        return float(self[0])

    __hash__ = object.__hash__


class DateTimeLine(Line):
    """The datetime line: integer milliseconds since the epoch (UTC).

    ``datetime(ago)``, ``date(ago)`` and ``time(ago)`` convert like Backtrader's.
    """

    __slots__ = ()

    def __init__(self, clock: Clock, name: str = "datetime", minperiod: int = 1, values: array | None = None) -> None:
        super().__init__(clock, name, minperiod, values if values is not None else array("q"))

    def datetime(self, ago: int = 0) -> datetime:
        """The bar's time as a naive UTC ``datetime``."""
        return EPOCH + timedelta(milliseconds=self[ago])

    def date(self, ago: int = 0):
        """The bar's date (UTC)."""
        return self.datetime(ago).date()

    def time(self, ago: int = 0):
        """The bar's time of day (UTC)."""
        return self.datetime(ago).time()


def ms_to_datetime(ms: int) -> datetime:
    """Milliseconds since the epoch -> naive UTC datetime."""
    return EPOCH + timedelta(milliseconds=ms)


def datetime_to_ms(value: datetime) -> int:
    """A datetime (naive = UTC) -> milliseconds since the epoch, exactly."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


class Lines:
    """The named lines of a series: ``lines.close``, ``lines[0]``, ``len(lines)``.

    Assigning a line to a name (``self.lines.sma = other``) binds that output to another
    line, as Backtrader's declarative style does.
    """

    __slots__ = ("_names", "_lines", "_owner")

    def __init__(self, owner: Any, names: tuple[str, ...], lines: list[Line]) -> None:
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_lines", lines)

    def __getitem__(self, index: int) -> Line:
        return self._lines[index]

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self):
        return iter(self._lines)

    def getlinealiases(self) -> tuple[str, ...]:
        """The line names in order."""
        return self._names

    def __getattr__(self, name: str) -> Line:
        names = object.__getattribute__(self, "_names")
        if name in names:
            return object.__getattribute__(self, "_lines")[names.index(name)]
        raise AttributeError(f"no line named {name!r} (lines: {', '.join(names)})")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._names:
            raise AttributeError(f"no line named {name!r} (lines: {', '.join(self._names)})")
        self._bind(self._names.index(name), value)

    def __setitem__(self, index: int, value: Any) -> None:
        self._bind(index, value)

    def _bind(self, index: int, value: Any) -> None:
        line = as_line(value)
        self._lines[index] = line
        if index == 0:
            self._owner._l0 = line
        bind = getattr(self._owner, "_line_bound", None)
        if bind is not None:
            bind(index, line)


class LineSeries:
    """A series with named lines; behaves as its first line for indexing and operators.

    ``_l0`` is the first line, kept in an attribute because the per-bar path reads it.
    """

    lines: Lines
    _l0: Line

    def __getitem__(self, ago: int) -> float:
        line = self._l0
        if ago > 0:
            raise IndexError(f"line {line.name!r}: [{ago}] looks into the future")
        index = line.clock.idx + ago
        if index < 0:
            raise IndexError(f"line {line.name!r}: [{ago}] is before the first bar")
        return line.array[index]

    def __setitem__(self, ago: int, value: float) -> None:
        self._l0[ago] = value

    def __len__(self) -> int:
        return self._l0.clock.idx + 1

    @property
    def line(self) -> Line:
        """The first line."""
        return self.lines[0]

    @property
    def l(self) -> Lines:  # noqa: E743 - Backtrader's short alias
        """Alias of ``lines``."""
        return self.lines

    @property
    def array(self) -> array:
        """The values of the first line."""
        return self.lines[0].array

    def get(self, ago: int = 0, size: int = 1) -> list[float]:
        """``get`` of the first line."""
        return self.lines[0].get(ago, size)

    def __call__(self, ago: int = 0) -> Any:
        return self.lines[0](ago)

    def __bool__(self) -> bool:
        return bool(self[0])

    def __float__(self) -> float:
        return float(self[0])

    __hash__ = object.__hash__


_LINE_LIKE = (Line, LineSeries)


def _now(obj: Any) -> Any:
    """The current value of a line or series; anything else as it is."""
    if isinstance(obj, Line):
        return obj.array[obj.clock.idx]
    if isinstance(obj, LineSeries):
        line = obj._l0
        return line.array[line.clock.idx]
    return obj


def _declare_binary(self: Any, other: Any, fn: Callable, reverse: bool) -> Any:
    from cracktrader.indicators.ops import binary

    mine, theirs = as_line(self), _operand(other)
    return binary(theirs, mine, fn) if reverse else binary(mine, theirs, fn)


def _binary_methods(fn: Callable, reverse: bool) -> tuple[Callable, Callable]:
    """The operator for a ``Line`` and for a ``LineSeries`` (two stages, see the module
    docstring); written out so the run-time path is one call."""

    def line_method(self: Line, other: Any) -> Any:
        if STAGE.building:
            return _declare_binary(self, other, fn, reverse)
        mine = self.array[self.clock.idx]
        if isinstance(other, _LINE_LIKE):
            other = _now(other)
        return fn(other, mine) if reverse else fn(mine, other)

    def series_method(self: LineSeries, other: Any) -> Any:
        if STAGE.building:
            return _declare_binary(self, other, fn, reverse)
        line = self._l0
        mine = line.array[line.clock.idx]
        if isinstance(other, _LINE_LIKE):
            other = _now(other)
        return fn(other, mine) if reverse else fn(mine, other)

    return line_method, series_method


def _unary_methods(fn: Callable) -> tuple[Callable, Callable]:
    def line_method(self: Line) -> Any:
        if STAGE.building:
            from cracktrader.indicators.ops import UnaryOp

            return UnaryOp(self, fn=fn)
        return fn(self.array[self.clock.idx])

    def series_method(self: LineSeries) -> Any:
        return line_method(self._l0)

    return line_method, series_method


_BINARY = {
    "__add__": (operator.add, False), "__radd__": (operator.add, True),
    "__sub__": (operator.sub, False), "__rsub__": (operator.sub, True),
    "__mul__": (operator.mul, False), "__rmul__": (operator.mul, True),
    "__truediv__": (operator.truediv, False), "__rtruediv__": (operator.truediv, True),
    "__pow__": (pow, False), "__rpow__": (pow, True),
    "__lt__": (operator.lt, False), "__le__": (operator.le, False),
    "__gt__": (operator.gt, False), "__ge__": (operator.ge, False),
    "__eq__": (operator.eq, False), "__ne__": (operator.ne, False),
}
for _name, (_fn, _reverse) in _BINARY.items():
    _for_line, _for_series = _binary_methods(_fn, _reverse)
    _for_line.__name__ = _for_series.__name__ = _name
    setattr(Line, _name, _for_line)
    setattr(LineSeries, _name, _for_series)
for _name, _fn in (("__neg__", operator.neg), ("__abs__", abs)):
    _for_line, _for_series = _unary_methods(_fn)
    _for_line.__name__ = _for_series.__name__ = _name
    setattr(Line, _name, _for_line)
    setattr(LineSeries, _name, _for_series)


def nan_array(length: int) -> array:
    """An ``array('d')`` of ``length`` NaNs."""
    return array("d", [NAN]) * length


def isnan(value: float) -> bool:
    """NaN check that accepts any float."""
    return math.isnan(value)
