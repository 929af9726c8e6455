"""matching's handlers against an in-memory repository: no database, no broker."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from services.matching import domain, handlers, ranking
from services.matching.domain import Proposal, Volunteer, WaitingReferral
from services.matching.repository import Matching
from services.matching.weights import current as current_weights
from shared.envelope import Event, new_event_id
from shared.errors import Conflict, NotFound, RuleViolated, ValidationFailed
from shared.vocabulary import ReferralStatus, VolunteerStatus
from tests.support import events as ev
from tests.support.fake_work import FakeKeys, FakeStore, FakeWork
from tests.support.handler_coverage import uncovered

ON = date(2023, 6, 1)
ERASE = {"reason_code": "data_subject_request", "reason": "asked in writing"}


def profile(volunteer_id: str, region: str = "hovedstaden", status: str = VolunteerStatus.AVAILABLE,
            languages: frozenset[str] = frozenset({"da", "ar"})) -> ranking.Profile:
    return ranking.Profile(volunteer_id, status, region, "København", "female", languages,
                           frozenset({"network"}), date(2023, 5, 1), None)


class FakeMatching:
    """``Matching`` over dictionaries; ``locked`` lists the reads made ``for_update``."""

    def __init__(self) -> None:
        self.volunteers: dict[str, Volunteer] = {}
        self.referrals: dict[str, WaitingReferral] = {}
        self.participants: dict[str, ranking.Participant] = {}
        self.profiles: list[ranking.Profile] = []
        self.proposals: dict[str, Proposal] = {}
        self.matches: list[tuple[str, str, str]] = []  # match id, referral id, volunteer id
        self.locked: list[str] = []

    def volunteer(self, volunteer_id: str, for_update: bool = False) -> Volunteer | None:
        self.locked += [volunteer_id] if for_update else []
        return self.volunteers.get(volunteer_id)

    def waiting_referral(self, referral_id: str, for_update: bool = False) -> WaitingReferral | None:
        self.locked += [referral_id] if for_update else []
        return self.referrals.get(referral_id)

    def participant(self, referral_id: str) -> ranking.Participant | None:
        return self.participants.get(referral_id)

    def candidate_pool(self, participant: ranking.Participant
                       ) -> tuple[list[ranking.Profile], dict[str, int]]:
        return list(self.profiles), {}  # ranking applies every hard rule itself

    def proposal(self, proposal_id: str) -> Proposal | None:
        return self.proposals.get(proposal_id)

    def volunteers_by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {vid: {"volunteer_id": vid} for vid in ids if any(p.volunteer_id == vid for p in self.profiles)}

    def matches_of(self, erased: dict[str, Any]) -> list[str]:
        party = 1 if erased["subject_kind"] == "referral" else 2
        return [m[0] for m in self.matches if m[party] == erased["subject_id"]]


def matching(**volunteers: Volunteer) -> FakeMatching:
    repository = FakeMatching()
    repository.volunteers.update(volunteers)
    repository.referrals["r-1"] = WaitingReferral("r-1", "hovedstaden", ReferralStatus.WAITING,
                                                  date(2023, 1, 15), "female")
    repository.participants["r-1"] = ranking.Participant(
        "r-1", "hovedstaden", "København", frozenset({"ar", "da"}), ("network",), "female")
    return repository


def work(repository: FakeMatching | None = None, refuse: str | None = None) -> FakeWork[Matching]:
    return FakeWork(repository or matching(), FakeKeys(), refuse=refuse)


def volunteer(screening: str | None = "approved", trained: bool = True, active: int = 0,
              region: str = "hovedstaden") -> Volunteer:
    return Volunteer("v-1", region, screening, trained, 1, active, "female")


def recorded(uow: FakeWork[Matching]) -> list[tuple[str, str, dict]]:
    return [(stream, event.event_type, event.payload) for stream, event in uow.recorded]


def test_registering_a_volunteer_records_a_new_stream_and_answers_its_id() -> None:
    uow = work()

    volunteer_id = handlers.register_volunteer(uow, ev.volunteer_body())

    [(stream, event_type, payload)] = recorded(uow)
    assert (stream, event_type) == (domain.volunteer_stream(volunteer_id), "volunteer_registered")
    assert payload["volunteer_id"] == volunteer_id and payload["region"] == "hovedstaden"


def test_a_registration_the_schema_refuses_records_nothing() -> None:
    uow = work()

    with pytest.raises(ValidationFailed):
        handlers.register_volunteer(uow, {**ev.volunteer_body(), "capacity": "two"})
    assert uow.recorded == []


def test_screening_and_training_record_their_events_on_the_volunteers_stream() -> None:
    uow = work(matching(**{"v-1": volunteer(screening=None, trained=False)}))
    handlers.screen_volunteer(uow, "v-1", {"outcome": "approved", "screened_on": "2023-01-20"})
    uow.repository.volunteers["v-1"] = volunteer(trained=False)  # as the projection would have it

    handlers.train_volunteer(uow, "v-1", {"completed_on": "2023-02-01"})

    assert recorded(uow) == [
        ("volunteer-v-1", "volunteer_screened",
         {"volunteer_id": "v-1", "outcome": "approved", "screened_on": "2023-01-20"}),
        ("volunteer-v-1", "volunteer_trained", {"volunteer_id": "v-1", "completed_on": "2023-02-01"})]


def test_screening_twice_or_training_the_unapproved_is_refused() -> None:
    uow = work(matching(**{"v-1": volunteer(screening="rejected", trained=False)}))

    with pytest.raises(RuleViolated):
        handlers.screen_volunteer(uow, "v-1", {"outcome": "approved", "screened_on": "2023-01-20"})
    with pytest.raises(RuleViolated):
        handlers.train_volunteer(uow, "v-1", {"completed_on": "2023-02-01"})
    assert uow.recorded == []


@pytest.mark.parametrize("handler, command", [
    (handlers.screen_volunteer, {"outcome": "approved", "screened_on": "2023-01-20"}),
    (handlers.train_volunteer, {"completed_on": "2023-02-01"}),
    (handlers.erase_volunteer, ERASE)])
def test_an_unknown_volunteer_is_not_found(handler: Any, command: dict) -> None:
    uow = work()

    with pytest.raises(NotFound):
        handler(uow, "v-none", command)
    assert uow.recorded == [] and uow.keys.forgotten == []


def test_erasing_a_volunteer_records_subject_erased_and_destroys_the_keys_of_their_matches() -> None:
    repository = matching(**{"v-1": volunteer()})
    repository.matches += [("m-1", "r-1", "v-1"), ("m-2", "r-2", "v-2")]
    uow = work(repository)

    handlers.erase_volunteer(uow, "v-1", ERASE)

    [(stream, event_type, payload)] = recorded(uow)
    assert (stream, event_type, payload["subject_kind"], payload["subject_id"]) == (
        "volunteer-v-1", "subject_erased", "volunteer", "v-1")
    assert uow.keys.forgotten == [(["v-1", "m-1"], "volunteer")]


def test_matching_an_available_volunteer_records_matched_after_locking_both_rows() -> None:
    uow = work(matching(**{"v-1": volunteer()}))

    match_id = handlers.match_participant(uow, {"referral_id": "r-1", "volunteer_id": "v-1",
                                                "matched_on": "2023-02-01"})

    [(stream, event_type, payload)] = recorded(uow)
    assert (stream, event_type) == (domain.match_stream(match_id), "matched")
    assert {k: payload[k] for k in ("match_id", "referral_id", "volunteer_id", "region", "proposal_id")} == {
        "match_id": match_id, "referral_id": "r-1", "volunteer_id": "v-1", "region": "hovedstaden",
        "proposal_id": None}
    assert sorted(uow.repository.locked) == ["r-1", "v-1"]


def test_choosing_the_second_candidate_of_a_proposal_keeps_the_rank_and_needs_a_reason() -> None:
    repository = matching(**{"v-1": volunteer()})
    repository.proposals["p-1"] = Proposal("p-1", "r-1", {"v-0": 1, "v-1": 2})
    command = {"referral_id": "r-1", "volunteer_id": "v-1", "matched_on": "2023-02-01",
               "proposal_id": "p-1"}
    uow = work(repository)

    with pytest.raises(RuleViolated):
        handlers.match_participant(uow, command)
    handlers.match_participant(uow, {**command, "reason_code": "participant_preference"})

    [(_, _, payload)] = recorded(uow)
    assert (payload["proposal_id"], payload["rank"], payload["reason_code"]) == ("p-1", 2, "participant_preference")


@pytest.mark.parametrize("repository, refused", [
    (matching(), NotFound),  # no such volunteer
    (matching(**{"v-1": volunteer(active=1)}), Conflict),  # at capacity
    (matching(**{"v-1": volunteer(region="syddanmark")}), RuleViolated)])
def test_a_match_the_rules_refuse_records_nothing(repository: FakeMatching, refused: type) -> None:
    uow = work(repository)

    with pytest.raises(refused):
        handlers.match_participant(uow, {"referral_id": "r-1", "volunteer_id": "v-1",
                                         "matched_on": "2023-02-01"})
    assert uow.recorded == []


def test_a_match_the_active_match_index_refuses_is_a_conflict() -> None:
    uow = work(matching(**{"v-1": volunteer()}), refuse="matched")

    with pytest.raises(Conflict, match="at the same moment"):
        handlers.match_participant(uow, {"referral_id": "r-1", "volunteer_id": "v-1",
                                         "matched_on": "2023-02-01"})


def test_ranking_applies_the_hard_rules_and_orders_the_rest() -> None:
    repository = matching()
    repository.profiles += [profile("v-far", region="syddanmark"), profile("v-full", status="full"),
                            profile("v-da", languages=frozenset({"da"})), profile("v-ar")]

    ranked = handlers.rank_candidates(repository, "r-1", ON, current_weights())

    assert [c.volunteer_id for c in ranked.candidates] == ["v-ar", "v-da"]
    assert (ranked.eligible, ranked.excluded[ranking.REGION], ranked.excluded[ranking.CAPACITY]) == (2, 1, 1)


def test_candidates_are_proposed_only_for_a_known_waiting_referral() -> None:
    repository = matching()
    repository.referrals["r-2"] = WaitingReferral("r-2", "hovedstaden", ReferralStatus.MATCHED, date(2023, 1, 15))
    repository.participants["r-2"] = repository.participants["r-1"]

    with pytest.raises(NotFound):
        handlers.rank_candidates(repository, "r-none", ON, current_weights())
    with pytest.raises(RuleViolated):
        handlers.rank_candidates(repository, "r-2", ON, current_weights())


def test_a_proposal_is_recorded_once_with_what_was_answered() -> None:
    repository = matching()
    repository.profiles += [profile("v-da", languages=frozenset({"da"})), profile("v-ar")]
    store = FakeStore(repository)
    actor = {"kind": "consultant", "id": "c-1", "role": "consultant"}

    answer = handlers.propose_candidates(store, "r-1", 1, ON, current_weights(), actor)

    [(stream, proposed)] = store.committed
    assert stream == domain.proposal_stream(answer["proposal_id"]) and store.actors == [actor]
    assert proposed.event_type == "candidates_proposed" and proposed.payload["eligible"] == 2
    assert [c["volunteer_id"] for c in proposed.payload["candidates"]] == ["v-ar"]
    assert [(item["volunteer_id"], item["rank"]) for item in answer["items"]] == [("v-ar", 1)]


def test_no_proposal_is_recorded_for_a_referral_not_waiting() -> None:
    repository = matching()
    repository.referrals["r-1"] = WaitingReferral("r-1", "hovedstaden", ReferralStatus.WITHDRAWN, date(2023, 1, 15))
    store = FakeStore(repository)

    with pytest.raises(RuleViolated):
        handlers.propose_candidates(store, "r-1", 10, ON, current_weights(), None)
    assert store.committed == []


def test_a_followed_erasure_destroys_the_keys_of_the_participant_and_their_matches() -> None:
    repository = matching()
    repository.matches += [("m-1", "r-1", "v-1"), ("m-2", "r-1", "v-2"), ("m-3", "r-3", "v-1")]
    uow = work(repository)
    event = Event(event_id=new_event_id(), event_type="subject_erased", schema_version=1,
                  occurred_at=datetime.now(timezone.utc), source="referrals",
                  payload={"erasure_id": "e-1", "subject_kind": "referral", "subject_id": "r-1",
                           "reason_code": "data_subject_request"})

    handlers.on_subject_erased(uow, event)

    assert uow.keys.forgotten == [(["r-1", "m-1", "m-2"], "referral")] and uow.recorded == []


def test_the_inbox_table_names_the_handlers_by_the_event_they_take() -> None:
    assert handlers.HANDLERS == {"subject_erased": handlers.on_subject_erased}


def test_every_handler_is_exercised_here() -> None:
    assert uncovered(handlers, __file__) == set()
