"""Decisions about volunteers and matches: pure functions, no I/O."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.matching import rules
from shared import reference
from shared.errors import Conflict, NotFound, RuleViolated, ValidationFailed
from shared.vocabulary import ReferralStatus, ScreeningOutcome, VolunteerStatus


@dataclass(frozen=True)
class Volunteer:
    volunteer_id: str
    region: str
    screening: str | None
    trained: bool
    capacity: int
    active_matches: int
    gender: str | None = None


@dataclass(frozen=True)
class WaitingReferral:
    referral_id: str
    region: str
    status: str
    referred_on: date
    volunteer_gender: str = rules.ANY_GENDER
    # volunteer id -> close reason, for every earlier match of this participant
    earlier: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    """A recorded candidate proposal: for which referral, and each candidate's rank."""

    proposal_id: str
    referral_id: str
    ranks: Mapping[str, int]


def volunteer_status(v: Volunteer) -> VolunteerStatus:
    """``available`` once approved, trained and below capacity (CONTRACTS.md)."""
    if v.screening is None:
        return VolunteerStatus.REGISTERED
    if v.screening == ScreeningOutcome.REJECTED:
        return VolunteerStatus.REJECTED
    if not v.trained:
        return VolunteerStatus.APPROVED
    return VolunteerStatus.AVAILABLE if v.active_matches < v.capacity else VolunteerStatus.FULL


def screen(v: Volunteer, outcome: str, screened_on: str) -> dict[str, Any]:
    if v.screening is not None:
        raise RuleViolated(f"volunteer {v.volunteer_id} was already screened ({v.screening})")
    return {"volunteer_id": v.volunteer_id, "outcome": outcome, "screened_on": screened_on}


def train(v: Volunteer, completed_on: str) -> dict[str, Any]:
    if v.screening != ScreeningOutcome.APPROVED:
        raise RuleViolated(f"volunteer {v.volunteer_id} must be approved at screening "
                           "before training is recorded")
    if v.trained:
        raise RuleViolated(f"volunteer {v.volunteer_id} has already completed training")
    return {"volunteer_id": v.volunteer_id, "completed_on": completed_on}


def match(referral: WaitingReferral | None, volunteer: Volunteer | None, *, referral_id: str,
          volunteer_id: str, match_id: str, matched_on: date,
          regions: Collection[str] | None = None) -> dict[str, Any]:
    """The ``matched`` payload, if every matching rule holds.

    ``regions`` are the caller's (None: every region): a referral or volunteer outside
    them is answered exactly as a missing one, so a refusal tells nothing about it.
    """
    if referral is None or not _visible(referral.region, regions):
        raise NotFound(f"no referral {referral_id} is known to matching")
    if volunteer is None or not _visible(volunteer.region, regions):
        raise NotFound(f"no volunteer {volunteer_id}")
    if referral.status == ReferralStatus.MATCHED:
        raise Conflict(f"participant of referral {referral_id} is already matched",
                       {"referral_id": ["already has an active match"]})
    if referral.status != ReferralStatus.WAITING:
        raise RuleViolated(f"referral {referral_id} is {referral.status}, not waiting")
    status = volunteer_status(volunteer)
    if status == VolunteerStatus.FULL:
        raise Conflict(f"volunteer {volunteer_id} has no free capacity",
                       {"volunteer_id": ["at capacity"]})
    if status != VolunteerStatus.AVAILABLE:
        raise RuleViolated(f"volunteer {volunteer_id} is {status}, not available "
                           "(must be approved and trained)")
    if not rules.within_region(volunteer.region, referral.region):
        raise RuleViolated(f"volunteer is in {volunteer.region}, the participant in "
                           f"{referral.region}: a match must be within one region")
    _check_preferences(referral, volunteer)
    if matched_on < referral.referred_on:
        raise RuleViolated("matched_on cannot be before the referral date",
                           {"matched_on": ["before referred_on"]})
    return {"match_id": match_id, "referral_id": referral_id, "volunteer_id": volunteer_id,
            "region": referral.region, "matched_on": matched_on.isoformat()}


def _visible(region: str, regions: Collection[str] | None) -> bool:
    return regions is None or region in regions


def _check_preferences(referral: WaitingReferral, volunteer: Volunteer) -> None:
    wanted = referral.volunteer_gender
    if not rules.meets_preference(wanted, volunteer.gender):
        raise RuleViolated(f"the participant asked for a {wanted} volunteer; volunteer "
                           f"{volunteer.volunteer_id} is {volunteer.gender}",
                           {"volunteer_id": ["does not meet the participant's volunteer_gender preference"]})
    if rules.mismatched_before(referral.earlier, volunteer.volunteer_id):
        raise RuleViolated(f"volunteer {volunteer.volunteer_id} was matched with this participant "
                           "before and the match closed as a mismatch",
                           {"volunteer_id": ["earlier match with this participant closed as a mismatch"]})


def choose(proposal: Proposal | None, *, proposal_id: str | None, referral_id: str,
           volunteer_id: str, reason: str | None, reason_code: str | None = None) -> dict[str, Any]:
    """Where the chosen volunteer stood in the proposal, and why when not the first.

    Without a proposal there is no rank to record. A volunteer other than the
    proposal's first (or not among its candidates at all) needs a reason: a code,
    or free text (private; recorded under the code ``other``), or both.
    """
    reason = (reason or "").strip() or None
    why = {"reason": reason, "reason_code": reference.reason_code(reason_code, reason)}
    if proposal_id is None:
        return {"proposal_id": None, "rank": None, **why}
    if proposal is None:
        raise ValidationFailed(f"no proposal {proposal_id}", {"proposal_id": ["unknown proposal"]})
    if proposal.referral_id != referral_id:
        raise RuleViolated(f"proposal {proposal_id} was made for referral {proposal.referral_id}, "
                           f"not {referral_id}", {"proposal_id": ["made for another referral"]})
    rank = proposal.ranks.get(volunteer_id)
    if rank != 1 and why["reason_code"] is None:
        where = f"rank {rank}" if rank else "not among the candidates"
        raise RuleViolated(f"volunteer {volunteer_id} was {where} in proposal {proposal_id}; "
                           "choosing anyone but the first candidate needs a reason",
                           {"reason_code": ["required when the chosen volunteer is not the first candidate"],
                            "reason": ["or free text (kept private)"]})
    return {"proposal_id": proposal_id, "rank": rank, **why}


def volunteer_stream(volunteer_id: str) -> str:
    return f"volunteer-{volunteer_id}"


def match_stream(match_id: str) -> str:
    return f"match-{match_id}"


def proposal_stream(proposal_id: str) -> str:
    return f"proposal-{proposal_id}"
