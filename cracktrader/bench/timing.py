"""Timing helpers shared by the benchmarks: warm-up, N timed runs, median and min.

``measure(run, setup=...)`` calls ``setup()`` (untimed) before every call so each run
starts from the same state (a fresh aggregator, say), runs ``warmup`` untimed calls,
then ``iterations`` timed ones. The garbage collector is paused while timing so a
collection triggered by one backend's garbage is not billed to the other.

Clocks: ``wall`` (``time.perf_counter``) or ``cpu`` (``time.thread_time``, the CPU
time of the calling thread). Native code called from Python runs on that thread, GIL
released or not, so ``cpu`` measures the same work while ignoring time spent waiting
for a core: use it on a shared, loaded machine, where wall time mostly measures the
neighbours.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

MIN_ITERATIONS = 5


@dataclass(frozen=True)
class Timing:
    """Milliseconds per run."""

    samples_ms: list[float]
    warmup: int

    @property
    def median_ms(self) -> float:
        """Median of the timed runs."""
        return statistics.median(self.samples_ms)

    @property
    def min_ms(self) -> float:
        """Fastest timed run."""
        return min(self.samples_ms)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (samples rounded to 0.1 µs)."""
        out = asdict(self)
        out["samples_ms"] = [round(sample, 4) for sample in self.samples_ms]
        out["median_ms"] = round(self.median_ms, 4)
        out["min_ms"] = round(self.min_ms, 4)
        return out


CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}


def measure(run: Callable[..., Any], *, setup: Callable[[], tuple] | None = None,
            iterations: int = 7, warmup: int = 1, clock: str = "wall") -> Timing:
    """Time ``run(*setup())``; at least ``MIN_ITERATIONS`` timed runs."""
    if iterations < MIN_ITERATIONS:
        raise ValueError(f"at least {MIN_ITERATIONS} timed iterations, got {iterations}")
    now = CLOCKS[clock]
    make_args = setup or (lambda: ())
    for _ in range(warmup):
        run(*make_args())
    samples = []
    enabled = gc.isenabled()
    try:
        for _ in range(iterations):
            args = make_args()
            gc.collect()
            gc.disable()
            started = now()
            run(*args)
            samples.append((now() - started) * 1000.0)
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()
    return Timing(samples, warmup)


def ratio(slow_ms: float, fast_ms: float) -> float:
    """``slow / fast`` (how many times faster the fast side is); inf when fast is 0."""
    return slow_ms / fast_ms if fast_ms > 0 else float("inf")
