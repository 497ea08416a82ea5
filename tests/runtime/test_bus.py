"""Both transports (in-process, Redis Streams on a real redis-server) deliver the same
sequences, in order, once; the daemon publishes to Redis for outside consumers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import redis

from runtime_support import wait_until

from cracktrader.bus import BusError, InProcessBus, build_bus
from cracktrader.bus.redis_streams import RedisStreamsBus
from cracktrader.runtime import host as host_module
from cracktrader.runtime.host import HostConfig, RuntimeHost
from cracktrader.runtime.strategy_adapter import builtin_strategy_root
from cracktrader.runtime.vocabulary import control_responses_topic, events_topic
from cracktrader.store import Store

pytestmark = pytest.mark.integration

TRANSPORTS = ["inprocess", "redis"]


def make_bus(kind: str, redis_url: str):
    return InProcessBus() if kind == "inprocess" else RedisStreamsBus(redis_url)


def unique_topic(name: str) -> str:
    return f"test.{name}.{id(object())}"


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_publish_order_and_subscription_start(kind, redis_url):
    async def scenario() -> None:
        bus = make_bus(kind, redis_url)
        await bus.start()
        topic = unique_topic(kind)
        await bus.publish(topic, [{"sequence": 1, "v": "before"}])  # before subscribing: not delivered
        sub = await bus.subscribe(topic)
        await bus.publish(topic, [{"sequence": s, "v": s} for s in range(2, 40)])
        await bus.publish(topic, [{"sequence": 40, "v": 40}])
        got = [await sub.get(timeout=5) for _ in range(39)]
        assert [m["sequence"] for m in got] == list(range(2, 41))
        assert await sub.get(timeout=0.3) is None
        await sub.close()
        await bus.close()

    asyncio.run(scenario())


def test_redis_stream_ids_are_sequences_and_republishing_is_harmless(redis_url):
    async def scenario() -> None:
        bus = RedisStreamsBus(redis_url)
        await bus.start()
        topic = unique_topic("ids")
        await bus.publish(topic, [{"sequence": s} for s in (1, 2, 3)])
        await bus.publish(topic, [{"sequence": s} for s in (2, 3, 4)])  # a retry after a restart
        assert bus.duplicates_skipped == 2
        sub = await bus.subscribe(topic, after_sequence=1)  # history after sequence 1
        got = [(await sub.get(timeout=5))["sequence"] for _ in range(3)]
        assert got == [2, 3, 4]
        await sub.close()
        other = await bus.subscribe(unique_topic("plain"))
        await bus.publish(unique_topic("plain"), [{"no": "sequence"}])
        await other.close()
        await bus.close()
        raw = redis.Redis.from_url(redis_url, decode_responses=True)
        assert [entry_id for entry_id, _ in raw.xrange(topic)] == ["1-0", "2-0", "3-0", "4-0"]
        raw.close()

    asyncio.run(scenario())


def test_bus_urls():
    assert isinstance(build_bus(None), InProcessBus)
    assert isinstance(build_bus("inprocess://"), InProcessBus)
    with pytest.raises(BusError):
        build_bus("kafka://somewhere")

    async def unreachable() -> None:
        bus = RedisStreamsBus("redis://127.0.0.1:1/0")
        with pytest.raises(BusError, match="cannot reach"):
            await bus.start()
        await bus.close()

    asyncio.run(unreachable())


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_both_transports_deliver_every_sequence_of_a_runtime(kind, redis_url, tmp_path: Path, monkeypatch):
    """One runtime per transport, subscribed before it starts: the bus delivers exactly
    the store's events, in sequence order, nothing missing, nothing twice."""
    runtime_id = "rt-" + ("a" if kind == "inprocess" else "b") * 8 + format(id(tmp_path) % 16**8, "08x")
    monkeypatch.setattr(host_module, "new_runtime_id", lambda: runtime_id)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        store = Store(tmp_path / "db.sqlite3")
        local = InProcessBus()
        bus = local if kind == "inprocess" else RedisStreamsBus(redis_url)
        await bus.start()
        host = RuntimeHost(store, HostConfig(storage_dir=tmp_path, strategy_roots=[builtin_strategy_root()]),
                           bus=bus, local_bus=local)
        await host.start()
        sub = await bus.subscribe(events_topic(runtime_id))
        spec = {"strategy": "demo:Churn", "strategy_id": "churn", "params": {}, "symbols": ["BTC/USDT"],
                "timeframe": "1m", "mode": "backtest", "backend": "python", "initial_cash": "100000",
                "commission_rate": "0", "pace_ms": None, "mark_every": 1, "label": None,
                "data": {"source": "synthetic", "seed": 1, "bars": 150, "start_price": "100",
                         "volatility": "0.01", "start_time": None}}
        await host.create(spec)
        delivered = []
        while True:
            message = await sub.get(timeout=20)
            assert message is not None, "the bus went quiet before the runtime completed"
            delivered.append(message)
            if message["name"] == "completed":
                break
        await sub.close()
        await host.shutdown()
        stored = [json.loads(body) for body in store.events_page(runtime_id, 0, 10_000).bodies]
        if bus is not local:
            await bus.close()
        store.close()
        return delivered, stored

    delivered, stored = asyncio.run(scenario())
    assert [m["sequence"] for m in delivered] == list(range(1, len(stored) + 1))
    assert delivered == stored


def test_a_daemon_on_redis_serves_outside_consumers(daemon_factory, redis_url):
    daemon = daemon_factory("--bus", redis_url)
    with daemon.client() as client:
        assert client.health()["bus"]["transport"] == "redis"
        assert "@" not in client.health()["bus"]["url"]
        rid = client.start({"strategy": "demo:Churn", "mode": "paper", "pace_ms": 5,
                            "data": {"bars": 80, "seed": 3}})["runtime_id"]
        wait_until(lambda: client.runtime(rid)["status"] == "running", 20)
        response = client.control(rid, "cancel_all", "outside-1")
        wait_until(lambda: client.runtime(rid)["terminal"], 30)
        api_events = []
        after = 0
        while True:
            page = client.events(rid, after=after, limit=1000)
            api_events += page["events"]
            after = page["next_after_sequence"]
            if not page["has_more"]:
                break
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    entries = raw.xrange(events_topic(rid))
    assert [entry_id for entry_id, _ in entries] == [f"{e['sequence']}-0" for e in api_events]
    assert [json.loads(fields["m"]) for _, fields in entries] == api_events
    responses = [json.loads(fields["m"]) for _, fields in raw.xrange(control_responses_topic(rid))]
    assert responses == [response]
    raw.close()
