"""API v1 routers, one module per resource."""

from __future__ import annotations

from typing import Any

from cracktrader.api.models import ErrorEnvelope

DESCRIPTIONS = {
    400: "Bad request (API version, Host)",
    401: "No bearer token, or an unknown one",
    403: "A read-only token on a write endpoint",
    404: "No such runtime or report",
    409: "command_id already used for another command",
    413: "Body too large",
    422: "The request does not fit the schema, or cannot run here",
    429: "Too many active runtimes",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error responses of a route (all use the envelope)."""
    return {status: {"model": ErrorEnvelope, "description": DESCRIPTIONS[status]} for status in (400, *statuses)}
