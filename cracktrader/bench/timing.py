"""Timing helpers shared by every benchmark: warm-up, N timed runs, median and min.

``measure(run, setup=...)`` calls ``setup()`` (untimed) before every run so each starts
from the same state (a fresh core or aggregator), runs ``warmup`` untimed calls, then
``iterations`` timed ones of ``run(*setup())``. The cyclic GC is paused while timing
(as ``timeit`` does), so a collection triggered by one backend's garbage is not
billed to the other.

Clocks: ``wall`` (``time.perf_counter``) or ``cpu`` (``time.thread_time``, the CPU
time of the calling thread; native code called from Python runs on that thread, GIL
released or not). CPU time is recorded in every case: on a shared, loaded machine it
measures the work, while wall time mostly measures the neighbours.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

MIN_ITERATIONS = 5
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}


@dataclass(frozen=True)
class Timing:
    """Seconds per timed run on the chosen clock, plus CPU seconds and the last output."""

    samples: tuple[float, ...]
    cpu_samples: tuple[float, ...]
    warmup: int
    clock: str = "wall"
    output: Any = field(default=None, compare=False, repr=False)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_samples)

    @property
    def samples_ms(self) -> list[float]:
        return [sample * 1000.0 for sample in self.samples]

    @property
    def median_ms(self) -> float:
        return self.median * 1000.0

    @property
    def min_ms(self) -> float:
        return self.min * 1000.0

    def rate(self, items: int) -> dict[str, float]:
        """Items per second at the median and best run, on the clock and in CPU time."""
        return {
            "events_per_s": items / self.median,
            "best_events_per_s": items / self.min,
            "cpu_events_per_s": items / self.cpu_median if self.cpu_median else float("inf"),
            "seconds": self.median,
            "min_seconds": self.min,
            "iterations": len(self.samples),
            "clock": self.clock,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form in milliseconds (samples rounded to 0.1 µs)."""
        return {
            "samples_ms": [round(sample, 4) for sample in self.samples_ms],
            "median_ms": round(self.median_ms, 4),
            "min_ms": round(self.min_ms, 4),
            "cpu_median_ms": round(self.cpu_median * 1000.0, 4),
            "warmup": self.warmup,
            "clock": self.clock,
        }


def measure(
    run: Callable[..., Any],
    *,
    setup: Callable[[], tuple] | None = None,
    iterations: int = MIN_ITERATIONS,
    warmup: int = 1,
    clock: str = "wall",
    minimum: int = MIN_ITERATIONS,
) -> Timing:
    """Time ``run(*setup())``: at least ``minimum`` timed runs after ``warmup``."""
    if iterations < minimum:
        raise ValueError(f"at least {minimum} timed iterations are required, got {iterations}")
    now = CLOCKS[clock]
    make_args = setup or (lambda: ())
    for _ in range(warmup):
        run(*make_args())
    samples, cpu = [], []
    output = None
    enabled = gc.isenabled()
    try:
        for _ in range(iterations):
            args = make_args()
            output = None
            gc.collect()
            gc.disable()
            started, started_cpu = now(), time.thread_time()
            output = run(*args)
            samples.append(now() - started)
            cpu.append(time.thread_time() - started_cpu)
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()
    return Timing(tuple(samples), tuple(cpu), warmup, clock, output)


def ratio(slow: float, fast: float) -> float:
    """``slow / fast`` (how many times faster the fast side is); inf when fast is 0."""
    return slow / fast if fast > 0 else float("inf")


def build_profile() -> str:
    """Which build of the Rust extension is importable: release, debug or absent."""
    from cracktrader.backend import native, rust_available

    if not rust_available():
        return "absent"
    return str(native().build_profile())
