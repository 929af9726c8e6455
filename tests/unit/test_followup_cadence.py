"""The contact cadence rules (services/followup/cadence.py), worked out by hand."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.followup import cadence
from services.followup.cadence import Due, Policy, add_months, next_due
from shared.contracts import FOLLOWUP_PHASES

V1 = Policy("v1", date(2014, 1, 1))
POLICIES = (V1,)
FEB1 = date(2023, 2, 1)


def due(contacts: list[date], policies: tuple[Policy, ...] = POLICIES, matched_on: date = FEB1) -> Due:
    return next_due(matched_on, contacts, policies)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2023, 2, 1), 1, date(2023, 3, 1)),
    (date(2023, 1, 31), 1, date(2023, 2, 28)),     # clamped to February's last day
    (date(2023, 8, 31), 6, date(2024, 2, 29)),     # 2024 is a leap year
    (date(2023, 11, 15), 3, date(2024, 2, 15)),    # across the year end
    (date(2023, 2, 1), 12, date(2024, 2, 1)),
])
def test_add_months_keeps_the_day_or_clamps_it(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_first_contact_is_due_fourteen_days_after_matching() -> None:
    assert due([]) == Due(date(2023, 2, 15), "first_contact", "v1")  # 1 Feb + 14


@pytest.mark.parametrize(("matched_on", "month_one_ends"), [
    (date(2023, 2, 1), date(2023, 2, 28)),   # 1 Mar - 1 day
    (date(2023, 1, 31), date(2023, 2, 27)),  # 28 Feb (clamped) - 1 day
    (date(2023, 3, 15), date(2023, 4, 14)),
])
def test_second_contact_is_due_on_the_last_day_of_month_one(matched_on: date,
                                                            month_one_ends: date) -> None:
    assert due([matched_on], matched_on=matched_on) == Due(month_one_ends, "first_month", "v1")


def test_after_two_contacts_in_month_one_the_next_is_due_thirty_days_after_the_last() -> None:
    assert due([date(2023, 2, 5), date(2023, 2, 20)]) == Due(date(2023, 3, 22), "monthly", "v1")


def test_a_first_contact_after_month_one_moves_straight_to_monthly() -> None:
    # Month 1 (1-28 Feb) is over: two contacts in it can no longer happen.
    assert due([date(2023, 3, 3)]) == Due(date(2023, 4, 2), "monthly", "v1")


def test_three_required_contacts_in_month_one_are_all_due_by_its_end() -> None:
    policies = (replace(V1, first_month_min_contacts=3),)

    assert due([date(2023, 2, 5), date(2023, 2, 10)], policies).due_on == date(2023, 2, 28)
    assert due([date(2023, 2, 5), date(2023, 2, 10), date(2023, 2, 12)], policies) == Due(
        date(2023, 3, 14), "monthly", "v1")


def test_contacts_once_the_match_has_run_a_year_are_quarterly() -> None:
    contacts = [date(2023, 2, 5), date(2023, 2, 20)]
    # The year is complete on 1 Feb 2024: a contact the day before is still monthly.
    assert due(contacts + [date(2024, 1, 31)]) == Due(date(2024, 3, 1), "monthly", "v1")
    # From that day on: 90 days (1 Feb 2024 + 90 = 1 May 2024).
    assert due(contacts + [date(2024, 2, 1)]) == Due(date(2024, 5, 1), "quarterly", "v1")


def test_contacts_are_taken_in_date_order_whatever_order_they_come_in() -> None:
    assert due([date(2023, 2, 20), date(2023, 2, 5)]) == due([date(2023, 2, 5), date(2023, 2, 20)])


def test_days_overdue_counts_from_the_due_date() -> None:
    first = due([])  # 15 Feb

    assert [cadence.days_overdue(first, date(2023, 2, d)) for d in (14, 15, 20)] == [None, 0, 5]


def test_the_version_in_force_is_the_latest_started_and_the_first_before_any() -> None:
    v2 = Policy("v2", date(2023, 6, 1))
    policies = (V1, v2)

    assert cadence.in_force(policies, date(2010, 1, 1)) is V1
    assert cadence.in_force(policies, date(2023, 5, 31)) is V1
    assert cadence.in_force(policies, date(2023, 6, 1)) is v2


# A new version from 1 Jun 2023 (P). With two month-1 contacts (5 and 20 Feb),
# later contacts are monthly: v1 gives last + 30.
P = date(2023, 6, 1)
MONTH_ONE = [date(2023, 2, 5), date(2023, 2, 20)]


def test_a_due_date_before_a_new_version_keeps_the_old_rule() -> None:
    slower = Policy("v2", P, monthly_days=60)
    # Last contact 22 Apr (P - 40): v1 due 22 May, before P, so v1 judged it.
    contacts = MONTH_ONE + [date(2023, 4, 22)]

    assert due(contacts, (V1, slower)) == due(contacts) == Due(date(2023, 5, 22), "monthly", "v1")


def test_a_due_date_on_or_after_a_new_version_follows_the_new_rule() -> None:
    slower = Policy("v2", P, monthly_days=60)
    # Last contact 12 May (P - 20): v1 would say 11 Jun, on/after P, so v2: 12 May + 60 = 11 Jul.
    contacts = MONTH_ONE + [date(2023, 5, 12)]

    assert due(contacts) == Due(date(2023, 6, 11), "monthly", "v1")
    assert due(contacts, (V1, slower)) == Due(date(2023, 7, 11), "monthly", "v2")


def test_a_stricter_new_version_never_makes_a_contact_overdue_before_it_existed() -> None:
    faster = Policy("v2", P, monthly_days=14)
    # Last contact 12 May: v1 says 11 Jun (after P); v2 says 26 May, before v2 existed,
    # so it falls due on the day v2 came into force: 1 Jun.
    contacts = MONTH_ONE + [date(2023, 5, 12)]

    assert due(contacts, (V1, faster)) == Due(P, "monthly", "v2")


def test_a_contact_after_the_new_version_started_is_followed_under_it() -> None:
    faster = Policy("v2", P, monthly_days=14)

    assert due(MONTH_ONE + [date(2023, 6, 10)], (V1, faster)) == Due(
        date(2023, 6, 24), "monthly", "v2")


def test_versions_chain_when_a_due_date_outlives_two_of_them() -> None:
    v2 = Policy("v2", date(2023, 3, 1), monthly_days=60)
    v3 = Policy("v3", date(2023, 4, 1), monthly_days=45)
    # Last contact 20 Feb: v1 says 22 Mar (>= 1 Mar) -> v2 says 21 Apr (>= 1 Apr) -> v3: 6 Apr.
    assert due(MONTH_ONE, (V1, v2, v3)) == Due(date(2023, 4, 6), "monthly", "v3")


def test_a_new_version_leaves_the_judgement_of_earlier_contacts_as_it_was() -> None:
    faster = Policy("v2", P, monthly_days=14, first_contact_days=7)
    contacts = MONTH_ONE + [date(2023, 3, 20), date(2023, 4, 25), date(2023, 5, 20)]

    def judged(policies: tuple[Policy, ...]) -> list[Due]:
        return [due(contacts[:i], policies) for i in range(len(contacts))]

    # Each contact answered a due date that fell before 1 Jun: 15 Feb, 28 Feb, 22 Mar,
    # 19 Apr, 25 May; the new version changes none of them, only what follows.
    assert judged((V1, faster)) == judged(POLICIES)
    assert [d.due_on.day for d in judged(POLICIES)] == [15, 28, 22, 19, 25]
    assert due(contacts) == Due(date(2023, 6, 19), "monthly", "v1")
    assert due(contacts, (V1, faster)) == Due(date(2023, 6, 3), "monthly", "v2")


def test_the_phases_are_those_the_followup_due_event_allows() -> None:
    assert (cadence.FIRST_CONTACT, cadence.FIRST_MONTH, cadence.MONTHLY,
            cadence.QUARTERLY) == FOLLOWUP_PHASES


def test_experience_meetings_are_no_consultant_contact() -> None:
    assert [cadence.is_consultant_contact(k) for k in (
        "meeting", "phone_volunteer", "phone_participant", "experience_meeting")] == [
        True, True, True, False]
