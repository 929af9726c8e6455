"""One table from exception to HTTP status: the gateway's whole error policy.

Domain errors arrive intact over RPC (see ``shared.errors``); the gateway adds
the few that only HTTP knows about.  Anything not in the table is a 500 with a
generic message; the traceback goes to the log, never to the client.
"""
from __future__ import annotations

from typing import Any

from kombu.exceptions import OperationalError
from nameko.exceptions import MethodNotFound, UnknownService
from werkzeug.exceptions import HTTPException

from shared.errors import (
    ConcurrencyConflict,
    Conflict,
    LgvError,
    NotFound,
    RuleViolated,
    ValidationFailed,
)


class Unauthorized(LgvError):
    """No token, or one that is malformed, forged or expired."""

    code = "unauthorized"


class Forbidden(LgvError):
    """A valid token whose role or regions do not allow this request."""

    code = "forbidden"


class PayloadTooLarge(LgvError):
    """The request body is larger than the gateway accepts."""

    code = "payload_too_large"


class Unavailable(LgvError):
    """A service behind the gateway did not answer in time."""

    code = "unavailable"


MAPPED_ERRORS: tuple[tuple[type[BaseException], int, str], ...] = (
    (ValidationFailed, 400, "validation_failed"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (ConcurrencyConflict, 409, "conflict"),
    (Conflict, 409, "conflict"),
    (PayloadTooLarge, 413, "payload_too_large"),
    (RuleViolated, 422, "rule_violated"),
    (MethodNotFound, 501, "not_implemented"),
    (Unavailable, 503, "unavailable"),
    (UnknownService, 503, "unavailable"),
    (OperationalError, 503, "unavailable"),
    (ConnectionError, 503, "unavailable"),
)

# Failures of the request, not of the gateway: nameko logs them as warnings.
EXPECTED_ERRORS = tuple(cls for cls, status, _ in MAPPED_ERRORS if status < 500)

UNAVAILABLE_MESSAGE = "A service behind the gateway is not answering; try again shortly."
INTERNAL_MESSAGE = "Something went wrong on our side; it has been logged."
NOT_IMPLEMENTED_MESSAGE = "This endpoint is described but not served by this release yet."


def error_body(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body that answer ``exc``."""
    if isinstance(exc, HTTPException) and exc.code:
        return exc.code, _body(_slug(exc.name), exc.description or exc.name)
    for cls, status, code in MAPPED_ERRORS:
        if isinstance(exc, cls):
            if isinstance(exc, LgvError):
                return status, _body(exc.code, exc.message, exc.fields)
            message = NOT_IMPLEMENTED_MESSAGE if status == 501 else UNAVAILABLE_MESSAGE
            return status, _body(code, message)
    return 500, _body("internal_error", INTERNAL_MESSAGE)


def _body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "fields": fields or {}}


def _slug(name: str) -> str:
    return name.lower().replace(" ", "_")
