"""``/openapi.json``, built from the route declarations alone (``endpoints.py``).

Bodies, query arguments and answers are the marshmallow schemas the code validates
and dumps with, turned into JSON Schema by apispec's MarshmallowPlugin; roles are
the ones the route checks (also as ``x-roles``), errors the ones it can give.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from marshmallow import Schema, fields

from shared.contracts import DateBounds, NoControl, YearRange

from . import idempotency
from .answers import Error
from .endpoints import Endpoint
from .json_bodies import MAX_BODY_BYTES

ERRORS = {400: "Validation failed; `fields` lists the problems.", 401: "Missing, bad, expired or revoked token.",
          403: "The role may not do this, or a filter names a region outside the token's.",
          404: "No such object (or one outside a consultant's regions).",
          409: "Conflicts with the current state (e.g. already matched).",
          413: f"Body larger than {MAX_BODY_BYTES} bytes.", 422: "A programme rule says no.",
          503: "A service did not answer."}
DESCRIPTION = (
    "Auth: `Authorization: Bearer <token>` from `lgv token issue`. Writes answer 202; reads may lag them by "
    "moments. `personal` appears only on single-object reads by coordinators and consultants. Errors are "
    "always the `Error` body; unexpected failures are 500 with it too. Each operation lists its roles in "
    "`x-roles`; a consultant sees only its regions' objects and gets 404 for any other.")


def schema_name(schema: Any) -> str:
    """Components are named by class, without a ``Schema`` suffix."""
    name: str = resolve_schema_cls(schema).__name__
    return name.removesuffix("Schema") or name


def todays_bounds(converter: Any, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Bounds that move with today (years up to this one, business dates up to a year ahead)."""
    for validator in field.validators:
        if isinstance(validator, YearRange):
            earliest, latest = validator.bounds()
            return {"minimum": earliest, "maximum": latest}
        if isinstance(validator, DateBounds):
            first, last = validator.bounds()
            return {"x-minimum": first.isoformat(), "x-maximum": last.isoformat(),
                    "description": ret.get("description") or f"from {first.isoformat()} to one year ahead"}
    return {}


def build_spec(endpoints: Iterable[Endpoint]) -> dict[str, Any]:
    """The OpenAPI 3 document of ``endpoints``."""
    endpoints = list(endpoints)
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec("Livet Går Videre gateway", "1.1.0", "3.0.3", info={"description": DESCRIPTION},
                   plugins=[plugin])
    assert plugin.converter is not None  # set when the plugin joined the spec
    plugin.converter.add_attribute_function(todays_bounds)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", schema=Error)
    for status, text in ERRORS.items():
        spec.components.response(f"E{status}", {"description": text, "content": _json(Error)})
    for body in dict.fromkeys(e.body for e in endpoints if e.body is not None):
        # A rule across fields that a schema states as JSON Schema (``JSON_SCHEMA``), e.g. "one of two".
        if hasattr(body, "JSON_SCHEMA"):
            spec.components.schema(schema_name(body), component=body.JSON_SCHEMA, schema=body)
    by_path: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        by_path.setdefault(endpoint.template, {})[endpoint.method.lower()] = _operation(endpoint, plugin)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(endpoint: Endpoint, plugin: MarshmallowPlugin) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "description": " ".join(filter(None, [_roles_text(endpoint), endpoint.description])),
        "parameters": [_path_value(name, converter) for name, converter in endpoint.path_values.items()],
        "responses": {**_answers(endpoint), **_errors(endpoint)},
    }
    if endpoint.query is not None:
        operation["parameters"] += _query(endpoint.query, plugin)
    if endpoint.method == "POST":
        operation["parameters"].append(IDEMPOTENCY_KEY)
    if endpoint.roles is not None:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = sorted(endpoint.roles)
    if endpoint.body is not None:
        operation["requestBody"] = {"required": endpoint.body_required, "content": _json(endpoint.body)}
    return operation


# Every POST (web.py, idempotency.py): a repeat with the same key and request answers the first answer.
IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER, "in": "header", "required": False,
    "description": "Any fresh value (e.g. a UUID) per intended write; a repeat by the same principal with "
                   "the same key and request gets the first answer (same status and body, "
                   "`Idempotent-Replayed: true`) and records nothing new; the same key with another request "
                   "is 422. Kept 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH,
               "pattern": "^[\\x21-\\x7e]+$"},
}


def _roles_text(endpoint: Endpoint) -> str:
    return "No token needed." if endpoint.roles is None else f"Roles: {', '.join(sorted(endpoint.roles))}."


def _answers(endpoint: Endpoint) -> dict[str, Any]:
    content = _json(endpoint.answer or {"type": "object"}) if endpoint.answer or not endpoint.media else {}
    for media, text in endpoint.media.items():
        content[media] = {"schema": {"type": "string", "description": text}}
    answers = {str(endpoint.status): {"description": "OK" if endpoint.status < 300 else "Accepted",
                                      "content": content}}
    for status, text in endpoint.also.items():
        answers[str(status)] = {"description": text, "content": _json(endpoint.answer or {"type": "object"})}
    return answers


def _errors(endpoint: Endpoint) -> dict[str, Any]:
    codes = set(endpoint.errors)
    if endpoint.roles is not None:
        codes |= {401, 403, 503}
    if endpoint.path_values or endpoint.body is not None:
        codes.add(404)
    if endpoint.query is not None or endpoint.body is not None:
        codes.add(400)
    if endpoint.body is not None:
        codes |= {409, 413, 422}
    codes -= {endpoint.status, *endpoint.also}
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in sorted(codes)}


def _query(query: type[Schema], plugin: MarshmallowPlugin) -> list[dict[str, Any]]:
    """The query schema's fields as parameters; an empty optional one counts as absent."""
    assert plugin.converter is not None  # set when the plugin joined the spec
    params: list[dict[str, Any]] = plugin.converter.schema2parameters(query, location="query")
    return [param if param["required"] else {**param, "allowEmptyValue": True} for param in params]


def _path_value(name: str, converter: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": NoControl().regex.pattern}
    if converter == "int":
        schema = {"type": "integer", "minimum": 0}
    elif converter.startswith("any("):
        schema = {"type": "string", "enum": [c.strip() for c in converter[4:-1].split(",")]}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}
