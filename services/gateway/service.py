"""The gateway service: nameko @http entrypoints over the services' RPC APIs.

Run with ``nameko run --config deploy/config/gateway.yml services.gateway.service``;
``WEB_SERVER_ADDRESS`` sets where it listens.
"""
from __future__ import annotations

from typing import Any

import eventlet
from werkzeug.wrappers import Request, Response

from shared.asyncapi import build_asyncapi
from shared.config import SERVICES

from . import metrics as exposition
from .http import json_response, ok
from .openapi import build_spec

# Modules, not classes: `nameko run` would take each imported mixin for a service.
from .routes import matches as match_routes
from .routes import operations as operation_routes
from .routes import referrals as referral_routes
from .routes import volunteers as volunteer_routes
from .rpc import RpcClient
from .web import http

HEALTH_TIMEOUT = 2.0


class GatewayService(
    referral_routes.ReferralRoutes,
    volunteer_routes.VolunteerRoutes,
    match_routes.MatchRoutes,
    operation_routes.OperationRoutes,
):
    """The one HTTP door; see ``/openapi.json`` for what it serves."""

    name = "gateway"

    referrals = RpcClient("referrals")  # type: ignore[assignment]
    matching = RpcClient("matching")  # type: ignore[assignment]
    followup = RpcClient("followup")  # type: ignore[assignment]

    @http("GET", "/health")
    def health(self, request: Request) -> Response:
        pile = eventlet.GreenPile()
        for service in SERVICES:
            pile.spawn(self._probe, service)
        services = dict(zip(SERVICES, pile))
        healthy = all(state == "ok" for state in services.values())
        body = {"status": "ok" if healthy else "degraded", "services": services}
        return json_response(body, 200 if healthy else 503)

    @http("GET", "/health/live")
    def live(self, request: Request) -> Response:
        """The gateway process answers; the services are not asked (that is ``/health``)."""
        return ok({"status": "ok"})

    @http("GET", "/metrics")
    def metrics(self, request: Request) -> Response:
        pile = eventlet.GreenPile()
        for service in SERVICES:
            pile.spawn(self._status, service)
        return Response(exposition.render(dict(zip(SERVICES, pile))), status=200,
                        content_type=exposition.CONTENT_TYPE)

    @http("GET", "/openapi.json")
    def openapi(self, request: Request) -> Response:
        return ok(build_spec())

    @http("GET", "/asyncapi.json")
    def asyncapi(self, request: Request) -> Response:
        return ok(build_asyncapi())

    def _status(self, service: str) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = getattr(self, service).within(HEALTH_TIMEOUT).status()
        except Exception:  # a scrape reports a silent service as down, it never fails
            return None
        return answer

    def _probe(self, service: str) -> str:
        try:
            answer = getattr(self, service).within(HEALTH_TIMEOUT).health()
        except Exception:  # a probe reports, it never fails the request
            return "unavailable"
        return "ok" if answer == "ok" else "unavailable"
