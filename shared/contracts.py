"""Payload schemas of every event on the bus (CONTRACTS.md), one registry.

They live here, not in the services, because a consumer must read what another
service produces without importing that service's code.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from shared import reference
from shared.registry import SchemaRegistry
from shared.validation import EARLIEST_DATE, control_characters, control_error, date_bound_error, latest_date
from shared.vocabulary import ScreeningOutcome

GENDERS = ("female", "male", "other")
DANISH_LEVELS = ("none", "basic", "intermediate", "fluent")
VOLUNTEER_GENDER_PREFERENCES = ("female", "male", "any")
CONTACT_KINDS = ("meeting", "phone_volunteer", "phone_participant", "experience_meeting")
CLOSE_INITIATORS = ("participant", "volunteer", "consultant", "mutual")
CLOSE_REASONS = ("commitment_completed", "goals_reached", "participant_withdrew",
                 "volunteer_withdrew", "lost_contact", "moved", "health", "mismatch", "other")
SCREENING_OUTCOMES = tuple(ScreeningOutcome)
FOLLOWUP_PHASES = ("first_contact", "first_month", "monthly", "quarterly")

class StrictBool(fields.Boolean):
    """true or false only: not 1, 0, "yes" or "true"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def business_date(**kw: Any) -> fields.Date:
    """A date of the programme (referred, matched, closed…): 2000-01-01 to one year ahead.

    Checked when a payload is validated, at both doors (gateway and bus), so a
    date no report or cadence can reason about is refused rather than recorded.
    """
    return fields.Date(validate=DateBounds(), **kw)


class DateBounds(validate.Validator):
    """The business-date bounds, read on each validation.

    ``bounds()`` moves with today, so the live ``/openapi.json`` shows it and the
    kept ``docs/asyncapi.json`` does not.
    """

    def bounds(self) -> tuple[date, date]:
        return EARLIEST_DATE, latest_date()

    def __call__(self, value: date) -> date:
        problem = date_bound_error(value)
        if problem:
            raise ValidationError(problem)
        return value


class NoControl(validate.Validator):
    """No control characters (free text keeps tabs and line breaks).

    ``regex`` is the same rule as a pattern of what is allowed, which apispec shows
    in the JSON Schema of the field.
    """

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline
        self.regex = re.compile(f"^[^{control_characters(multiline)}]*$")

    def __call__(self, value: str) -> str:
        problem = control_error(value, multiline=self.multiline)
        if problem:
            raise ValidationError(problem)
        return value


_no_control = NoControl()
_no_control_in_text = NoControl(multiline=True)


def code(maximum: int = 200, **kw: Any) -> fields.String:
    """An id, code or name: one line, no control characters."""
    return fields.String(validate=[validate.Length(1, maximum), _no_control], **kw)


def free_text(maximum: int, minimum: int = 0, **kw: Any) -> fields.String:
    """Free text: line breaks and tabs allowed, other control characters not."""
    return fields.String(validate=[validate.Length(minimum or None, maximum), _no_control_in_text], **kw)


class InReference(validate.Validator):
    """One of a reference list (``shared.reference``), read on each validation.

    ``choices`` is what ``/openapi.json`` shows as the field's ``enum``.
    """

    def __init__(self, source: Callable[[], tuple[str, ...]]) -> None:
        self.source = source

    @property
    def choices(self) -> tuple[str, ...]:
        return self.source()

    def __call__(self, value: Any) -> Any:
        _one_of(value, self.choices)
        return value


class YearRange(validate.Validator):
    """A year from 1900 to this year, checked on each validation: a service started last
    year must accept this year. ``bounds()`` is what the live ``/openapi.json`` shows."""

    def bounds(self) -> tuple[int, int]:
        return 1900, date.today().year

    def __call__(self, value: int) -> int:
        earliest, latest = self.bounds()
        if not earliest <= value <= latest:
            raise ValidationError(f"must be between {earliest} and {latest}")
        return value


def _year(**kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=YearRange(), **kw)


def _focus_areas(minimum: int, **kw: Any) -> fields.List:
    return fields.List(fields.String(validate=InReference(reference.focus_areas)),
                       validate=[validate.Length(minimum, 3), _unique],
                       metadata={"uniqueItems": True}, **kw)


def _one_of(value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(f"must be one of: {', '.join(allowed)}")


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("must not repeat an entry")


_iso_country = validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 code, e.g. SY")
_iso_language = validate.Regexp(r"^[a-z]{2}$", error="must be an ISO 639-1 code, e.g. ar")


class ParticipantSchema(Schema):
    gender = fields.String(required=True, validate=validate.OneOf(GENDERS))
    birth_year = _year(required=True)
    country_of_birth = fields.String(required=True, validate=_iso_country)
    arrival_year = _year(required=True)
    danish_level = fields.String(required=True, validate=validate.OneOf(DANISH_LEVELS))
    languages = fields.List(fields.String(validate=_iso_language), required=True,
                            validate=_unique, metadata={"uniqueItems": True})
    municipality = code(100, required=True)

    @validates_schema
    def _arrival_after_birth(self, data: dict[str, Any], **_: Any) -> None:
        if data["arrival_year"] < data["birth_year"]:
            raise ValidationError("cannot be before birth_year", "arrival_year")


class PersonalSchema(Schema):
    name = fields.String(validate=[validate.Length(max=200), _no_control])
    phone = fields.String(validate=[validate.Length(max=50), _no_control])
    email = fields.String(validate=[validate.Length(max=200), _no_control])
    notes = free_text(5000)


class PreferencesSchema(Schema):
    volunteer_gender = fields.String(load_default="any",
                                     validate=validate.OneOf(VOLUNTEER_GENDER_PREFERENCES))


class ConsentSchema(Schema):
    given = StrictBool(required=True, metadata={"enum": [True]})
    recorded_on = business_date(required=True)

    @validates("given")
    def _must_be_given(self, value: bool, **_: Any) -> None:
        if value is not True:
            raise ValidationError("consent must be given before a referral is accepted")


class ReferralSubmittedV1(Schema):
    external_ref = code(100, required=True)
    referring_site = fields.String(required=True, validate=InReference(reference.site_codes))
    referred_on = business_date(required=True)
    participant = fields.Nested(ParticipantSchema, required=True)
    needs = _focus_areas(1, required=True)
    preferences = fields.Nested(PreferencesSchema, load_default=lambda: {"volunteer_gender": "any"})
    consent = fields.Nested(ConsentSchema, required=True)
    personal = fields.Nested(PersonalSchema, load_default=dict)


class CheckinReportedV1(Schema):
    match_id = code(100, required=True)
    occurred_on = business_date(required=True)
    contact = fields.String(required=True, validate=validate.OneOf(CONTACT_KINDS))
    activities = _focus_areas(0, load_default=list)
    wellbeing = fields.Integer(strict=True, allow_none=True, load_default=None,
                               validate=validate.Range(1, 5))
    concern = StrictBool(load_default=False)
    note = free_text(5000, allow_none=True, load_default=None)


class ReferralSubmittedV2(ReferralSubmittedV1):
    """Version 2: ``referred_on`` is renamed ``referral_date``; ``interpreter_needed`` is new."""

    class Meta:
        exclude = ("referred_on",)

    referral_date = business_date(required=True)
    interpreter_needed = StrictBool(load_default=False)


def referral_submitted_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Read a version-1 submission as version 2: same facts, new names."""
    lifted = {key: value for key, value in payload.items() if key != "referred_on"}
    return {**lifted, "referral_date": payload["referred_on"], "interpreter_needed": False}


class ReferralReceivedV1(ReferralSubmittedV1):
    referral_id = code(required=True)
    region = fields.String(required=True, validate=InReference(reference.regions))
    consent = fields.Nested(ConsentSchema, load_default=None, allow_none=True)
    # Added with referral_submitted v2, optional so earlier events still read as v1.
    interpreter_needed = StrictBool(load_default=False)
    submission_digest = fields.String(allow_none=True, load_default=None)


class ReferralWithdrawnV1(Schema):
    referral_id = code(required=True)
    reason = free_text(1000, 1, required=True)


class ReferralWithdrawnV2(ReferralWithdrawnV1):
    """Version 2: a ``reason_code`` from the taxonomy; the free-text ``reason`` is optional and private."""

    reason_code = fields.String(required=True,
                                validate=InReference(reference.withdrawal_reasons))
    reason = free_text(1000, allow_none=True, load_default=None)


def referral_withdrawn_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 withdrawal had only free text: it stays as the private ``reason``, coded ``other``."""
    return {**payload, "reason_code": reference.OTHER_REASON}


class VolunteerRegisteredV1(Schema):
    volunteer_id = code(required=True)
    gender = fields.String(required=True, validate=validate.OneOf(GENDERS))
    birth_year = _year(required=True)
    languages = fields.List(fields.String(validate=_iso_language), required=True,
                            validate=_unique, metadata={"uniqueItems": True})
    municipality = code(100, required=True)
    region = fields.String(required=True, validate=InReference(reference.regions))
    strengths = _focus_areas(0, load_default=list)
    capacity = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 10))
    personal = fields.Nested(PersonalSchema, load_default=dict)


class VolunteerScreenedV1(Schema):
    volunteer_id = code(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(SCREENING_OUTCOMES))
    screened_on = business_date(required=True)


class VolunteerTrainedV1(Schema):
    volunteer_id = code(required=True)
    completed_on = business_date(required=True)


class MatchedV1(Schema):
    match_id = code(required=True)
    referral_id = code(required=True)
    volunteer_id = code(required=True)
    region = fields.String(required=True, validate=InReference(reference.regions))
    matched_on = business_date(required=True)
    # Added later, optional, so every earlier ``matched`` still reads as version 1:
    # the proposal the consultant chose from, the chosen volunteer's rank in it
    # (null: no proposal, or not among its candidates) and why, when not the first.
    proposal_id = fields.String(allow_none=True, load_default=None)
    rank = fields.Integer(strict=True, allow_none=True, load_default=None,
                          validate=validate.Range(min=1))
    reason = free_text(1000, allow_none=True, load_default=None)


class MatchedV2(MatchedV1):
    """Version 2: ``reason_code`` says why (taxonomy); the free-text ``reason`` stays private."""

    reason_code = fields.String(allow_none=True, load_default=None,
                                validate=InReference(reference.match_reasons))


def matched_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 match's free-text reason stays private; the code is ``other`` when there was one."""
    return {**payload, "reason_code": reference.OTHER_REASON if payload.get("reason") else None}


class ProposedCandidateSchema(Schema):
    volunteer_id = fields.String(required=True)
    rank = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    score = fields.Float(required=True, allow_nan=False)
    reasons = fields.List(fields.String(), load_default=list)


class CandidatesProposedV1(Schema):
    """Matching ranked volunteers for a referral: what it proposed, how, and whom it left out."""

    proposal_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    algorithm = fields.String(required=True)
    weights_version = fields.String(required=True)
    ranked_on = fields.Date(required=True)
    candidates = fields.List(fields.Nested(ProposedCandidateSchema), required=True)
    eligible = fields.Integer(strict=True, required=True)  # all who passed; ``candidates`` is the top
    excluded = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True),
                           load_default=dict)


class CheckedInV1(CheckinReportedV1):
    checkin_id = fields.String(required=True)
    # Added later, optional, so earlier ``checked_in`` events still read as version 1:
    # the due date this contact answered (null: not a consultant contact) and the
    # cadence policy version in force when it fell due (services/followup/cadence.py).
    due_on = fields.Date(allow_none=True, load_default=None)
    policy_version = fields.String(allow_none=True, load_default=None)


class ClosedV1(Schema):
    match_id = code(required=True)
    referral_id = code(required=True)
    volunteer_id = code(required=True)
    closed_on = business_date(required=True)
    initiator = fields.String(required=True, validate=validate.OneOf(CLOSE_INITIATORS))
    reason = fields.String(required=True, validate=validate.OneOf(CLOSE_REASONS))
    note = free_text(5000, allow_none=True, load_default=None)
    # Added later, optional: whether the ending was planned (null: not said), and the
    # cadence policy version in force on closed_on.
    anticipated = StrictBool(allow_none=True, load_default=None)
    policy_version = fields.String(allow_none=True, load_default=None)
    # Whether the participant goes back on the waiting list, decided once when the match
    # closed (from the configured rematch reasons), so a later change of that configuration
    # never reinterprets past closures on replay. Null on events from before it was recorded.
    rematch_allowed = StrictBool(allow_none=True, load_default=None)


def closure_allows_rematch(payload: dict[str, Any]) -> bool:
    """What a ``closed`` event decided about a rematch (older events: the reason's configuration)."""
    decided = payload.get("rematch_allowed")
    return reference.allows_rematch(payload["reason"]) if decided is None else bool(decided)


class FollowupDueV1(Schema):
    """A match's next consultant contact is due or overdue: one per match and due date."""

    match_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    region = fields.String(required=True, validate=InReference(reference.regions))
    due_on = fields.Date(required=True)
    phase = fields.String(required=True, validate=validate.OneOf(FOLLOWUP_PHASES))
    noticed_on = fields.Date(required=True)
    days_overdue = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    policy_version = fields.String(required=True)
    last_contact_on = fields.Date(allow_none=True, load_default=None)
    open_concern = StrictBool(required=True)
    silent = StrictBool(required=True)


ERASURE_KINDS = ("referral", "volunteer")
ERASURE_REASONS = ("data_subject_request", "consent_withdrawn", "retention_expired",
                   "recorded_in_error", "other")


class SubjectErasedV1(Schema):
    """A data subject's identifying data was erased (GDPR art. 17): their keys are destroyed.

    Who and when are the envelope's actor and occurred_at; ``reason_text`` is sealed
    at rest (shared.personal) and never published.
    """

    erasure_id = fields.String(required=True)
    subject_kind = fields.String(required=True, validate=validate.OneOf(ERASURE_KINDS))
    subject_id = fields.String(required=True, validate=validate.Length(1, 100))
    reason_code = fields.String(load_default="other", validate=validate.OneOf(ERASURE_REASONS))
    reason_text = free_text(1000, allow_none=True, load_default=None)


def build_registry() -> SchemaRegistry:
    """Every event type the system knows, in every version it ever wrote."""
    registry = SchemaRegistry()
    for event_type, schema in (
        ("referral_submitted", ReferralSubmittedV1),
        ("checkin_reported", CheckinReportedV1),
        ("referral_received", ReferralReceivedV1),
        ("referral_withdrawn", ReferralWithdrawnV1),
        ("volunteer_registered", VolunteerRegisteredV1),
        ("volunteer_screened", VolunteerScreenedV1),
        ("volunteer_trained", VolunteerTrainedV1),
        ("matched", MatchedV1),
        ("candidates_proposed", CandidatesProposedV1),
        ("checked_in", CheckedInV1),
        ("closed", ClosedV1),
        ("followup_due", FollowupDueV1),
        ("subject_erased", SubjectErasedV1),
    ):
        registry.register(event_type, 1, schema)
    registry.register("referral_submitted", 2, ReferralSubmittedV2, referral_submitted_v1_to_v2)
    registry.register("referral_withdrawn", 2, ReferralWithdrawnV2, referral_withdrawn_v1_to_v2)
    registry.register("matched", 2, MatchedV2, matched_v1_to_v2)
    return registry


REGISTRY = build_registry()
