"""The indicator framework: inputs, minimum period, once (vectorised) and next (incremental).

An indicator is built inside a strategy's (or another indicator's) ``__init__``:
``SMA(self.data.close, period=20)``; with no input it uses its owner's first data feed.
Its inputs must all come from one data feed (one ``Clock``).

Two ways to compute the same numbers:

- ``once(start, end)``: fills the output arrays for bar indices ``start..end-1`` from
  whole input arrays. Used when the bars are known before the run (a backtest): the
  indicator is computed completely when it is built, and the run only moves the clock.
- ``next()``: computes the current bar (``self.lines.x[0] = ...``) from values relative
  to now. Used when bars arrive one by one (``runonce=False``, live feeds): after a feed
  appends a bar, the indicators of its clock are advanced in creation order.

Built-in indicators implement both with the same floating-point operations in the same
order, so both give bit-identical values (``tests/strategy/test_indicators.py`` checks
it); a user indicator may implement only ``next`` (then backtests loop over it) or only
declare its lines from other lines (``self.lines.x = a - b``).

The minimum period follows Backtrader: the largest minimum period of the inputs, plus
``period - 1`` for a window of ``period`` bars (``addminperiod``); sub-indicators and
bound lines raise it further. Values before the minimum period are NaN, and a strategy
only gets ``next()`` once every indicator it declared has a value.
"""

from __future__ import annotations

from typing import Any

from cracktrader.strategy.lines import (
    STAGE,
    Clock,
    Line,
    Lines,
    LineSeries,
    as_line,
    current_owner,
    nan_array,
)
from cracktrader.strategy.params import MetaParams


class MetaIndicator(MetaParams):
    """Collects ``lines`` over the hierarchy and builds instances in three steps."""

    def __new__(meta, name, bases, dct):
        own = dct.pop("lines", ())
        if isinstance(own, str):
            own = (own,)
        cls = super().__new__(meta, name, bases, dct)
        names: list[str] = []
        for base in reversed(cls.__mro__[1:]):
            for line_name in base.__dict__.get("_line_names", ()):
                if line_name not in names:
                    names.append(line_name)
        for line_name in own:
            if line_name not in names:
                names.append(line_name)
        cls._line_names = tuple(names)
        return cls

    def __call__(cls, *args: Any, **kwargs: Any):
        pkw, rest = cls._split_params(kwargs)
        obj = cls.__new__(cls)
        obj.params = obj.p = cls.params(**pkw)
        datas, extra = _split_inputs(args)
        owner = current_owner()
        if not datas:
            if owner is None or not getattr(owner, "datas", None):
                raise TypeError(f"{cls.__name__} needs an input line or data feed")
            datas = [owner.datas[0]]
        obj._setup(datas, owner)
        STAGE.owners.append(obj)
        STAGE.building += 1
        try:
            obj.__init__(*extra, **rest)
        finally:
            STAGE.building -= 1
            STAGE.owners.pop()
        obj._finish()
        return obj


def _is_input(obj: Any) -> bool:
    return isinstance(obj, (Line, LineSeries))


def _split_inputs(args: tuple[Any, ...]) -> tuple[list[Any], list[Any]]:
    """Leading line-like arguments are inputs; the rest go to ``__init__``."""
    datas: list[Any] = []
    index = 0
    while index < len(args) and _is_input(args[index]):
        datas.append(args[index])
        index += 1
    return datas, list(args[index:])


class Indicator(LineSeries, metaclass=MetaIndicator):
    """Base class of indicators (see the module docstring)."""

    params = ()
    lines = ()

    # ----------------------------------------------------------------- setup
    def _setup(self, datas: list[Any], owner: Any) -> None:
        inlines = [as_line(data) for data in datas]
        clock = inlines[0].clock
        for line in inlines[1:]:
            if line.clock is not clock:
                raise ValueError(
                    f"{type(self).__name__}: all inputs must come from the same data feed "
                    "(cracktrader does not align indicator inputs across feeds)"
                )
        self.clock: Clock = clock
        self.datas = datas
        self.data = datas[0]
        for index, data in enumerate(datas):
            setattr(self, f"data{index}", data)
        self._inlines = inlines
        self._owner = owner
        self._children: list[Indicator] = []
        self._minperiod = max(line.minperiod for line in inlines)
        length = len(inlines[0].array)
        own = [Line(clock, name, 1, nan_array(length)) for name in self._line_names]
        self._own: list[Line | None] = list(own)
        self.lines = Lines(self, self._line_names, own)
        self._l0 = own[0] if own else inlines[0]
        # ``ind.sma`` as a shortcut of ``ind.lines.sma`` unless the class uses the name.
        self._shortcuts = {name for name in self._line_names if not hasattr(type(self), name)}
        for name, line in zip(self._line_names, own):
            if name in self._shortcuts:
                setattr(self, name, line)

    def _line_bound(self, index: int, line: Line) -> None:
        """A declared line was bound to another line: it is no longer computed here."""
        self._own[index] = None
        name = self._line_names[index]
        if name in self._shortcuts:
            setattr(self, name, line)

    def _finish(self) -> None:
        minperiod = self._minperiod
        for child in self._children:
            minperiod = max(minperiod, child._minperiod)
        for index, line in enumerate(self.lines):
            if self._own[index] is None:
                minperiod = max(minperiod, line.minperiod)
        self._minperiod = minperiod
        for line in self._own:
            if line is not None:
                line.minperiod = minperiod
        self._own_lines = [line for line in self._own if line is not None]
        self._computes = (type(self).once is not Indicator.once) or (type(self).next is not Indicator.next)
        if self._computes:
            self._precompute(len(self._inlines[0].array))
            self.clock.indicators.append(self)
        owner = self._owner
        if owner is not None:
            owner._children.append(self)

    # ----------------------------------------------------- minimum period API
    def addminperiod(self, minperiod: int) -> None:
        """Add a window of ``minperiod`` bars on top of the inputs' (adds ``minperiod - 1``)."""
        self._minperiod += minperiod - 1

    def incminperiod(self, minperiod: int) -> None:
        """Add ``minperiod`` bars."""
        self._minperiod += minperiod

    def updateminperiod(self, minperiod: int) -> None:
        """Raise the minimum period to at least ``minperiod``."""
        self._minperiod = max(self._minperiod, minperiod)

    def setminperiod(self, minperiod: int) -> None:
        """Set the minimum period."""
        self._minperiod = minperiod

    @property
    def minperiod(self) -> int:
        """Bars needed before the first value."""
        return self._minperiod

    # ---------------------------------------------------------- computation
    def once(self, start: int, end: int) -> None:
        """Fill the outputs for indices ``start..end-1`` (``start`` = first valid index)."""

    def prenext(self) -> None:
        """Called for bars before the minimum period (incremental mode)."""

    def nextstart(self) -> None:
        """Called for the first bar with a value; defaults to ``next``."""
        self.next()

    def next(self) -> None:
        """Compute the current bar's values (incremental mode)."""

    def _precompute(self, length: int) -> None:
        """Compute every bar already loaded (the whole series in a backtest)."""
        if length == 0:
            return
        building = STAGE.building
        STAGE.building = 0  # run-time semantics for operators inside next()/once()
        try:
            if type(self).once is not Indicator.once:
                first = self._minperiod - 1
                if length > first:
                    self.once(first, length)
            else:
                clock = self.clock
                saved = clock.idx
                try:
                    for index in range(length):
                        clock.idx = index
                        self._dispatch(index)
                finally:
                    clock.idx = saved
        finally:
            STAGE.building = building

    def _dispatch(self, index: int) -> None:
        status = self._minperiod - 1 - index
        if status < 0:
            self.next()
        elif status == 0:
            self.nextstart()
        else:
            self.prenext()

    def _advance(self) -> None:
        """One bar was appended to the clock: extend the outputs and compute it."""
        nan = float("nan")
        for line in self._own_lines:
            line.array.append(nan)
        self._dispatch(self.clock.idx)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.p!r}>"
