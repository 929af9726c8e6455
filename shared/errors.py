"""Domain and application errors that cross the RPC boundary intact.

nameko turns an exception raised in a remote worker into ``RemoteError`` unless
its class is registered with ``deserialize_to_instance``; these are, so the
gateway can map each to one HTTP status in a single table.  Constructor
arguments must stay JSON-serialisable: they are what travels.
"""
from __future__ import annotations

from typing import Any

from nameko.exceptions import deserialize_to_instance


class LgvError(Exception):
    """Base of every error a client may be told about."""

    code = "error"

    def __init__(self, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message, fields or {})
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        return self.message


@deserialize_to_instance
class ValidationFailed(LgvError):
    """Input is malformed: a missing field, a wrong type, an unknown code."""

    code = "validation_failed"


@deserialize_to_instance
class NotFound(LgvError):
    """The referral, volunteer or match named does not exist."""

    code = "not_found"


@deserialize_to_instance
class Conflict(LgvError):
    """The request clashes with the current state (already matched, concurrent write)."""

    code = "conflict"


@deserialize_to_instance
class RuleViolated(LgvError):
    """The input is well-formed but a programme rule says no."""

    code = "rule_violated"


@deserialize_to_instance
class ConcurrencyConflict(Conflict):
    """An append found its stream at another version than expected."""

    code = "conflict"
