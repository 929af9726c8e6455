"""Decisions about follow-up: pure functions, no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.errors import Conflict, NotFound, RuleViolated

ACTIVE, CLOSED = "active", "closed"
FIRST_CONTACT_DAYS = 14
LATER_CONTACT_DAYS = 30


@dataclass(frozen=True)
class FollowedMatch:
    match_id: str
    referral_id: str
    volunteer_id: str
    status: str
    matched_on: date


def next_contact_due(matched_on: date, last_contact_on: date | None) -> date:
    """First contact 14 days after matching, then every 30 days after the last one."""
    if last_contact_on is None:
        return matched_on + timedelta(days=FIRST_CONTACT_DAYS)
    return last_contact_on + timedelta(days=LATER_CONTACT_DAYS)


def check_in(match: FollowedMatch | None, match_id: str, report: dict[str, Any],
             checkin_id: str) -> dict[str, Any]:
    """The ``checked_in`` payload for a report about an active match."""
    followed = _existing(match, match_id)
    if followed.status != ACTIVE:
        raise RuleViolated(f"match {match_id} is closed; check-ins are for active matches")
    if date.fromisoformat(report["occurred_on"]) < followed.matched_on:
        raise RuleViolated("a check-in cannot be before the match was made",
                           {"occurred_on": ["before matched_on"]})
    return {**report, "match_id": match_id, "checkin_id": checkin_id}


def close(match: FollowedMatch | None, match_id: str, command: dict[str, Any]) -> dict[str, Any]:
    """The ``closed`` payload: who ended the match, why and when."""
    followed = _existing(match, match_id)
    if followed.status != ACTIVE:
        raise Conflict(f"match {match_id} is already closed")
    if date.fromisoformat(command["closed_on"]) < followed.matched_on:
        raise RuleViolated("closed_on cannot be before matched_on",
                           {"closed_on": ["before matched_on"]})
    return {**command, "match_id": match_id, "referral_id": followed.referral_id,
            "volunteer_id": followed.volunteer_id}


def _existing(match: FollowedMatch | None, match_id: str) -> FollowedMatch:
    if match is None:
        raise NotFound(f"no match {match_id} is known to followup")
    return match


def stream_id(match_id: str) -> str:
    return f"match-{match_id}"
