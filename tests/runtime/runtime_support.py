"""Helpers shared by the runtime tests (a module of its own: test files import it by
name, which a ``conftest`` shared with other folders cannot safely be)."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from backend_support import require_rust, rust_required

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "runtime"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05, what: str = "") -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


def require_rust_core() -> None:
    """The rust case of a runtime test needs the Rust *core*, not only the extension:
    skip while it is not built into ``cracktrader._native`` (fail under
    CRACKTRADER_REQUIRE_RUST=1, like every rust case)."""
    require_rust()
    from cracktrader.backend import native

    if getattr(native(), "Core", None) is None:
        message = "the rust Core is not in cracktrader._native yet"
        if rust_required():
            pytest.fail(f"{message}, and CRACKTRADER_REQUIRE_RUST=1 requires it", pytrace=False)
        pytest.skip(message)


# ---- running the strategy adapter in process (no daemon) --------------------------------


def spec(**changes: Any) -> dict[str, Any]:
    """A complete runtime spec (as the API would pass it on) with ``changes``."""
    base = {
        "strategy": "demo:SmaCross", "strategy_id": "sma", "params": {}, "symbols": ["BTC/USDT", "ETH/USDT"],
        "timeframe": "1m", "mode": "backtest", "backend": "python", "initial_cash": "100000",
        "commission_rate": "0.001", "pace_ms": None, "mark_every": 1, "label": None,
        "data": {"source": "synthetic", "seed": 3, "bars": 400, "start_price": "100", "volatility": "0.01",
                 "start_time": None},
    }
    base.update(changes)
    return base


def run(the_spec: dict[str, Any], controls: Any = None, roots: list[Path] | None = None):
    """Run a spec through the adapter in this process: (exit status, events)."""
    from cracktrader.runtime import strategy_adapter
    from cracktrader.runtime.controls import QueueControls
    from cracktrader.runtime.sink import ListSink

    ref = strategy_adapter.check(the_spec, [*(roots or []), strategy_adapter.builtin_strategy_root()])
    sink = ListSink()
    code = strategy_adapter.run(strategy_adapter.boot_message("rt-0000000000000000", the_spec, ref), sink,
                                controls or QueueControls())
    return code, sink.events


def names(events):
    """(family, name) of each event."""
    return [(e["family"], e["name"]) for e in events]


def control(command: str, command_id: str) -> dict[str, str]:
    """A control message as the worker receives it."""
    return {"type": "control", "command": command, "command_id": command_id}
