"""Validate input with a marshmallow schema and normalise it to JSON types.

Also the bounds every door applies to what it is given: business dates within
``EARLIEST_DATE`` and one year ahead, and text without control characters.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any
from weakref import WeakKeyDictionary

from marshmallow import RAISE, Schema, ValidationError, fields

from shared.errors import ValidationFailed


def normalise(schema: Schema, data: Any, what: str, prefix: str = "") -> dict[str, Any]:
    """``data`` validated by ``schema``, as JSON-ready values; field errors name dotted paths."""
    propagate_unknown(schema)
    if not isinstance(data, dict):
        raise ValidationFailed(f"{what} must be a JSON object",
                               {prefix or "_schema": ["not an object"]})
    try:
        return dict(schema.dump(schema.load(data)))
    except ValidationError as exc:
        raise ValidationFailed(f"invalid {what}", flatten_errors(exc.messages, prefix)) from exc


_propagated: WeakKeyDictionary[Schema, str] = WeakKeyDictionary()


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, Any]:
    """marshmallow's nested error dicts as {"a.b": [...]} for clients."""
    flat: dict[str, Any] = {}
    if not isinstance(messages, dict):
        return {prefix or "_schema": messages}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_errors(value, name))
        else:
            flat[name] = value
    return flat


def command(schema_cls: type[Schema], data: Any, what: str,
            exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate a command body strictly: unknown fields are an error, not ignored."""
    return normalise(schema_cls(unknown=RAISE, exclude=exclude), data, what)


def propagate_unknown(schema: Schema) -> None:
    """Apply a schema's unknown-field policy to its nested objects too (marshmallow doesn't)."""
    _propagate_unknown(schema, schema.unknown)


def _propagate_unknown(schema: Schema, unknown: str) -> None:
    if _propagated.get(schema) == unknown:
        return  # a schema built once and used for every event: its nested ones are set
    _set_nested_unknown(schema, unknown)
    _propagated[schema] = unknown


def _set_nested_unknown(schema: Schema, unknown: str) -> None:
    for field in schema.fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            inner.unknown = unknown
            _propagate_unknown(inner.schema, unknown)


EARLIEST_DATE = date(2000, 1, 1)

# C0 and C1 controls, DEL, and the bidirectional overrides that make text read other than it
# is stored. Joiners (U+200C/U+200D) stay: Persian and Arabic names use them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def latest_date(today: date | None = None) -> date:
    """The latest business date accepted: one year after ``today`` (29 February: 28th)."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def date_bound_error(value: date, today: date | None = None) -> str | None:
    """Why ``value`` is outside the business-date bounds, or None when it is within them."""
    # Read on every call: a service started last year must accept this year's dates.
    latest = latest_date(today)
    if EARLIEST_DATE <= value <= latest:
        return None
    return f"must be between {EARLIEST_DATE.isoformat()} and {latest.isoformat()}"


def control_characters(multiline: bool = False) -> str:
    """The refused characters as the inside of a regular-expression class (``\\x00-\\x1f…``)."""
    return (_CONTROL_IN_TEXT if multiline else _CONTROL).pattern[1:-1]


def control_error(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` is refused for its control characters, or None.

    Codes, ids and names refuse every control character; free text
    (``multiline``) keeps tabs and line breaks.
    """
    pattern = _CONTROL_IN_TEXT if multiline else _CONTROL
    return "must not contain control characters" if pattern.search(value) else None


def day(value: Any, name: str = "on") -> date:
    """A ``YYYY-MM-DD`` argument of an RPC call as a date within the bounds, or ``ValidationFailed``."""
    try:
        parsed = date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"{name} must be a date YYYY-MM-DD", {name: ["not a date"]}) from exc
    problem = date_bound_error(parsed)
    if problem:
        raise ValidationFailed(f"{name} {problem}", {name: [problem]})
    return parsed


def aware(text: str) -> datetime:
    """An ISO date or timestamp as an aware moment (without an offset: UTC); ``ValueError`` if neither."""
    found = datetime.fromisoformat(text)
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def timestamp(value: Any, name: str = "as_of") -> datetime | None:
    """An ISO timestamp argument of an RPC call as an aware moment (empty: None), or ``ValidationFailed``."""
    if value in (None, ""):
        return None
    try:
        return aware(str(value))
    except ValueError as exc:
        raise ValidationFailed(f"{name} must be an ISO timestamp, e.g. 2023-06-15T12:00:00+02:00",
                               {name: ["not an ISO timestamp"]}) from exc
