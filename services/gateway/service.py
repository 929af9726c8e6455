"""The gateway service: nameko @http entrypoints over the services' RPC APIs.

Run with ``nameko run --config deploy/config/gateway.yml services.gateway.service``;
``WEB_SERVER_ADDRESS`` sets where it listens. Every route is declared once with
``endpoints.route``; ``/openapi.json`` is built from those declarations.
"""
from __future__ import annotations

from typing import Any

import eventlet
from werkzeug.wrappers import Response

from shared.asyncapi import build_asyncapi
from shared.config import SERVICES
from shared.runtime.heap import FrozenHeap

from . import answers
from . import metrics as exposition
from .endpoints import Call, endpoints_of, route
from .openapi import build_spec

# Modules, not classes: `nameko run` would take each imported mixin for a service.
from .routes import matches as match_routes
from .routes import operations as operation_routes
from .routes import referrals as referral_routes
from .routes import volunteers as volunteer_routes
from .routes import webpage as webpage_routes
from .rpc import RpcClient

HEALTH_TIMEOUT = 2.0


class GatewayService(
    referral_routes.ReferralRoutes,
    volunteer_routes.VolunteerRoutes,
    match_routes.MatchRoutes,
    operation_routes.OperationRoutes,
    webpage_routes.WebpageRoutes,
):
    """The one HTTP door; see ``/openapi.json`` for what it serves."""

    name = "gateway"

    referrals = RpcClient("referrals")  # type: ignore[assignment]
    matching = RpcClient("matching")  # type: ignore[assignment]
    followup = RpcClient("followup")  # type: ignore[assignment]
    heap = FrozenHeap()

    @route("GET", "/health", "Readiness: every service answers", roles=None, answer=answers.Health,
           also={503: "A service is not answering (`degraded`)."})
    def health(self, call: Call) -> Any:
        pile = eventlet.GreenPile()
        for service in SERVICES:
            pile.spawn(self._probe, service)
        services = dict(zip(SERVICES, pile))
        healthy = all(state == "ok" for state in services.values())
        return {"status": "ok" if healthy else "degraded", "services": services}, 200 if healthy else 503

    @route("GET", "/health/live", "The gateway process answers (the services are not asked)",
           roles=None, answer=answers.Live)
    def live(self, call: Call) -> Any:
        return {"status": "ok"}

    @route("GET", "/metrics", "Prometheus text: per-service figures (service label) and request latency",
           roles=None, answer=None, media={exposition.CONTENT_TYPE: "Prometheus exposition format"})
    def metrics(self, call: Call) -> Any:
        statuses = exposition.FIGURES_CACHE.get(self._statuses)
        return Response(exposition.render(statuses), status=200, content_type=exposition.CONTENT_TYPE)

    @route("GET", "/openapi.json", "This document (OpenAPI 3)", roles=None, answer=None)
    def openapi(self, call: Call) -> Any:
        return build_spec(endpoints_of(type(self)))

    @route("GET", "/asyncapi.json", "The event bus as AsyncAPI 3.0", roles=None, answer=None)
    def asyncapi(self, call: Call) -> Any:
        return build_asyncapi()

    def _statuses(self) -> dict[str, dict[str, Any] | None]:
        pile = eventlet.GreenPile()
        for service in SERVICES:
            pile.spawn(self._status, service)
        return dict(zip(SERVICES, pile))

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
