"""``POST /reports``, ``GET /reports``, ``GET /reports/{id}``: replay and parity evidence."""

from __future__ import annotations

import secrets
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from cracktrader.api import report_kinds
from cracktrader.api.auth import require_read, require_write
from cracktrader.api.deps import blocking, store
from cracktrader.api.errors import ApiError
from cracktrader.api.models import Report, ReportList, ReportMeta
from cracktrader.api.routes import errors
from cracktrader.engine import strict_json
from cracktrader.engine.errors import InvalidPayload
from cracktrader.store import jsontext

router = APIRouter(tags=["reports"])

ReportId = Path(pattern=r"^rp-[0-9a-f]{16}$", description="rp- and 16 hex digits")


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportMeta,
    responses=errors(401, 403, 413, 422),
    dependencies=[Depends(require_write)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the report document itself: any JSON object (e.g. `parity.fuzz --json-out`)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def post_report(
    request: Request,
    kind: Literal[report_kinds.REPORT_KINDS] | None = Query(None, description="default: detected"),  # type: ignore[valid-type]
    title: str | None = Query(None, min_length=1, max_length=200),
    runtime_id: str | None = Query(None, pattern=r"^rt-[0-9a-f]{16}$"),
) -> dict[str, Any]:
    """Store a report. Divergence reports and parity summaries are checked against the
    ``divergence_report`` schema; other kinds only need to be a JSON object."""
    raw = await request.body()
    try:
        document = strict_json.loads(raw)
        if not isinstance(document, dict):
            raise InvalidPayload("a report is a JSON object")
        text = jsontext.dumps(document)
    except (InvalidPayload, TypeError, ValueError) as exc:
        raise ApiError(422, "validation_error", f"the body is not a strict JSON object: {exc}") from None
    if title is not None and not strict_json.is_valid_unicode(title):
        raise ApiError(422, "validation_error", "title must be valid Unicode")
    chosen = kind or report_kinds.detect(document)
    try:
        report_kinds.check(chosen, document)
    except report_kinds.InvalidReport as exc:
        raise ApiError(422, "invalid_report", str(exc)) from None
    meta = {
        "report_id": "rp-" + secrets.token_hex(8),
        "kind": chosen,
        "title": title or report_kinds.default_title(chosen, document),
        "runtime_id": runtime_id,
        "created_at": store(request).clock(),
        "size": len(text.encode("utf-8")),
        "summary": report_kinds.summarize(chosen, document),
    }
    await blocking(store(request).insert_report, meta, text)
    return meta


@router.get("/reports", response_model=ReportList, responses=errors(401, 422),
            dependencies=[Depends(require_read)])
async def list_reports(
    request: Request,
    kind: Literal[report_kinds.REPORT_KINDS] | None = Query(None),  # type: ignore[valid-type]
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """Reports, newest first (without their documents)."""
    return {"reports": await blocking(store(request).reports, kind=kind, limit=limit)}


@router.get(
    "/reports/{report_id}",
    responses={200: {"model": Report, "description": "the report with its document"},
               **errors(401, 404, 422)},
    dependencies=[Depends(require_read)],
)
async def get_report(request: Request, report_id: str = ReportId) -> Response:
    """One report with its whole document."""
    found = await blocking(store(request).report, report_id)
    if found is None:
        raise ApiError(404, "not_found", f"no report {report_id}")
    meta, document_text = found
    body = jsontext.dumps(meta)[:-1] + ',"document":' + document_text + "}"
    return Response(body.encode("utf-8"), media_type="application/json")
