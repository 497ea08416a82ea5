"""cracktrader: a deterministic trading engine.

Python strategies on top; a deterministic core that exists twice (the Python reference
backend and the Rust backend in ``cracktrader._native``), kept identical by the
``parity`` differential-testing package. See README.md and docs/architecture.md.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cracktrader")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

from cracktrader.backend import BACKENDS, default_backend, rust_available  # noqa: E402

__all__ = ["BACKENDS", "default_backend", "rust_available", "__version__"]
