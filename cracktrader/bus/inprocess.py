"""The default transport: asyncio queues in the daemon's own event loop."""

from __future__ import annotations

import asyncio
from typing import Any, Sequence

from cracktrader.bus.base import Bus, Subscription

DEFAULT_QUEUE_SIZE = 10_000


class _QueueSubscription(Subscription):
    def __init__(self, bus: "InProcessBus", topic: str, maxsize: int) -> None:
        self._bus = bus
        self._topic = topic
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize)
        self._closed = False
        self.lost = False

    def offer(self, message: dict[str, Any]) -> None:
        self._offer(message)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._bus._remove(self._topic, self)


class InProcessBus(Bus):
    """Fan-out to in-process subscribers; publishing never blocks."""

    name = "inprocess"

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[str, list[_QueueSubscription]] = {}

    async def publish(self, topic: str, messages: Sequence[dict[str, Any]]) -> None:
        for subscriber in list(self._subscribers.get(topic, ())):
            for message in messages:
                subscriber.offer(message)

    async def subscribe(self, topic: str, *, after_sequence: int | None = None) -> Subscription:
        subscription = _QueueSubscription(self, topic, self._queue_size)
        self._subscribers.setdefault(topic, []).append(subscription)
        return subscription

    def _remove(self, topic: str, subscription: _QueueSubscription) -> None:
        subscribers = self._subscribers.get(topic)
        if subscribers and subscription in subscribers:
            subscribers.remove(subscription)
            if not subscribers:
                del self._subscribers[topic]

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))

    async def close(self) -> None:
        self._subscribers.clear()
