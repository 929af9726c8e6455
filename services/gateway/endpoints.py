"""One declaration per endpoint: route, roles, query, body and answer, on the method.

How to add a route (a method of a mixin under ``routes/``, combined in ``service.py``)::

    @route("GET", "/api/v1/volunteers/<volunteer_id>", "One volunteer",
           roles=STAFF, answer=answers.Volunteer)
    def get_volunteer(self, call: Call, volunteer_id: str) -> Any:
        volunteer = self.matching.get_volunteer(volunteer_id, call.principal.sees_personal)
        check_visible(call.principal, volunteer.get("region"), f"no volunteer {volunteer_id}")
        return volunteer

- ``path``: werkzeug syntax; ``<name>`` is a string, ``<int:name>`` a whole number,
  ``<any(a, b):name>`` one of a list.
- ``roles``: who may call it (``auth.STAFF``, ``auth.REPORT``…); ``None``: no token.
  ``call.principal`` is the verified caller (``call.who`` is None on routes without roles).
- ``query``: a marshmallow schema of the query arguments (``arguments.py``);
  ``call.query`` holds them validated, as JSON values, defaults filled in.
- ``body``: a marshmallow schema of the JSON body (``shared.commands``, ``shared.contracts``),
  checked strictly (unknown fields are errors); ``call.body`` is the body as sent. A rule
  across fields goes in the schema's ``JSON_SCHEMA`` too (e.g. ``anyOf``), so the document says it.
- ``answer``: the schema the return value is dumped through (``answers.py``), sent with
  ``status``; ``None`` sends the value as it is. Return ``(value, status)`` for a status
  declared in ``also``; a werkzeug ``Response`` goes out untouched (declare its media
  type in ``media``, e.g. ``{"text/csv": "…"}``).
- Failures are raised (``shared.errors``, ``errors.py``) and answered by the one error table;
  ``/openapi.json`` lists the ones that follow from the declaration, ``errors`` adds others.

``/openapi.json`` is built from these declarations alone (``openapi.py``). Every route
also needs its rows in the BOLA matrix (``tests/unit/test_gateway_bola.py``): that test
fails for a route without them.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema
from werkzeug.wrappers import Request, Response

from shared import compiled_schema, validation

from .auth import Principal, authorize
from .json_bodies import json_response, read_json_object
from .json_server import http

PATH_VALUE = re.compile(r"<(?:([^:<>]+):)?(\w+)>")


@dataclass(frozen=True)
class Endpoint:
    """What one route takes and answers, and who may call it."""

    name: str
    method: str
    path: str
    summary: str
    roles: frozenset[str] | None
    answer: type[Schema] | None
    status: int = 200
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    body_required: bool = True
    also: Mapping[int, str] = field(default_factory=dict)
    media: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    errors: tuple[int, ...] = ()

    @property
    def template(self) -> str:
        """The path as OpenAPI writes it: ``/api/v1/referrals/{referral_id}``."""
        return PATH_VALUE.sub(r"{\2}", self.path)

    @property
    def path_values(self) -> dict[str, str]:
        """Each path value's name and werkzeug converter (``string`` unless said)."""
        return {name: converter or "string" for converter, name in PATH_VALUE.findall(self.path)}


@dataclass(frozen=True)
class Call:
    """One request, checked against its endpoint."""

    request: Request
    who: Principal | None
    query: dict[str, Any]
    body: dict[str, Any]

    @property
    def principal(self) -> Principal:
        """``who`` on a route that needs a token (always set there)."""
        assert self.who is not None, "a route without roles has no principal"
        return self.who


def route(method: str, path: str, summary: str, *, roles: Collection[str] | None,
          answer: type[Schema] | None, status: int = 200, query: type[Schema] | None = None,
          body: type[Schema] | None = None, body_required: bool = True,
          also: Mapping[int, str] | None = None, media: Mapping[str, str] | None = None,
          description: str = "", errors: tuple[int, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an endpoint and serve it; see the module docstring."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = Endpoint(handler.__name__, method.upper(), path, summary,
                            None if roles is None else frozenset(roles), answer, status, query, body,
                            body_required, dict(also or {}), dict(media or {}), description, errors)

        @functools.wraps(handler)
        def entrypoint(self: Any, request: Request, *values: Any, **named: Any) -> Response:
            result = handler(self, _call(endpoint, request), *values, **named)
            return result if isinstance(result, Response) else _respond(endpoint, result)

        entrypoint.endpoint = endpoint  # type: ignore[attr-defined]
        return http(endpoint.method, path)(entrypoint)

    return decorate


def endpoints_of(service: type) -> list[Endpoint]:
    """Every endpoint a service class serves, by path then method."""
    found = (getattr(getattr(service, name), "endpoint", None) for name in dir(service))
    return sorted((e for e in found if isinstance(e, Endpoint)), key=lambda e: (e.template, e.method))


def _call(endpoint: Endpoint, request: Request) -> Call:
    who = None if endpoint.roles is None else authorize(request.headers, endpoint.roles)
    query: dict[str, Any] = {}
    if endpoint.query is not None:
        given = {name: value for name, value in request.args.items() if value != ""}
        query = validation.normalise(_schema(endpoint.query), given, "query")
    body: dict[str, Any] = {}
    if endpoint.body is not None:
        body = read_json_object(request, required=endpoint.body_required)
        validation.command(endpoint.body, body, "body")
    return Call(request, who, query, body)


def _respond(endpoint: Endpoint, result: Any) -> Response:
    status = endpoint.status
    if isinstance(result, tuple):
        result, status = result
        assert status == endpoint.status or status in endpoint.also, f"{status} is not declared"
    body = result if endpoint.answer is None else _dump(endpoint.answer, result)
    return json_response(body, status)


def _dump(schema: type[Schema], result: Any) -> Any:
    """``schema().dump(result)``: compiled from the schema where it vouches for the value (a page of 200
    referrals: 10 ms in marshmallow, 1 ms compiled), marshmallow's own answer where not."""
    compiled = _compiled(schema)
    if compiled is not None:
        try:
            return compiled(result)
        except compiled_schema.Unsure:
            pass
    return _schema(schema).dump(result)


@functools.cache
def _compiled(schema: type[Schema]) -> Callable[[Any], dict[str, Any]] | None:
    return compiled_schema.dumper(_schema(schema))


@functools.cache
def _schema(schema: type[Schema]) -> Schema:
    """One instance per schema: building a nested one costs more than what it dumps (a page: 20 ms)."""
    return schema()
