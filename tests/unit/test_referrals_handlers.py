"""referrals' handlers against an in-memory repository: no database, no broker."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from services.referrals import domain, handlers
from services.referrals.domain import KnownReferral
from services.referrals.repository import Referrals
from shared.envelope import Event, new_event_id
from shared.errors import ConcurrencyConflict, NotFound, RuleViolated
from shared.vocabulary import ReferralStatus
from tests.support.fake_work import FakeKeys, FakeWork
from tests.support.handler_coverage import uncovered

SUBMISSION = {
    "external_ref": "CTP-2023-0042", "referring_site": "CTP", "referral_date": "2023-01-15",
    "interpreter_needed": False,
    "participant": {"gender": "female", "birth_year": 1978, "country_of_birth": "SY",
                    "arrival_year": 2014, "danish_level": "basic", "languages": ["ar", "da"],
                    "municipality": "København"},
    "needs": ["network", "language"], "preferences": {"volunteer_gender": "female"},
    "consent": {"given": True, "recorded_on": "2023-01-15"}, "personal": {},
}
ERASE = {"reason_code": "data_subject_request", "reason": "asked in writing"}


class FakeReferrals:
    """``Referrals`` over a list of known referrals, each with its site and external ref."""

    def __init__(self, *known: tuple[str, str, KnownReferral]) -> None:
        self.known = list(known)

    def known_by_id(self, referral_id: str) -> KnownReferral | None:
        return next((k for _, _, k in self.known if k.referral_id == referral_id), None)

    def known_by_ref(self, site: str, external_ref: str) -> KnownReferral | None:
        return next((k for s, ref, k in self.known if (s, ref) == (site, external_ref)), None)


def work(*known: tuple[str, str, KnownReferral], erased: set[str] | None = None
         ) -> FakeWork[Referrals]:
    return FakeWork(FakeReferrals(*known), FakeKeys(erased))


def submitted(**changes: object) -> Event:
    return Event(event_id=new_event_id(), event_type="referral_submitted", schema_version=2,
                 occurred_at=datetime(2023, 1, 15, 9, tzinfo=timezone.utc), source="CTP",
                 payload={**copy.deepcopy(SUBMISSION), **changes})


def waiting(referral_id: str = "r-1", status: str = ReferralStatus.WAITING,
            content: dict | None = None) -> tuple[str, str, KnownReferral]:
    digest = domain.content_digest(content or SUBMISSION)
    return "CTP", "CTP-2023-0042", KnownReferral(referral_id, status, digest)


def test_a_new_submission_records_referral_received_at_its_time_under_an_id_from_the_event() -> None:
    uow, event = work(), submitted()

    referral_id = handlers.on_referral_submitted(uow, event)

    [(stream, received)] = uow.recorded
    assert referral_id == domain.new_referral_id(event.event_id)
    assert stream == domain.stream_id(referral_id) and received.event_type == "referral_received"
    assert received.payload["region"] == "hovedstaden" and received.payload["referred_on"] == "2023-01-15"
    assert received.occurred_at == event.occurred_at


def test_a_resubmission_records_nothing_and_names_the_known_referral() -> None:
    uow = work(waiting("r-known"))

    assert handlers.on_referral_submitted(uow, submitted()) == "r-known"
    assert uow.recorded == []


def test_the_same_ref_with_other_content_is_refused() -> None:
    uow = work(waiting("r-known"))

    with pytest.raises(RuleViolated):
        handlers.on_referral_submitted(uow, submitted(needs=["language"]))
    assert uow.recorded == []


def test_a_second_receipt_on_one_stream_is_refused_by_its_expected_version() -> None:
    uow, event = work(), submitted()
    handlers.on_referral_submitted(uow, event)

    with pytest.raises(ConcurrencyConflict):
        handlers.on_referral_submitted(uow, event)  # the repository has not seen the first yet


def test_withdrawing_a_waiting_referral_records_the_code_and_the_reason() -> None:
    uow = work(waiting())

    handlers.withdraw_referral(uow, "r-1", "moved", "moved to Aarhus")

    assert [(s, e.event_type, e.payload) for s, e in uow.recorded] == [
        ("referral-r-1", "referral_withdrawn",
         {"referral_id": "r-1", "reason_code": "moved", "reason": "moved to Aarhus"})]


@pytest.mark.parametrize("status", [ReferralStatus.MATCHED, ReferralStatus.WITHDRAWN])
def test_only_a_waiting_referral_can_be_withdrawn(status: str) -> None:
    uow = work(waiting(status=status))

    with pytest.raises(RuleViolated):
        handlers.withdraw_referral(uow, "r-1", "moved", None)
    assert uow.recorded == []


def test_withdrawing_or_erasing_an_unknown_referral_is_not_found() -> None:
    uow = work()

    with pytest.raises(NotFound):
        handlers.withdraw_referral(uow, "r-none", "moved", None)
    with pytest.raises(NotFound):
        handlers.erase_referral(uow, "r-none", ERASE)
    assert uow.recorded == [] and uow.keys.forgotten == []


def test_erasing_a_referral_records_subject_erased_and_destroys_its_keys() -> None:
    uow = work(waiting())

    handlers.erase_referral(uow, "r-1", ERASE)

    [(stream, erased)] = uow.recorded
    assert stream == "referral-r-1" and erased.event_type == "subject_erased"
    assert {k: erased.payload[k] for k in ("subject_kind", "subject_id", "reason_code", "reason_text")} == {
        "subject_kind": "referral", "subject_id": "r-1", "reason_code": "data_subject_request",
        "reason_text": "asked in writing"}
    assert uow.keys.forgotten == [(["r-1"], "referral")]


def test_erasing_an_erased_referral_again_records_nothing() -> None:
    uow = work(waiting(), erased={"r-1"})

    handlers.erase_referral(uow, "r-1", ERASE)

    assert uow.recorded == [] and uow.keys.forgotten == []


def test_a_followed_erasure_destroys_the_subjects_keys_and_records_nothing() -> None:
    uow = work()
    event = Event(event_id=new_event_id(), event_type="subject_erased", schema_version=1,
                  occurred_at=datetime.now(timezone.utc), source="matching",
                  payload={"erasure_id": "e-1", "subject_kind": "volunteer", "subject_id": "v-1",
                           "reason_code": "data_subject_request"})

    handlers.on_subject_erased(uow, event)

    assert uow.keys.forgotten == [(["v-1"], "volunteer")] and uow.recorded == []


def test_a_gateway_submission_is_a_referral_submitted_event_carrying_its_actor() -> None:
    actor = {"kind": "consultant", "id": "c-1", "role": "coordinator"}

    event = handlers.submission_event(SUBMISSION, actor)

    assert (event.event_type, event.source, event.actor, event.payload) == (
        "referral_submitted", "gateway", actor, SUBMISSION)


def test_the_inbox_table_names_the_handlers_by_the_event_they_take() -> None:
    assert handlers.HANDLERS == {"referral_submitted": handlers.on_referral_submitted,
                                 "subject_erased": handlers.on_subject_erased}


def test_every_handler_is_exercised_here() -> None:
    assert uncovered(handlers, __file__) == set()
