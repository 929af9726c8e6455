"""Decisions about volunteers and matches: pure functions, no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.errors import Conflict, NotFound, RuleViolated

REGISTERED, APPROVED, REJECTED, AVAILABLE, FULL = (
    "registered", "approved", "rejected", "available", "full")
VOLUNTEER_STATUSES = (REGISTERED, APPROVED, REJECTED, AVAILABLE, FULL)
WAITING = "waiting"
ACTIVE, CLOSED = "active", "closed"


@dataclass(frozen=True)
class Volunteer:
    volunteer_id: str
    region: str
    screening: str | None
    trained: bool
    capacity: int
    active_matches: int


@dataclass(frozen=True)
class WaitingReferral:
    referral_id: str
    region: str
    status: str
    referred_on: date


def volunteer_status(v: Volunteer) -> str:
    """``available`` once approved, trained and below capacity (CONTRACTS.md)."""
    if v.screening is None:
        return REGISTERED
    if v.screening == REJECTED:
        return REJECTED
    if not v.trained:
        return APPROVED
    return AVAILABLE if v.active_matches < v.capacity else FULL


def screen(v: Volunteer, outcome: str, screened_on: str) -> dict[str, Any]:
    if v.screening is not None:
        raise RuleViolated(f"volunteer {v.volunteer_id} was already screened ({v.screening})")
    return {"volunteer_id": v.volunteer_id, "outcome": outcome, "screened_on": screened_on}


def train(v: Volunteer, completed_on: str) -> dict[str, Any]:
    if v.screening != APPROVED:
        raise RuleViolated(f"volunteer {v.volunteer_id} must be approved at screening "
                           "before training is recorded")
    if v.trained:
        raise RuleViolated(f"volunteer {v.volunteer_id} has already completed training")
    return {"volunteer_id": v.volunteer_id, "completed_on": completed_on}


def match(referral: WaitingReferral | None, volunteer: Volunteer | None, *, referral_id: str,
          volunteer_id: str, match_id: str, matched_on: date) -> dict[str, Any]:
    """The ``matched`` payload, if every matching rule holds."""
    if referral is None:
        raise NotFound(f"no referral {referral_id} is known to matching")
    if volunteer is None:
        raise NotFound(f"no volunteer {volunteer_id}")
    if referral.status == "matched":
        raise Conflict(f"participant of referral {referral_id} is already matched",
                       {"referral_id": ["already has an active match"]})
    if referral.status != WAITING:
        raise RuleViolated(f"referral {referral_id} is {referral.status}, not waiting")
    status = volunteer_status(volunteer)
    if status == FULL:
        raise Conflict(f"volunteer {volunteer_id} has no free capacity",
                       {"volunteer_id": ["at capacity"]})
    if status != AVAILABLE:
        raise RuleViolated(f"volunteer {volunteer_id} is {status}, not available "
                           "(must be approved and trained)")
    if volunteer.region != referral.region:
        raise RuleViolated(f"volunteer is in {volunteer.region}, the participant in "
                           f"{referral.region}: a match must be within one region")
    if matched_on < referral.referred_on:
        raise RuleViolated("matched_on cannot be before the referral date",
                           {"matched_on": ["before referred_on"]})
    return {"match_id": match_id, "referral_id": referral_id, "volunteer_id": volunteer_id,
            "region": referral.region, "matched_on": matched_on.isoformat()}


def volunteer_stream(volunteer_id: str) -> str:
    return f"volunteer-{volunteer_id}"


def match_stream(match_id: str) -> str:
    return f"match-{match_id}"
