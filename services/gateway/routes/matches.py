"""/api/v1/matches and check-ins: match, list, read, report a check-in, close, what is due."""
from __future__ import annotations

from typing import Any

from shared.commands import CloseMatch, MatchParticipant, ReportCheckIn

from .. import answers, arguments
from ..auth import INTAKE, STAFF, check_visible, scoped, scoped_regions
from ..endpoints import Call, route
from . import Routes

ON = "Follow-up fields (next contact, overdue, six-month review) are as of `on`, default today."


class MatchRoutes(Routes):
    @route("POST", "/api/v1/matches", "Match a participant with a volunteer",
           roles=STAFF, body=MatchParticipant, answer=answers.MatchId, status=202)
    def match_participant(self, call: Call) -> Any:
        # Matching holds both sides' regions: it answers one outside the consultant's
        # regions as missing, before any rule could tell its status.
        return self.matching.match_participant(call.body, call.principal.actor,
                                               scoped_regions(call.principal, None))

    @route("GET", "/api/v1/matches", "List matches", description=ON,
           roles=STAFF, query=arguments.MatchFilters, answer=answers.MatchPage)
    def list_matches(self, call: Call) -> Any:
        filters = scoped(call.principal, {k: v for k, v in arguments.filters(call.query).items() if k != "on"})
        return self.followup.list_matches(filters, call.query["limit"], call.query.get("cursor"),
                                          on=call.query["on"])

    @route("GET", "/api/v1/matches/<match_id>", "One match", description=ON,
           roles=STAFF, query=arguments.MatchDay, answer=answers.Match)
    def get_match(self, call: Call, match_id: str) -> Any:
        match = self.followup.get_match(match_id, on=call.query["on"])
        check_visible(call.principal, match.get("region"), f"no match {match_id}")
        return match

    @route("POST", "/api/v1/matches/<match_id>/check-ins", "Report a check-in (`checkin_reported` minus match_id)",
           roles=INTAKE, body=ReportCheckIn, answer=answers.CheckInId, status=202)
    def report_check_in(self, call: Call, match_id: str) -> Any:
        self._check_match_region(call.principal, match_id)
        return self.followup.report_check_in(match_id, call.body, call.principal.actor)

    @route("POST", "/api/v1/matches/<match_id>/close", "Close a match",
           roles=STAFF, body=CloseMatch, answer=answers.MatchId, status=202)
    def close_match(self, call: Call, match_id: str) -> Any:
        self._check_match_region(call.principal, match_id)
        return self.followup.close_match(match_id, call.body, call.principal.actor)

    @route("GET", "/api/v1/check-ins/due", "Matches whose consultant contact is due or overdue on `on`",
           roles=STAFF, query=arguments.DueQuestion, answer=answers.DueCheckIns)
    def due_check_ins(self, call: Call) -> Any:
        regions = scoped_regions(call.principal, call.query.get("region"))
        return self.followup.due_check_ins(call.query["on"], regions)
