"""``GET /health``: liveness and what the daemon runs on (no token needed, no secrets)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cracktrader import __version__
from cracktrader.api import API_VERSION
from cracktrader.api.deps import host
from cracktrader.api.models import Health
from cracktrader.api.routes import errors

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Health, responses=errors())
async def health(request: Request) -> Health:
    """The daemon is up; API version, active runtimes, bus transport, store mode."""
    runtime_host = host(request)
    bus = runtime_host.bus.describe()
    bus["errors"] = runtime_host.bus_errors
    return Health(
        status="ok",
        api_version=API_VERSION,
        version=__version__,
        runtimes_active=runtime_host.active_count(),
        bus=bus,
        store={"engine": "sqlite", "journal_mode": request.app.state.journal_mode},
        open_reads=request.app.state.config.open_reads,
    )
