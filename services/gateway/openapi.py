"""``/openapi.json``: every endpoint, its body, answers, roles and errors."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from apispec import APISpec

from shared.paging import MAX_LIMIT

from .http import DEFAULT_LIMIT, MAX_BODY_BYTES
from .openapi_schemas import SCHEMAS, Schema, page, ref

READ = "coordinator, consultant (own regions), auditor"
WRITE = "coordinator, consultant (own regions)"
INTAKE = "coordinator, consultant (own regions), system"
ERRORS = {400: "Validation failed; `fields` lists the problems.", 401: "Missing, bad or expired token.",
          403: "The role or its regions do not allow this.", 404: "No such object.",
          409: "Conflicts with the current state (e.g. already matched).",
          413: f"Body larger than {MAX_BODY_BYTES} bytes.", 422: "A programme rule says no.",
          500: "Unexpected failure (logged).", 503: "A service did not answer."}


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    summary: str
    roles: str | None  # None: no token needed
    answer: Schema
    body: str | None = None
    query: tuple[str, ...] = ()
    status: int = 200


PAGING = ("limit", "cursor")
OPS = (
    Op("get", "/health", "Liveness of every service", None, ref("Health")),
    Op("get", "/openapi.json", "This document", None, {"type": "object"}),
    Op("get", "/asyncapi.json", "The event bus as AsyncAPI 3.0", None, {"type": "object"}),
    Op("get", "/health/live", "The gateway process answers (the services are not asked)", None,
       {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}}),
    Op("get", "/metrics", "Prometheus text: per-service figures (service label) and request latency", None,
       {"type": "string"}),
    Op("post", "/api/v1/referrals", "Submit a referral", INTAKE, ref("ReferralId"), "ReferralSubmission", status=202),
    Op("get", "/api/v1/referrals", "List referrals, waiting ones longest-waiting first", READ, page("Referral"),
       query=("status", "region", "referring_site", "external_ref") + PAGING),
    Op("get", "/api/v1/referrals/{referral_id}", "One referral", READ, ref("Referral")),
    Op("post", "/api/v1/referrals/{referral_id}/withdraw", "Withdraw a referral", WRITE, ref("ReferralId"),
       "Withdrawal", status=202),
    Op("get", "/api/v1/referrals/{referral_id}/candidates",
       "Ranked volunteers for a waiting referral, explained; recorded as a proposal", READ, ref("Candidates"),
       query=("limit", "on")),
    Op("post", "/api/v1/volunteers", "Register a volunteer", WRITE, ref("VolunteerId"), "VolunteerRegistration",
       status=202),
    Op("post", "/api/v1/volunteers/{volunteer_id}/screening", "Record screening", WRITE, ref("VolunteerId"),
       "Screening", status=202),
    Op("post", "/api/v1/volunteers/{volunteer_id}/training", "Record training", WRITE, ref("VolunteerId"),
       "Training", status=202),
    Op("get", "/api/v1/volunteers", "List volunteers", READ, page("Volunteer"), query=("status", "region") + PAGING),
    Op("get", "/api/v1/volunteers/{volunteer_id}", "One volunteer", READ, ref("Volunteer")),
    Op("post", "/api/v1/matches", "Match a participant with a volunteer", WRITE, ref("MatchId"), "MatchRequest",
       status=202),
    Op("get", "/api/v1/matches", "List matches", READ, page("Match"),
       query=("status", "region", "volunteer_id", "referral_id", "on") + PAGING),
    Op("get", "/api/v1/matches/{match_id}", "One match, with its follow-up as of `on`", READ, ref("Match"),
       query=("on",)),
    Op("post", "/api/v1/matches/{match_id}/check-ins", "Report a check-in", INTAKE, ref("CheckInId"), "CheckIn",
       status=202),
    Op("post", "/api/v1/matches/{match_id}/close", "Close a match", WRITE, ref("MatchId"), "Closure", status=202),
    Op("get", "/api/v1/check-ins/due", "Matches whose consultant contact is due or overdue on `on`", READ,
       ref("DueCheckIns"), query=("on", "region")),
    Op("get", "/api/v1/reports/summary", "The evaluation's figures", READ, ref("Summary"),
       query=("from", "to", "region", "as_of", "suppress_below", "format")),
    Op("get", "/api/v1/audit/subjects/{subject_id}", "Every event about a referral, volunteer or match",
       "coordinator, auditor", ref("AuditTrail")),
    Op("get", "/api/v1/dead-letters", "List kept bad messages of one service", "coordinator", page("DeadLetter"),
       query=("service", "status") + PAGING),
    Op("get", "/api/v1/dead-letters/{service}/{dead_letter_id}", "One kept message", "coordinator",
       ref("DeadLetter")),
    Op("post", "/api/v1/dead-letters/{service}/{dead_letter_id}/redrive", "Re-drive a kept message, maybe fixed",
       "coordinator", ref("DeadLetter"), "Redrive", status=202),
)

QUERY: dict[str, Schema] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    "on": {"type": "string", "format": "date"}, "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"}, "as_of": {"type": "string", "format": "date-time"},
    "service": {"type": "string", "enum": ["referrals", "matching", "followup"]},
}


def build_spec() -> dict[str, Any]:
    """The OpenAPI 3 document of the gateway."""
    spec = APISpec("Livet Går Videre gateway", "1.0.0", "3.0.3", info={
        "description": "Auth: `Authorization: Bearer <token>` from `lgv token issue`. Writes answer 202; "
                       "reads may lag them by moments. `personal` appears only on single-object reads by coordinators "
                       "and consultants. Errors are always the `Error` body."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for status, text in ERRORS.items():
        spec.components.response(f"E{status}", {"description": text, "content": _json(ref("Error"))})
    for path in dict.fromkeys(op.path for op in OPS):
        spec.path(path=path, operations={op.method: _operation(op) for op in OPS if op.path == path})
    return spec.to_dict()


def _operation(op: Op) -> dict[str, Any]:
    names = re.findall(r"{(\w+)}", op.path)
    operation: dict[str, Any] = {
        "summary": op.summary,
        "description": f"Roles: {op.roles}." if op.roles else "No token needed.",
        "parameters": [_param(n, "path") for n in names] + [_param(n, "query") for n in op.query],
        "responses": {str(op.status): {"description": "OK", "content": _json(op.answer)}, **_errors(op, names)},
    }
    if op.roles:
        operation["security"] = [{"bearer": []}]
    if op.body:
        operation["requestBody"] = {"required": op.body != "Redrive", "content": _json(ref(op.body))}
    return operation


def _errors(op: Op, names: list[str]) -> dict[str, Any]:
    codes = [500, 503]
    if op.roles:
        codes += [400, 401, 403] + ([404] if names else [])
    if op.body:
        codes += [409, 413, 422]
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in sorted(codes)}


def _param(name: str, where: str) -> dict[str, Any]:
    schema = {"type": "integer"} if name == "dead_letter_id" else QUERY.get(name, {"type": "string"})
    return {"name": name, "in": where, "required": where == "path", "schema": schema}


def _json(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}
