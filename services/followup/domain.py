"""Decisions about follow-up: pure functions, no I/O.

The cadence rules live in ``cadence.py``, where a match stands on a date in
``standing.py``; this module turns commands and that standing into event payloads.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.followup import cadence
from services.followup.cadence import Policy
from services.followup.standing import CheckIn, Standing
from shared.errors import Conflict, NotFound, RuleViolated
from shared.vocabulary import MatchStatus


@dataclass(frozen=True)
class FollowedMatch:
    match_id: str
    referral_id: str
    volunteer_id: str
    region: str
    status: str
    matched_on: date


def check_in(match: FollowedMatch | None, match_id: str, report: dict[str, Any], checkin_id: str,
             earlier: Sequence[CheckIn], policies: Sequence[Policy]) -> dict[str, Any]:
    """The ``checked_in`` payload for a report about an active match, with its judgement.

    A consultant contact records the due date it answered (computed from the consultant
    contacts on or before its own date that were recorded before it) and the policy
    version that set that date; any other check-in records the version in force that day.
    """
    followed = _existing(match, match_id)
    if followed.status != MatchStatus.ACTIVE:
        raise RuleViolated(f"match {match_id} is closed; check-ins are for active matches")
    occurred_on = date.fromisoformat(report["occurred_on"])
    if occurred_on < followed.matched_on:
        raise RuleViolated("a check-in cannot be before the match was made",
                           {"occurred_on": ["before matched_on"]})
    due_on, version = None, cadence.in_force(policies, occurred_on).version
    if cadence.is_consultant_contact(report["contact"]):
        before = [c.occurred_on for c in earlier
                  if c.occurred_on <= occurred_on and cadence.is_consultant_contact(c.contact)]
        due = cadence.next_due(followed.matched_on, before, policies)
        due_on, version = due.due_on.isoformat(), due.policy_version
    return {**report, "match_id": match_id, "checkin_id": checkin_id, "due_on": due_on,
            "policy_version": version}


def close(match: FollowedMatch | None, match_id: str, command: dict[str, Any],
          policies: Sequence[Policy], rematch_allowed: bool = False) -> dict[str, Any]:
    """The ``closed`` payload: who ended it, why, when, whether planned, and whether to rematch."""
    followed = _existing(match, match_id)
    if followed.status != MatchStatus.ACTIVE:
        raise Conflict(f"match {match_id} is already closed")
    closed_on = date.fromisoformat(command["closed_on"])
    if closed_on < followed.matched_on:
        raise RuleViolated("closed_on cannot be before matched_on",
                           {"closed_on": ["before matched_on"]})
    return {**command, "match_id": match_id, "referral_id": followed.referral_id,
            "volunteer_id": followed.volunteer_id,
            "policy_version": cadence.in_force(policies, closed_on).version,
            "rematch_allowed": rematch_allowed}


def due_reminder(match: FollowedMatch, standing: Standing, on: date,
                 reminded: Collection[date]) -> dict[str, Any] | None:
    """The ``followup_due`` payload when the match's contact is due on ``on`` and not yet reminded."""
    due = standing.due
    if not standing.active or due is None or standing.days_overdue is None or due.due_on in reminded:
        return None
    last = standing.last_contact
    return {"match_id": match.match_id, "referral_id": match.referral_id,
            "volunteer_id": match.volunteer_id, "region": match.region,
            "due_on": due.due_on.isoformat(), "phase": due.phase, "noticed_on": on.isoformat(),
            "days_overdue": standing.days_overdue, "policy_version": due.policy_version,
            "last_contact_on": last.occurred_on.isoformat() if last else None,
            "open_concern": standing.open_concern, "silent": bool(standing.silent)}


def _existing(match: FollowedMatch | None, match_id: str) -> FollowedMatch:
    if match is None:
        raise NotFound(f"no match {match_id} is known to followup")
    return match


def stream_id(match_id: str) -> str:
    return f"match-{match_id}"


def reminder_stream_id(match_id: str, due_on: str) -> str:
    """One stream per match and due date: its version 1 can be written once only."""
    return f"match-{match_id}-due-{due_on}"
