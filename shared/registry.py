"""From (event_type, schema_version) to payload schema, with upcasters.

An event is validated against the schema of the version it was written in,
then lifted version by version to the current one, so every handler and every
projection sees one shape per event type, however old the stored event is.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema

from shared import compiled_schema
from shared.envelope import Event
from shared.errors import ValidationFailed
from shared.validation import normalise, propagate_unknown

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class SchemaRegistry:
    """Payload schemas of every event type, each with its versions."""

    def __init__(self) -> None:
        self._schemas: dict[tuple[str, int], type[Schema]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._current: dict[str, int] = {}
        self._built: dict[tuple[str, int, bool], Schema] = {}
        self._fast: dict[tuple[str, int, bool], Callable[[Any], Payload] | None] = {}

    def register(self, event_type: str, version: int, schema: type[Schema],
                 upcaster: Upcaster | None = None) -> None:
        """Add ``version`` of ``event_type``; ``upcaster`` lifts version-1 payloads to it."""
        if version > 1 and upcaster is None:
            raise ValueError(f"{event_type} v{version} needs an upcaster from v{version - 1}")
        self._schemas[(event_type, version)] = schema
        self._current.pop(event_type, None)
        self._built.clear()
        self._fast.clear()
        if upcaster is not None:
            self._upcasters[(event_type, version - 1)] = upcaster

    def event_types(self) -> list[str]:
        """Every registered event type, sorted."""
        return sorted({t for (t, _) in self._schemas})

    def versions(self, event_type: str) -> list[int]:
        """Every schema version of ``event_type``, oldest first."""
        return sorted(v for (t, v) in self._schemas if t == event_type)

    def schema(self, event_type: str, version: int) -> type[Schema]:
        """The payload schema ``version`` of ``event_type`` was written in."""
        return self._schemas[(event_type, version)]

    def current_version(self, event_type: str) -> int:
        found = self._current.get(event_type)
        if found is not None:
            return found
        versions = [v for (t, v) in self._schemas if t == event_type]
        if not versions:
            raise ValidationFailed(f"unknown event type {event_type!r}",
                                   {"event_type": ["unknown event type"]})
        self._current[event_type] = max(versions)
        return self._current[event_type]

    def validate(self, event_type: str, version: int, payload: Any, *, strict: bool,
                 prefix: str = "payload") -> Payload:
        """Validate a payload as written in ``version``; return it normalised to JSON types."""
        schema_cls = self._schemas.get((event_type, version))
        if schema_cls is None:
            raise ValidationFailed(
                f"{event_type} has no schema_version {version}",
                {"schema_version": [f"unsupported version {version} of {event_type}"]})
        key = (event_type, version, strict)
        schema = self._built.get(key)
        if schema is None:
            self._build(key, schema_cls)
            schema = self._built[key]
        fast = self._fast[key]
        if fast is not None:
            try:
                return fast(payload)
            except compiled_schema.Unsure:
                pass  # marshmallow's answer, with its field errors, is the one given
        return normalise(schema, payload, f"{event_type} payload", prefix)

    def _build(self, key: tuple[str, int, bool], schema_cls: type[Schema]) -> None:
        # Built once per (type, version, strictness): building a marshmallow schema costs
        # more than validating with it. The compiled check answers as it would, faster.
        schema = schema_cls(unknown=RAISE if key[2] else EXCLUDE)
        propagate_unknown(schema)
        self._built[key], self._fast[key] = schema, compiled_schema.normaliser(schema)

    def upcast(self, event: Event) -> Event:
        """Lift a validated event to the current version of its type."""
        payload, version = event.payload, event.schema_version
        current = self.current_version(event.event_type)
        if version >= current:
            return event
        while version < current:
            payload = self._upcasters[(event.event_type, version)](payload)
            version += 1
        return event.evolve(payload=payload, schema_version=version)
