"""Time frames (Backtrader's constants) and their length in milliseconds."""

from __future__ import annotations


class TimeFrame:
    """Backtrader's time frame constants (same numeric values)."""

    (Ticks, MicroSeconds, Seconds, Minutes, Days, Weeks, Months, Years, NoTimeFrame) = range(1, 10)
    Names = ["", "Ticks", "MicroSeconds", "Seconds", "Minutes", "Days", "Weeks", "Months", "Years", "NoTimeFrame"]

    @classmethod
    def getname(cls, timeframe: int, compression: int | None = None) -> str:
        """The name of a time frame (plural unless ``compression == 1``)."""
        name = cls.Names[timeframe]
        if compression == 1 and name.endswith("s"):
            return name[:-1]
        return name

    @classmethod
    def TFrame(cls, name: str) -> int:  # noqa: N802 - Backtrader's name
        """The constant for a name (``"Days"`` -> ``TimeFrame.Days``)."""
        return getattr(cls, name)


_MS = {
    TimeFrame.Ticks: 1,
    TimeFrame.MicroSeconds: 1,
    TimeFrame.Seconds: 1_000,
    TimeFrame.Minutes: 60_000,
    TimeFrame.Days: 86_400_000,
    TimeFrame.Weeks: 7 * 86_400_000,
    TimeFrame.Months: 30 * 86_400_000,
    TimeFrame.Years: 365 * 86_400_000,
    TimeFrame.NoTimeFrame: 86_400_000,
}

# CCXT's timeframe strings -> (TimeFrame, compression)
CCXT_TIMEFRAMES = {
    "1s": (TimeFrame.Seconds, 1),
    "1m": (TimeFrame.Minutes, 1),
    "3m": (TimeFrame.Minutes, 3),
    "5m": (TimeFrame.Minutes, 5),
    "15m": (TimeFrame.Minutes, 15),
    "30m": (TimeFrame.Minutes, 30),
    "1h": (TimeFrame.Minutes, 60),
    "2h": (TimeFrame.Minutes, 120),
    "4h": (TimeFrame.Minutes, 240),
    "6h": (TimeFrame.Minutes, 360),
    "8h": (TimeFrame.Minutes, 480),
    "12h": (TimeFrame.Minutes, 720),
    "1d": (TimeFrame.Days, 1),
    "3d": (TimeFrame.Days, 3),
    "1w": (TimeFrame.Weeks, 1),
    "1M": (TimeFrame.Months, 1),
}


def timeframe_ms(timeframe: int, compression: int = 1) -> int:
    """Nominal bar length in milliseconds (the ``timeframe_ms`` of bar events).

    Months and years use 30 and 365 days: the value only labels the bar for the core.
    """
    return max(1, _MS[timeframe] * max(1, int(compression)))
