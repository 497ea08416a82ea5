"""A small synchronous client of the daemon's API v1 (the CLI uses it).

The token comes from ``--token-file``, the token file of a ``--storage`` directory, or
``CRACKTRADER_DAEMON_TOKEN``; it is never a command-line argument (other users can read
process arguments).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

URL_ENV = "CRACKTRADER_DAEMON_URL"
TOKEN_ENV = "CRACKTRADER_DAEMON_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8765"


class ClientError(Exception):
    """The daemon answered with an error envelope (``status``, ``code``)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.details = details


class Unreachable(Exception):
    """No daemon answered at the URL."""


def resolve_token(token_file: str | None = None, storage: str | None = None) -> str | None:
    if token_file:
        return Path(token_file).read_text("utf-8").strip()
    if storage:
        path = Path(storage) / "daemon.token"
        if path.exists():
            return path.read_text("utf-8").strip()
    return os.environ.get(TOKEN_ENV) or None


class DaemonClient:
    """Calls ``{url}/api/v1/...`` with the bearer token."""

    def __init__(self, url: str | None = None, token: str | None = None, *, timeout: float = 30.0) -> None:
        import httpx

        self.url = (url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        headers = {"X-Cracktrader-API-Version": "v1"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._httpx = httpx
        self.http = httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "DaemonClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except self._httpx.TransportError as exc:
            raise Unreachable(f"no daemon at {self.url}: {exc}") from None
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_error", "message": response.text[:200]}
            raise ClientError(response.status_code, error.get("code", "?"), error.get("message", ""),
                              error.get("details"))
        return response.json()

    # endpoints ---------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self.request("GET", "/health")

    def start(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "/runtimes", json=spec)

    def runtimes(self, status: str | None = None) -> list[dict[str, Any]]:
        params = {"status": status} if status else {}
        return self.request("GET", "/runtimes", params=params)["runtimes"]

    def runtime(self, runtime_id: str) -> dict[str, Any]:
        return self.request("GET", f"/runtimes/{runtime_id}")

    def events(self, runtime_id: str, **params: Any) -> dict[str, Any]:
        query = {key: value for key, value in params.items() if value is not None}
        return self.request("GET", f"/runtimes/{runtime_id}/events", params=query)

    def control(self, runtime_id: str, command: str, command_id: str, reason: str | None = None) -> dict[str, Any]:
        body = {"command": command, "command_id": command_id}
        if reason:
            body["reason"] = reason
        return self.request("POST", f"/runtimes/{runtime_id}/control", json=body)

    def read_model(self, runtime_id: str, view: str) -> dict[str, Any]:
        return self.request("GET", f"/runtimes/{runtime_id}/read-models/{view}")

    def post_report(self, document_bytes: bytes, **params: Any) -> dict[str, Any]:
        query = {key: value for key, value in params.items() if value is not None}
        return self.request("POST", "/reports", content=document_bytes, params=query,
                            headers={"Content-Type": "application/json"})

    def reports(self, kind: str | None = None) -> list[dict[str, Any]]:
        return self.request("GET", "/reports", params={"kind": kind} if kind else {})["reports"]

    def stream(self, runtime_id: str, after: int = 0, **filters: Any) -> Iterator[dict[str, Any]]:
        """Events from the live stream (SSE) until the runtime ends."""
        query = {"after": after, **{k: v for k, v in filters.items() if v is not None}}
        try:
            with self.http.stream("GET", f"/runtimes/{runtime_id}/events/stream", params=query,
                                  timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    error = response.json().get("error", {})
                    raise ClientError(response.status_code, error.get("code", "?"), error.get("message", ""))
                kind = None
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        if kind == "end":
                            return
                        yield json.loads(line[6:])
                    elif line == "":
                        kind = None
        except self._httpx.TransportError as exc:
            raise Unreachable(f"no daemon at {self.url}: {exc}") from None
