"""Timing helpers shared by every benchmark: warm-up, N timed runs, median and min."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable

MIN_ITERATIONS = 5


@dataclass(frozen=True)
class Timing:
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    def rate(self, items: int) -> dict[str, float]:
        """Items per second at the median and at the best run."""
        return {
            "events_per_s": items / self.median,
            "best_events_per_s": items / self.min,
            "seconds": self.median,
            "min_seconds": self.min,
            "iterations": len(self.samples),
        }


def measure(run: Callable[[Any], Any], setup: Callable[[], Any], *, warmup: int, iterations: int) -> Timing:
    """Time ``run(setup())`` ``iterations`` times after ``warmup`` untimed runs.

    ``setup`` builds fresh state (a new core, say) outside the timed region.
    """
    if iterations < MIN_ITERATIONS:
        raise ValueError(f"at least {MIN_ITERATIONS} timed iterations are required")
    for _ in range(warmup):
        run(setup())
    samples = []
    for _ in range(iterations):
        state = setup()
        start = time.perf_counter()
        run(state)
        samples.append(time.perf_counter() - start)
    return Timing(tuple(samples))


def build_profile() -> str:
    """Which build of the Rust extension is importable: release, debug or absent."""
    from cracktrader.backend import native, rust_available

    if not rust_available():
        return "absent"
    profile = getattr(native(), "build_profile", None)
    return profile() if callable(profile) else "unknown"
