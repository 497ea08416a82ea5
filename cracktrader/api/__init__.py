"""The daemon's HTTP API v1 (FastAPI): runtimes, events (paged and live), control,
read models, reports, and the operator page. ``create_app(DaemonConfig)`` builds it;
``cracktrader daemon`` serves it with uvicorn. See docs/runtime.md.
"""

from __future__ import annotations

API_VERSION = "v1"
API_PREFIX = "/api/v1"
VERSION_HEADER = "X-Cracktrader-API-Version"
