"""``GET /runtimes/{id}/read-models/{view}`` and ``GET /fleet/read-models/{view}``."""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from cracktrader.api.auth import require_read
from cracktrader.api.deps import blocking, host, store
from cracktrader.api.errors import ApiError
from cracktrader.api.models import FleetReadModel, ReadModel
from cracktrader.api.routes import errors
from cracktrader.api.routes.runtimes import RuntimeId
from cracktrader.runtime.vocabulary import VIEWS

router = APIRouter(tags=["read models"])

View = Enum("View", {name: name for name in VIEWS}, type=str)  # type: ignore[misc]


@router.get(
    "/runtimes/{runtime_id}/read-models/{view}",
    response_model=ReadModel,
    responses=errors(401, 404, 422),
    dependencies=[Depends(require_read)],
)
async def runtime_view(
    request: Request,
    view: View,
    runtime_id: str = RuntimeId,
    max_points: int = Query(500, ge=2, le=10_000, description="equity_curve: at most this many points"),
) -> dict[str, Any]:
    """``status`` (the runtime), ``orders`` (every order, latest state), ``positions``,
    ``pnl`` (cash, equity, realized/unrealized PnL, fees) or ``equity_curve``."""
    result = await blocking(store(request).read_model, runtime_id, view.value, max_points=max_points)
    if result is None:
        raise ApiError(404, "not_found", f"no runtime {runtime_id}")
    if view.value == "status":
        result["runtime"]["worker"] = host(request).worker_info(runtime_id)
    return result


@router.get(
    "/fleet/read-models/{view}",
    response_model=FleetReadModel,
    responses=errors(401, 422),
    dependencies=[Depends(require_read)],
)
async def fleet_view(
    request: Request,
    view: View,
    max_points: int = Query(100, ge=2, le=2_000, description="equity_curve: points per runtime"),
) -> dict[str, Any]:
    """The same views across every runtime: ``status`` (counts per status), open
    ``orders``, non-flat ``positions``, ``pnl`` with totals, ``equity_curve`` per runtime."""
    return await blocking(store(request).fleet_read_model, view.value, max_points=max_points)
