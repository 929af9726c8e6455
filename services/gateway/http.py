"""HTTP plumbing: JSON in, JSON out, query arguments checked."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from shared.errors import ValidationFailed
from shared.paging import MAX_LIMIT
from shared.validation import day

from .errors import PayloadTooLarge, error_body

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_LIMIT = 50


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; the only kind the gateway sends."""
    text = json.dumps(body, ensure_ascii=False, default=str)
    return Response(text, status=status, headers=headers, content_type="application/json")


def ok(body: Any) -> Response:
    """200 with ``body``."""
    return json_response(body, 200)


def accepted(body: Any) -> Response:
    """202: the command was recorded; projections follow moments later."""
    return json_response(body, 202)


def error_response(exc: BaseException) -> Response:
    """The JSON answer to an exception; unexpected ones are logged in full."""
    status, body = error_body(exc)
    if status >= 500 and not isinstance(exc, HTTPException):
        log.error("request failed: %r", exc, exc_info=exc)
    headers = None
    if isinstance(exc, HTTPException):  # keep 405's Allow header
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
    return json_response(body, status, headers)


def read_json_object(request: Request, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object, at most ``MAX_BODY_BYTES`` long."""
    raw = read_body(request)
    if not raw.strip() and not required:
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValidationFailed("The body is not valid JSON.", {"body": ["not valid JSON"]}) from None
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object.", {"body": ["must be an object"]})
    return body


def read_body(request: Request) -> bytes:
    """The raw body, at most ``MAX_BODY_BYTES``, kept so a later read gets it again."""
    too_large = PayloadTooLarge(f"The body may be at most {MAX_BODY_BYTES} bytes.")
    request.max_content_length = MAX_BODY_BYTES
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:  # a Content-Length over the cap
        raise too_large from None
    # A chunked body is cut at the cap silently; one more byte tells whether it was.
    if len(raw) == MAX_BODY_BYTES and request.content_length is None:
        if request.environ["wsgi.input"].read(1):
            raise too_large
    return raw


def page_args(request: Request) -> tuple[int, str | None]:
    """``limit`` (1..500, default 50) and ``cursor`` from the query string."""
    raw = request.args.get("limit", "")
    limit = DEFAULT_LIMIT
    if raw:
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
            raise ValidationFailed(
                "limit must be a whole number from 1 to 500.",
                {"limit": [f"must be an integer between 1 and {MAX_LIMIT}"]},
            )
        limit = int(raw)
    return limit, request.args.get("cursor") or None


def query_filters(request: Request, names: Iterable[str]) -> dict[str, str]:
    """The named query arguments that are present and non-empty."""
    return {name: request.args[name] for name in names if request.args.get(name)}


def query_date(request: Request, name: str, default: str | None = None) -> str | None:
    """A ``YYYY-MM-DD`` query argument within the business-date bounds, or ``default``."""
    raw = request.args.get(name)
    if not raw:
        return default
    return day(raw, name).isoformat()


def query_int(request: Request, name: str) -> int | None:
    """A whole-number query argument, checked, or None when absent."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number.", {name: ["must be an integer"]}) from None


def query_choice(request: Request, name: str, choices: tuple[str, ...], default: str) -> str:
    """A query argument that must be one of ``choices``."""
    raw = request.args.get(name) or default
    if raw not in choices:
        raise ValidationFailed(f"{name} must be one of {', '.join(choices)}.", {name: [f"one of {choices}"]})
    return raw
