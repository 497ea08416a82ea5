"""Fixtures for the session tests: a manual clock, a scripted fake venue, isolation.

Every test starts with an empty store cache and ends with the exchange registry as it
found it, so a fake registered by one test never leaks into another. Nothing here
touches the network: the fake venue (``fake_venue.py``) answers every CCXT call.
"""

from __future__ import annotations

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from cracktrader.sessions import registry  # noqa: E402
from cracktrader.sessions.clock import ManualClock  # noqa: E402
from cracktrader.sessions.store import Store  # noqa: E402
from fake_venue import START_MS  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_sessions(monkeypatch):
    """Empty store cache, registry restored, no credentials from the caller's environment."""
    import os

    for key in list(os.environ):
        if key.startswith("CRACKTRADER_") and key.split("_")[-1] in ("KEY", "SECRET", "PASSWORD", "UID", "TOKEN",
                                                                    "ADDRESS"):
            monkeypatch.delenv(key)
    Store.clear_cache()
    saved = dict(registry.EXCHANGE_REGISTRY)
    yield
    Store.clear_cache()
    registry.EXCHANGE_REGISTRY.clear()
    registry.EXCHANGE_REGISTRY.update(saved)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any attempt to open a connection fails the test: sessions tests are offline."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("a session test tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def clock():
    """Simulated time starting at ``START_MS``."""
    return ManualClock(START_MS)
