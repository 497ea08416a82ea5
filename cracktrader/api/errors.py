"""The error envelope ``{"error": {"code", "message", "details"}}`` and the handlers that
make every failure use it: a bad request is a 4xx with a code from ``ERROR_CODES``,
never a 500 (D-466)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

# The closed list of error codes (docs/runtime.md, "Errors").
ERROR_CODES = (
    "unauthorized",            # 401: no bearer token, or an unknown one
    "forbidden",               # 403: a read-only token on a write endpoint
    "not_found",               # 404
    "method_not_allowed",      # 405
    "command_id_conflict",     # 409: a command_id reused for another command
    "payload_too_large",       # 413
    "unsupported_media_type",  # 415
    "validation_error",        # 422: the body, path or query does not fit the schema
    "invalid_strategy",        # 422
    "strategy_not_found",      # 422: not in any configured strategy path
    "backend_unavailable",     # 422: e.g. rust not built
    "mode_unavailable",        # 422: e.g. live on synthetic data, backtest on a venue
    "exchange_not_allowed",    # 422: a venue the daemon was not started with --allow-exchange for
    "invalid_report",          # 422: a report claims a schema it does not satisfy
    "unsupported_api_version",  # 400
    "invalid_host",            # 400: Host header not allowed (DNS rebinding guard)
    "bad_request",             # 400
    "too_many_runtimes",       # 429
    "internal_error",          # 500: a bug; never for bad input
)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "command_id_conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_runtimes",
}


class ApiError(Exception):
    """Raised by routes; rendered as the envelope with its status."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def clean_text(text: Any) -> str:
    """Text safe to put in JSON (request echoes may hold lone surrogates)."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")[:500]


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only location, message and type: pydantic's `input`/`ctx` echo the request and
    # may hold anything (bytes, huge strings, lone surrogates).
    return [
        {
            "loc": [item if isinstance(item, int) else clean_text(item) for item in error.get("loc", ())],
            "message": clean_text(error.get("msg", "")),
            "type": clean_text(error.get("type", "")),
        }
        for error in exc.errors()[:50]
    ]


def _allowed_methods(request: Request) -> list[str]:
    from starlette.routing import Match

    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        route_methods = getattr(route, "methods", None)
        if match != Match.NONE and route_methods:
            methods |= set(route_methods)
    return sorted(methods)


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(envelope(code, message, details), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers that render every error as the envelope."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "validation_error", "the request does not fit the API schema",
                              _validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "bad_request" if exc.status_code < 500 else "internal_error")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; a path served
            # by several routes (GET and POST /runtimes) allows all of their methods.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_response(exc.status_code, code, clean_text(message), None, headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error (see the daemon log)")
