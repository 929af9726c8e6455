"""Commands the matching service takes from the gateway (events live in shared.contracts)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.contracts import SCREENING_OUTCOMES, VolunteerRegisteredV1


class RegisterVolunteer(VolunteerRegisteredV1):
    """``volunteer_registered`` minus the id the service assigns."""


class ScreenVolunteer(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(SCREENING_OUTCOMES))
    screened_on = fields.Date(required=True)


class TrainVolunteer(Schema):
    completed_on = fields.Date(required=True)


class MatchParticipant(Schema):
    referral_id = fields.String(required=True, validate=validate.Length(1, 64))
    volunteer_id = fields.String(required=True, validate=validate.Length(1, 64))
    matched_on = fields.Date(required=True)
    # The proposal (GET .../candidates) the consultant chose from, and why, when not its first.
    proposal_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 64))
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))
