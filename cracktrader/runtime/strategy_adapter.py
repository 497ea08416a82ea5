"""The one seam between runtimes and the strategy layer.

The daemon calls ``check`` when a runtime is requested (is the strategy in an allowed
path, is the backend built, is the mode supported) and the worker calls ``run``, which
loads the class, runs it on the chosen core backend and emits runtime events into a
sink. Everything else in ``cracktrader.runtime`` and ``cracktrader.api`` is independent
of how a strategy is written.

Today ``run`` drives the deterministic core directly (``CoreDriver`` + ``Runner``) with
``RuntimeStrategy`` classes on seeded synthetic bars. When the strategy layer (issue 8:
``ct.Strategy``, ``ct.Cerebro``, ``ct.CracktraderEngine(engine_backend=...)``, its data
feeds) is merged, ``_run_cerebro`` below is where ``ct.Strategy`` subclasses go; see
docs/runtime.md, "Strategies", for the exact switch.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from cracktrader.runtime import loader
from cracktrader.runtime.controls import ControlSource
from cracktrader.runtime.core_driver import VENUE, CoreDriver
from cracktrader.runtime.events import make_event
from cracktrader.runtime.runner import Runner
from cracktrader.runtime.sink import EventSink
from cracktrader.runtime.strategy_api import RuntimeStrategy
from cracktrader.runtime.synthetic import TIMEFRAMES_MS, synthetic_bars

# `live` needs the strategy layer's CCXT broker (issue 8); until then it is refused.
SUPPORTED_MODES = ("backtest", "paper")
PAPER_DEFAULT_PACE_MS = 1_000
BROKER_ID = "simulated"


class SpecRefused(ValueError):
    """A runtime spec that cannot run here: ``code`` is the API error code."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def builtin_strategy_root() -> Path:
    """The directory of the built-in demo strategies (``demo:SmaCross``, ...)."""
    return Path(__file__).resolve().parent / "strategies"


def check(spec: Mapping[str, Any], roots: Sequence[str | Path]) -> loader.StrategyRef:
    """Refuse a spec that cannot run (``SpecRefused``); return the resolved strategy."""
    if spec["mode"] not in SUPPORTED_MODES:
        raise SpecRefused(
            "mode_unavailable",
            f"mode {spec['mode']!r} is not available yet (live trading needs the strategy layer's "
            f"exchange broker); available: {', '.join(SUPPORTED_MODES)}",
            "/mode",
        )
    _check_backend(spec["backend"])
    try:
        return loader.resolve(spec["strategy"], roots)
    except loader.StrategySpecError as exc:
        raise SpecRefused("invalid_strategy", str(exc), "/strategy") from None
    except loader.StrategyNotFound as exc:
        raise SpecRefused("strategy_not_found", str(exc), "/strategy") from None


def _check_backend(backend: str) -> None:
    from cracktrader.backend import PYTHON, native_component, resolve_backend
    from cracktrader.engine.errors import BackendUnavailable, InvalidConfig

    try:
        if resolve_backend(backend) != PYTHON:
            native_component("Core")
    except (BackendUnavailable, InvalidConfig) as exc:
        raise SpecRefused("backend_unavailable", str(exc), "/backend") from None


def boot_message(runtime_id: str, spec: Mapping[str, Any], ref: loader.StrategyRef) -> dict[str, Any]:
    """What the daemon sends a new worker (first line of its control channel)."""
    return {
        "type": "boot",
        "runtime_id": runtime_id,
        "execution_id": f"x-{runtime_id}",
        "spec": dict(spec),
        "strategy": {"spec": ref.spec, "module": ref.module, "cls": ref.cls, "path": ref.path, "root": ref.root},
    }


def attribution(boot: Mapping[str, Any]) -> dict[str, str]:
    """The attribution fields every event of this runtime carries."""
    spec = boot["spec"]
    return {
        "strategy_id": spec["strategy_id"],
        "execution_id": boot["execution_id"],
        "route_id": f"{BROKER_ID}/{VENUE}",
        "broker_id": BROKER_ID,
    }


def run(boot: Mapping[str, Any], sink: EventSink, controls: ControlSource) -> int:
    """Run a runtime to its end in this process; the exit status (0 ok, 1 failed)."""
    spec = boot["spec"]
    attrs = attribution(boot)

    def emit(family: str, name: str, data: dict[str, Any], event_time: int | None = None) -> None:
        sink.emit(make_event(family, name, data, event_time=event_time, attribution=attrs))

    try:
        cls = loader.load_class(loader.StrategyRef(**boot["strategy"]))
        if not (isinstance(cls, type) and issubclass(cls, RuntimeStrategy)):
            raise loader.StrategyLoadError(
                f"{boot['strategy']['spec']} is not a cracktrader.runtime.RuntimeStrategy subclass"
            )
        strategy = cls(**spec.get("params", {}))
    except Exception as exc:  # a broken strategy file ends this runtime, not the daemon
        emit("error", "strategy_load_error", {"type": type(exc).__name__, "message": str(exc)[:2000]})
        emit("lifecycle", "failed", {"reason": "strategy_load_error"})
        sink.flush()
        return 1
    return _run_core_driver(boot, strategy, sink, controls, emit)


def _bars(spec: Mapping[str, Any]):
    data = spec["data"]
    timeframe_ms = TIMEFRAMES_MS[spec["timeframe"]]
    start_time = data.get("start_time")
    if start_time is None:
        if spec["mode"] == "paper":  # paper bars are stamped from now on
            start_time = time.time_ns() // 1_000_000 // timeframe_ms * timeframe_ms
        else:
            start_time = 1_700_000_000_000
    return synthetic_bars(
        spec["symbols"],
        timeframe_ms=timeframe_ms,
        seed=int(data["seed"]),
        bars=data.get("bars"),
        start_price=float(data["start_price"]),
        start_time=start_time,
        volatility=float(data["volatility"]),
    )


def _run_core_driver(
    boot: Mapping[str, Any], strategy: RuntimeStrategy, sink: EventSink, controls: ControlSource, emit: Any
) -> int:
    spec = boot["spec"]
    driver: CoreDriver | None = None

    def driver_emit(family: str, name: str, data: dict[str, Any]) -> None:
        emit(family, name, data, event_time=driver.bar_time if driver else None)

    try:
        driver = CoreDriver(
            backend=spec["backend"],
            initial_cash=spec["initial_cash"],
            commission_rate=spec["commission_rate"],
            emit=driver_emit,
            strategy_id=spec["strategy_id"],
        )
    except Exception as exc:  # e.g. the rust Core vanished between check and run
        emit("error", "engine_error", {"type": type(exc).__name__, "message": str(exc)[:2000]})
        emit("lifecycle", "failed", {"reason": "engine_error"})
        sink.flush()
        return 1
    pace_ms = spec.get("pace_ms")
    if pace_ms is None:
        pace_ms = PAPER_DEFAULT_PACE_MS if spec["mode"] == "paper" else 0
    start_info = {
        "strategy": spec["strategy"],
        "mode": spec["mode"],
        "backend": spec["backend"],
        "symbols": list(spec["symbols"]),
        "timeframe": spec["timeframe"],
        "initial_cash": spec["initial_cash"],
    }
    runner = Runner(
        strategy=strategy,
        driver=driver,
        bars=_bars(spec),
        controls=controls,
        emit=emit,
        flush=sink.flush,
        symbols=list(spec["symbols"]),
        pace_ms=int(pace_ms),
        mark_every=int(spec.get("mark_every", 1)),
        start_info=start_info,
    )
    return runner.run()
