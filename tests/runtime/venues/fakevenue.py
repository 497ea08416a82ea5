"""A venue module for the runtime's live-mode tests (``--venue-module fakevenue``).

Importing it registers the exchange ``fakex``: the scripted CCXT-like venue of the
session tests (``tests/sessions/fake_venue.py``) on simulated time, so a worker process
trades on it without any network. Forty one-minute bars of trades at 100; the first
order the venue gets fills at once (1 at 100, fee 0.1), the second rests until it is
cancelled. Simulated time passes as the live feed sleeps between polls, with a little
wall time per sleep so that a test can send commands while the runtime runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

SESSION_TESTS = Path(__file__).resolve().parents[2] / "sessions"
if str(SESSION_TESTS) not in sys.path:
    sys.path.append(str(SESSION_TESTS))

import cracktrader as ct  # noqa: E402
from cracktrader.sessions.clock import ManualClock  # noqa: E402
from cracktrader.sessions.session import ExchangeSession  # noqa: E402
from fake_venue import START_MS, Script, ScriptedExchange, bar_trades  # noqa: E402

BARS = [(100.0, 101.0, 99.0, 100.0)] * 40
# ETH/USDT trades in even minutes only: a venue gives no bar for a minute without trades.
ETH_TRADES = [trade for trade in bar_trades(START_MS, [(10.0, 10.5, 9.5, 10.0)] * 40, symbol="ETH/USDT")
              if (trade["timestamp"] - START_MS) // 60_000 % 2 == 0]


class PacedClock(ManualClock):
    """Simulated time; each ``sleep`` also lets 1/200 of it pass on the wall clock."""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        time.sleep(min(seconds / 200.0, 0.02))


CLOCK = PacedClock(START_MS)
VENUE = ScriptedExchange(
    CLOCK,
    trades=[*bar_trades(START_MS, BARS), *ETH_TRADES],
    scripts=[Script(steps=[(0, "fill", {"qty": 1, "price": 100.0, "fee": 0.1})]), Script()],
    require_credentials=True,
)


def client(config: dict) -> ScriptedExchange:
    """The venue, with the credentials the store read from the environment."""
    VENUE.apiKey, VENUE.secret = config.get("apiKey"), config.get("secret")
    return VENUE


class FakeSession(ExchangeSession):
    """Sessions on ``fakex`` run on the venue's simulated clock."""

    def __init__(self, spec, **options):
        options.setdefault("clock", CLOCK)
        super().__init__(spec, **options)


ct.register_exchange("fakex", factory=client, session_cls=FakeSession, replace=True,
                     description="scripted test venue")
