"""Commands the gateway takes over HTTP and the services validate again over RPC.

One schema per command, here rather than in a service, because two doors check it:
the gateway (which also documents it in ``/openapi.json``) and the recording service.
Event payloads live in ``shared.contracts``; these reuse them where a command is one.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from shared import reference
from shared.contracts import (
    CLOSE_INITIATORS,
    CLOSE_REASONS,
    ERASURE_REASONS,
    SCREENING_OUTCOMES,
    CheckinReportedV1,
    InReference,
    StrictBool,
    VolunteerRegisteredV1,
    business_date,
    code,
    free_text,
)


class RegisterVolunteer(VolunteerRegisteredV1):
    """``volunteer_registered`` minus the id the service assigns."""

    class Meta:
        exclude = ("volunteer_id",)


class ScreenVolunteer(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(SCREENING_OUTCOMES))
    screened_on = business_date(required=True)


class TrainVolunteer(Schema):
    completed_on = business_date(required=True)


class MatchParticipant(Schema):
    referral_id = code(64, required=True)
    volunteer_id = code(64, required=True)
    matched_on = business_date(required=True)
    # The proposal (GET .../candidates) the consultant chose from, and why, when not its first.
    proposal_id = code(64, allow_none=True, load_default=None)
    # ``reason_code`` is published; the free-text ``reason`` stays in matching (alone: code ``other``).
    reason_code = fields.String(allow_none=True, load_default=None, validate=InReference(reference.match_reasons),
                                metadata={"description": "published; it or `reason` is required when the "
                                                         "volunteer was not the proposal's first candidate"})
    reason = free_text(1000, allow_none=True, load_default=None, metadata={
        "description": "free text, kept private in matching (alone: recorded under the code `other`)"})


class WithdrawReferral(Schema):
    """A code from the taxonomy and, optionally, free text (private: never published).

    Free text alone (the version-1 body) is recorded under the code ``other``.
    """

    reason_code = fields.String(validate=InReference(reference.withdrawal_reasons), metadata={
        "description": "published; required unless `reason` is given (then `other`)"})
    reason = free_text(1000, 1, allow_none=True, load_default=None, metadata={
        "description": "free text, kept private in the referrals service, never published"})
    # What ``_code_or_text`` checks, as ``/openapi.json`` states it (see ``openapi.py``).
    JSON_SCHEMA = {"anyOf": [{"required": ["reason_code"]},
                             {"required": ["reason"], "properties": {"reason": {"type": "string"}}}]}

    @validates_schema
    def _code_or_text(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("reason_code") and not data.get("reason"):
            raise ValidationError("give a reason_code (or a reason)", "reason_code")

    @post_load
    def _coded(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "reason_code": reference.reason_code(data.get("reason_code"), data.get("reason"))}


class EraseSubject(Schema):
    """Erase a participant or volunteer: why, in words (kept sealed) and, optionally, as a code."""

    reason = free_text(1000, 1, required=True)
    reason_code = fields.String(load_default="data_subject_request", validate=validate.OneOf(ERASURE_REASONS))


class ReportCheckIn(CheckinReportedV1):
    """The ``checkin_reported`` payload minus ``match_id`` (it is in the URL)."""

    class Meta:
        exclude = ("match_id",)


class CloseMatch(Schema):
    """Closing a match; ``anticipated`` (optional, null when not said): was the ending planned?"""

    closed_on = business_date(required=True)
    initiator = fields.String(required=True, validate=validate.OneOf(CLOSE_INITIATORS))
    reason = fields.String(required=True, validate=validate.OneOf(CLOSE_REASONS))
    note = free_text(5000, allow_none=True, load_default=None)
    anticipated = StrictBool(allow_none=True, load_default=None)


class RedriveDeadLetter(Schema):
    """Re-drive a kept message; ``body``: the fixed raw message, or absent to re-drive it as kept."""

    body = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1024 * 1024))
