"""The operator page: three fixed files shipped in the package, served from memory.

No request path is ever mapped onto the file system: the files are read once from
``cracktrader/api/static`` by name, and anything else is a 404.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from cracktrader.api.errors import ApiError

FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}

router = APIRouter(include_in_schema=False)
_cache: dict[str, bytes] = {}


def _content(name: str) -> bytes:
    if name not in _cache:
        _cache[name] = resources.files("cracktrader.api").joinpath("static", name).read_bytes()
    return _cache[name]


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui/")
async def index() -> Response:
    return Response(_content("index.html"), media_type=FILES["index.html"])


@router.get("/ui/{name}")
async def asset(name: str) -> Response:
    if name not in FILES:
        raise ApiError(404, "not_found", "no such page file")
    return Response(_content(name), media_type=FILES[name])
