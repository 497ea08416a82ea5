"""Timing helpers shared by every benchmark: warm-up, N timed runs, median and min.

Wall and CPU time are both kept: on a shared machine CPU time is far less disturbed
by other processes. The cyclic GC is paused while a run is timed (as ``timeit`` does):
the workloads hold hundreds of thousands of live objects, and a full collection would
be charged to whichever backend happened to trigger it.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable

MIN_ITERATIONS = 5


@dataclass(frozen=True)
class Timing:
    samples: tuple[float, ...]
    cpu_samples: tuple[float, ...] = ()
    output: Any = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_samples) if self.cpu_samples else float("nan")

    def rate(self, items: int) -> dict[str, float]:
        """Items per second at the median and at the best run (wall), and CPU."""
        return {
            "events_per_s": items / self.median,
            "best_events_per_s": items / self.min,
            "cpu_events_per_s": items / self.cpu_median if self.cpu_samples else float("nan"),
            "seconds": self.median,
            "min_seconds": self.min,
            "iterations": len(self.samples),
        }


def measure(
    run: Callable[[Any], Any], setup: Callable[[], Any], *, warmup: int, iterations: int, minimum: int = MIN_ITERATIONS
) -> Timing:
    """Time ``run(setup())`` ``iterations`` times after ``warmup`` untimed runs.

    ``setup`` builds fresh state (a new core, say) outside the timed region; the
    output of the last timed run is kept for agreement checks.
    """
    if iterations < minimum:
        raise ValueError(f"at least {minimum} timed iterations are required")
    for _ in range(warmup):
        run(setup())
    samples, cpu = [], []
    output = None
    for _ in range(iterations):
        state = setup()
        output = None
        gc.collect()
        gc.disable()
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            output = run(state)
            samples.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        finally:
            gc.enable()
    return Timing(tuple(samples), tuple(cpu), output)


def build_profile() -> str:
    """Which build of the Rust extension is importable: release, debug or absent."""
    from cracktrader.backend import native, rust_available

    if not rust_available():
        return "absent"
    return str(getattr(native(), "__build_profile__", "unknown"))
