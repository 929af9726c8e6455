"""The JSON Schemas ``/openapi.json`` names, written from the contract (section 2, the gateway)."""
from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
DATE: Schema = {"type": "string", "format": "date"}
TIME: Schema = {"type": "string", "format": "date-time"}
INT: Schema = {"type": "integer"}
FOCUS = {"type": "string", "enum": ["network", "everyday_advice", "language"]}
GENDER = {"type": "string", "enum": ["female", "male", "other"]}
CODES: Schema = {"type": "array", "items": STR}
NULLABLE_STR: Schema = {"type": "string", "nullable": True}


def obj(required: list[str] | None = None, /, **props: Schema) -> Schema:
    """An object schema with ``props``; ``required`` lists the mandatory ones."""
    schema: Schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


PERSONAL = obj(name=STR, phone=STR, email=STR, notes=STR)
PARTICIPANT = obj(
    ["gender", "birth_year", "country_of_birth", "arrival_year", "danish_level", "languages", "municipality"],
    gender=GENDER, birth_year=INT, country_of_birth={**STR, "description": "ISO 3166-1 alpha-2"},
    arrival_year=INT, municipality=STR, languages={**CODES, "description": "ISO 639-1 codes"},
    danish_level={"type": "string", "enum": ["none", "basic", "intermediate", "fluent"]},
)
PREFERENCES = obj(volunteer_gender={"type": "string", "enum": ["female", "male", "any"]})
REFERRAL_FIELDS = dict(
    external_ref=STR, referring_site=STR, referred_on=DATE, participant=ref("Participant"),
    needs={"type": "array", "items": FOCUS, "minItems": 1, "maxItems": 3}, preferences=PREFERENCES,
)
VOLUNTEER_FIELDS = dict(
    gender=GENDER, birth_year=INT, languages=CODES, municipality=STR, region=STR,
    strengths={"type": "array", "items": FOCUS}, capacity={**INT, "minimum": 1},
)
CHECKIN_FIELDS = dict(
    occurred_on=DATE, activities={"type": "array", "items": FOCUS, "maxItems": 3},
    contact={"type": "string", "enum": ["meeting", "phone_volunteer", "phone_participant", "experience_meeting"]},
    wellbeing={**INT, "minimum": 1, "maximum": 5}, concern={"type": "boolean"}, note=STR,
)
PCT: Schema = {"type": "number"}
NULLABLE_DATE: Schema = {**DATE, "nullable": True}
NULLABLE_BOOL: Schema = {"type": "boolean", "nullable": True}
# Where a match stands as of the query's `on` (default today); see the README, "Follow-up".
FOLLOWUP_FIELDS: dict[str, Schema] = dict(
    as_of=NULLABLE_DATE, close_anticipated=NULLABLE_BOOL,
    rematch_allowed={**NULLABLE_BOOL, "description": "closed for a reason that puts the participant back "
                                                     "on the waiting list; null while active"},
    next_checkin_phase={"type": "string", "nullable": True,
                        "enum": ["first_contact", "first_month", "monthly", "quarterly", None]},
    policy_version={**NULLABLE_STR, "description": "the cadence policy version that set next_checkin_due"},
    days_overdue={**INT, "nullable": True, "description": "0 on the due date; null while not yet due"},
    last_contact_on=NULLABLE_DATE,
    last_contact={**obj(occurred_on=DATE, contact=STR), "nullable": True},
    open_concern={"type": "boolean", "description": "a check-in with concern true not yet followed by one "
                                                    "with concern false"},
    concern_since=NULLABLE_DATE,
    silent={**NULLABLE_BOOL, "description": "no meeting reported for the policy's silent_after_days (42)"},
    last_meeting_on=NULLABLE_DATE, six_month_mark=DATE, six_month_reached=NULLABLE_BOOL,
    successful={**NULLABLE_BOOL, "description": "not closed before the six-month mark; null while not yet "
                                                "reached and still active"},
)

SCHEMAS: dict[str, Schema] = {
    "Error": obj(["error", "message", "fields"], error=STR, message=STR,
                 fields={"type": "object", "additionalProperties": True,
                         "description": "field name -> list of problems"}),
    "Health": obj(["status", "services"], status={"type": "string", "enum": ["ok", "degraded"]},
                  services={"type": "object",
                            "additionalProperties": {"type": "string", "enum": ["ok", "unavailable"]}}),
    "Participant": PARTICIPANT,
    "Personal": PERSONAL,
    "ReferralSubmission": obj(
        ["external_ref", "referring_site", "referred_on", "participant", "needs", "consent"],
        **REFERRAL_FIELDS, personal=ref("Personal"),
        consent=obj(["given"], given={"type": "boolean", "enum": [True]}, recorded_on=DATE),
    ),
    "Referral": obj(
        referral_id=STR, region=STR, received_at=TIME, days_waiting=INT, personal=ref("Personal"),
        status={"type": "string", "enum": ["waiting", "matched", "closed", "withdrawn"]}, **REFERRAL_FIELDS,
    ),
    "Withdrawal": obj(["reason"], reason=STR),
    "VolunteerRegistration": obj(list(VOLUNTEER_FIELDS), **VOLUNTEER_FIELDS, personal=ref("Personal")),
    "Volunteer": obj(
        volunteer_id=STR, active_matches=INT, personal=ref("Personal"), **VOLUNTEER_FIELDS,
        status={"type": "string", "enum": ["registered", "approved", "rejected", "available", "full"]},
    ),
    "Screening": obj(["outcome", "screened_on"], screened_on=DATE,
                     outcome={"type": "string", "enum": ["approved", "rejected"]}),
    "Training": obj(["completed_on"], completed_on=DATE),
    "Candidate": {"allOf": [ref("Volunteer"), obj(
        ["volunteer_id", "rank", "score", "reasons"], rank={**INT, "minimum": 1}, score=PCT,
        reasons={**CODES, "description": "why this volunteer scores, e.g. \"speaks Arabic\", \"same municipality\""},
        waited_days={**INT, "description": "days since training or since the latest match started"})]},
    "Candidates": obj(
        ["referral_id", "proposal_id", "algorithm", "weights_version", "items", "excluded"],
        referral_id=STR, ranked_on=DATE, eligible=INT,
        proposal_id={**STR, "description": "recorded as `candidates_proposed`; pass it to POST /api/v1/matches"},
        algorithm=STR, weights_version=STR, items={"type": "array", "items": ref("Candidate")},
        excluded={**obj(capacity=INT, region=INT, gender_preference=INT, earlier_mismatch=INT, earlier_match=INT),
                  "description": "volunteers removed per hard constraint, each counted once, under the first it "
                                 "fails in the order region, capacity (not approved, trained and below capacity), "
                                 "gender_preference, earlier_mismatch, earlier_match"},
    ),
    "MatchRequest": obj(["referral_id", "volunteer_id", "matched_on"],
                        referral_id=STR, volunteer_id=STR, matched_on=DATE,
                        proposal_id={**NULLABLE_STR, "description": "the candidates answer chosen from"},
                        reason={**NULLABLE_STR, "description": "required (422 without) when the volunteer was "
                                                               "not the proposal's first candidate"}),
    "Match": obj(
        match_id=STR, referral_id=STR, volunteer_id=STR, region=STR, matched_on=DATE,
        status={"type": "string", "enum": ["active", "closed"]}, next_checkin_due=NULLABLE_DATE,
        checkins=INT, closed_on=NULLABLE_DATE, close_reason=NULLABLE_STR, close_initiator=NULLABLE_STR,
        **FOLLOWUP_FIELDS,
    ),
    "DueCheckIns": obj(["on", "items"], on=DATE, items={
        "type": "array", "items": ref("Match"),
        "description": "active matches whose next contact is due or overdue on `on`: open concerns first, "
                       "then the most overdue"}),
    "CheckIn": obj(["occurred_on", "contact"], **CHECKIN_FIELDS),
    "Closure": obj(["closed_on", "initiator", "reason"], closed_on=DATE, reason=STR, note=STR,
                   anticipated={**NULLABLE_BOOL, "description": "was the ending planned? null: not said"},
                   initiator={"type": "string", "enum": ["participant", "volunteer", "consultant", "mutual"]}),
    "Summary": obj(
        period=obj(**{"from": DATE, "to": DATE}), as_of={**TIME, "nullable": True},
        matches_established=INT, matches_active=INT, volunteers_recruited=INT,
        participants=obj(n=INT, gender_pct={"type": "object", "additionalProperties": PCT},
                         top_countries={"type": "array", "items": obj(country=STR, pct=PCT)},
                         age_band_pct={"type": "object", "additionalProperties": PCT},
                         arrived_2014_or_earlier_pct=PCT),
        six_month=obj(eligible=INT, successful=INT, rate_pct=PCT),
        region={**STR, "nullable": True},
        by_region={"type": "object", "additionalProperties": {"type": "object"},
                   "description": "the same figures for each region"},
        by_site={"type": "object", "additionalProperties": {"type": "object"},
                 "description": "the same figures for each referring site"},
        suppressed_below={**INT, "description": "with suppress_below=N: counts under N, and percentages "
                                                "built on them, are the string \"<N\""},
    ),
    "Event": obj(event_id=STR, event_type=STR, schema_version=INT, occurred_at=TIME, recorded_at=TIME,
                 source=STR, stream_id=STR, stream_version=INT, payload={"type": "object"},
                 actor=obj(kind={"type": "string", "enum": ["system", "consultant", "volunteer"]}, id=STR)),
    "AuditTrail": obj(["subject_id", "items"], subject_id=STR, items={"type": "array", "items": ref("Event")}),
    "DeadLetter": {**obj(id=INT, status=STR, reasons=CODES, body=STR), "additionalProperties": True},
    "Redrive": obj(body={**STR, "description": "the fixed raw message; omit to re-drive as kept"}),
    "ReferralId": obj(["referral_id"], referral_id=STR),
    "VolunteerId": obj(["volunteer_id"], volunteer_id=STR),
    "MatchId": obj(["match_id"], match_id=STR),
    "CheckInId": obj(["checkin_id"], checkin_id=STR),
}


def page(item: str) -> Schema:
    """A list answer: ``items`` plus the cursor of the next page."""
    return obj(["items", "next_cursor"], items={"type": "array", "items": ref(item)}, next_cursor=NULLABLE_STR)
