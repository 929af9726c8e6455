"""Commands the referrals service takes from the gateway (events live in shared.contracts)."""
from __future__ import annotations

from marshmallow import Schema

from shared.contracts import free_text


class WithdrawReferral(Schema):
    reason = free_text(1000, 1, required=True)
