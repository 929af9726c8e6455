"""Marshmallow schemas as JSON Schema for the AsyncAPI document, through apispec's converter."""
from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from shared import reference
from shared.personal import unpublished

JsonObject = dict[str, Any]


class SchemaConverter:
    """Marshmallow schemas to JSON Schema, through apispec's MarshmallowPlugin."""

    def __init__(self) -> None:
        self._spec = APISpec("bus", "1", "3.1.0", plugins=[MarshmallowPlugin(
            schema_name_resolver=lambda schema: _class(schema).__name__.removesuffix("Schema"))])

    def payload(self, event_type: str, version: int, schema: type[Schema], *, public: bool) -> JsonObject:
        """A reference to the payload schema (what is published: private fields left out)."""
        private = unpublished(event_type, version) if public else ()
        name = f"{_camel(event_type)}V{version}{'Published' if private else ''}"
        instance = schema(exclude=private) if private else schema()
        self.add(name, instance)
        definition = self._spec.components.schemas[name]
        _add_known_values(definition)
        return {"$ref": f"#/components/schemas/{name}"}

    def add(self, name: str, schema: type[Schema] | Schema) -> None:
        if name not in self._spec.components.schemas:
            self._spec.components.schema(name, schema=schema)

    def all(self) -> JsonObject:
        found: JsonObject = self._spec.to_dict()["components"]["schemas"]
        for definition in found.values():
            # Consumers are tolerant: they ignore fields they do not know (STYLE.md, rule 4).
            definition.pop("additionalProperties", None)
        return dict(sorted(found.items()))


def _add_known_values(definition: JsonObject) -> None:
    """Value sets the schemas check in code (reference data), made visible to integrators."""
    properties = definition.get("properties", {})
    if "referring_site" in properties:
        properties["referring_site"]["enum"] = list(reference.site_codes())
    if "region" in properties:
        properties["region"]["enum"] = list(reference.regions())
    for name in ("needs", "strengths", "activities"):
        if name in properties:
            properties[name]["items"]["enum"] = list(reference.focus_areas())


def _class(schema: Any) -> type:
    return schema if isinstance(schema, type) else type(schema)


def _camel(event_type: str) -> str:
    return "".join(part.capitalize() for part in event_type.split("_"))
