"""``POST /runtimes/{id}/control`` (idempotent by ``command_id``) and the command list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from cracktrader.api.auth import require_read, require_write
from cracktrader.api.deps import blocking, host, store
from cracktrader.api.errors import ApiError
from cracktrader.api.models import ControlList, ControlRequest, ControlResponse
from cracktrader.api.routes import errors
from cracktrader.api.routes.runtimes import RuntimeId, get_record
from cracktrader.runtime.host import HostError

router = APIRouter(tags=["control"])

REPLAY_HEADER = "Idempotent-Replayed"


@router.post(
    "/runtimes/{runtime_id}/control",
    response_model=ControlResponse,
    responses={200: {"description": "The response (also for a replayed command_id, with the header "
                                    f"{REPLAY_HEADER}: true)"},
               **errors(401, 403, 404, 409, 413, 422)},
    dependencies=[Depends(require_write)],
)
async def control(body: ControlRequest, request: Request, runtime_id: str = RuntimeId) -> JSONResponse:
    """Send ``pause``, ``resume``, ``stop``, ``kill_switch`` or ``cancel_all``.

    The first request with a ``command_id`` is executed and its response stored; a
    repeat returns that same response and executes nothing (a repeat with another
    command is 409). ``accepted`` means delivered to the runtime, whose
    ``lifecycle/control_applied`` event (with the ``command_id``) confirms the effect;
    ``rejected`` (``runtime_not_active``) means the runtime is not running. Responses
    are also published on ``runtime.{id}.control.responses``.
    """
    the_store = store(request)
    try:
        response, replayed = await host(request).control(
            runtime_id, body.command, body.command_id, body.reason, the_store.clock()
        )
    except HostError as exc:
        details = {"field": exc.field} if exc.field else None
        raise ApiError(exc.status, exc.code, str(exc), details) from None
    return JSONResponse(response, headers={REPLAY_HEADER: "true" if replayed else "false"})


@router.get(
    "/runtimes/{runtime_id}/control",
    response_model=ControlList,
    responses=errors(401, 404, 422),
    dependencies=[Depends(require_read)],
)
async def list_commands(
    request: Request, runtime_id: str = RuntimeId, limit: int = Query(1000, ge=1, le=10_000)
) -> dict[str, Any]:
    """Every control command of a runtime with its response, oldest first."""
    await get_record(request, runtime_id)
    return {"commands": await blocking(store(request).controls, runtime_id, limit)}
