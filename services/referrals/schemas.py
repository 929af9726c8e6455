"""Commands the referrals service takes from the gateway (events live in shared.contracts)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class WithdrawReferral(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))
