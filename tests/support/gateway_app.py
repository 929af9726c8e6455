"""The gateway's real WSGI app, in this process, over in-memory services (``gateway_fakes``).

Requests go through ``JsonWsgiApp`` (routing, JSON errors, whatever middleware it has)
to the service's declared routes, as under ``nameko run``; only the nameko
container (worker spawning, AMQP) is left out.
"""
from __future__ import annotations

from typing import Any

from nameko.testing.services import worker_factory
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from services.gateway.endpoints import endpoints_of
from services.gateway.json_bodies import error_response
from services.gateway.json_server import JsonWsgiApp
from services.gateway.service import GatewayService
from tests.support.gateway_fakes import fake_services


class _InProcessRoute:
    """Stands in for nameko's entrypoint provider: calls the worker's method directly."""

    def __init__(self, worker: Any, name: str) -> None:
        self.worker, self.name = worker, name

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        try:
            response: Response = getattr(self.worker, self.name)(request, **request.path_values)  # type: ignore
        except Exception as exc:  # as nameko's handler: the error table answers
            return error_response(exc)
        return response


class _Server:
    def __init__(self, worker: Any) -> None:
        self.worker = worker

    def make_url_map(self) -> Map:
        return Map([Rule(e.path, methods=[e.method], endpoint=_InProcessRoute(self.worker, e.name))
                    for e in endpoints_of(GatewayService)])


def gateway_app(**services: Any) -> JsonWsgiApp:
    """The WSGI app over the fake services (or the ones given by name)."""
    worker = worker_factory(GatewayService, **{**fake_services(), **services})
    return JsonWsgiApp(_Server(worker))
