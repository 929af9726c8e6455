"""Commands the followup service takes from the gateway (events live in shared.contracts)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.contracts import (
    CLOSE_INITIATORS,
    CLOSE_REASONS,
    CheckinReportedV1,
    StrictBool,
    business_date,
    free_text,
)


class ReportCheckIn(CheckinReportedV1):
    """The ``checkin_reported`` payload minus ``match_id`` (it is in the URL)."""


class CloseMatch(Schema):
    """Closing a match; ``anticipated`` (optional, null when not said): was the ending planned?"""

    closed_on = business_date(required=True)
    initiator = fields.String(required=True, validate=validate.OneOf(CLOSE_INITIATORS))
    reason = fields.String(required=True, validate=validate.OneOf(CLOSE_REASONS))
    note = free_text(5000, allow_none=True, load_default=None)
    anticipated = StrictBool(allow_none=True, load_default=None)
