"""Referral decisions: receiving once, refusing clashes, withdrawing while waiting."""
from __future__ import annotations

import copy
import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.referrals import domain
from services.referrals.domain import KnownReferral
from shared.errors import RuleViolated
from shared.vocabulary import ReferralStatus

# A referral_submitted payload at its current schema version (2).
SUBMISSION = {
    "external_ref": "CTP-2023-0042",
    "referring_site": "CTP",
    "referral_date": "2023-01-15",
    "interpreter_needed": False,
    "participant": {"gender": "female", "birth_year": 1978, "country_of_birth": "SY",
                    "arrival_year": 2014, "danish_level": "basic", "languages": ["ar", "da"],
                    "municipality": "København"},
    "needs": ["network", "language"],
    "preferences": {"volunteer_gender": "female"},
    "consent": {"given": True, "recorded_on": "2023-01-15"},
    "personal": {},
}


def submission(**changes: object) -> dict:
    return {**copy.deepcopy(SUBMISSION), **changes}


def known(status: str = ReferralStatus.WAITING, content: dict | None = None) -> KnownReferral:
    return KnownReferral("r-1", status, domain.content_digest(content or submission()))


def test_new_submission_becomes_a_received_referral_with_id_and_region() -> None:
    received = domain.receive(submission(), None, "r-new", "hovedstaden")

    expected = {key: value for key, value in SUBMISSION.items() if key != "referral_date"}
    assert received == {**expected, "referred_on": "2023-01-15", "referral_id": "r-new",
                        "region": "hovedstaden", "submission_digest": domain.content_digest(SUBMISSION)}


def test_receiving_does_not_alter_the_submission() -> None:
    original = submission()
    domain.receive(original, None, "r-new", "hovedstaden")

    assert original == SUBMISSION


def test_resubmission_with_same_content_records_nothing() -> None:
    assert domain.receive(submission(), known(), "r-other", "hovedstaden") is None


def test_resubmission_with_different_content_is_refused_naming_external_ref() -> None:
    changed = submission(needs=["everyday_advice"])

    with pytest.raises(RuleViolated) as exc:
        domain.receive(changed, known(), "r-other", "hovedstaden")

    assert "external_ref" in exc.value.fields
    assert "CTP-2023-0042" in exc.value.message


def test_resubmission_is_recognised_whatever_the_referral_status() -> None:
    assert domain.receive(submission(), known(ReferralStatus.MATCHED), "r-x", "hovedstaden") is None


def test_content_digest_ignores_dict_key_order() -> None:
    reordered = dict(reversed(list(SUBMISSION.items())))
    reordered["participant"] = dict(reversed(list(SUBMISSION["participant"].items())))

    assert domain.content_digest(reordered) == domain.content_digest(SUBMISSION)


def test_content_digest_differs_when_a_nested_value_differs() -> None:
    other = submission()
    other["participant"]["birth_year"] = 1979

    assert domain.content_digest(other) != domain.content_digest(SUBMISSION)


def test_content_digest_is_the_one_stored_referrals_hold() -> None:
    """A resubmission is told from a clash by this digest against the one stored when the
    referral came: it must not change for the same content (these were made on 2026-12-06)."""
    assert domain.content_digest(SUBMISSION) == "0ec13ddd0e1cfd3664b62ce147d56b1755e2e946881f42a5a1ecceb63abb4db8"
    texts = submission(personal={"name": 'Åse "Ø" Nørgård', "notes": "line\nbreak\ttab \\ end"})
    assert domain.content_digest(texts) == "a2e518a65242eff72f594a491cb2a605fb1f783d536251c407bbe49b7d0b15c9"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=8))
def test_content_digest_is_the_digest_of_the_canonical_json_text(content: object) -> None:
    canonical = json.dumps(domain._unordered({"c": content}), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    assert domain.content_digest({"c": content}) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_waiting_referral_can_be_withdrawn_with_its_reason() -> None:
    assert domain.withdraw(known(ReferralStatus.WAITING), "other", "moved away") == {
        "referral_id": "r-1", "reason_code": "other", "reason": "moved away"}


def test_a_withdrawal_may_carry_a_code_alone() -> None:
    assert domain.withdraw(known(ReferralStatus.WAITING), "moved") == {
        "referral_id": "r-1", "reason_code": "moved", "reason": None}


@pytest.mark.parametrize("status", [ReferralStatus.MATCHED, ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN])
def test_only_a_waiting_referral_can_be_withdrawn(status: str) -> None:
    with pytest.raises(RuleViolated) as exc:
        domain.withdraw(known(status), "no_longer_needed")

    assert status in exc.value.message


def test_referral_stream_is_named_after_the_referral() -> None:
    assert domain.stream_id("r-1") == "referral-r-1"
