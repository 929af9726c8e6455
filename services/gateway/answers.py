"""What each route answers, as marshmallow schemas the answers are dumped through.

A field not declared here is not sent: these schemas are the answer, and
``/openapi.json`` shows them as they are. The intake's participant, preferences and
personal objects are the contract's own schemas (``shared.contracts``).
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from shared import reference
from shared.contracts import (
    CLOSE_INITIATORS,
    CLOSE_REASONS,
    CONTACT_KINDS,
    FOLLOWUP_PHASES,
    GENDERS,
    InReference,
    ParticipantSchema,
    PersonalSchema,
    PreferencesSchema,
)
from shared.envelope import EnvelopeSchema

from .arguments import DEAD_LETTER_STATUSES, MATCH_STATUSES, REFERRAL_STATUSES, VOLUNTEER_STATUSES


class Day(fields.Date):
    """A date the services already send as ``YYYY-MM-DD``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value if value is None or isinstance(value, str) else super()._serialize(value, attr, obj)


class Moment(fields.DateTime):
    """A timestamp the services already send as ISO 8601."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value if value is None or isinstance(value, str) else super()._serialize(value, attr, obj)


def _maybe(field: type[fields.Field], **kw: Any) -> fields.Field:
    return field(allow_none=True, **kw)


def _codes(choices: Any = None) -> fields.List:
    return fields.List(fields.String(validate=choices) if choices else fields.String())


class Answer(Schema):
    """Answers are dumped, never loaded."""


class ReferralId(Answer):
    referral_id = fields.String(required=True)


class VolunteerId(Answer):
    volunteer_id = fields.String(required=True)


class MatchId(Answer):
    match_id = fields.String(required=True)


class CheckInId(Answer):
    checkin_id = fields.String(required=True)


class Referral(Answer):
    referral_id = fields.String(required=True)
    external_ref = fields.String(required=True)
    referring_site = fields.String(required=True, validate=InReference(reference.site_codes))
    region = fields.String(required=True, validate=InReference(reference.regions))
    status = fields.String(required=True, validate=validate.OneOf(REFERRAL_STATUSES))
    referred_on = Day(required=True)
    received_at = Moment(required=True)
    days_waiting = _maybe(fields.Integer, metadata={"description": "while waiting; null otherwise"})
    participant = fields.Nested(ParticipantSchema, required=True)
    needs = _codes(InReference(reference.focus_areas))
    preferences = fields.Nested(PreferencesSchema)
    interpreter_needed = fields.Boolean()
    match_id = _maybe(fields.String, metadata={"description": "the current or latest match"})
    withdrawn_reason_code = _maybe(fields.String, validate=InReference(reference.withdrawal_reasons))
    withdrawn_reason = _maybe(fields.String, metadata={
        "description": "free text: single reads by coordinators and consultants only"})
    closed_on = _maybe(Day)
    personal = _maybe(fields.Nested, nested=PersonalSchema, metadata={
        "description": "single reads by coordinators and consultants only; null once erased"})
    erased = fields.Boolean(metadata={"description": "single reads: the participant's identifying data "
                                                     "was erased"})


class Volunteer(Answer):
    volunteer_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(VOLUNTEER_STATUSES))
    region = fields.String(required=True, validate=InReference(reference.regions))
    municipality = fields.String(required=True)
    gender = fields.String(validate=validate.OneOf(GENDERS))
    birth_year = fields.Integer()
    languages = _codes()
    strengths = _codes(InReference(reference.focus_areas))
    capacity = fields.Integer()
    active_matches = fields.Integer()
    screened_on = _maybe(Day)
    trained_on = _maybe(Day)
    personal = _maybe(fields.Nested, nested=PersonalSchema, metadata={
        "description": "single reads by coordinators and consultants only; null once erased"})
    erased = fields.Boolean(metadata={"description": "single reads: the volunteer's identifying data was erased"})


class Erased(Answer):
    referral_id = fields.String()
    volunteer_id = fields.String()
    erased = fields.Boolean(required=True)


class Candidate(Volunteer):
    rank = fields.Integer(required=True, validate=validate.Range(min=1))
    score = fields.Float(required=True)
    reasons = _codes()
    waited_days = _maybe(fields.Integer, metadata={
        "description": "days since training or since the latest match started"})


class Candidates(Answer):
    referral_id = fields.String(required=True)
    proposal_id = fields.String(required=True, metadata={
        "description": "recorded as `candidates_proposed`; pass it to POST /api/v1/matches"})
    algorithm = fields.String(required=True)
    weights_version = fields.String(required=True)
    ranked_on = Day(required=True)
    eligible = fields.Integer(required=True)
    excluded = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "volunteers left out, per hard constraint, each counted once"})
    items = fields.List(fields.Nested(Candidate), required=True)


class LastContact(Answer):
    occurred_on = Day()
    contact = fields.String(validate=validate.OneOf(CONTACT_KINDS))


class Match(Answer):
    match_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    region = fields.String(required=True, validate=InReference(reference.regions))
    status = fields.String(required=True, validate=validate.OneOf(MATCH_STATUSES))
    matched_on = Day(required=True)
    next_checkin_due = _maybe(Day)
    checkins = fields.Integer()
    closed_on = _maybe(Day)
    close_reason = _maybe(fields.String, validate=validate.OneOf(CLOSE_REASONS))
    close_initiator = _maybe(fields.String, validate=validate.OneOf(CLOSE_INITIATORS))
    close_anticipated = _maybe(fields.Boolean)
    rematch_allowed = _maybe(fields.Boolean, metadata={
        "description": "closed for a reason that puts the participant back on the waiting list"})
    as_of = _maybe(Day, metadata={"description": "the `on` the fields below are as of"})
    next_checkin_phase = _maybe(fields.String, validate=validate.OneOf(FOLLOWUP_PHASES))
    policy_version = _maybe(fields.String, metadata={
        "description": "the cadence policy version that set next_checkin_due"})
    days_overdue = _maybe(fields.Integer, metadata={"description": "0 on the due date; null while not due"})
    last_contact_on = _maybe(Day)
    last_contact = _maybe(fields.Nested, nested=LastContact)
    open_concern = fields.Boolean()
    concern_since = _maybe(Day)
    silent = _maybe(fields.Boolean, metadata={"description": "no meeting for the policy's silent_after_days"})
    last_meeting_on = _maybe(Day)
    six_month_mark = _maybe(Day)
    six_month_reached = _maybe(fields.Boolean)
    successful = _maybe(fields.Boolean, metadata={"description": "not closed before the six-month mark"})


class DueCheckIns(Answer):
    on = Day(required=True)
    items = fields.List(fields.Nested(Match), required=True, metadata={
        "description": "open concerns first, then the most overdue"})


def page(item: type[Schema]) -> type[Schema]:
    """A list answer: ``items`` plus the cursor of the next page (``null`` on the last)."""
    return type(f"{item.__name__}Page", (Answer,), {
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(required=True, allow_none=True),
    })


ReferralPage = page(Referral)
VolunteerPage = page(Volunteer)
MatchPage = page(Match)


class Health(Answer):
    status = fields.String(required=True, validate=validate.OneOf(("ok", "degraded")))
    services = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(
        ("ok", "unavailable"))), required=True)


class Live(Answer):
    status = fields.String(required=True, validate=validate.OneOf(("ok",)))


class Cell(fields.Raw):
    """A count, or ``"<N"`` where it is suppressed (``suppress_below=N``)."""

    def __init__(self, number: str = "integer", **kw: Any) -> None:
        kw.setdefault("metadata", {})["oneOf"] = [
            {"type": number, "nullable": True}, {"type": "string", "pattern": "^<[0-9]+$"}]
        super().__init__(**kw)


def _pct() -> Cell:
    return Cell("number")


class Country(Answer):
    country = fields.String()
    count = Cell()
    pct = _pct()


class Participants(Answer):
    n = Cell()
    gender_pct = fields.Dict(keys=fields.String(), values=_pct())
    gender_n = fields.Dict(keys=fields.String(), values=Cell())
    top_countries = fields.List(fields.Nested(Country))
    age_band_pct = fields.Dict(keys=fields.String(), values=_pct())
    age_band_n = fields.Dict(keys=fields.String(), values=Cell())
    arrived_2014_or_earlier_pct = _pct()
    arrived_2014_or_earlier_n = Cell()


class SixMonth(Answer):
    eligible = Cell()
    successful = Cell()
    rate_pct = _pct()


class Figures(Answer):
    matches_established = Cell()
    matches_active = Cell()
    volunteers_recruited = Cell(metadata={"description": "not given per referring site"})
    participants = fields.Nested(Participants)
    six_month = fields.Nested(SixMonth)


class Period(Answer):
    date_from = Day(data_key="from", attribute="from")
    date_to = Day(data_key="to", attribute="to")


class Summary(Figures):
    period = fields.Nested(Period)
    as_of = _maybe(Moment)
    region = _maybe(fields.String)
    by_region = fields.Dict(keys=fields.String(), values=fields.Nested(Figures))
    by_site = fields.Dict(keys=fields.String(), values=fields.Nested(Figures))
    suppressed_below = fields.Integer(metadata={"description": "present when counts were suppressed"})
    rounded_to = fields.Integer(metadata={"description": "present when counts were rounded to multiples of it"})


class Event(EnvelopeSchema):
    """An event as a service keeps it (the contract's envelope)."""

    occurred_at = Moment(required=True)
    recorded_at = _maybe(Moment)
    erased_fields = fields.List(fields.String(), metadata={
        "description": "identifying payload fields erased with their subject (they read as null)"})


class AuditTrail(Answer):
    subject_id = fields.String(required=True)
    items = fields.List(fields.Nested(Event), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class Reader(Answer):
    id = fields.String(required=True, metadata={"description": "the token's name (or the operator's login)"})
    role = fields.String(required=True)


class AccessEntry(Answer):
    """One disclosure of personal data: who, when, about whom, which fields; never a value."""

    at = Moment(required=True)
    actor = fields.Nested(Reader, required=True)
    subject_id = _maybe(fields.String, required=True, metadata={
        "description": "the referral, volunteer or match read; null for a dead letter"})
    kind = fields.String(required=True, validate=validate.OneOf(("referral", "volunteer", "audit_trail",
                                                                 "dead_letter")))
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields", required=True, metadata={
        "description": "names of the fields shown, e.g. personal.name, closed.note"})
    object_id = _maybe(fields.String, metadata={"description": "what was read when not a subject (a dead letter)"})
    service = fields.String(metadata={"description": "the service whose log holds the entry"})


AccessPage = page(AccessEntry)


class DeadLetter(Answer):
    dead_letter_id = fields.Integer(required=True)
    received_at = Moment()
    exchange = fields.String()
    routing_key = fields.String()
    event_id = _maybe(fields.String)
    event_type = _maybe(fields.String)
    error = fields.String()
    fields_ = fields.Dict(data_key="fields", attribute="fields", metadata={"description": "field name -> problems"})
    attempts = fields.Integer()
    deliveries = fields.Integer()
    status = fields.String(validate=validate.OneOf(DEAD_LETTER_STATUSES))
    redriven_at = _maybe(Moment)
    body = _maybe(fields.String, metadata={"description": "the message as received; single reads only; "
                                                          "null once erased"})
    erased = fields.Boolean(metadata={"description": "single reads: the body named an erased subject"})


DeadLetterPage = page(DeadLetter)


class Error(Answer):
    """Every failure's body."""

    error = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", required=True,
                          metadata={"description": "field name -> problems"})
