"""Reports, the audit trail and the operators' dead-letter store."""
from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from shared.config import SERVICES
from shared.errors import NotFound, ValidationFailed

from ..auth import AUDIT, OPERATE, READ, authorize, scoped_regions
from ..http import accepted, ok, page_args, query_choice, query_date, query_filters, query_int, read_json_object
from ..rpc import TimedServiceProxy
from ..web import http
from . import Routes


class OperationRoutes(Routes):
    @http("GET", "/api/v1/reports/summary")
    def report_summary(self, request: Request) -> Response:
        who = authorize(request.headers, READ)
        region = request.args.get("region") or None
        params = {
            "from": query_date(request, "from"),
            "to": query_date(request, "to"),
            "as_of": request.args.get("as_of") or None,
            "region": region,
            "regions": scoped_regions(who, region),
            "suppress_below": query_int(request, "suppress_below"),
            "format": query_choice(request, "format", ("json", "csv"), "json"),
        }
        answer = self.followup.summary(params)
        if params["format"] == "csv":
            return Response(answer["csv"], status=200, mimetype="text/csv",
                            headers={"Content-Disposition": 'attachment; filename="summary.csv"'})
        return ok(answer)

    @http("GET", "/api/v1/audit/subjects/<string:subject_id>")
    def audit_subject(self, request: Request, subject_id: str) -> Response:
        who = authorize(request.headers, AUDIT)
        # An event one service recorded and others consumed is listed once, as its recorder keeps it.
        found: dict[str, dict[str, Any]] = {}
        for name in SERVICES:
            for item in self._service(name).audit_trail(subject_id, who.sees_personal)["items"]:
                if item["event_id"] not in found or item.get("source") == name:
                    found[item["event_id"]] = item
        if not found:
            raise NotFound(f"No events about {subject_id!r}.")
        items = sorted(found.values(), key=lambda e: (str(e.get("recorded_at")), e.get("stream_version") or 0))
        return ok({"subject_id": subject_id, "items": items})

    @http("GET", "/api/v1/dead-letters")
    def list_dead_letters(self, request: Request) -> Response:
        authorize(request.headers, OPERATE)
        service = request.args.get("service", "")
        if service not in SERVICES:
            raise ValidationFailed("service must name a service.", {"service": [f"one of {', '.join(SERVICES)}"]})
        limit, cursor = page_args(request)
        filters = query_filters(request, ("status",))
        return ok(self._service(service).list_dead_letters(filters, limit, cursor))

    @http("GET", "/api/v1/dead-letters/<string:service>/<int:dead_letter_id>")
    def get_dead_letter(self, request: Request, service: str, dead_letter_id: int) -> Response:
        authorize(request.headers, OPERATE)
        return ok(self._known_service(service).get_dead_letter(dead_letter_id))

    @http("POST", "/api/v1/dead-letters/<string:service>/<int:dead_letter_id>/redrive")
    def redrive_dead_letter(self, request: Request, service: str, dead_letter_id: int) -> Response:
        authorize(request.headers, OPERATE)
        fixed = read_json_object(request, required=False).get("body")
        if fixed is not None and not isinstance(fixed, str):
            raise ValidationFailed("body must be the fixed message text.", {"body": ["must be a string"]})
        return accepted(self._known_service(service).redrive_dead_letter(dead_letter_id, fixed))

    def _known_service(self, name: str) -> TimedServiceProxy:
        if name not in SERVICES:
            raise NotFound(f"No service {name!r}; one of {', '.join(SERVICES)}.")
        return self._service(name)

    def _service(self, name: str) -> TimedServiceProxy:
        proxy: TimedServiceProxy = getattr(self, name)
        return proxy
