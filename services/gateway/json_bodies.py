"""JSON in and out: bounded request bodies read as JSON objects, responses written as JSON."""
from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from shared.errors import ValidationFailed

from .errors import PayloadTooLarge, error_body

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


# What json.dumps(ensure_ascii=False, default=str) would say, as orjson writes it (a page of 200
# referrals: 0.1 ms, not 1.5): moments and dataclasses go to str as there, other keys than strings
# are written as there; what orjson refuses (an integer beyond 64 bits, deep nesting) goes to json.
# NaN and infinity, which json writes as tokens no JSON parser takes, are null.
_ORJSON = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; the only kind the gateway sends."""
    try:
        text: bytes | str = orjson.dumps(body, default=str, option=_ORJSON)
    except TypeError:
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
