"""/api/v1/referrals: submit, list, read, withdraw, candidates."""
from __future__ import annotations

from datetime import date

from werkzeug.wrappers import Request, Response

from shared import reference

from ..auth import INTAKE, READ, WRITE, authorize, check_region, scoped
from ..http import accepted, ok, page_args, query_date, query_filters, read_json_object
from ..web import http
from . import Routes

REFERRAL_FILTERS = ("status", "region", "referring_site", "external_ref")


class ReferralRoutes(Routes):
    @http("POST", "/api/v1/referrals")
    def submit_referral(self, request: Request) -> Response:
        who = authorize(request.headers, INTAKE)
        body = read_json_object(request)
        site = body.get("referring_site")
        if site in reference.site_codes():
            check_region(who, reference.region_of_site(site))
        return accepted(self.referrals.submit_referral(body, who.actor))

    @http("GET", "/api/v1/referrals")
    def list_referrals(self, request: Request) -> Response:
        who = authorize(request.headers, READ)
        filters = scoped(who, query_filters(request, REFERRAL_FILTERS))
        limit, cursor = page_args(request)
        return ok(self.referrals.list_referrals(filters, limit, cursor))

    @http("GET", "/api/v1/referrals/<string:referral_id>")
    def get_referral(self, request: Request, referral_id: str) -> Response:
        who = authorize(request.headers, READ)
        referral = self.referrals.get_referral(referral_id, who.sees_personal)
        check_region(who, referral.get("region"))
        return ok(referral)

    @http("POST", "/api/v1/referrals/<string:referral_id>/withdraw")
    def withdraw_referral(self, request: Request, referral_id: str) -> Response:
        who = authorize(request.headers, WRITE)
        body = read_json_object(request)
        self._check_referral_region(who, referral_id)
        return accepted(self.referrals.withdraw_referral(referral_id, body, who.actor))

    @http("GET", "/api/v1/referrals/<string:referral_id>/candidates")
    def list_candidates(self, request: Request, referral_id: str) -> Response:
        # WRITE, not READ: a proposal is recorded (an auditor only reads).
        who = authorize(request.headers, WRITE)
        limit, _ = page_args(request)
        on = query_date(request, "on", default=date.today().isoformat())  # the ranking date
        self._check_referral_region(who, referral_id)
        return ok(self.matching.candidates(referral_id, limit, on, who.actor))
