"""Fixtures for the runtime daemon tests: an in-process app, a real daemon process, a
real redis-server, and the Rust-core rule.

Everything listens on loopback only, on free ports picked at run time; nothing here
touches any other network.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from runtime_support import ROOT, free_port, wait_until


# ---- an in-process app (FastAPI TestClient) ------------------------------------------


@dataclass
class AppHandle:
    client: Any
    storage: Path
    admin: str
    read: str
    app: Any

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin}"}

    @property
    def read_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.read}"}

    def create(self, **spec: Any) -> dict[str, Any]:
        spec.setdefault("strategy", "demo:Churn")
        response = self.client.post("/api/v1/runtimes", json=spec, headers=self.admin_headers)
        assert response.status_code == 201, response.text
        return response.json()

    def runtime(self, runtime_id: str) -> dict[str, Any]:
        return self.client.get(f"/api/v1/runtimes/{runtime_id}", headers=self.admin_headers).json()

    def wait_terminal(self, runtime_id: str, timeout: float = 30.0) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            record = self.runtime(runtime_id)
            worker = record.get("worker")
            return record if record["terminal"] and not (worker and worker["running"]) else None

        return wait_until(done, timeout, what=f"{runtime_id} to end")

    def all_events(self, runtime_id: str, **filters: Any) -> list[dict[str, Any]]:
        events, after = [], 0
        while True:
            page = self.client.get(f"/api/v1/runtimes/{runtime_id}/events",
                                   params={"after": after, "limit": 1000, **filters},
                                   headers=self.admin_headers).json()
            events += page["events"]
            after = page["next_after_sequence"]
            if not page["has_more"]:
                return events

    def control(self, runtime_id: str, command: str, command_id: str) -> Any:
        return self.client.post(f"/api/v1/runtimes/{runtime_id}/control",
                                json={"command": command, "command_id": command_id}, headers=self.admin_headers)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., AppHandle]]:
    """Build and start in-process daemons (lifespan included); stopped at teardown."""
    with warnings.catch_warnings():
        # starlette's TestClient warns that it prefers httpx2; httpx is what we ship.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from cracktrader.api.app import create_app
    from cracktrader.api.config import DaemonConfig

    started: list[Any] = []

    def build(**options: Any) -> AppHandle:
        storage = options.pop("storage", tmp_path / f"storage{len(started)}")
        config = DaemonConfig(storage_dir=storage, **{"allowed_hosts": None, **options})
        app = create_app(config)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            client = TestClient(app)
        client.__enter__()
        started.append(client)
        tokens = app.state.tokens
        return AppHandle(client, storage, tokens.admin, tokens.read, app)

    yield build
    for client in reversed(started):
        client.__exit__(None, None, None)


@pytest.fixture
def app(make_app: Callable[..., AppHandle]) -> AppHandle:
    return make_app()


# ---- a real daemon process -----------------------------------------------------------


@dataclass
class DaemonProcess:
    storage: Path
    port: int
    args: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return (self.storage / "daemon.token").read_text().strip()

    @property
    def read_token(self) -> str:
        return (self.storage / "daemon.read.token").read_text().strip()

    def start(self, timeout: float = 30.0) -> "DaemonProcess":
        import httpx

        env = {**os.environ, **self.extra_env}
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cracktrader", "daemon", "--storage", str(self.storage),
             "--port", str(self.port), "--log-level", "warning", *self.args],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )
        log.close()

        def healthy() -> bool:
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"the daemon exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                return httpx.get(self.url + "/api/v1/health", timeout=1.0).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, timeout, interval=0.1, what="the daemon to answer /health")
        return self

    def client(self, token: str | None = "admin") -> Any:
        from cracktrader.runtime.client import DaemonClient

        value = {"admin": self.token, "read": self.read_token}.get(token or "", None)
        return DaemonClient(self.url, value)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)


@pytest.fixture
def daemon_factory(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """Start real ``cracktrader daemon`` processes; each is stopped at teardown."""
    made: list[DaemonProcess] = []

    def make(*args: str, storage: Path | None = None, port: int | None = None,
             env: dict[str, str] | None = None, start: bool = True) -> DaemonProcess:
        daemon = DaemonProcess(storage or tmp_path / f"daemon{len(made)}", port or free_port(), list(args),
                               tmp_path / f"daemon{len(made)}.log", extra_env=env or {})
        made.append(daemon)
        return daemon.start() if start else daemon

    yield make
    for daemon in made:
        daemon.stop()


# ---- a real redis-server -------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free loopback port (Debian package redis-server,
    installed by .ci/run); stopped at the end of the session."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")
    import redis

    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail("redis-server exited at start")
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_until(up, 15, what="redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


# ---- a real parity report ------------------------------------------------------------


@pytest.fixture(scope="session")
def parity_json_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A genuine ``python -m parity.fuzz --json-out`` file with one divergence: a planted
    mutant (``next_bar_off_by_one``) against the python core, found and shrunk."""
    out = tmp_path_factory.mktemp("parity") / "fuzz.json"
    result = subprocess.run(
        [sys.executable, "-m", "parity.fuzz", "--mutant", "next_bar_off_by_one", "--budget", "30cases",
         "--seed", "11", "--length", "200", "--quiet", "--json-out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr[-2000:]  # 1: a divergence was found
    return out
