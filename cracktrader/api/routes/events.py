"""``GET /runtimes/{id}/events`` (pages) and ``GET /runtimes/{id}/events/stream`` (SSE).

Both read the store, the source of truth: a page is one read snapshot; the stream
sends the store's events after the client's position and, when it has caught up,
waits for the in-process bus to say something new was committed (or 15 s, for a
keep-alive comment). So the stream has no gap and no duplicate by construction, and
resumes from ``after`` or the ``Last-Event-ID`` header (D-462).
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from cracktrader.api.auth import require_read
from cracktrader.api.deps import blocking, store
from cracktrader.api.errors import ApiError
from cracktrader.api.models import EventsPage
from cracktrader.api.routes import errors
from cracktrader.api.routes.runtimes import RuntimeId, get_record
from cracktrader.runtime.vocabulary import FAMILIES, events_topic

router = APIRouter(tags=["events"])

INT64_MAX = 2**63 - 1
KEEPALIVE_S = 15.0
STREAM_PAGE = 500


class EventFilters:
    """The query parameters shared by the page and the stream."""

    def __init__(
        self,
        family: Literal[FAMILIES] | None = Query(None),  # type: ignore[valid-type]
        name: str | None = Query(None, min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$"),
        strategy_id: str | None = Query(None, min_length=1, max_length=128),
        execution_id: str | None = Query(None, min_length=1, max_length=128),
        route_id: str | None = Query(None, min_length=1, max_length=128),
        broker_id: str | None = Query(None, min_length=1, max_length=128),
    ) -> None:
        self.values = {
            "family": family,
            "name": name,
            "strategy_id": strategy_id,
            "execution_id": execution_id,
            "route_id": route_id,
            "broker_id": broker_id,
        }


@router.get(
    "/runtimes/{runtime_id}/events",
    response_model=EventsPage,
    responses=errors(401, 404, 422),
    dependencies=[Depends(require_read)],
)
async def list_events(
    request: Request,
    runtime_id: str = RuntimeId,
    after: int = Query(0, ge=0, le=INT64_MAX, description="return events with sequence > after"),
    limit: int = Query(100, ge=1, le=1000),
    filters: EventFilters = Depends(),
) -> Response:
    """Events in sequence order after ``after``; continue with ``next_after_sequence``
    while ``has_more`` (with filters, ``next_after_sequence`` may skip ahead past
    events that do not match)."""
    page = await blocking(store(request).events_page, runtime_id, after, limit, filters.values)
    if page is None:
        raise ApiError(404, "not_found", f"no runtime {runtime_id}")
    # The stored event texts are sent as they are: no decode and re-encode per event.
    body = (
        '{"events":[' + ",".join(page.bodies) + '],"next_after_sequence":'
        + str(page.next_after_sequence) + ',"has_more":' + ("true" if page.has_more else "false") + "}"
    )
    return Response(body.encode("utf-8"), media_type="application/json")


@router.get(
    "/runtimes/{runtime_id}/events/stream",
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
               **errors(401, 404, 422)},
    dependencies=[Depends(require_read)],
    response_class=StreamingResponse,
)
async def stream_events(
    request: Request,
    runtime_id: str = RuntimeId,
    after: int = Query(0, ge=0, le=INT64_MAX),
    filters: EventFilters = Depends(),
    last_event_id: str | None = Header(None, max_length=20, pattern=r"^[0-9]+$"),
) -> StreamingResponse:
    """Server-Sent Events: ``id`` is the sequence, ``event: runtime_event``, ``data``
    the event; ``event: end`` once the runtime is terminal and everything was sent.
    A reconnecting client's ``Last-Event-ID`` wins over ``after``."""
    await get_record(request, runtime_id)
    start = int(last_event_id) if last_event_id else after
    if start > INT64_MAX:
        raise ApiError(422, "validation_error", "Last-Event-ID out of range")
    subscription = await request.app.state.local_bus.subscribe(events_topic(runtime_id))
    return StreamingResponse(
        _stream(request, runtime_id, start, filters.values, subscription),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


async def _stream(
    request: Request, runtime_id: str, after: int, filters: dict[str, Any], subscription: Any
) -> AsyncIterator[bytes]:
    the_store = store(request)
    try:
        yield b"retry: 2000\n\n"
        while True:
            page = await blocking(the_store.events_page, runtime_id, after, STREAM_PAGE, filters)
            if page is None:
                return
            if page.bodies:
                chunk = "".join(
                    f"id: {seq}\nevent: runtime_event\ndata: {body}\n\n"
                    for seq, body in zip(page.sequences, page.bodies)
                )
                yield chunk.encode("utf-8")
            after = page.next_after_sequence
            if page.has_more:
                continue
            record = await blocking(the_store.runtime, runtime_id)
            if record is not None and record["terminal"] and record["last_sequence"] <= after:
                yield (f'event: end\ndata: {{"status":"{record["status"]}","last_sequence":'
                       f'{record["last_sequence"]}}}\n\n').encode("utf-8")
                return
            if await subscription.get(timeout=KEEPALIVE_S) is None:
                yield b": keep-alive\n\n"
            # The message only says "something was committed"; the next page reads it
            # all, so the other queued wake-ups are dropped.
            subscription.drain()
    finally:
        await subscription.close()
