"""The gateway's request middleware: headers, denials logged, control characters, idempotent POSTs."""
from __future__ import annotations

import json
import logging
from typing import Any

import eventlet
import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from services.gateway import idempotency, token_registry
from services.gateway.auth import STAFF, authorize
from services.gateway.json_bodies import error_response, json_response, read_json_object
from services.gateway.json_server import JsonWsgiApp
from tests.support.waiting import wait_for


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "web-test-secret-" + "s" * 32)


class Endpoint:
    """Stands in for a nameko @http entrypoint: authorizes, counts its runs, answers."""

    def __init__(self, url: str, method: str = "POST") -> None:
        self.url, self.method = url, method
        self.runs = 0
        self.gate: eventlet.event.Event | None = None

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        try:
            authorize(request.headers, STAFF)
            body = read_json_object(request, required=False)
        except Exception as exc:  # as nameko's handler maps it
            return error_response(exc)
        self.runs += 1
        if self.gate is not None:
            self.gate.wait()
        return json_response({"volunteer_id": f"v-{self.runs}", "echo": body}, 202)


class Server:
    def __init__(self, *endpoints: Endpoint) -> None:
        self.endpoints = endpoints

    def make_url_map(self) -> Map:
        return Map([Rule(e.url, methods=[e.method], endpoint=e) for e in self.endpoints])


@pytest.fixture
def endpoint() -> Endpoint:
    return Endpoint("/api/v1/volunteers")


def client(*endpoints: Endpoint) -> Client:
    return Client(JsonWsgiApp(Server(*endpoints)))  # type: ignore[arg-type]


def auth(role: str = "coordinator", name: str = "ann", **headers: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token_registry.issue(role, (), name), **headers}


def post(app: Client, body: Any, **headers: str) -> Any:
    return app.post("/api/v1/volunteers", data=json.dumps(body), headers=headers,
                    content_type="application/json")


def test_every_answer_is_nosniff_and_api_answers_are_not_stored(endpoint: Endpoint) -> None:
    app = client(endpoint, Endpoint("/health", "GET"))
    for response in (post(app, {}, **auth()), app.get("/api/v1/nowhere"), app.get("/health"),
                     app.get("/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert post(app, {}, **auth()).headers["Cache-Control"] == "no-store"
    assert app.get("/api/v1/nowhere").headers["Cache-Control"] == "no-store"


def test_a_denial_is_logged_with_subject_and_client_never_the_token(
        endpoint: Endpoint, caplog: pytest.LogCaptureFixture) -> None:
    headers = auth("auditor", "Ada Auditor")
    with caplog.at_level(logging.WARNING, logger="services.gateway.json_server"):
        response = client(endpoint).post("/api/v1/volunteers", data="{}", headers=headers,
                                         environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 403
    line = caplog.text
    assert 'denied 403 POST /api/v1/volunteers subject="Ada Auditor" client=192.0.2.7' in line
    assert headers["Authorization"].split()[1] not in line


def test_an_unauthenticated_request_is_logged_without_a_subject(
        endpoint: Endpoint, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="services.gateway.json_server"):
        response = post(client(endpoint), {}, Authorization="Bearer forged.token.here")
    assert response.status_code == 401
    assert "denied 401 POST /api/v1/volunteers subject=null client=" in caplog.text
    assert "forged.token.here" not in caplog.text


def test_control_characters_in_the_path_are_not_found(endpoint: Endpoint) -> None:
    response = client(endpoint).get("/api/v1/volunteers/%00")
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_control_characters_in_the_query_are_a_400(endpoint: Endpoint) -> None:
    response = client(Endpoint("/api/v1/volunteers", "GET")).get("/api/v1/volunteers?region=x%1b")
    assert response.status_code == 400
    assert response.json["fields"] == {"region": ["must not contain control characters"]}


def test_a_repeated_post_with_one_key_runs_once_and_answers_the_same(endpoint: Endpoint) -> None:
    app = client(endpoint)
    first = post(app, {"region": "hovedstaden"}, **auth(**{"Idempotency-Key": "k-1"}))
    again = post(app, {"region": "hovedstaden"}, **auth(**{"Idempotency-Key": "k-1"}))

    assert (first.status_code, again.status_code) == (202, 202)
    assert first.get_data() == again.get_data() and endpoint.runs == 1
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers


def test_the_same_key_with_another_body_is_422(endpoint: Endpoint) -> None:
    app = client(endpoint)
    post(app, {"region": "hovedstaden"}, **auth(**{"Idempotency-Key": "k-1"}))
    other = post(app, {"region": "syddanmark"}, **auth(**{"Idempotency-Key": "k-1"}))
    assert other.status_code == 422 and endpoint.runs == 1


def test_keys_belong_to_their_principal(endpoint: Endpoint) -> None:
    app = client(endpoint)
    post(app, {}, **auth(name="ann", **{"Idempotency-Key": "k-1"}))
    post(app, {}, **auth(name="bo", **{"Idempotency-Key": "k-1"}))
    assert endpoint.runs == 2


def test_without_a_key_every_post_runs(endpoint: Endpoint) -> None:
    app = client(endpoint)
    post(app, {}, **auth())
    post(app, {}, **auth())
    assert endpoint.runs == 2


def test_a_kept_answer_survives_a_new_gateway(endpoint: Endpoint) -> None:
    first = post(client(endpoint), {}, **auth(**{"Idempotency-Key": "k-1"}))
    restarted = Endpoint("/api/v1/volunteers")
    again = post(client(restarted), {}, **auth(**{"Idempotency-Key": "k-1"}))
    assert again.get_data() == first.get_data() and restarted.runs == 0


@pytest.mark.parametrize("key", ["", "x" * 201, "bad\x01key"])
def test_an_unusable_key_is_a_400(endpoint: Endpoint, key: str) -> None:
    response = post(client(endpoint), {}, **auth(**{"Idempotency-Key": key}))
    assert response.status_code == 400 and endpoint.runs == 0


def test_an_unauthenticated_post_with_a_key_is_401_and_keeps_nothing(endpoint: Endpoint) -> None:
    app = client(endpoint)
    assert post(app, {}, **{"Idempotency-Key": "k-1"}).status_code == 401
    assert post(app, {}, **auth(**{"Idempotency-Key": "k-1"})).status_code == 202


def test_a_failed_answer_is_not_kept_so_a_retry_runs(endpoint: Endpoint) -> None:
    failing = Endpoint("/api/v1/volunteers")
    failing.handle_request = lambda request: json_response({"error": "unavailable"}, 503)  # type: ignore[method-assign]
    assert post(client(failing), {}, **auth(**{"Idempotency-Key": "k-1"})).status_code == 503
    assert post(client(endpoint), {}, **auth(**{"Idempotency-Key": "k-1"})).status_code == 202
    assert endpoint.runs == 1


def test_two_concurrent_posts_with_one_key_run_once(endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes: list[object] = []
    reserve = idempotency._reserve

    def watched(*args: Any) -> Any:
        outcomes.append(reserve(*args))
        return outcomes[-1]

    monkeypatch.setattr(idempotency, "_reserve", watched)
    endpoint.gate = eventlet.event.Event()
    app = client(endpoint)
    headers = auth(**{"Idempotency-Key": "k-1"})
    first = eventlet.spawn(post, app, {"a": 1}, **headers)
    second = eventlet.spawn(post, app, {"a": 1}, **headers)
    # The first runs and holds; the second finds the key taken and waits on it.
    wait_for(lambda: endpoint.runs == 1 and idempotency._PENDING in outcomes, what="the second to wait")
    assert endpoint.runs == 1
    endpoint.gate.send(None)
    answers = [first.wait(), second.wait()]
    assert endpoint.runs == 1
    assert [a.status_code for a in answers] == [202, 202] and answers[0].get_data() == answers[1].get_data()


def test_each_request_is_logged_by_its_route_never_its_path(caplog: pytest.LogCaptureFixture) -> None:
    app = client(Endpoint("/api/v1/audit/subjects/<subject_id>", "GET"))
    with caplog.at_level(logging.INFO, logger="services.gateway.json_server"):
        app.get("/api/v1/audit/subjects/+45%205550%201234", headers=auth(),
                environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert "192.0.2.9 GET /api/v1/audit/subjects/<subject_id> " in caplog.text
    assert "5550" not in caplog.text
