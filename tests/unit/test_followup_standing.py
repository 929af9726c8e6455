"""Where a match stands on a date: concerns, silence, six-month review, as-of reads."""
from __future__ import annotations

from datetime import date

from services.followup.cadence import Policy
from services.followup.standing import CheckIn, MatchHistory, Standing, standing

POLICIES = (Policy("v1", date(2014, 1, 1)),)
FEB1 = date(2023, 2, 1)


def at(on: date | None, *checkins: CheckIn, closed_on: date | None = None) -> Standing:
    return standing(MatchHistory(FEB1, closed_on, checkins), POLICIES, on)


def ci(day: date, contact: str = "meeting", concern: bool = False, number: int = 1) -> CheckIn:
    return CheckIn(day, contact, concern, number)


def test_a_concern_stays_open_until_a_later_check_in_without_one() -> None:
    raised = ci(date(2023, 2, 10), concern=True, number=1)
    again = ci(date(2023, 2, 20), "phone_volunteer", concern=True, number=2)
    resolved = ci(date(2023, 3, 5), concern=False, number=3)

    assert (at(date(2023, 2, 9), raised, again, resolved).open_concern) is False
    both = at(date(2023, 3, 4), raised, again, resolved)
    assert (both.open_concern, both.concern_since) == (True, date(2023, 2, 10))
    assert at(date(2023, 3, 5), raised, again, resolved).open_concern is False


def test_a_concern_reported_late_for_an_earlier_day_does_not_reopen_a_resolved_one() -> None:
    resolved = ci(date(2023, 3, 5), concern=False, number=1)
    late = ci(date(2023, 2, 10), concern=True, number=2)

    assert at(date(2023, 3, 10), resolved, late).open_concern is False


def test_on_the_same_day_the_later_recorded_check_in_decides() -> None:
    day = date(2023, 2, 10)

    assert at(day, ci(day, concern=True, number=1), ci(day, number=2)).open_concern is False
    assert at(day, ci(day, number=1), ci(day, concern=True, number=2)).open_concern is True


def test_a_match_without_a_meeting_for_six_weeks_is_silent() -> None:
    # No meeting since matching on 1 Feb: 41 days on 14 Mar, 42 on 15 Mar.
    assert at(date(2023, 3, 14)).silent is False
    assert at(date(2023, 3, 15)).silent is True
    # Phone calls are no meeting; a meeting on 1 Mar restarts the count (42 days: 12 Apr).
    calls = ci(date(2023, 3, 10), "phone_participant", number=1)
    met = ci(date(2023, 3, 1), number=2)
    assert at(date(2023, 4, 11), calls, met).silent is False
    assert at(date(2023, 4, 12), calls, met).silent is True


def test_a_closed_match_is_neither_silent_nor_due() -> None:
    closed = at(date(2023, 6, 1), closed_on=date(2023, 3, 1))

    assert (closed.active, closed.silent, closed.due, closed.days_overdue) == (
        False, False, None, None)


def test_a_date_before_the_closure_sees_the_match_active() -> None:
    before = at(date(2023, 2, 20), closed_on=date(2023, 3, 1))

    assert before.active and before.days_overdue == 5  # first contact due 15 Feb


def test_only_check_ins_on_or_before_the_date_count() -> None:
    later = ci(date(2023, 2, 20))

    assert at(date(2023, 2, 19), later).last_contact is None
    assert at(date(2023, 2, 20), later).last_contact == later


def test_six_month_mark_and_success() -> None:
    # Mark: 1 Feb + 6 calendar months = 1 Aug.
    assert at(date(2023, 7, 31)).six_month_mark == date(2023, 8, 1)
    assert (at(date(2023, 7, 31)).six_month_reached, at(date(2023, 7, 31)).successful) == (False, None)
    assert (at(date(2023, 8, 1)).six_month_reached, at(date(2023, 8, 1)).successful) == (True, True)


def test_closed_before_the_mark_is_not_successful_closed_on_it_is() -> None:
    early = at(date(2023, 9, 1), closed_on=date(2023, 7, 31))
    on_mark = at(date(2023, 9, 1), closed_on=date(2023, 8, 1))

    assert (early.successful, on_mark.successful) == (False, True)
    assert at(date(2023, 7, 31), closed_on=date(2023, 7, 31)).six_month_reached is False


def test_without_a_date_only_what_needs_none_is_answered() -> None:
    active = at(None, ci(date(2023, 2, 10)))
    closed = at(None, closed_on=date(2023, 5, 1))

    assert (active.due is not None, active.days_overdue, active.silent,
            active.six_month_reached, active.successful) == (True, None, None, None, None)
    assert closed.successful is False
