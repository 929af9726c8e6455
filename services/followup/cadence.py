"""Contact cadence: when a match's next consultant contact falls due. Pure: no I/O.

DOMAIN.md's rule ("first contact within 14 days of matching; at least 2 contacts in
month 1; then monthly; quarterly once the match has run 12 months") as a function of
``matched_on``, the dates of the consultant contacts so far, and versioned policies
(``policies.json``). With ``n`` contacts ``c1 <= ... <= cn``:

1. ``n == 0``: due ``matched_on + first_contact_days`` (phase ``first_contact``).
2. ``n < first_month_min_contacts`` and ``cn`` lies in month 1: due the last day of
   month 1 (``first_month``). Month 1 runs from ``matched_on`` to the day before the
   same date a calendar month later (1 Feb - 28 Feb; 31 Jan - 27 Feb).
3. ``cn`` before the date the match has run ``quarterly_after_months`` calendar months:
   due ``cn + monthly_days`` (``monthly``).
4. otherwise: due ``cn + quarterly_days`` (``quarterly``).

A *consultant contact* is a check-in whose ``contact`` is ``meeting``,
``phone_volunteer`` or ``phone_participant``; an ``experience_meeting`` (a group
meeting of volunteers) is recorded but is no follow-up of one match.

Which version applies: the one in force on the day the contact falls due. The
obligation arises on its anchor (``matched_on``, or the last contact); its due date is
computed under the version in force on that day; if a later version came into force
on or before that date, the date is recomputed under the later version, but never
earlier than the day that version came into force. So a new version changes only due
dates on or after its ``effective_from``, never makes anything retroactively overdue,
and a contact that fell due earlier keeps the rule (and the judgement) it had.
"""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

FIRST_CONTACT, FIRST_MONTH, MONTHLY, QUARTERLY = "first_contact", "first_month", "monthly", "quarterly"
CONSULTANT_CONTACTS = ("meeting", "phone_volunteer", "phone_participant")
MEETING = "meeting"


@dataclass(frozen=True)
class Policy:
    """One version of the contact cadence; all periods in days unless named months."""

    version: str
    effective_from: date
    first_contact_days: int = 14
    first_month_min_contacts: int = 2
    monthly_days: int = 30
    quarterly_after_months: int = 12
    quarterly_days: int = 90
    silent_after_days: int = 42


@dataclass(frozen=True)
class Due:
    """The next consultant contact: by when, under which phase and policy version."""

    due_on: date
    phase: str
    policy_version: str


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_force(policies: Sequence[Policy], day: date) -> Policy:
    """The latest version effective on ``day``; before the first one, the first one.

    ``policies`` are in ``effective_from`` order, as ``policy.parse`` guarantees.
    """
    current = policies[0]
    for policy in policies[1:]:
        if policy.effective_from <= day:
            current = policy
    return current


def is_consultant_contact(contact: str) -> bool:
    return contact in CONSULTANT_CONTACTS


def next_due(matched_on: date, contacts: Sequence[date], policies: Sequence[Policy]) -> Due:
    """When the contact after ``contacts`` (consultant contact dates) falls due."""
    ordered = sorted(contacts)
    anchor = ordered[-1] if ordered else matched_on
    policy = in_force(policies, anchor)
    due_on, phase = _due_under(policy, matched_on, ordered)
    for later in policies:
        if later.effective_from <= anchor:
            continue
        if due_on < later.effective_from:
            break  # it falls due while the earlier version is still in force
        due_on, phase = _due_under(later, matched_on, ordered)
        due_on, policy = max(due_on, later.effective_from), later
    return Due(due_on, phase, policy.version)


def days_overdue(due: Due, on: date) -> int | None:
    """Days past the due date on ``on`` (0 on the day itself); None while not yet due."""
    late = (on - due.due_on).days
    return late if late >= 0 else None


def _due_under(policy: Policy, matched_on: date, ordered: Sequence[date]) -> tuple[date, str]:
    if not ordered:
        return matched_on + timedelta(days=policy.first_contact_days), FIRST_CONTACT
    last = ordered[-1]
    month_one_ends = add_months(matched_on, 1) - timedelta(days=1)
    if len(ordered) < policy.first_month_min_contacts and last <= month_one_ends:
        return month_one_ends, FIRST_MONTH
    if last < add_months(matched_on, policy.quarterly_after_months):
        return last + timedelta(days=policy.monthly_days), MONTHLY
    return last + timedelta(days=policy.quarterly_days), QUARTERLY
