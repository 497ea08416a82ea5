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


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_names(dependant: Any) -> frozenset[str]:
    names: set[str] = set()
    stack = [dependant]
    while stack:
        node = stack.pop()
        names.update(param.alias for param in getattr(node, "query_params", ()))
        stack.extend(getattr(node, "dependencies", ()))
    return frozenset(names)


async def no_unknown_query(request: Request) -> None:
    """Refuse query parameters a route does not declare (a misspelt ``afterr=5`` would
    otherwise be ignored silently and return something the client did not ask for)."""
    from cracktrader.api.errors import ApiError, clean_text

    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known = _QUERY_NAMES.get(id(route))
    if known is None:
        known = _QUERY_NAMES[id(route)] = _query_names(dependant)
    unknown = sorted(set(request.query_params.keys()) - known)
    if unknown:
        shown = ", ".join(repr(name)[:40] for name in unknown[:5])
        raise ApiError(422, "validation_error", f"unknown query parameter(s): {shown}",
                       [{"loc": ["query", name[:64]], "message": "not a parameter of this endpoint",
                         "type": "extra_forbidden"} for name in map(clean_text, unknown[:5])])
