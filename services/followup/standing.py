"""Where a match stands on a given date: next contact, early warnings, six-month review.

Pure: the projection supplies the facts (from events only), the caller the date. So
nothing here depends on the wall clock, and asking about a past date answers as that
date would have: only check-ins that occurred on or before it count, and a closure
counts from its ``closed_on``. ``on=None`` means "with every fact known": the
date-dependent answers (reached, silent, days overdue) are then None.

* Open concern: the latest check-in (by ``occurred_on``, then recording order) decides;
  ``concern: true`` opens a concern, a later check-in with ``concern: false`` resolves it.
* Silent: an active match with no ``meeting`` reported for ``silent_after_days`` (the
  version in force on the date), counted from the last meeting or, without one, from
  ``matched_on``.
* Six-month mark: ``matched_on`` + 6 calendar months. Successful (CONTRACTS.md) when not
  closed before that mark: False once closed before it, True once the mark is reached
  (or the match closed on or after it), None while not reached and still active.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.followup import cadence
from services.followup.cadence import Due, Policy

SIX_MONTHS = 6


@dataclass(frozen=True)
class CheckIn:
    occurred_on: date
    contact: str
    concern: bool
    number: int  # recording order within the match: breaks ties of the same day


@dataclass(frozen=True)
class MatchHistory:
    """What a match's standing is worked out from: when it began and ended, and its check-ins."""

    matched_on: date
    closed_on: date | None
    checkins: tuple[CheckIn, ...]


@dataclass(frozen=True)
class Standing:
    active: bool
    due: Due | None
    days_overdue: int | None
    last_contact: CheckIn | None
    open_concern: bool
    concern_since: date | None
    silent: bool | None
    last_meeting_on: date | None
    six_month_mark: date
    six_month_reached: bool | None
    successful: bool | None


def standing(facts: MatchHistory, policies: Sequence[Policy], on: date | None) -> Standing:
    """The match as of ``on`` (None: with every recorded fact)."""
    known = sorted((c for c in facts.checkins if on is None or c.occurred_on <= on),
                   key=lambda c: (c.occurred_on, c.number))
    closed = facts.closed_on is not None and (on is None or facts.closed_on <= on)
    contacts = [c for c in known if cadence.is_consultant_contact(c.contact)]
    due = None if closed else cadence.next_due(
        facts.matched_on, [c.occurred_on for c in contacts], policies)
    meetings = [c.occurred_on for c in known if c.contact == cadence.MEETING]
    since = concern_since(known)
    mark = six_month_mark(facts.matched_on)
    return Standing(
        active=not closed, due=due,
        days_overdue=cadence.days_overdue(due, on) if due and on else None,
        last_contact=contacts[-1] if contacts else None,
        open_concern=since is not None, concern_since=since,
        silent=None if on is None else not closed and _silent(facts, meetings, policies, on),
        last_meeting_on=meetings[-1] if meetings else None,
        six_month_mark=mark, six_month_reached=None if on is None else on >= mark,
        successful=successful(mark, facts.closed_on if closed else None, on))


def concern_since(ordered: Sequence[CheckIn]) -> date | None:
    """When the open concern was first raised, or None when none is open."""
    since = None
    for checkin in ordered:
        since = (since or checkin.occurred_on) if checkin.concern else None
    return since


def six_month_mark(matched_on: date) -> date:
    """``matched_on`` + 6 calendar months (CONTRACTS.md), clamped to the month's last day."""
    return cadence.add_months(matched_on, SIX_MONTHS)


def last_eligible_matched_on(on: date) -> date:
    """The last ``matched_on`` whose six-month mark lies on or before ``on``.

    The mark never goes back as ``matched_on`` goes on, so a match is eligible by
    ``on`` exactly when it was matched on or before this day: a range of days.
    """
    day = cadence.add_months(on, -SIX_MONTHS)  # its mark is on or before ``on``
    while six_month_mark(day + timedelta(days=1)) <= on:
        day += timedelta(days=1)
    return day


def successful(mark: date, closed_on: date | None, on: date | None) -> bool | None:
    """Not closed before the six-month mark (None while that is still open on ``on``)."""
    if closed_on is not None:
        return closed_on >= mark
    if on is not None and on >= mark:
        return True
    return None


def _silent(facts: MatchHistory, meetings: Sequence[date], policies: Sequence[Policy], on: date) -> bool:
    quiet_since = meetings[-1] if meetings else facts.matched_on
    return (on - quiet_since).days >= cadence.in_force(policies, on).silent_after_days
