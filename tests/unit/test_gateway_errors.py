"""The one error table, and JSON answers for everything that goes wrong."""
from __future__ import annotations

import json

import pytest
from nameko.exceptions import UnknownService
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Response

from services.gateway.errors import (
    Forbidden,
    PayloadTooLarge,
    Unauthorized,
    Unavailable,
    error_body,
)
from services.gateway.json_bodies import error_response
from services.gateway.json_server import JsonWsgiApp
from shared.errors import (
    ConcurrencyConflict,
    Conflict,
    NotFound,
    RuleViolated,
    ValidationFailed,
)


@pytest.mark.parametrize("exc, status, code", [
    (ValidationFailed("bad", {"needs": ["too many"]}), 400, "validation_failed"),
    (Unauthorized("no token"), 401, "unauthorized"),
    (Forbidden("not yours"), 403, "forbidden"),
    (NotFound("none"), 404, "not_found"),
    (Conflict("already matched"), 409, "conflict"),
    (ConcurrencyConflict("raced"), 409, "conflict"),
    (PayloadTooLarge("big"), 413, "payload_too_large"),
    (RuleViolated("no consent"), 422, "rule_violated"),
    (Unavailable("silent"), 503, "unavailable"),
    (UnknownService("referrals"), 503, "unavailable"),
    (ConnectionRefusedError(), 503, "unavailable"),
])
def test_each_error_maps_to_its_status_and_code(exc: Exception, status: int, code: str) -> None:
    got_status, body = error_body(exc)
    assert (got_status, body["error"]) == (status, code)
    assert set(body) == {"error", "message", "fields"}


def test_validation_fields_reach_the_client() -> None:
    _, body = error_body(ValidationFailed("bad", {"needs": ["too many"]}))
    assert body["fields"] == {"needs": ["too many"]}


def test_unexpected_error_is_a_generic_500_without_details() -> None:
    response = error_response(KeyError("secret internals"))
    body = json.loads(response.get_data())
    assert response.status_code == 500 and body["error"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    assert response.mimetype == "application/json"


class StubProvider:
    def handle_request(self, request) -> Response:  # type: ignore[no-untyped-def]
        return Response("{}", content_type="application/json")


class StubServer:
    def __init__(self, provider: object) -> None:
        self.provider = provider

    def make_url_map(self) -> Map:
        return Map([Rule("/things", methods=["GET"], endpoint=self.provider)])


def client(provider: object = None) -> Client:
    return Client(JsonWsgiApp(StubServer(provider or StubProvider())))


def test_unknown_path_is_json_404() -> None:
    response = client().get("/nowhere")
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_wrong_method_is_json_405_with_allow() -> None:
    response = client().delete("/things")
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_crash_while_routing_is_json_500() -> None:
    class Exploding:
        def handle_request(self, request):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    response = client(Exploding()).get("/things")
    assert response.status_code == 500 and response.json["error"] == "internal_error"
