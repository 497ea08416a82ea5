"""``require_rust``: the one rule for tests that need the compiled extension.

A separate module (not conftest.py) so tests can import it by name: pytest puts
``tests/`` on ``sys.path`` (``pythonpath`` in pyproject.toml), while ``conftest`` is a
name every test folder may reuse.
"""

from __future__ import annotations

import os

import pytest

from cracktrader.backend import rust_available

REQUIRE_RUST_ENV = "CRACKTRADER_REQUIRE_RUST"


def rust_required() -> bool:
    """True when the environment demands the Rust build (CI lanes, ``.ci/run``)."""
    return os.environ.get(REQUIRE_RUST_ENV) == "1"


def require_rust() -> None:
    """Skip the calling test when the Rust extension is missing, or fail when required.

    Call it at the top of any test that needs ``cracktrader._native``; the ``backend``
    and ``native`` fixtures call it for you.
    """
    if rust_available():
        return
    message = (
        "the Rust extension cracktrader._native is not built "
        '(build it with: pip install -e ".[dev]")'
    )
    if rust_required():
        pytest.fail(f"{message}, and {REQUIRE_RUST_ENV}=1 requires it", pytrace=False)
    pytest.skip(message)
