"""Bearer tokens: an admin token (reads, writes, control) and a read-only token.

Each comes from its environment variable (``CRACKTRADER_DAEMON_TOKEN``,
``CRACKTRADER_DAEMON_READ_TOKEN``) or from a file in the storage directory, generated
on first start with owner-only permissions (0600, in a 0700 directory); a token file
that others can read is refused, like ssh refuses a readable private key (D-465).
Tokens are compared in constant time. ``--open-reads`` lets read endpoints answer
without a token; writes and control always need the admin token.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cracktrader.api.errors import ApiError

ADMIN_ENV = "CRACKTRADER_DAEMON_TOKEN"
READ_ENV = "CRACKTRADER_DAEMON_READ_TOKEN"
ADMIN_FILE = "daemon.token"
READ_FILE = "daemon.read.token"
MIN_TOKEN_LENGTH = 16


class TokenError(RuntimeError):
    """A token could not be loaded safely (the daemon refuses to start)."""


@dataclass(frozen=True)
class Tokens:
    admin: str
    read: str
    admin_source: str
    read_source: str


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TokenError(f"{path} is accessible by other users (mode {stat.S_IMODE(mode):o}); chmod 600 it")


def _load(storage_dir: Path, env_name: str, filename: str) -> tuple[str, str]:
    value = os.environ.get(env_name)
    if value:
        if len(value) < MIN_TOKEN_LENGTH:
            raise TokenError(f"{env_name} must be at least {MIN_TOKEN_LENGTH} characters")
        return value, f"${env_name}"
    path = storage_dir / filename
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _check_private(path)
        token = path.read_text("utf-8").strip()
        if len(token) < MIN_TOKEN_LENGTH:
            raise TokenError(f"{path} holds no usable token (at least {MIN_TOKEN_LENGTH} characters)")
        return token, str(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        token = secrets.token_urlsafe(32)
        handle.write(token + "\n")
    return token, str(path)


def prepare_storage(storage_dir: Path) -> None:
    """Create the storage directory owner-only, or refuse one others can write."""
    storage_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = storage_dir.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise TokenError(f"the storage directory {storage_dir} is writable by other users")


def load_tokens(storage_dir: Path) -> Tokens:
    """The admin and read-only tokens (from the environment, or owner-only files)."""
    admin, admin_source = _load(storage_dir, ADMIN_ENV, ADMIN_FILE)
    read, read_source = _load(storage_dir, READ_ENV, READ_FILE)
    if hmac.compare_digest(admin, read):
        raise TokenError("the read-only token must differ from the admin token")
    return Tokens(admin, read, admin_source, read_source)


bearer = HTTPBearer(
    auto_error=False,
    description="The daemon's admin token (writes and control) or read-only token (reads).",
)


def _role(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    tokens: Tokens = request.app.state.tokens
    if credentials is None:
        return None
    given = credentials.credentials.encode("utf-8", "surrogateescape")
    if hmac.compare_digest(given, tokens.admin.encode("utf-8")):
        return "admin"
    if hmac.compare_digest(given, tokens.read.encode("utf-8")):
        return "read"
    return "invalid"


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="cracktrader"'})


def require_read(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)
) -> str:
    """Readers: the admin or read-only token (or anyone with ``--open-reads``)."""
    role = _role(request, credentials)
    if role in ("admin", "read"):
        return role
    if role == "invalid":  # a wrong token is refused even when reads are open
        raise _unauthorized("unknown token")
    if request.app.state.config.open_reads:
        return "anonymous"
    raise _unauthorized("this endpoint needs a bearer token")


def require_write(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)
) -> str:
    """Writers and control: the admin token only."""
    role = _role(request, credentials)
    if role == "admin":
        return role
    if role == "read":
        raise ApiError(403, "forbidden", "a read-only token cannot write or control")
    if role is None:
        raise _unauthorized("this endpoint needs the admin bearer token")
    raise _unauthorized("unknown token")
