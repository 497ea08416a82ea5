"""One ASGI middleware for what every request and response shares: the API version
header, the Host check, the body size limit and security headers."""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

from cracktrader.api import API_PREFIX, API_VERSION, VERSION_HEADER
from cracktrader.api.errors import envelope

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class BodyTooLarge(Exception):
    pass


def _host_name(value: str) -> str:
    if value.startswith("["):  # [::1]:8765
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class DaemonMiddleware:
    """Wraps the FastAPI app."""

    def __init__(self, app: Any, *, allowed_hosts: list[str] | None, max_body_bytes: int,
                 max_report_bytes: int) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts is not None else None
        self.max_body_bytes = max_body_bytes
        self.max_report_bytes = max_report_bytes

    async def _refuse(self, send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(envelope(code, message)).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (VERSION_HEADER.lower().encode(), API_VERSION.encode()),
        ]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        path: str = scope.get("path", "")
        if self.allowed_hosts is not None:
            host = _host_name(headers.get("host", "")).lower()
            if host not in self.allowed_hosts:
                await self._refuse(send, 400, "invalid_host", "this Host is not served (DNS rebinding guard)")
                return
        is_api = path.startswith(API_PREFIX)
        asked = headers.get(VERSION_HEADER.lower())
        if is_api and asked is not None and asked.strip() != API_VERSION:
            await self._refuse(send, 400, "unsupported_api_version",
                               f"this daemon speaks {VERSION_HEADER}: {API_VERSION}")
            return
        limit = self.max_report_bytes if path.rstrip("/") == f"{API_PREFIX}/reports" else self.max_body_bytes
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await self._refuse(send, 400, "bad_request", "invalid Content-Length")
                return
            if int(length) > limit:
                await self._refuse(send, 413, "payload_too_large", f"the body exceeds {limit} bytes")
                return
        received = 0
        too_large = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Stop reading; whatever the app answers is replaced by a 413 below
                    # (the app may turn this exception into its own 400).
                    too_large = True
                    raise BodyTooLarge
            return message

        async def decorated_send(message: Message) -> None:
            nonlocal refused
            if too_large:
                if not refused:
                    refused = True
                    await self._refuse(send, 413, "payload_too_large", f"the body exceeds {limit} bytes")
                return
            if message["type"] == "http.response.start":
                extra = [(VERSION_HEADER.lower().encode(), API_VERSION.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer")]
                if is_api:
                    extra.append((b"cache-control", b"no-store"))
                else:
                    extra.append((b"content-security-policy", PAGE_CSP.encode()))
                    extra.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, limited_receive, decorated_send)
        except BodyTooLarge:
            if not refused:
                await self._refuse(send, 413, "payload_too_large", f"the body exceeds {limit} bytes")
