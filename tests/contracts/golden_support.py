"""Paths and loaders for the golden-fixture tests (kept out of conftest.py so that test
modules import them by a unique name, whatever other conftest files exist)."""

from __future__ import annotations

import json
import pathlib

TESTS = pathlib.Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
GOLDEN = ROOT / "fixtures" / "golden"

# Backends the golden replay runs on. TODO(rust): add "rust" once
# cracktrader._native exposes Core (the Rust core is being ported); the case must then
# skip only when the extension is missing and CRACKTRADER_REQUIRE_RUST != "1".
CORE_BACKENDS = ("python",)


def golden_paths() -> list[pathlib.Path]:
    """Every golden fixture file, sorted by name."""
    return sorted(GOLDEN.glob("*.json"))


def load_fixture(path: pathlib.Path) -> dict:
    """One fixture document."""
    return json.loads(path.read_text("utf-8"))
