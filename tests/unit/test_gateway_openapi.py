"""``/openapi.json`` is the route declarations: walked route by route against the code."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from nameko.testing.services import worker_factory
from openapi_spec_validator import validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway import token_registry, tokens
from services.gateway.endpoints import Endpoint, endpoints_of
from services.gateway.errors import Forbidden, Unauthorized
from services.gateway.openapi import build_spec
from services.gateway.service import GatewayService
from shared.errors import ValidationFailed

ENDPOINTS = endpoints_of(GatewayService)
ROLES = tokens.ROLES


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "openapi-test-secret-" + "s" * 32)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return build_spec(ENDPOINTS)


def operation(spec: dict[str, Any], endpoint: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = spec["paths"][endpoint.template][endpoint.method.lower()]
    return op


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def call(endpoint: Endpoint, role: str | None, query: str = "", body: Any = None) -> Any:
    regions = ["hovedstaden"] if role == "consultant" else []
    headers = {} if role is None else {"Authorization": "Bearer " + token_registry.issue(role, regions, name="t")}
    builder = EnvironBuilder(method=endpoint.method, path="/x", query_string=query, headers=headers,
                             data=None if body is None else json.dumps(body), content_type="application/json")
    gateway = worker_factory(GatewayService)
    values = ["1" if converter == "int" else "x" for converter in endpoint.path_values.values()]
    return getattr(gateway, endpoint.name)(Request(builder.get_environ()), *values)


def test_openapi_spec_validator_accepts_the_served_document() -> None:
    served = call(next(e for e in ENDPOINTS if e.path == "/openapi.json"), None)
    assert served.status_code == 200
    validate(served.json)


def test_every_served_route_is_declared_and_documented(spec: dict[str, Any]) -> None:
    served = set()
    for attr in dir(GatewayService):
        for entrypoint in getattr(getattr(GatewayService, attr), "nameko_entrypoints", ()):
            served.add((entrypoint.method.lower(), re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", entrypoint.url)))
    declared = {(e.method.lower(), e.template) for e in ENDPOINTS}
    documented = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert served == declared == documented


def test_contract_paths_are_all_served(spec: dict[str, Any]) -> None:
    contract = {
        ("get", "/health"), ("post", "/api/v1/referrals"), ("get", "/api/v1/referrals"),
        ("get", "/api/v1/referrals/{referral_id}"), ("post", "/api/v1/referrals/{referral_id}/withdraw"),
        ("post", "/api/v1/volunteers"), ("post", "/api/v1/volunteers/{volunteer_id}/screening"),
        ("post", "/api/v1/volunteers/{volunteer_id}/training"), ("get", "/api/v1/volunteers"),
        ("get", "/api/v1/referrals/{referral_id}/candidates"), ("post", "/api/v1/matches"),
        ("get", "/api/v1/matches"), ("get", "/api/v1/matches/{match_id}"),
        ("post", "/api/v1/matches/{match_id}/check-ins"), ("post", "/api/v1/matches/{match_id}/close"),
        ("get", "/api/v1/check-ins/due"), ("get", "/api/v1/reports/summary"),
        ("get", "/api/v1/audit/subjects/{subject_id}"), ("get", "/openapi.json"),
    }
    assert contract <= {(method, path) for path, ops in spec["paths"].items() for method in ops}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_the_documented_roles_are_the_ones_the_route_lets_in(spec: dict[str, Any], endpoint: Endpoint) -> None:
    op = operation(spec, endpoint)
    if endpoint.roles is None:
        assert "security" not in op and "x-roles" not in op
        return
    assert op["security"] == [{"bearer": []}] and {"401", "403"} <= op["responses"].keys()
    with pytest.raises(Unauthorized):
        call(endpoint, None)
    for role in ROLES:
        if role in op["x-roles"]:
            continue
        with pytest.raises(Forbidden):
            call(endpoint, role)
    assert set(op["x-roles"]) <= set(ROLES)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_the_documented_parameters_are_the_ones_the_code_reads(spec: dict[str, Any], endpoint: Endpoint) -> None:
    params = {(p["in"], p["name"]): p for p in operation(spec, endpoint).get("parameters", [])}
    fields = endpoint.query().fields.values() if endpoint.query else []
    assert {name for where, name in params if where == "query"} == {f.data_key or f.name for f in fields}
    assert {name for where, name in params if where == "path"} == set(endpoint.path_values)
    role = sorted(endpoint.roles or [None], key=str)[-1]  # any role the route lets in
    for (where, name), param in params.items():
        if where != "query":
            continue
        if param["required"]:  # leaving it out is refused
            with pytest.raises(ValidationFailed) as caught:
                call(endpoint, role, _query(params, without=name))
            assert name in caught.value.fields
        for refused in _outside(param["schema"]):
            with pytest.raises(ValidationFailed) as caught:
                call(endpoint, role, _query(params, **{name: refused}))
            assert name in caught.value.fields, (name, refused)


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.body], ids=lambda e: f"{e.method} {e.path}")
def test_the_documented_body_is_the_one_the_code_checks(spec: dict[str, Any], endpoint: Endpoint) -> None:
    op = operation(spec, endpoint)
    assert op["requestBody"]["required"] == endpoint.body_required
    schema = resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
    assert schema["additionalProperties"] is False
    role = sorted(endpoint.roles or [None], key=str)[-1]
    with pytest.raises(ValidationFailed) as caught:  # an undocumented field is refused
        call(endpoint, role, body={"not_documented": 1})
    assert "not_documented" in caught.value.fields
    for name in schema.get("required", []):  # so is a body without a documented required field
        with pytest.raises(ValidationFailed) as caught:
            call(endpoint, role, body={})
        assert name in caught.value.fields
    assert set(schema["properties"]) == {f.data_key or f.name for f in endpoint.body().fields.values()}


def test_the_fixed_drift_stays_fixed(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "recorded_on" in schemas["Consent"]["required"]
    assert schemas["Participant"]["properties"]["country_of_birth"]["pattern"] == "^[A-Z]{2}$"
    assert set(schemas["DeadLetter"]["properties"]) >= {"dead_letter_id", "error", "fields", "status"}
    summary = spec["paths"]["/api/v1/reports/summary"]["get"]
    required = {p["name"] for p in summary["parameters"] if p.get("required")}
    assert required == {"from", "to"} and "text/csv" in summary["responses"]["200"]["content"]
    assert "auditor" not in spec["paths"]["/api/v1/referrals/{referral_id}/candidates"]["get"]["x-roles"]


def test_every_schema_reference_resolves(spec: dict[str, Any]) -> None:
    for kind, name in re.findall(r"#/components/(\w+)/(\w+)", repr(spec)):
        assert name in spec["components"][kind], name


def _query(params: dict[tuple[str, str], Any], without: str = "", **values: str) -> str:
    """Every required query argument with a valid value, but ``without``, and ``values``."""
    given = {name: _valid(p["schema"]) for (where, name), p in params.items()
             if where == "query" and p["required"] and name != without}
    return "&".join(f"{k}={v}" for k, v in {**given, **values}.items())


def _valid(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return str(schema["enum"][0])
    return {"date": "2023-01-01", "date-time": "2023-01-01T00:00:00+00:00"}.get(schema.get("format", ""), "1")


def _outside(schema: dict[str, Any]) -> list[str]:
    """Values the schema refuses, as a query string spells them."""
    refused = []
    if "enum" in schema:
        refused.append("not-a-choice")
    if schema.get("format") in ("date", "date-time"):
        refused.append("1+March")
    if schema.get("type") == "integer":
        refused += ["ten", "2.5"]
        if "minimum" in schema:
            refused.append(str(schema["minimum"] - 1))
        if "maximum" in schema:
            refused.append(str(schema["maximum"] + 1))
    return refused


def test_every_post_documents_its_idempotency_key(spec: dict[str, Any]) -> None:
    for endpoint in ENDPOINTS:
        headers = {p["name"] for p in operation(spec, endpoint)["parameters"] if p["in"] == "header"}
        assert ("Idempotency-Key" in headers) == (endpoint.method == "POST"), endpoint.path
