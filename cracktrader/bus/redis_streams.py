"""Redis Streams transport: one stream per topic, readable by any process.

An event message (one carrying an integer ``sequence``) is added with the explicit
stream ID ``{sequence}-0``, so a stream's IDs *are* the runtime's sequences: a consumer
resumes with ``XREAD ... {last_sequence}-0``, and a message published twice (a retry
after a restart) is refused by Redis as not newer and counted, never duplicated (D-461).
Other messages (control responses) get Redis' own IDs. Streams are trimmed to about
``maxlen`` entries; older events stay in the daemon's store.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Sequence, cast
from urllib.parse import urlsplit, urlunsplit

from cracktrader.bus.base import Bus, BusError, Subscription

log = logging.getLogger(__name__)

FIELD = "m"
DEFAULT_MAXLEN = 100_000
BLOCK_MS = 500


def _stream_id(message: dict[str, Any]) -> str:
    sequence = message.get("sequence")
    if isinstance(sequence, int) and not isinstance(sequence, bool) and sequence >= 1:
        return f"{sequence}-0"
    return "*"


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    netloc: str = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _StreamSubscription(Subscription):
    def __init__(self, bus: "RedisStreamsBus", topic: str, start_id: str) -> None:
        self._bus = bus
        self._topic = topic
        self._last_id = start_id
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(10_000)
        self.lost = False
        self._closing = False
        self._task = asyncio.create_task(self._pump(), name=f"redis-sub {topic}")

    async def _pump(self) -> None:
        client = self._bus.client
        while not self._closing:
            try:
                reply = await client.xread({self._topic: self._last_id}, count=500, block=BLOCK_MS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: retry, the stream keeps the data
                log.warning("redis subscription %s: %s", self._topic, exc)
                await asyncio.sleep(0.2)
                continue
            for _stream, entries in cast(list[Any], reply or []):
                for entry_id, fields in entries:
                    self._last_id = entry_id
                    try:
                        message = json.loads(fields[FIELD])
                    except (KeyError, ValueError):
                        continue  # not ours: streams may be shared with other writers
                    self._offer(message)

    async def close(self) -> None:
        # Cancelling a blocked XREAD can leave redis-py waiting on its connection, so
        # the pump is asked to stop and leaves after its current (bounded) XREAD.
        self._closing = True
        if self._task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), BLOCK_MS / 1000 * 4)
        except (asyncio.TimeoutError, Exception):
            self._task.cancel()


class RedisStreamsBus(Bus):
    """Publish to and subscribe from Redis streams named by topic."""

    name = "redis"

    def __init__(self, url: str, *, maxlen: int = DEFAULT_MAXLEN) -> None:
        try:
            import redis.asyncio as redis_asyncio
        except ImportError as exc:  # the `daemon` extra is not installed
            raise BusError('the redis bus needs the redis package: pip install "cracktrader[daemon]"') from exc
        self.url = url
        self.maxlen = maxlen
        self.client = redis_asyncio.Redis.from_url(url, decode_responses=True)
        self.duplicates_skipped = 0
        self.published = 0

    async def start(self) -> None:
        try:
            await self.client.ping()
        except Exception as exc:
            raise BusError(f"cannot reach the redis bus at {_redacted(self.url)}: {exc}") from exc

    async def close(self) -> None:
        await self.client.aclose()

    async def publish(self, topic: str, messages: Sequence[dict[str, Any]]) -> None:
        if not messages:
            return
        pipe = self.client.pipeline(transaction=False)
        for message in messages:
            pipe.xadd(
                topic,
                {FIELD: json.dumps(message, separators=(",", ":"), ensure_ascii=False)},
                id=_stream_id(message),
                maxlen=self.maxlen,
                approximate=True,
            )
        results = await pipe.execute(raise_on_error=False)
        for result in results:
            if isinstance(result, Exception):
                if "equal or smaller" in str(result):
                    self.duplicates_skipped += 1
                    continue
                raise BusError(f"redis XADD to {topic} failed: {result}")
            self.published += 1

    async def subscribe(self, topic: str, *, after_sequence: int | None = None) -> Subscription:
        if after_sequence is not None:
            start = f"{int(after_sequence)}-0"
        else:
            # Resolve "now" once, so nothing published between this call and the first
            # XREAD is missed (XREAD's "$" would be re-resolved at every call).
            last = await self.client.xrevrange(topic, count=1)
            start = str(last[0][0]) if last else "0-0"
        return _StreamSubscription(self, topic, start)

    def describe(self) -> dict[str, Any]:
        return {
            "transport": self.name,
            "url": _redacted(self.url),
            "published": self.published,
            "duplicates_skipped": self.duplicates_skipped,
        }
