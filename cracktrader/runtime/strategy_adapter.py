"""The one seam between runtimes and the strategy layer.

The daemon calls ``check`` when a runtime is requested (is the strategy in an allowed
path, is the backend built, is the mode supported on its data, is its venue allowed) and the worker calls ``run``, which
loads the class, runs it on the chosen core backend and emits runtime events into a
sink. Everything else in ``cracktrader.runtime`` and ``cracktrader.api`` is independent
of how a strategy is written.

Two kinds of strategy class run (D-570):

- ``ct.Strategy`` subclasses (Backtrader style, docs/strategies.md) run on
  ``ct.Cerebro`` over ``ct.CracktraderEngine(engine_backend=...)`` with seeded
  ``ct.feeds.SyntheticData`` feeds, or on a venue's live feeds and the paper or live
  broker of a ``ct.exchange`` session (``cerebro_driver``, D-577); the built-in
  ``examples:SmaCross`` and ``examples:Churn`` are such strategies;
- ``RuntimeStrategy`` subclasses (``strategy_api``, the built-in ``demo:*``) drive the
  deterministic core directly (``CoreDriver`` + ``Runner``).

Both share the control handling, pacing, marks and lifecycle (``runner.RunControl``) and
the translation of core results into events (``follower.ResultFollower``).
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
from cracktrader.runtime.strategy_api import RuntimeStrategy, StrategyParamError
from cracktrader.runtime.synthetic import DEFAULT_START_TIME as BACKTEST_START_TIME, TIMEFRAMES_MS, synthetic_bars

# Modes by data source: synthetic bars run simulated (backtest, paper); a venue's bars
# run paper (simulated fills on live bars), live or sandbox (orders at the venue) (D-577).
SYNTHETIC_MODES = ("backtest", "paper")
EXCHANGE_MODES = ("paper", "live", "sandbox")
SUPPORTED_MODES = ("backtest", "paper", "live", "sandbox")
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


def check(spec: Mapping[str, Any], roots: Sequence[str | Path],
          allowed_exchanges: Sequence[str] = ()) -> loader.StrategyRef:
    """Refuse a spec that cannot run (``SpecRefused``); return the resolved strategy.

    A spec on a venue's data (``data.source == "exchange"``) runs only when the daemon
    allows that exchange (``allowed_exchanges``, none by default, D-578).
    """
    _check_mode(spec, allowed_exchanges)
    _check_backend(spec["backend"])
    try:
        return loader.resolve(spec["strategy"], roots)
    except loader.StrategySpecError as exc:
        raise SpecRefused("invalid_strategy", str(exc), "/strategy") from None
    except loader.StrategyNotFound as exc:
        raise SpecRefused("strategy_not_found", str(exc), "/strategy") from None


def is_exchange(spec: Mapping[str, Any]) -> bool:
    """Does the runtime run on a venue's data (paper, live or sandbox on an exchange)?"""
    return (spec.get("data") or {}).get("source") == "exchange"


def _check_mode(spec: Mapping[str, Any], allowed_exchanges: Sequence[str]) -> None:
    mode = spec["mode"]
    if not is_exchange(spec):
        if mode not in SYNTHETIC_MODES:
            raise SpecRefused(
                "mode_unavailable",
                f"mode {mode!r} trades on a venue: give data.source 'exchange' and an exchange the daemon allows; "
                f"synthetic data runs {', '.join(SYNTHETIC_MODES)}",
                "/mode",
            )
        return
    if mode not in EXCHANGE_MODES:
        raise SpecRefused(
            "mode_unavailable",
            f"mode {mode!r} does not run on a venue's data; available there: {', '.join(EXCHANGE_MODES)}",
            "/mode",
        )
    name = spec["data"]["exchange"]
    if name not in allowed_exchanges:
        allowed = ", ".join(allowed_exchanges) if allowed_exchanges else "none (start it with --allow-exchange NAME)"
        raise SpecRefused("exchange_not_allowed", f"this daemon does not trade on {name!r}; allowed: {allowed}",
                          "/data/exchange")


def venue_module_refs(spec: Mapping[str, Any], roots: Sequence[str | Path],
                      modules: Sequence[str]) -> list[loader.StrategyRef]:
    """The daemon's venue modules (``--venue-module``, D-579), resolved in the strategy
    paths, for a runtime on a venue; none for a synthetic one."""
    if not is_exchange(spec):
        return []
    refs = []
    for module in modules:
        try:
            refs.append(loader.resolve_module(module, roots))
        except (loader.StrategySpecError, loader.StrategyNotFound) as exc:
            raise SpecRefused("mode_unavailable", f"venue module {module!r}: {exc}", "/data/exchange") from None
    return refs


def _check_backend(backend: str) -> None:
    from cracktrader.backend import PYTHON, native_component, resolve_backend
    from cracktrader.engine.errors import BackendUnavailable, InvalidConfig

    try:
        if resolve_backend(backend) != PYTHON:
            native_component("Core")
    except (BackendUnavailable, InvalidConfig) as exc:
        raise SpecRefused("backend_unavailable", str(exc), "/backend") from None


def _ref_dict(ref: loader.StrategyRef) -> dict[str, str]:
    return {"spec": ref.spec, "module": ref.module, "cls": ref.cls, "path": ref.path, "root": ref.root}


def boot_message(runtime_id: str, spec: Mapping[str, Any], ref: loader.StrategyRef,
                 venue_modules: Sequence[loader.StrategyRef] = ()) -> dict[str, Any]:
    """What the daemon sends a new worker (first line of its control channel)."""
    return {
        "type": "boot",
        "runtime_id": runtime_id,
        "execution_id": f"x-{runtime_id}",
        "spec": dict(spec),
        "strategy": _ref_dict(ref),
        "venue_modules": [_ref_dict(item) for item in venue_modules],
    }


def attribution(boot: Mapping[str, Any]) -> dict[str, str]:
    """The attribution fields every event of this runtime carries: a venue runtime's
    broker is its mode (``paper``, ``live``, ``sandbox``) and its route that broker at
    the exchange; a synthetic one's the simulated venue."""
    spec = boot["spec"]
    if is_exchange(spec):
        broker_id, venue = spec["mode"], spec["data"]["exchange"]
    else:
        broker_id, venue = BROKER_ID, VENUE
    return {
        "strategy_id": spec["strategy_id"],
        "execution_id": boot["execution_id"],
        "route_id": f"{broker_id}/{venue}",
        "broker_id": broker_id,
    }


def run(boot: Mapping[str, Any], sink: EventSink, controls: ControlSource) -> int:
    """Run a runtime to its end in this process; the exit status (0 ok, 1 failed)."""
    spec = boot["spec"]
    attrs = attribution(boot)

    def emit(family: str, name: str, data: dict[str, Any], event_time: int | None = None) -> None:
        sink.emit(make_event(family, name, data, event_time=event_time, attribution=attrs))

    try:
        # Venue modules first: importing one registers its exchanges (D-579).
        for venue_module in boot.get("venue_modules", ()):
            loader.load_module(loader.StrategyRef(**venue_module))
        cls = loader.load_class(loader.StrategyRef(**boot["strategy"]))
        if _is_ct_strategy(cls):
            _check_params(cls, spec.get("params", {}))
        elif isinstance(cls, type) and issubclass(cls, RuntimeStrategy):
            if is_exchange(spec):
                raise loader.StrategyLoadError(
                    f"{boot['strategy']['spec']} is a RuntimeStrategy, which runs on synthetic data only; "
                    "a runtime on a venue runs a ct.Strategy"
                )
            strategy = cls(**spec.get("params", {}))
        else:
            raise loader.StrategyLoadError(
                f"{boot['strategy']['spec']} is neither a ct.Strategy nor a "
                "cracktrader.runtime.RuntimeStrategy subclass"
            )
    except Exception as exc:  # a broken strategy file ends this runtime, not the daemon
        emit("error", "strategy_load_error", {"type": type(exc).__name__, "message": str(exc)[:2000]})
        emit("lifecycle", "failed", {"reason": "strategy_load_error"})
        sink.flush()
        return 1
    if _is_ct_strategy(cls):
        return _run_cerebro(boot, cls, sink, controls, emit)
    return _run_core_driver(boot, strategy, sink, controls, emit)


def _is_ct_strategy(cls: Any) -> bool:
    from cracktrader.strategy.strategy import Strategy

    return isinstance(cls, type) and issubclass(cls, Strategy)


def _check_params(cls: Any, given: Mapping[str, Any]) -> None:
    """A ``ct.Strategy``'s runtime params must name parameters it declares (refused
    before the start, as for ``RuntimeStrategy``, not as a ``TypeError`` mid-run, D-575)."""
    declared = cls.params._getkeys()
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise StrategyParamError(f"{cls.__name__} has no parameter(s) {unknown}; known: {sorted(declared)}")


def _start_time(spec: Mapping[str, Any]) -> int:
    """The first bar's time: the spec's, else now (paper) or a fixed epoch (backtest)."""
    start_time = spec["data"].get("start_time")
    if start_time is not None:
        return int(start_time)
    if spec["mode"] == "paper":  # paper bars are stamped from now on
        timeframe_ms = TIMEFRAMES_MS[spec["timeframe"]]
        return time.time_ns() // 1_000_000 // timeframe_ms * timeframe_ms
    return BACKTEST_START_TIME


def _pace_ms(spec: Mapping[str, Any]) -> int:
    pace_ms = spec.get("pace_ms")
    if pace_ms is None:
        pace_ms = PAPER_DEFAULT_PACE_MS if spec["mode"] == "paper" else 0
    return int(pace_ms)


def _start_info(spec: Mapping[str, Any], strategy_api: str) -> dict[str, Any]:
    info = {
        "strategy": spec["strategy"],
        "strategy_api": strategy_api,
        "mode": spec["mode"],
        "backend": spec["backend"],
        "symbols": list(spec["symbols"]),
        "timeframe": spec["timeframe"],
        "initial_cash": spec["initial_cash"],
    }
    if is_exchange(spec):
        info["exchange"] = spec["data"]["exchange"]
    return info


def _run_cerebro(boot: Mapping[str, Any], cls: type, sink: EventSink, controls: ControlSource, emit: Any) -> int:
    """A ``ct.Strategy`` on ``ct.Cerebro`` (``cerebro_driver``, D-571): on synthetic
    feeds and the default broker, or on a venue's session (``ct.exchange``: live feeds
    and the paper or live broker, D-577)."""
    from cracktrader.runtime.cerebro_driver import run_cerebro  # the strategy layer, in the worker only

    spec = boot["spec"]
    venue = is_exchange(spec)
    return run_cerebro(cls=cls, spec=spec, emit=emit, flush=sink.flush, controls=controls,
                       start_info=_start_info(spec, "ct.Strategy"),
                       start_time=0 if venue else _start_time(spec),
                       pace_ms=0 if venue else _pace_ms(spec))


def _bars(spec: Mapping[str, Any]):
    data = spec["data"]
    return synthetic_bars(
        spec["symbols"],
        timeframe_ms=TIMEFRAMES_MS[spec["timeframe"]],
        seed=int(data["seed"]),
        bars=data.get("bars"),
        start_price=float(data["start_price"]),
        start_time=_start_time(spec),
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
    runner = Runner(
        strategy=strategy,
        driver=driver,
        bars=_bars(spec),
        controls=controls,
        emit=emit,
        flush=sink.flush,
        symbols=list(spec["symbols"]),
        pace_ms=_pace_ms(spec),
        mark_every=int(spec.get("mark_every", 1)),
        start_info=_start_info(spec, "RuntimeStrategy"),
    )
    return runner.run()
