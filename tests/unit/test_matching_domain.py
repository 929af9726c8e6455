"""Matching decisions: volunteer lifecycle and every rule a match must pass."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.matching import domain
from services.matching.domain import Volunteer, WaitingReferral
from shared.errors import Conflict, NotFound, RuleViolated, ValidationFailed
from shared.vocabulary import ReferralStatus, VolunteerStatus

READY = Volunteer("v-1", "hovedstaden", "approved", True, capacity=2, active_matches=0)
WAITING = WaitingReferral("r-1", "hovedstaden", ReferralStatus.WAITING, date(2023, 1, 15))


def do_match(referral: WaitingReferral | None = WAITING, volunteer: Volunteer | None = READY,
             matched_on: date = date(2023, 2, 1), regions: list[str] | None = None) -> dict:
    return domain.match(referral, volunteer, referral_id="r-1", volunteer_id="v-1",
                        match_id="m-1", matched_on=matched_on, regions=regions)


@pytest.mark.parametrize("screening, trained, active, expected", [
    (None, False, 0, VolunteerStatus.REGISTERED),
    (None, True, 0, VolunteerStatus.REGISTERED),
    ("rejected", False, 0, VolunteerStatus.REJECTED),
    ("rejected", True, 0, VolunteerStatus.REJECTED),
    ("approved", False, 0, VolunteerStatus.APPROVED),
    ("approved", False, 2, VolunteerStatus.APPROVED),
    ("approved", True, 0, VolunteerStatus.AVAILABLE),
    ("approved", True, 1, VolunteerStatus.AVAILABLE),
    ("approved", True, 2, VolunteerStatus.FULL),
    ("approved", True, 3, VolunteerStatus.FULL),
])
def test_volunteer_status_follows_screening_training_and_capacity(
        screening: str | None, trained: bool, active: int, expected: str) -> None:
    volunteer = replace(READY, screening=screening, trained=trained, active_matches=active)

    assert domain.volunteer_status(volunteer) == expected


def test_unscreened_volunteer_can_be_screened() -> None:
    fresh = replace(READY, screening=None, trained=False)

    assert domain.screen(fresh, "approved", "2023-01-02") == {
        "volunteer_id": "v-1", "outcome": "approved", "screened_on": "2023-01-02"}


@pytest.mark.parametrize("earlier", ["approved", "rejected"])
def test_screening_a_volunteer_twice_is_refused(earlier: str) -> None:
    with pytest.raises(RuleViolated):
        domain.screen(replace(READY, screening=earlier), "approved", "2023-01-02")


def test_approved_volunteer_can_be_trained() -> None:
    approved = replace(READY, trained=False)

    assert domain.train(approved, "2023-01-10") == {
        "volunteer_id": "v-1", "completed_on": "2023-01-10"}


@pytest.mark.parametrize("screening", [None, "rejected"])
def test_training_before_approval_is_refused(screening: str | None) -> None:
    with pytest.raises(RuleViolated):
        domain.train(replace(READY, screening=screening, trained=False), "2023-01-10")


def test_training_twice_is_refused() -> None:
    with pytest.raises(RuleViolated):
        domain.train(READY, "2023-01-10")


def test_match_with_unknown_referral_is_not_found() -> None:
    with pytest.raises(NotFound):
        do_match(referral=None)


def test_match_with_unknown_volunteer_is_not_found() -> None:
    with pytest.raises(NotFound):
        do_match(volunteer=None)


def test_a_referral_outside_the_callers_regions_is_answered_as_missing() -> None:
    with pytest.raises(NotFound) as missing:
        do_match(referral=None, regions=["syddanmark"])
    with pytest.raises(NotFound) as foreign:
        do_match(referral=replace(WAITING, status=ReferralStatus.MATCHED), regions=["syddanmark"])
    assert foreign.value.message == missing.value.message == "no referral r-1 is known to matching"


def test_a_volunteer_outside_the_callers_regions_is_answered_as_missing_whatever_its_status() -> None:
    with pytest.raises(NotFound) as foreign:
        do_match(volunteer=replace(READY, region="syddanmark", trained=False), regions=["hovedstaden"])
    assert foreign.value.message == "no volunteer v-1"


def test_a_match_within_the_callers_regions_is_decided_by_the_rules() -> None:
    assert do_match(regions=["hovedstaden", "sjaelland"])["region"] == "hovedstaden"


def test_matching_an_already_matched_participant_is_a_conflict() -> None:
    with pytest.raises(Conflict) as exc:
        do_match(referral=replace(WAITING, status="matched"))

    assert "referral_id" in exc.value.fields


@pytest.mark.parametrize("status", ["withdrawn", "closed"])
def test_matching_a_referral_that_is_not_waiting_is_refused(status: str) -> None:
    with pytest.raises(RuleViolated):
        do_match(referral=replace(WAITING, status=status))


def test_matching_a_volunteer_at_capacity_is_a_conflict() -> None:
    with pytest.raises(Conflict) as exc:
        do_match(volunteer=replace(READY, active_matches=READY.capacity))

    assert "volunteer_id" in exc.value.fields


@pytest.mark.parametrize("screening, trained", [
    (None, False), ("rejected", False), ("approved", False)])
def test_matching_a_volunteer_not_approved_and_trained_is_refused(
        screening: str | None, trained: bool) -> None:
    with pytest.raises(RuleViolated):
        do_match(volunteer=replace(READY, screening=screening, trained=trained))


def test_matching_across_regions_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        do_match(volunteer=replace(READY, region="syddanmark"))

    assert "region" in exc.value.message


def test_matched_on_before_referred_on_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        do_match(matched_on=date(2023, 1, 14))

    assert "matched_on" in exc.value.fields


def test_matching_on_the_referral_date_is_allowed() -> None:
    assert do_match(matched_on=WAITING.referred_on)["matched_on"] == "2023-01-15"


def test_valid_match_yields_the_matched_payload() -> None:
    assert do_match() == {"match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1",
                          "region": "hovedstaden", "matched_on": "2023-02-01"}


def test_streams_are_named_after_volunteer_and_match() -> None:
    assert (domain.volunteer_stream("v-1"), domain.match_stream("m-1")) == (
        "volunteer-v-1", "match-m-1")


def test_a_volunteer_of_another_gender_than_the_participant_asked_for_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        do_match(referral=replace(WAITING, volunteer_gender="female"),
                 volunteer=replace(READY, gender="male"))

    assert "volunteer_gender" in exc.value.fields["volunteer_id"][0]


def test_any_gender_preference_matches_every_volunteer() -> None:
    assert do_match(referral=replace(WAITING, volunteer_gender="any"),
                    volunteer=replace(READY, gender="male"))["volunteer_id"] == "v-1"


def test_a_volunteer_whose_earlier_match_with_the_participant_was_a_mismatch_is_refused() -> None:
    with pytest.raises(RuleViolated) as exc:
        do_match(referral=replace(WAITING, earlier={"v-1": "mismatch"}))

    assert "mismatch" in exc.value.message


def test_a_volunteer_whose_earlier_match_ended_otherwise_may_be_chosen_again() -> None:
    assert do_match(referral=replace(WAITING, earlier={"v-1": "volunteer_withdrew"}))["match_id"] == "m-1"


PROPOSAL = domain.Proposal("p-1", "r-1", {"v-1": 1, "v-2": 2})


def choose(volunteer_id: str = "v-1", reason: str | None = None, proposal_id: str | None = "p-1",
           proposal: domain.Proposal | None = PROPOSAL, reason_code: str | None = None) -> dict:
    return domain.choose(proposal, proposal_id=proposal_id, referral_id="r-1",
                         volunteer_id=volunteer_id, reason=reason, reason_code=reason_code)


def test_choosing_the_first_candidate_needs_no_reason() -> None:
    assert choose() == {"proposal_id": "p-1", "rank": 1, "reason": None, "reason_code": None}


@pytest.mark.parametrize("volunteer_id, reason", [("v-2", None), ("v-2", "  "), ("v-9", None)])
def test_choosing_anyone_but_the_first_without_a_reason_is_refused(volunteer_id: str,
                                                                   reason: str | None) -> None:
    with pytest.raises(RuleViolated) as exc:
        choose(volunteer_id, reason)

    assert "reason" in exc.value.fields and "reason_code" in exc.value.fields


def test_choosing_the_second_with_a_reason_records_rank_and_reason() -> None:
    assert choose("v-2", " knows the neighbourhood ") == {
        "proposal_id": "p-1", "rank": 2, "reason": "knows the neighbourhood", "reason_code": "other"}


def test_choosing_the_second_with_a_code_alone_records_the_code() -> None:
    assert choose("v-2", reason_code="location") == {
        "proposal_id": "p-1", "rank": 2, "reason": None, "reason_code": "location"}


def test_a_volunteer_outside_the_proposal_is_recorded_without_rank() -> None:
    assert choose("v-9", "asked for by name")["rank"] is None


def test_without_a_proposal_nothing_is_ranked() -> None:
    assert choose(proposal_id=None, proposal=None) == {"proposal_id": None, "rank": None, "reason": None,
                                                       "reason_code": None}


def test_an_unknown_proposal_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed):
        choose(proposal=None)


def test_a_proposal_for_another_referral_is_refused() -> None:
    with pytest.raises(RuleViolated):
        choose(proposal=domain.Proposal("p-1", "r-other", {"v-1": 1}))
