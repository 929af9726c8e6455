"""Withdrawals and matches carry reason codes on the bus; their free text stays private."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.referrals.schemas import WithdrawReferral
from shared import reference, validation
from shared.contracts import REGISTRY
from shared.envelope import Event
from shared.errors import ValidationFailed
from shared.personal import public_view

AT = datetime(2023, 3, 1, tzinfo=timezone.utc)
MATCHED = {"match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1", "region": "hovedstaden",
           "matched_on": "2023-03-01", "proposal_id": "p-1", "rank": 2}


def lifted(event_type: str, payload: dict) -> Event:
    stored = REGISTRY.validate(event_type, 1, payload, strict=True)
    return REGISTRY.upcast(Event("e-1", event_type, 1, AT, "referrals", stored))


def test_a_version_1_withdrawal_reads_as_code_other_with_its_text_kept_private() -> None:
    event = lifted("referral_withdrawn", {"referral_id": "r-1", "reason": "her doctor advised against it"})
    assert event.schema_version == 2
    assert event.payload == {"referral_id": "r-1", "reason_code": "other",
                             "reason": "her doctor advised against it"}


@pytest.mark.parametrize("reason, code", [("they met at the site", "other"), (None, None)])
def test_a_version_1_match_reads_as_code_other_only_when_it_had_a_reason(reason, code) -> None:
    event = lifted("matched", {**MATCHED, "reason": reason})
    assert (event.schema_version, event.payload["reason_code"], event.payload["reason"]) == (2, code, reason)


@pytest.mark.parametrize("event_type, payload", [
    ("referral_withdrawn", {"referral_id": "r-1", "reason": "depressed, in hospital"}),
    ("referral_withdrawn", {"referral_id": "r-1", "reason_code": "health", "reason": "depressed, in hospital"}),
    ("matched", {**MATCHED, "reason": "depressed, in hospital"}),
    ("matched", {**MATCHED, "reason_code": "continuity", "reason": "depressed, in hospital"}),
])
def test_the_free_text_of_either_version_is_left_out_of_what_is_published(event_type, payload) -> None:
    published = public_view({"event_type": event_type, "payload": payload})
    assert "depressed" not in str(published)
    assert published["payload"].get("reason_code") == payload.get("reason_code")


def test_version_2_refuses_a_code_outside_the_taxonomy() -> None:
    with pytest.raises(ValidationFailed) as exc:
        REGISTRY.validate("referral_withdrawn", 2, {"referral_id": "r-1", "reason_code": "fed up"}, strict=True)
    assert "payload.reason_code" in exc.value.fields


def test_the_taxonomies_are_reference_data_with_other_in_each() -> None:
    assert "other" in reference.withdrawal_reasons() and "other" in reference.match_reasons()
    assert REGISTRY.current_version("referral_withdrawn") == REGISTRY.current_version("matched") == 2


@pytest.mark.parametrize("body, expected", [
    ({"reason_code": "moved"}, {"reason_code": "moved", "reason": None}),
    ({"reason_code": "health", "reason": "in hospital"}, {"reason_code": "health", "reason": "in hospital"}),
    ({"reason": "moved away"}, {"reason_code": "other", "reason": "moved away"}),  # the version-1 body
])
def test_a_withdrawal_takes_a_code_and_optional_private_text(body, expected) -> None:
    assert validation.command(WithdrawReferral, body, "withdrawal") == expected


@pytest.mark.parametrize("body, field", [({}, "reason_code"), ({"reason_code": "bored"}, "reason_code"),
                                         ({"reason": ""}, "reason")])
def test_a_withdrawal_without_a_known_code_or_text_is_refused(body, field) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validation.command(WithdrawReferral, body, "withdrawal")
    assert field in exc.value.fields
