"""The bus interface: ordered publish of JSON messages per topic, async subscriptions."""

from __future__ import annotations

import abc
import asyncio
from typing import Any, Sequence


class BusError(RuntimeError):
    """A bus could not be built or reached."""


class Subscription(abc.ABC):
    """Messages of one topic, in publish order, from the moment of subscribing (or
    from after a given sequence, for transports that keep history).

    Subclasses fill ``self._queue`` (bounded) and implement ``close``.
    """

    #: True once the subscriber fell so far behind that messages were dropped; a
    #: consumer that needs every message then re-reads the store (the source of truth).
    lost: bool = False
    _queue: "asyncio.Queue[dict[str, Any]]"

    def _offer(self, message: dict[str, Any]) -> None:
        if self.lost:
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            # A slow subscriber must not hold messages for everyone (or grow memory
            # without bound): it is marked lost and catches up from the store.
            self.lost = True

    async def get(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message, or ``None`` when ``timeout`` seconds passed without one."""
        try:
            if timeout is None:
                return await self._queue.get()
            return await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def drain(self) -> int:
        """Drop every queued message and clear ``lost`` (for consumers that use
        messages only as wake-ups); how many were dropped."""
        count = 0
        while True:
            try:
                self._queue.get_nowait()
            except asyncio.QueueEmpty:
                self.lost = False
                return count
            count += 1

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop receiving; idempotent."""

    async def __aenter__(self) -> "Subscription":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class Bus(abc.ABC):
    """Publish/subscribe by topic. ``publish`` keeps the order of its batch, and batches
    published one after another on a topic are delivered in that order."""

    name: str = "bus"

    async def start(self) -> None:
        """Connect (a no-op for in-process)."""

    async def close(self) -> None:
        """Release connections and end subscriptions."""

    @abc.abstractmethod
    async def publish(self, topic: str, messages: Sequence[dict[str, Any]]) -> None:
        """Deliver ``messages`` to the topic's subscribers, in order."""

    @abc.abstractmethod
    async def subscribe(self, topic: str, *, after_sequence: int | None = None) -> Subscription:
        """Follow a topic. ``after_sequence`` asks a transport that keeps history for the
        event messages whose ``sequence`` is greater (Redis); in-process ignores it."""

    def describe(self) -> dict[str, Any]:
        """What ``/health`` shows about the transport (never credentials)."""
        return {"transport": self.name}
