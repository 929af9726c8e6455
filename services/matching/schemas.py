"""Commands the matching service takes from the gateway (events live in shared.contracts)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.contracts import SCREENING_OUTCOMES, VolunteerRegisteredV1, business_date, code, free_text


class RegisterVolunteer(VolunteerRegisteredV1):
    """``volunteer_registered`` minus the id the service assigns."""


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
    reason = free_text(1000, allow_none=True, load_default=None)
