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
