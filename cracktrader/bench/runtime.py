"""``python -m cracktrader.bench runtime``: a bounded load test of the runtime daemon.

A real daemon process on a free loopback port, ``--runtimes`` paper runtimes publishing
(each paced, so the run measures a realistic load on a small machine instead of
saturating it), and ``--readers`` concurrent clients paginating their events with
``after``/``limit`` for ``--duration`` seconds. Then the runtimes are stopped, every
reader drains to the end, and each reader's sequences are checked against the log:
nothing lost, nothing duplicated (the run fails otherwise).

Reported: events/s published (committed by the daemon), events/s read, page latency
(p50/p90/p99/max), sequences lost and duplicated, and the CPU the daemon used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cracktrader.bench.timing import build_profile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--runtimes", type=int, default=5, help="publishing runtimes (default 5)")
    parser.add_argument("--readers", type=int, default=20, help="concurrent paginating readers (default 20)")
    parser.add_argument("--page-size", type=int, default=200, help="limit per page (default 200)")
    parser.add_argument("--pace-ms", type=int, default=20,
                        help="wall-clock ms between bars of a runtime (default 20: a load, not a flood)")
    parser.add_argument("--poll-ms", type=int, default=50, help="a caught-up reader waits this long (default 50)")
    parser.add_argument("--strategy", default="demo:Churn", help="strategy of every runtime (default demo:Churn)")
    parser.add_argument("--backend", default="python", choices=("python", "rust"))
    parser.add_argument("--bus", metavar="URL", help="run the daemon with an external bus (redis://...)")
    parser.add_argument("--sqlite-synchronous", choices=("full", "normal"), default="full")
    parser.add_argument("--json-out", metavar="PATH", help="write the figures as JSON")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds(pid: int) -> float:
    """CPU of the daemon's worker processes (direct children), from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(samples: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), int(round(q * len(ordered) + 0.5))))
    return ordered[rank - 1]


class Reader:
    """Follows one runtime page by page, like a consumer resuming with ``after``."""

    def __init__(self, client: Any, runtime_id: str, page_size: int, poll_s: float) -> None:
        self.client, self.runtime_id, self.page_size, self.poll_s = client, runtime_id, page_size, poll_s
        self.sequences: list[int] = []
        self.latencies: list[float] = []
        self.after = 0
        self.errors = 0

    async def page(self) -> bool:
        start = time.perf_counter()
        response = await self.client.get(f"/api/v1/runtimes/{self.runtime_id}/events",
                                         params={"after": self.after, "limit": self.page_size})
        self.latencies.append(time.perf_counter() - start)
        if response.status_code != 200:
            self.errors += 1
            return False
        body = response.json()
        self.sequences.extend(event["sequence"] for event in body["events"])
        self.after = body["next_after_sequence"]
        return bool(body["has_more"])

    async def follow(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if not await self.page():
                try:
                    await asyncio.wait_for(stop.wait(), self.poll_s)
                except asyncio.TimeoutError:
                    pass

    async def drain(self, last_sequence: int) -> None:
        while self.after < last_sequence:
            await self.page()


async def _load(args: argparse.Namespace, url: str, token: str, daemon_pid: int) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=args.readers + 4, max_keepalive_connections=args.readers + 4)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:
        runtime_ids = []
        for index in range(args.runtimes):
            spec = {"strategy": args.strategy, "mode": "paper", "backend": args.backend, "pace_ms": args.pace_ms,
                    "symbols": ["BTC/USDT", "ETH/USDT"], "data": {"bars": None, "seed": index + 1}}
            response = await client.post("/api/v1/runtimes", json=spec)
            response.raise_for_status()
            runtime_ids.append(response.json()["runtime_id"])

        async def published() -> int:
            records = (await client.get("/api/v1/runtimes")).json()["runtimes"]
            return sum(r["last_sequence"] for r in records if r["runtime_id"] in runtime_ids)

        await asyncio.sleep(1.0)  # let every worker start
        readers = [Reader(client, runtime_ids[i % len(runtime_ids)], args.page_size, args.poll_ms / 1000)
                   for i in range(args.readers)]
        stop = asyncio.Event()
        start_published, start = await published(), time.perf_counter()
        start_cpu = (_cpu_seconds(daemon_pid), _children_cpu_seconds(daemon_pid), _self_cpu_seconds())
        tasks = [asyncio.create_task(reader.follow(stop)) for reader in readers]
        await asyncio.sleep(args.duration)
        elapsed = time.perf_counter() - start
        end_published = await published()
        end_cpu = (_cpu_seconds(daemon_pid), _children_cpu_seconds(daemon_pid), _self_cpu_seconds())
        stop.set()
        await asyncio.gather(*tasks)
        read_during = sum(len(reader.sequences) for reader in readers)

        for index, runtime_id in enumerate(runtime_ids):
            await client.post(f"/api/v1/runtimes/{runtime_id}/control",
                              json={"command": "stop", "command_id": f"bench-stop-{index}"})
        finals: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while len(finals) < len(runtime_ids) and time.monotonic() < deadline:
            for runtime_id in runtime_ids:
                record = (await client.get(f"/api/v1/runtimes/{runtime_id}")).json()
                if record["terminal"]:
                    finals[runtime_id] = record["last_sequence"]
            await asyncio.sleep(0.2)
        await asyncio.gather(*(reader.drain(finals.get(reader.runtime_id, 0)) for reader in readers))

    lost = duplicated = 0
    for reader in readers:
        expected = finals.get(reader.runtime_id, 0)
        unique = set(reader.sequences)
        lost += len(set(range(1, expected + 1)) - unique)
        duplicated += len(reader.sequences) - len(unique)
        if reader.sequences != sorted(reader.sequences):
            duplicated += 1  # out of order counts as a delivery fault too
    latencies = [s for reader in readers for s in reader.latencies]
    return {
        "runtimes": args.runtimes,
        "readers": args.readers,
        "duration_s": round(elapsed, 3),
        "pace_ms": args.pace_ms,
        "page_size": args.page_size,
        "events_published": end_published - start_published,
        "events_published_per_s": round((end_published - start_published) / elapsed, 1),
        "events_read_per_s": round(read_during / elapsed, 1),
        "pages_read": len(latencies),
        "page_latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 2),
            "p90": round(percentile(latencies, 0.90) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round(max(latencies) * 1000, 2) if latencies else None,
        },
        "sequences_lost": lost,
        "sequences_duplicated": duplicated,
        "reader_errors": sum(reader.errors for reader in readers),
        "final_sequences": sorted(finals.values()),
        # Where the machine's time went (100 = one core busy): the daemon, its runtime
        # workers, and this process (the readers' HTTP client and JSON parsing).
        "cpu_percent": {
            name: round(100 * (end - begin) / elapsed, 1)
            for name, begin, end in zip(("daemon", "workers", "readers"), start_cpu, end_cpu)
        },
        "cpus": os.cpu_count(),
    }


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the daemon exited with {process.returncode}")
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the daemon did not answer /health")


def main(args: argparse.Namespace) -> int:
    """Run the load, print the figures; exit 1 if any sequence was lost or duplicated."""
    if min(args.runtimes, args.readers, args.page_size) < 1 or args.duration <= 0:
        print("bench runtime: --runtimes, --readers, --page-size and --duration must be positive", file=sys.stderr)
        return 2
    storage = Path(tempfile.mkdtemp(prefix="cracktrader-bench-runtime-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "cracktrader", "daemon", "--storage", str(storage / "daemon"),
               "--port", str(port), "--log-level", "warning", "--max-runtimes", str(args.runtimes + 1),
               "--sqlite-synchronous", args.sqlite_synchronous]
    if args.bus:
        command += ["--bus", args.bus]
    log = open(storage / "daemon.log", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, process)
        token = (storage / "daemon" / "daemon.token").read_text().strip()
        print(f"bench runtime: {args.runtimes} runtimes ({args.strategy}, paper, pace {args.pace_ms} ms, "
              f"{args.backend} core), {args.readers} readers (pages of {args.page_size}), {args.duration:g}s, "
              f"bus {args.bus or 'in-process'}, sqlite synchronous={args.sqlite_synchronous}, "
              f"rust extension: {build_profile()}", file=sys.stderr, flush=True)
        figures = asyncio.run(_load(args, url, token, process.pid))
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(storage, ignore_errors=True)
    latency = figures["page_latency_ms"]
    print(f"published  {figures['events_published']:>9,} events  {figures['events_published_per_s']:>10,.1f} events/s")
    print(f"read       {figures['events_read_per_s']:>27,.1f} events/s over {figures['pages_read']:,} pages")
    print(f"page latency ms  p50 {latency['p50']}  p90 {latency['p90']}  p99 {latency['p99']}  max {latency['max']}")
    print(f"sequences  lost {figures['sequences_lost']}  duplicated {figures['sequences_duplicated']}  "
          f"(reader errors {figures['reader_errors']})")
    cpu = figures["cpu_percent"]
    print(f"CPU (100 = one core; {figures['cpus']} cores here): daemon {cpu['daemon']}%, "
          f"runtime workers {cpu['workers']}%, readers {cpu['readers']}%")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2, sort_keys=True)
            handle.write("\n")
    return 1 if figures["sequences_lost"] or figures["sequences_duplicated"] or figures["reader_errors"] else 0
