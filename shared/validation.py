"""Validate input with a marshmallow schema and normalise it to JSON types."""
from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields

from shared.envelope import flatten_errors
from shared.errors import ValidationFailed


def normalise(schema: Schema, data: Any, what: str, prefix: str = "") -> dict[str, Any]:
    """``data`` validated by ``schema``, as JSON-ready values; field errors name dotted paths."""
    _propagate_unknown(schema, schema.unknown)
    if not isinstance(data, dict):
        raise ValidationFailed(f"{what} must be a JSON object",
                               {prefix or "_schema": ["not an object"]})
    try:
        return dict(schema.dump(schema.load(data)))
    except ValidationError as exc:
        raise ValidationFailed(f"invalid {what}", flatten_errors(exc.messages, prefix)) from exc


def command(schema_cls: type[Schema], data: Any, what: str,
            exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate a command body strictly: unknown fields are an error, not ignored."""
    return normalise(schema_cls(unknown=RAISE, exclude=exclude), data, what)


def _propagate_unknown(schema: Schema, unknown: str) -> None:
    """Apply a schema's unknown-field policy to its nested objects too (marshmallow doesn't)."""
    for field in schema.fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            inner.unknown = unknown
            _propagate_unknown(inner.schema, unknown)


def day(value: Any, name: str = "on") -> date:
    """A ``YYYY-MM-DD`` argument of an RPC call as a date, or ``ValidationFailed`` naming it."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"{name} must be a date YYYY-MM-DD", {name: ["not a date"]}) from exc
