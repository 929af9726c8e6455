"""/api/v1/volunteers: register, screen, train, list, read."""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ..auth import READ, WRITE, authorize, check_region, scoped
from ..http import accepted, ok, page_args, query_filters, read_json_object
from ..web import http
from . import Routes

VOLUNTEER_FILTERS = ("status", "region")


class VolunteerRoutes(Routes):
    @http("POST", "/api/v1/volunteers")
    def register_volunteer(self, request: Request) -> Response:
        who = authorize(request.headers, WRITE)
        body = read_json_object(request)
        if isinstance(body.get("region"), str):  # a missing region is the service's 400
            check_region(who, body["region"])
        return accepted(self.matching.register_volunteer(body, who.actor))

    @http("POST", "/api/v1/volunteers/<string:volunteer_id>/screening")
    def screen_volunteer(self, request: Request, volunteer_id: str) -> Response:
        who = authorize(request.headers, WRITE)
        body = read_json_object(request)
        self._check_volunteer_region(who, volunteer_id)
        return accepted(self.matching.screen_volunteer(volunteer_id, body, who.actor))

    @http("POST", "/api/v1/volunteers/<string:volunteer_id>/training")
    def train_volunteer(self, request: Request, volunteer_id: str) -> Response:
        who = authorize(request.headers, WRITE)
        body = read_json_object(request)
        self._check_volunteer_region(who, volunteer_id)
        return accepted(self.matching.train_volunteer(volunteer_id, body, who.actor))

    @http("GET", "/api/v1/volunteers")
    def list_volunteers(self, request: Request) -> Response:
        who = authorize(request.headers, READ)
        filters = scoped(who, query_filters(request, VOLUNTEER_FILTERS))
        limit, cursor = page_args(request)
        return ok(self.matching.list_volunteers(filters, limit, cursor))

    @http("GET", "/api/v1/volunteers/<string:volunteer_id>")
    def get_volunteer(self, request: Request, volunteer_id: str) -> Response:
        who = authorize(request.headers, READ)
        volunteer = self.matching.get_volunteer(volunteer_id, who.sees_personal)
        check_region(who, volunteer.get("region"))
        return ok(volunteer)
