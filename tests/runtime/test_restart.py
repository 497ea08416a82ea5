"""Durability: SIGKILL the daemon mid-stream, restart it, and a consumer that resumes
with after=<sequence> sees every acknowledged event exactly once."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from runtime_support import wait_until

pytestmark = pytest.mark.integration


def pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie has exited (its new parent may not reap it)


class Consumer(threading.Thread):
    """Pages through a runtime's events forever, riding out daemon outages."""

    def __init__(self, url: str, token: str, runtime_id: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.runtime_id = url, token, runtime_id
        self.events: list[dict] = []
        self.after = 0
        self.errors = 0
        self.stop_flag = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        while not self.stop_flag.is_set():
            try:
                page = httpx.get(f"{self.url}/api/v1/runtimes/{self.runtime_id}/events",
                                 params={"after": self.after, "limit": 50}, headers=headers, timeout=5).json()
            except httpx.TransportError:
                self.errors += 1
                time.sleep(0.05)
                continue
            self.events += page["events"]
            self.after = page["next_after_sequence"]
            if not page["has_more"]:
                time.sleep(0.02)


def test_sigkill_and_restart_lose_nothing_and_repeat_nothing(daemon_factory):
    daemon = daemon_factory()
    token = daemon.token
    with daemon.client() as client:
        rid = client.start({"strategy": "examples:Churn", "mode": "paper", "pace_ms": 2,
                            "data": {"bars": None, "seed": 9}})["runtime_id"]
        consumer = Consumer(daemon.url, token, rid)
        consumer.start()
        wait_until(lambda: len(consumer.events) >= 400, 30, what="400 events read")
        worker_pid = client.runtime(rid)["worker"]["pid"]
    acknowledged = list(consumer.events)  # read by a consumer: committed
    daemon.kill()
    wait_until(lambda: not pid_alive(worker_pid), 10, what="the worker to die with its daemon")
    time.sleep(0.3)  # the consumer keeps retrying against a dead port
    daemon.start()
    wait_until(lambda: consumer.errors > 0 and consumer.after >= acknowledged[-1]["sequence"], 10)

    with daemon.client() as client:
        record = wait_until(lambda: (r := client.runtime(rid))["terminal"] and r, 10)
        assert (record["status"], record["status_reason"]) == ("interrupted", "daemon_restarted")
        wait_until(lambda: consumer.after >= record["last_sequence"], 10, what="the consumer to catch up")
        consumer.stop_flag.set()
        consumer.join(10)
        sequences = [e["sequence"] for e in consumer.events]
        assert sequences == list(range(1, record["last_sequence"] + 1)), "gap or duplicate"
        # What was acknowledged before the kill is still there, byte for byte.
        assert consumer.events[: len(acknowledged)] == acknowledged
        last = consumer.events[-1]
        assert (last["family"], last["name"], last["data"]["reason"]) == ("lifecycle", "interrupted",
                                                                           "daemon_restarted")
        # The restarted daemon serves new runtimes, numbered from 1.
        fresh = client.start({"strategy": "examples:SmaCross", "params": {"fast": 3, "slow": 8},
                              "data": {"bars": 50}})["runtime_id"]
        wait_until(lambda: client.runtime(fresh)["terminal"], 20)
        assert client.events(fresh, after=0, limit=1)["events"][0]["sequence"] == 1
        assert client.runtime(fresh)["status"] == "completed"


def test_a_clean_shutdown_stops_runtimes_in_order(daemon_factory):
    daemon = daemon_factory()
    with daemon.client() as client:
        rid = client.start({"strategy": "examples:Churn", "mode": "paper", "pace_ms": 20,
                            "data": {"bars": None}})["runtime_id"]
        wait_until(lambda: client.runtime(rid)["status"] == "running", 20)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says why.
    assert daemon.stop() in (0, -signal.SIGTERM)
    daemon.start()
    with daemon.client() as client:
        record = client.runtime(rid)
        assert (record["status"], record["status_reason"]) == ("stopped", "daemon_shutdown")
        events = client.events(rid, after=0, limit=1000)["events"]
        assert [e["sequence"] for e in events] == list(range(1, record["last_sequence"] + 1))
