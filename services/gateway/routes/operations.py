"""Reports, the audit trail and the operators' dead-letter store."""
from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from shared import access_log
from shared.commands import RedriveDeadLetter
from shared.config import SERVICES
from shared.paging import decode_key

from .. import answers, arguments, audit
from ..auth import AUDIT, OPERATE, REPORT, report_protection, scoped_regions
from ..endpoints import Call, route
from ..rpc import TimedServiceProxy
from . import Routes

SERVICE = f"any({', '.join(SERVICES)})"  # a path naming another service is a 404
CSV = "with format=csv: one row per figure (scope, figure, key, value)"


class OperationRoutes(Routes):
    @route("GET", "/api/v1/reports/summary", "The evaluation's figures",
           roles=REPORT, query=arguments.SummaryQuestion, answer=answers.Summary, media={"text/csv": CSV})
    def report_summary(self, call: Call) -> Any:
        region = call.query.get("region")
        params = {"from": call.query["from"], "to": call.query["to"], "as_of": call.query.get("as_of"),
                  "region": region, "regions": scoped_regions(call.principal, region),
                  "format": call.query["format"]}
        params["suppress_below"], params["round_to"] = report_protection(call.principal,
                                                                         call.query.get("suppress_below"))
        answer = self.followup.summary(params)
        if params["format"] == "csv":
            return Response(answer["csv"], status=200, mimetype="text/csv",
                            headers={"Content-Disposition": 'attachment; filename="summary.csv"'})
        return answer

    @route("GET", "/api/v1/audit/subjects/<subject_id>", "Every event about a referral, volunteer or match",
           roles=AUDIT, query=arguments.Paging, answer=answers.AuditTrail)
    def audit_subject(self, call: Call, subject_id: str) -> Any:
        services = {name: self._service(name) for name in SERVICES}
        return audit.trail(services, subject_id, call.principal.sees_personal, call.query["limit"],
                           call.query.get("cursor"), reader=call.principal.actor)

    @route("GET", "/api/v1/audit/access", "Who was shown personal data or a note: every service's access log",
           roles=AUDIT, query=arguments.AccessFilters, answer=answers.AccessPage)
    def audit_access(self, call: Call) -> Any:
        limit, after = call.query["limit"], decode_key(call.query.get("cursor"))
        filters = arguments.filters(call.query)
        return access_log.merge([self._service(name).access_log(filters, limit, after)["items"]
                                 for name in SERVICES], limit)

    @route("GET", "/api/v1/dead-letters", "List the kept bad messages of one service",
           roles=OPERATE, query=arguments.DeadLetterFilters, answer=answers.DeadLetterPage)
    def list_dead_letters(self, call: Call) -> Any:
        filters = {k: v for k, v in arguments.filters(call.query).items() if k != "service"}
        return self._service(call.query["service"]).list_dead_letters(
            filters, call.query["limit"], call.query.get("cursor"))

    @route("GET", f"/api/v1/dead-letters/<{SERVICE}:service>/<int:dead_letter_id>",
           "One kept message, with its body", roles=OPERATE, answer=answers.DeadLetter)
    def get_dead_letter(self, call: Call, service: str, dead_letter_id: int) -> Any:
        return self._service(service).get_dead_letter(dead_letter_id, call.principal.actor)

    @route("POST", f"/api/v1/dead-letters/<{SERVICE}:service>/<int:dead_letter_id>/redrive",
           "Re-drive a kept message, maybe fixed", roles=OPERATE, body=RedriveDeadLetter, body_required=False,
           answer=answers.DeadLetter, status=202, errors=(422,))
    def redrive_dead_letter(self, call: Call, service: str, dead_letter_id: int) -> Any:
        return self._service(service).redrive_dead_letter(dead_letter_id, call.body.get("body"))

    def _service(self, name: str) -> TimedServiceProxy:
        proxy: TimedServiceProxy = getattr(self, name)
        return proxy
