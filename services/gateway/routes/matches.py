"""/api/v1/matches and check-ins: match, list, read, report a check-in, close, what is due."""
from __future__ import annotations

from datetime import date

from werkzeug.wrappers import Request, Response

from shared.errors import ValidationFailed

from ..auth import INTAKE, READ, WRITE, authorize, check_region, scoped, scoped_regions
from ..http import accepted, ok, page_args, query_date, query_filters, read_json_object
from ..web import http
from . import Routes

MATCH_FILTERS = ("status", "region", "volunteer_id", "referral_id")


class MatchRoutes(Routes):
    @http("POST", "/api/v1/matches")
    def match_participant(self, request: Request) -> Response:
        who = authorize(request.headers, WRITE)
        body = read_json_object(request)
        referral_id = body.get("referral_id")
        if not isinstance(referral_id, str) or not referral_id:
            raise ValidationFailed("referral_id is required.", {"referral_id": ["required"]})
        self._check_referral_region(who, referral_id)
        return accepted(self.matching.match_participant(body, who.actor))

    @http("GET", "/api/v1/matches")
    def list_matches(self, request: Request) -> Response:
        who = authorize(request.headers, READ)
        filters = scoped(who, query_filters(request, MATCH_FILTERS))
        limit, cursor = page_args(request)
        return ok(self.followup.list_matches(filters, limit, cursor, on=_on(request)))

    @http("GET", "/api/v1/matches/<string:match_id>")
    def get_match(self, request: Request, match_id: str) -> Response:
        who = authorize(request.headers, READ)
        match = self.followup.get_match(match_id, on=_on(request))
        check_region(who, match.get("region"))
        return ok(match)

    @http("POST", "/api/v1/matches/<string:match_id>/check-ins")
    def report_check_in(self, request: Request, match_id: str) -> Response:
        who = authorize(request.headers, INTAKE)
        body = read_json_object(request)
        self._check_match_region(who, match_id)
        return accepted(self.followup.report_check_in(match_id, body, who.actor))

    @http("POST", "/api/v1/matches/<string:match_id>/close")
    def close_match(self, request: Request, match_id: str) -> Response:
        who = authorize(request.headers, WRITE)
        body = read_json_object(request)
        self._check_match_region(who, match_id)
        return accepted(self.followup.close_match(match_id, body, who.actor))

    @http("GET", "/api/v1/check-ins/due")
    def due_check_ins(self, request: Request) -> Response:
        who = authorize(request.headers, READ)
        regions = scoped_regions(who, request.args.get("region") or None)
        return ok(self.followup.due_check_ins(_on(request), regions))


def _on(request: Request) -> str | None:
    """``on``: the date a match's follow-up is judged as of; today when not given.

    The only place "today" enters the follow-up answers: the service takes the date.
    """
    return query_date(request, "on", default=date.today().isoformat())
