"""Access to the daemon's shared objects from a request."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from cracktrader.runtime.host import RuntimeHost
from cracktrader.store import Store

T = TypeVar("T")


def store(request: Request) -> Store:
    return request.app.state.store


def host(request: Request) -> RuntimeHost:
    return request.app.state.host


async def blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a store call in the thread pool (SQLite calls block)."""
    return await run_in_threadpool(function, *args, **kwargs)
