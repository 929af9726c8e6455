"""Commands the referrals service takes from the gateway (``shared.commands``, which the
gateway validates with too; events live in ``shared.contracts``)."""
from __future__ import annotations

from shared.commands import WithdrawReferral

__all__ = ["WithdrawReferral"]
