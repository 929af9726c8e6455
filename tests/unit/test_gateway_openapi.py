"""``/openapi.json`` describes every route the gateway serves."""
from __future__ import annotations

import re

from services.gateway.openapi import build_spec
from services.gateway.service import GatewayService


def served_routes() -> set[tuple[str, str]]:
    routes = set()
    for attr in dir(GatewayService):
        for entrypoint in getattr(getattr(GatewayService, attr), "nameko_entrypoints", ()):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)
            routes.add((entrypoint.method.lower(), path))
    return routes


def test_every_served_route_is_documented() -> None:
    paths = build_spec()["paths"]
    documented = {(method, path) for path, ops in paths.items() for method in ops}
    assert served_routes() == documented


def test_contract_paths_are_all_served() -> None:
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
    assert contract <= served_routes()


def test_bearer_scheme_and_error_body_are_described() -> None:
    spec = build_spec()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert spec["components"]["schemas"]["Error"]["required"] == ["error", "message", "fields"]


def test_api_routes_need_a_token_and_document_their_errors() -> None:
    for path, ops in build_spec()["paths"].items():
        for method, op in ops.items():
            secured = path.startswith("/api/")
            assert ("security" in op) == secured, (method, path)
            if secured:
                assert {"401", "403", "503"} <= op["responses"].keys(), (method, path)


def test_writes_document_their_body_and_202() -> None:
    for path, ops in build_spec()["paths"].items():
        if "post" in ops:
            assert "202" in ops["post"]["responses"] and "requestBody" in ops["post"], path
            assert "413" in ops["post"]["responses"], path


def test_every_schema_reference_resolves() -> None:
    spec = build_spec()
    text = repr(spec)
    for kind, name in re.findall(r"#/components/(\w+)/(\w+)", text):
        assert name in spec["components"][kind], name
