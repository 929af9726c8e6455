"""The referral status machine, decided once: referrals' projection and matching's copy of each
referral both move a referral's status by these rules, as the contract's events arrive.

    waiting --referral_withdrawn--> withdrawn   (only from waiting)
    waiting --matched-------------> matched
    matched --closed--------------> waiting     (when the closure allows a rematch)
                                    closed      (otherwise)

The guards, because streams are ordered one by one and not against each other:

- a withdrawal moves only a waiting referral (one that crossed a match in flight leaves the
  match be);
- a closure moves the referral only when it closes the referral's *current* match (an old
  match's closure must not unseat a newer one). Referrals keeps the current match's id on
  the row and compares it; matching keeps every match and asks whether an active one is
  left. Both are this one guard, because a referral has at most one active match (a unique
  index in matching, a 409 at the command).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.contracts import closure_allows_rematch
from shared.vocabulary import ReferralStatus

WITHDRAWABLE = ReferralStatus.WAITING


def may_withdraw(status: str) -> bool:
    """Only a waiting referral can be withdrawn."""
    return status == WITHDRAWABLE


def after_closure(closed: Mapping[str, Any]) -> ReferralStatus:
    """Where a referral goes when its current match closes (the ``closed`` event's payload)."""
    return ReferralStatus.WAITING if closure_allows_rematch(dict(closed)) else ReferralStatus.CLOSED
