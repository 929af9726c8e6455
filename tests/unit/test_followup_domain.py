"""Follow-up decisions: contact cadence, check-ins and closing a match."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.followup import domain
from services.followup.cadence import Policy
from services.followup.domain import FollowedMatch
from services.followup.standing import CheckIn, MatchHistory, standing
from shared.errors import Conflict, NotFound, RuleViolated
from shared.vocabulary import MatchStatus

POLICIES = (Policy("v1", date(2014, 1, 1)),)
ACTIVE = FollowedMatch("m-1", "r-1", "v-1", "hovedstaden", MatchStatus.ACTIVE, date(2023, 2, 1))
CLOSED = replace(ACTIVE, status=MatchStatus.CLOSED)
REPORT = {"occurred_on": "2023-03-01", "contact": "meeting", "activities": ["network"],
          "wellbeing": 4, "concern": False, "note": None}
CLOSE = {"closed_on": "2023-08-01", "initiator": "mutual", "reason": "goals_reached",
         "note": None}


def check_in(match: FollowedMatch | None, report: dict, earlier: tuple = ()) -> dict:
    return domain.check_in(match, "m-1", report, "c-1", earlier, POLICIES)


def test_check_in_on_an_active_match_carries_ids_and_the_due_date_it_answered() -> None:
    # The first contact of a match made on 1 Feb is due 14 days later, on 15 Feb.
    assert check_in(ACTIVE, REPORT) == {
        **REPORT, "match_id": "m-1", "checkin_id": "c-1", "due_on": "2023-02-15",
        "policy_version": "v1"}


def test_a_contact_is_judged_against_the_contacts_before_it_only() -> None:
    earlier = (CheckIn(date(2023, 2, 5), "meeting", False, 1),
               CheckIn(date(2023, 3, 20), "phone_volunteer", False, 2))
    # Reported late, for 1 Mar: one contact before it (5 Feb, in month 1 = 1-28 Feb),
    # so it answered the second month-1 contact, due 28 Feb.
    assert check_in(ACTIVE, REPORT, earlier)["due_on"] == "2023-02-28"


def test_an_experience_meeting_answers_no_due_date_but_records_the_policy() -> None:
    payload = check_in(ACTIVE, {**REPORT, "contact": "experience_meeting"})

    assert (payload["due_on"], payload["policy_version"]) == (None, "v1")


def test_check_in_on_the_matching_day_is_allowed() -> None:
    report = {**REPORT, "occurred_on": "2023-02-01"}

    assert check_in(ACTIVE, report)["occurred_on"] == "2023-02-01"


def test_check_in_on_an_unknown_match_is_not_found() -> None:
    with pytest.raises(NotFound):
        check_in(None, REPORT)


def test_check_in_on_a_closed_match_is_refused() -> None:
    with pytest.raises(RuleViolated):
        check_in(CLOSED, REPORT)


def test_check_in_before_the_match_was_made_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        check_in(ACTIVE, {**REPORT, "occurred_on": "2023-01-31"})

    assert "occurred_on" in exc.value.fields


def close(match: FollowedMatch | None, command: dict) -> dict:
    return domain.close(match, "m-1", command, POLICIES)


def test_closing_carries_referral_volunteer_policy_version_and_the_rematch_decision() -> None:
    command = {**CLOSE, "anticipated": True}

    assert close(ACTIVE, command) == {
        **command, "match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1",
        "policy_version": "v1", "rematch_allowed": False}
    assert domain.close(ACTIVE, "m-1", command, POLICIES, rematch_allowed=True)["rematch_allowed"] is True


def test_closing_an_unknown_match_is_not_found() -> None:
    with pytest.raises(NotFound):
        close(None, CLOSE)


def test_closing_a_match_twice_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        close(CLOSED, CLOSE)


def test_closed_on_before_matched_on_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        close(ACTIVE, {**CLOSE, "closed_on": "2023-01-31"})

    assert "closed_on" in exc.value.fields


def test_closing_on_the_matching_day_is_allowed() -> None:
    assert close(ACTIVE, {**CLOSE, "closed_on": "2023-02-01"})["closed_on"] == "2023-02-01"


def test_match_stream_is_named_after_the_match() -> None:
    assert domain.stream_id("m-1") == "match-m-1"


def reminder(on: date, checkins: tuple = (), reminded: tuple = (),
             closed_on: date | None = None) -> dict | None:
    facts = MatchHistory(ACTIVE.matched_on, closed_on, checkins)
    return domain.due_reminder(ACTIVE, standing(facts, POLICIES, on), on, reminded)


def test_no_reminder_before_the_contact_is_due() -> None:
    assert reminder(date(2023, 2, 14)) is None


def test_a_reminder_on_the_due_date_says_what_is_due_and_why() -> None:
    assert reminder(date(2023, 2, 15)) == {
        "match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1", "region": "hovedstaden",
        "due_on": "2023-02-15", "phase": "first_contact", "noticed_on": "2023-02-15",
        "days_overdue": 0, "policy_version": "v1", "last_contact_on": None,
        "open_concern": False, "silent": False}


def test_an_overdue_contact_is_reminded_with_its_days_overdue() -> None:
    found = reminder(date(2023, 2, 20))

    assert found is not None and (found["due_on"], found["days_overdue"]) == ("2023-02-15", 5)


def test_a_due_date_already_reminded_is_not_reminded_again() -> None:
    assert reminder(date(2023, 2, 20), reminded=(date(2023, 2, 15),)) is None


def test_a_new_due_date_after_a_contact_gets_its_own_reminder() -> None:
    contact = (CheckIn(date(2023, 2, 10), "meeting", False, 1),)
    found = reminder(date(2023, 3, 1), contact, reminded=(date(2023, 2, 15),))

    assert found is not None and (found["due_on"], found["phase"]) == ("2023-02-28", "first_month")


def test_a_closed_match_is_not_reminded() -> None:
    assert reminder(date(2023, 3, 1), closed_on=date(2023, 2, 20)) is None


def test_reminders_have_one_stream_per_match_and_due_date() -> None:
    assert domain.reminder_stream_id("m-1", "2023-02-15") == "match-m-1-due-2023-02-15"
