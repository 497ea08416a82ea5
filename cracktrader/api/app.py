"""``create_app(config)``: the FastAPI application of the daemon.

Start-up (the lifespan) prepares the storage directory (0700) and the tokens, opens
the store, connects the bus, and marks runtimes a previous daemon left running as
``interrupted``; shut-down stops every worker, then closes the bus and the store.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import Depends, FastAPI

from cracktrader.api import API_PREFIX, API_VERSION, errors, page
from cracktrader.api.auth import load_tokens, prepare_storage
from cracktrader.api.config import DaemonConfig
from cracktrader.api.deps import no_unknown_query
from cracktrader.api.middleware import DaemonMiddleware
from cracktrader.api.routes import control, events, read_models, reports, runtimes, system
from cracktrader.bus import InProcessBus, build_bus
from cracktrader.runtime.host import HostConfig, RuntimeHost
from cracktrader.store import Store

log = logging.getLogger(__name__)

DESCRIPTION = """Managed runtimes of cracktrader: start strategies, follow their events,
control them, read their read models, and keep parity/replay evidence.

Every response carries `X-Cracktrader-API-Version: v1`; every error is
`{"error": {"code", "message", "details"}}`. Reads need the admin or the read-only bearer
token (unless the daemon runs with `--open-reads`); writes and control need the admin token.
"""


def create_app(config: DaemonConfig) -> FastAPI:
    """The daemon's ASGI application for ``config``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        storage = config.storage_dir
        prepare_storage(storage)
        app.state.tokens = load_tokens(storage)
        store = Store.in_dir(storage, synchronous=config.sqlite_synchronous)
        app.state.journal_mode = store.db.journal_mode()
        local_bus = InProcessBus()
        bus = local_bus if not config.bus_url else build_bus(config.bus_url)
        await bus.start()
        host = RuntimeHost(
            store,
            HostConfig(
                storage_dir=storage,
                strategy_roots=config.strategy_roots(),
                allowed_exchanges=[name.strip().lower() for name in config.allowed_exchanges],
                venue_modules=list(config.venue_modules),
                max_active_runtimes=config.max_active_runtimes,
                stop_timeout_s=config.stop_timeout_s,
                shutdown_timeout_s=config.shutdown_timeout_s,
            ),
            bus=bus,
            local_bus=local_bus,
        )
        interrupted = await host.start()
        if interrupted:
            log.warning("marked %d runtime(s) left running by a previous daemon as interrupted", len(interrupted))
        app.state.store, app.state.local_bus, app.state.bus, app.state.host = store, local_bus, bus, host
        try:
            yield
        finally:
            await host.shutdown()
            if bus is not local_bus:
                await bus.close()
            await local_bus.close()
            store.close()

    app = FastAPI(
        title="cracktrader daemon",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        # The interactive docs load scripts from a CDN: not on a loopback-only daemon.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.config = config
    errors.install(app)
    for module in (system, runtimes, events, control, read_models, reports):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=[Depends(no_unknown_query)])
    app.include_router(page.router)
    allowed = config.allowed_hosts
    app.add_middleware(
        DaemonMiddleware,
        allowed_hosts=allowed,
        max_body_bytes=config.max_body_bytes,
        max_report_bytes=config.max_report_bytes,
    )
    return app
