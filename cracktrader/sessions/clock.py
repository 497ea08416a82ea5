"""The one time source of a session: ``now_ms()`` and ``sleep(seconds)``.

Live feeds and brokers read time only through their store's clock, so a test (or a
replay) passes a clock whose ``sleep`` advances simulated time, and the whole live path
runs deterministically without the network or the wall clock.
"""

from __future__ import annotations

import time


class WallClock:
    """Wall time in epoch milliseconds; ``sleep`` really sleeps."""

    def now_ms(self) -> int:
        """Milliseconds since the epoch."""
        return time.time_ns() // 1_000_000

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        if seconds > 0:
            time.sleep(seconds)

    def __repr__(self) -> str:
        return "WallClock()"


class ManualClock:
    """Simulated time: ``sleep`` advances it instead of blocking (tests, replays)."""

    def __init__(self, start_ms: int = 0) -> None:
        self.now = int(start_ms)

    def now_ms(self) -> int:
        """The simulated time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the simulated time by ``seconds``."""
        self.advance(int(round(seconds * 1000)))

    def advance(self, ms: int) -> None:
        """Advance the simulated time by ``ms`` (never backwards)."""
        if ms < 0:
            raise ValueError("a clock does not go backwards")
        self.now += ms

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now})"
