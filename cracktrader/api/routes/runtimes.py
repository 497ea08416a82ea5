"""``POST /runtimes``, ``GET /runtimes``, ``GET /runtimes/{id}``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from cracktrader.api.auth import require_read, require_write
from cracktrader.api.deps import blocking, host, store
from cracktrader.api.errors import ApiError
from cracktrader.api.models import Runtime, RuntimeCreate, RuntimeList
from cracktrader.api.routes import errors
from cracktrader.runtime.host import HostError
from cracktrader.runtime.vocabulary import STATUSES

router = APIRouter(tags=["runtimes"])

RUNTIME_ID = r"^rt-[0-9a-f]{16}$"
RuntimeId = Path(pattern=RUNTIME_ID, description="rt- and 16 hex digits")


def with_worker(request: Request, record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "worker": host(request).worker_info(record["runtime_id"])}


async def get_record(request: Request, runtime_id: str) -> dict[str, Any]:
    record = await blocking(store(request).runtime, runtime_id)
    if record is None:
        raise ApiError(404, "not_found", f"no runtime {runtime_id}")
    return record


@router.post(
    "/runtimes",
    status_code=201,
    response_model=Runtime,
    responses=errors(401, 403, 413, 422, 429),
    dependencies=[Depends(require_write)],
)
async def create_runtime(body: RuntimeCreate, request: Request) -> dict[str, Any]:
    """Start a runtime: one strategy, in its own worker process, on the chosen backend."""
    try:
        record = await host(request).create(body.normalized())
    except HostError as exc:
        details = {"field": exc.field} if exc.field else None
        raise ApiError(exc.status, exc.code, str(exc), details) from None
    return with_worker(request, record)


@router.get("/runtimes", response_model=RuntimeList, responses=errors(401, 422),
            dependencies=[Depends(require_read)])
async def list_runtimes(
    request: Request,
    status: Literal[STATUSES] | None = Query(None),  # type: ignore[valid-type]
    limit: int = Query(1000, ge=1, le=10_000),
) -> dict[str, Any]:
    """Every runtime (oldest first), optionally only those with one status."""
    records = await blocking(store(request).list_runtimes, status=status, limit=limit)
    return {"runtimes": [with_worker(request, record) for record in records]}


@router.get("/runtimes/{runtime_id}", response_model=Runtime, responses=errors(401, 404, 422),
            dependencies=[Depends(require_read)])
async def get_runtime(request: Request, runtime_id: str = RuntimeId) -> dict[str, Any]:
    """One runtime: status, spec, last sequence, PnL, worker process."""
    return with_worker(request, await get_record(request, runtime_id))
