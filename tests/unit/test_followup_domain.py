"""Follow-up decisions: contact cadence, check-ins and closing a match."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.followup import domain
from services.followup.domain import FollowedMatch
from shared.errors import Conflict, NotFound, RuleViolated

ACTIVE = FollowedMatch("m-1", "r-1", "v-1", domain.ACTIVE, date(2023, 2, 1))
CLOSED = replace(ACTIVE, status=domain.CLOSED)
REPORT = {"occurred_on": "2023-03-01", "contact": "meeting", "activities": ["network"],
          "wellbeing": 4, "concern": False, "note": None}
CLOSE = {"closed_on": "2023-08-01", "initiator": "mutual", "reason": "goals_reached",
         "note": None}


def test_first_contact_is_due_fourteen_days_after_matching() -> None:
    assert domain.next_contact_due(date(2023, 2, 1), None) == date(2023, 2, 15)


def test_later_contacts_are_due_thirty_days_after_the_last_one() -> None:
    assert domain.next_contact_due(date(2023, 2, 1), date(2023, 3, 10)) == date(2023, 4, 9)


def test_check_in_on_an_active_match_carries_match_and_checkin_ids() -> None:
    assert domain.check_in(ACTIVE, "m-1", REPORT, "c-1") == {
        **REPORT, "match_id": "m-1", "checkin_id": "c-1"}


def test_check_in_on_the_matching_day_is_allowed() -> None:
    report = {**REPORT, "occurred_on": "2023-02-01"}

    assert domain.check_in(ACTIVE, "m-1", report, "c-1")["occurred_on"] == "2023-02-01"


def test_check_in_on_an_unknown_match_is_not_found() -> None:
    with pytest.raises(NotFound):
        domain.check_in(None, "m-unknown", REPORT, "c-1")


def test_check_in_on_a_closed_match_is_refused() -> None:
    with pytest.raises(RuleViolated):
        domain.check_in(CLOSED, "m-1", REPORT, "c-1")


def test_check_in_before_the_match_was_made_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        domain.check_in(ACTIVE, "m-1", {**REPORT, "occurred_on": "2023-01-31"}, "c-1")

    assert "occurred_on" in exc.value.fields


def test_closing_carries_referral_and_volunteer_of_the_match() -> None:
    assert domain.close(ACTIVE, "m-1", CLOSE) == {
        **CLOSE, "match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1"}


def test_closing_an_unknown_match_is_not_found() -> None:
    with pytest.raises(NotFound):
        domain.close(None, "m-unknown", CLOSE)


def test_closing_a_match_twice_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        domain.close(CLOSED, "m-1", CLOSE)


def test_closed_on_before_matched_on_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        domain.close(ACTIVE, "m-1", {**CLOSE, "closed_on": "2023-01-31"})

    assert "closed_on" in exc.value.fields


def test_closing_on_the_matching_day_is_allowed() -> None:
    assert domain.close(ACTIVE, "m-1", {**CLOSE, "closed_on": "2023-02-01"})["closed_on"] == (
        "2023-02-01")


def test_match_stream_is_named_after_the_match() -> None:
    assert domain.stream_id("m-1") == "match-m-1"
