"""The contract's status vocabularies (CONTRACTS.md §2): one ``StrEnum`` each.

Each is owned by one service's domain (referral statuses by referrals, volunteer and
match statuses by matching, a followed match's by followup) but read by others: matching
keeps its own copy of each referral's status, and the gateway validates every filter and
answer against them. Services never import each other, so the vocabularies the contract
names live here; a service's private vocabulary lives in its own domain.
A member is a ``str``: it compares, stores and serialises as its value.
"""
from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from shared.errors import ValidationFailed

Vocabulary = TypeVar("Vocabulary", bound=StrEnum)


class ReferralStatus(StrEnum):
    """Where a referral stands: decided by referrals, mirrored by matching."""

    WAITING = "waiting"
    MATCHED = "matched"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class VolunteerStatus(StrEnum):
    """``available`` once approved, trained and below capacity (decided by matching)."""

    REGISTERED = "registered"
    APPROVED = "approved"
    REJECTED = "rejected"
    AVAILABLE = "available"
    FULL = "full"


class MatchStatus(StrEnum):
    """A match is active until its ``closed`` event (matching and followup both keep it)."""

    ACTIVE = "active"
    CLOSED = "closed"


class ScreeningOutcome(StrEnum):
    """The outcome a ``volunteer_screened`` event carries."""

    APPROVED = "approved"
    REJECTED = "rejected"


def status_filter(value: str | None, vocabulary: type[Vocabulary]) -> Vocabulary | None:
    """A list's ``status`` filter as a member of its vocabulary (None: no filter), or ``ValidationFailed``."""
    if value is None:
        return None
    try:
        return vocabulary(value)
    except ValueError:
        raise ValidationFailed(f"unknown status {value!r}",
                               {"status": [f"must be one of: {', '.join(vocabulary)}"]}) from None
