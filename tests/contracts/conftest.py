"""Shared helpers for the contract tests: the golden fixtures and the oracle.

``tests/`` goes on ``sys.path`` so ``import oracle`` (tests/oracle) works; the oracle
is test code, not part of the package.
"""

from __future__ import annotations

import json
import pathlib
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
GOLDEN = ROOT / "fixtures" / "golden"
for path in (TESTS, TESTS / "contracts"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# Backends the golden replay runs on. TODO(rust): add "rust" once
# cracktrader._native exposes Core (the Rust core is being ported); the case must then
# skip only when the extension is missing and CRACKTRADER_REQUIRE_RUST != "1".
CORE_BACKENDS = ("python",)


def golden_paths() -> list[pathlib.Path]:
    """Every golden fixture file, sorted by name."""
    return sorted(GOLDEN.glob("*.json"))


@pytest.fixture(params=CORE_BACKENDS)
def core_backend(request) -> str:
    """A core backend token for replay tests."""
    return request.param


def load_fixture(path: pathlib.Path) -> dict:
    return json.loads(path.read_text("utf-8"))
