"""The consultant web page: ``GET /`` and its static files, no data of its own.

Everything the page shows it asks ``/api/v1`` for with the bearer token the user signed
in with, so these routes need no token and hold nothing personal. The files are the
ones under ``services/gateway/webpage/``, listed once at import: a path that is not
one of them (``..`` included) is the JSON 404 of every unknown path.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from werkzeug.wrappers import Response

from shared.errors import NotFound

from ..endpoints import Call, route

PAGE_DIR = Path(__file__).resolve().parent.parent / "webpage"
ASSET_PREFIX = "/assets/"
MEDIA_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
               ".json": "application/json", ".svg": "image/svg+xml"}
# default-src 'self' (the contract) forbids inline script and style; the rest keeps the
# page out of frames and stops <base> and forms from pointing anywhere else (web.py adds
# nosniff to every answer).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'; object-src 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def _assets(root: Path) -> dict[str, Path]:
    """Every servable file under ``root`` by its path relative to it."""
    return {path.relative_to(root).as_posix(): path for path in sorted(root.rglob("*"))
            if path.is_file() and path.suffix in MEDIA_TYPES}


ASSETS = _assets(PAGE_DIR)


def page_file(name: str) -> Response:
    """One of the page's files, with the headers every one of them carries."""
    path = ASSETS.get(name)
    if path is None:
        raise NotFound(f"No page file {name!r}.")
    media = MEDIA_TYPES[path.suffix]
    return Response(path.read_bytes(), status=200, headers=SECURITY_HEADERS,
                    content_type=f"{media}; charset=utf-8")


class WebpageRoutes:
    # Not API routes: no token (the page signs in on its own), answered the same to everyone.
    @route("GET", "/", "The consultants' web page (it signs in with a token and calls /api/v1)",
           roles=None, answer=None, media={"text/html": "the page"})
    def webpage(self, call: Call) -> Any:
        return page_file("index.html")

    @route("GET", ASSET_PREFIX + "<path:name>", "The web page's scripts, style and string tables",
           roles=None, answer=None, errors=(404,),
           media={"text/javascript": "a script", "text/css": "the style", "application/json": "a string table"})
    def webpage_asset(self, call: Call, name: str) -> Any:
        return page_file(name)
