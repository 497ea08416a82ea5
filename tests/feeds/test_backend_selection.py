"""feed_backend selection (D-206): explicit token, environment, fallback with one warning."""

from __future__ import annotations

import logging

import pytest

from cracktrader import backend as core_backend
from cracktrader.engine.errors import BackendUnavailable, InvalidConfig
from cracktrader.feeds import backend as feed_backend
from cracktrader.feeds import bridge, build_trade_aggregator


@pytest.fixture
def missing_rust(monkeypatch):
    """Simulate a machine without the extension (and forget it afterwards)."""
    monkeypatch.setattr(core_backend, "NATIVE_MODULE", "cracktrader._no_such_native")
    core_backend._reset_for_tests()
    feed_backend._reset_warning_for_tests()
    yield
    monkeypatch.undo()
    core_backend._reset_for_tests()
    feed_backend._reset_warning_for_tests()


def test_default_and_environment(monkeypatch):
    monkeypatch.delenv(feed_backend.FEED_ENV_VAR, raising=False)
    assert bridge().name == "python"
    monkeypatch.setenv(feed_backend.FEED_ENV_VAR, " Python ")
    assert bridge().selection.requested == "python"
    monkeypatch.setenv(feed_backend.FEED_ENV_VAR, "fortran")
    with pytest.raises(InvalidConfig, match="CRACKTRADER_FEED_BACKEND"):
        bridge()
    with pytest.raises(InvalidConfig):
        bridge("cobol")


def test_rust_when_built(both, monkeypatch):
    monkeypatch.setenv(feed_backend.FEED_ENV_VAR, "rust")
    chosen = bridge()
    assert chosen.name == "rust" and not chosen.selection.fallback
    assert build_trade_aggregator(1000).backend == "rust"
    assert build_trade_aggregator(1000, feed_backend="python").backend == "python"


def test_missing_build_falls_back_once_with_a_warning(missing_rust, monkeypatch, caplog):
    monkeypatch.delenv(feed_backend.REQUIRE_RUST_ENV_VAR, raising=False)
    with caplog.at_level(logging.WARNING, logger="cracktrader.feeds"):
        first = bridge("rust")
        second = bridge("rust")
        aggregator = build_trade_aggregator(1000, feed_backend="rust")
    assert first.name == second.name == "python" == aggregator.stats()["backend"]
    assert first.selection.as_dict()["fallback"] is True
    assert first.selection.as_dict()["requested_backend"] == "rust"
    warnings = [r for r in caplog.records if r.name == "cracktrader.feeds"]
    assert len(warnings) == 1 and "python reference" in warnings[0].getMessage()


def test_required_rust_never_falls_back(missing_rust, monkeypatch):
    monkeypatch.setenv(feed_backend.REQUIRE_RUST_ENV_VAR, "1")
    with pytest.raises(BackendUnavailable, match="CRACKTRADER_REQUIRE_RUST"):
        bridge("rust")
    assert bridge("python").name == "python"
