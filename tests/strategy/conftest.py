"""Fixtures for the strategy-layer tests.

``core_backend``: ``"python"`` and ``"rust"``. The rust case skips only when the rust
core cannot be built here (the extension is missing, or it has no ``Core`` yet:
``build_core`` raises ``BackendUnavailable``) and ``CRACKTRADER_REQUIRE_RUST`` is not
``1``; with ``CRACKTRADER_REQUIRE_RUST=1`` it fails instead.

``bt``: the Backtrader module used as the test oracle (the ``dev`` and ``oracle``
extras install ``backtrader==1.9.78.123``). A missing Backtrader fails the oracle tests
unless ``CRACKTRADER_SKIP_ORACLE=1`` asks to skip them explicitly.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from support import rust_core_available  # noqa: E402

BACKTRADER_VERSION = "1.9.78.123"


@pytest.fixture(params=["python", "rust"])
def core_backend(request: pytest.FixtureRequest) -> str:
    """A core backend token; the rust case follows the skip rule of the module docstring."""
    if request.param == "rust" and not rust_core_available():
        message = "the rust core is not available in this build (build_core(backend='rust') is unavailable)"
        if os.environ.get("CRACKTRADER_REQUIRE_RUST") == "1":
            pytest.fail(f"{message}, and CRACKTRADER_REQUIRE_RUST=1 requires it", pytrace=False)
        pytest.skip(message)
    return request.param


@pytest.fixture(scope="session")
def bt():
    """Backtrader, the test oracle (see the module docstring)."""
    try:
        import backtrader
    except ImportError:
        if os.environ.get("CRACKTRADER_SKIP_ORACLE") == "1":
            pytest.skip("backtrader not installed and CRACKTRADER_SKIP_ORACLE=1")
        pytest.fail('backtrader (the test oracle) is not installed: pip install -e ".[dev]"', pytrace=False)
    if backtrader.__version__ != BACKTRADER_VERSION:
        pytest.fail(f"the oracle must be backtrader {BACKTRADER_VERSION}, found {backtrader.__version__}")
    return backtrader
