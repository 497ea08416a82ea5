"""The pub/sub boundary between the daemon and whoever follows runtime events.

``Bus`` is the interface; ``InProcessBus`` (the default) delivers to subscribers in the
same process, ``RedisStreamsBus`` (``--bus redis://host:port/db``) to any process that
reads the Redis streams, so several daemons or consumers can share one transport.
Topics: ``runtime.{runtime_id}.events`` and ``runtime.{runtime_id}.control.responses``.
The store stays the source of truth; the bus only carries what was committed (D-460).
"""

from __future__ import annotations

from cracktrader.bus.base import Bus, BusError, Subscription
from cracktrader.bus.inprocess import InProcessBus


def build_bus(url: str | None) -> Bus:
    """``None``, ``""`` or ``inprocess://`` -> in-process; ``redis://...`` -> Redis Streams."""
    if not url or url in ("inprocess", "inprocess://"):
        return InProcessBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from cracktrader.bus.redis_streams import RedisStreamsBus

        return RedisStreamsBus(url)
    raise BusError(f"unknown bus URL {url!r}: use inprocess:// or redis://host:port/db")


__all__ = ["Bus", "BusError", "InProcessBus", "Subscription", "build_bus"]
