"""Whether a delivery comes from whom it says: the decision alone, without a broker."""
from __future__ import annotations

from typing import Any

import pytest

from shared.authenticity import (
    FIRST_EXCHANGE_HEADER,
    FIRST_PUBLISHER_HEADER,
    FIRST_ROUTING_KEY_HEADER,
    NotAuthentic,
    Origin,
    check,
    origin,
)
from shared.redrive import resend_headers

USERS = {"referrals": "referrals", "matching": "matching", "followup": "followup"}


def refusal(first: Origin, event_type: str, source: str) -> str:
    with pytest.raises(NotAuthentic) as exc:
        check(first, event_type, source, USERS)
    return exc.value.message


def test_an_event_from_its_owner_is_authentic() -> None:
    check(Origin("matching.events", "matching"), "matched", "matching", USERS)
    check(Origin("followup.events", "followup"), "closed", "followup", USERS)
    check(Origin("referrals.events", "referrals"), "referral_received", "referrals", USERS)


def test_a_matched_published_by_another_login_is_refused_naming_both() -> None:
    assert refusal(Origin("matching.events", "guest"), "matched", "matching") == \
        "published by guest, not by matching"


def test_a_closed_without_user_id_is_refused() -> None:
    assert refusal(Origin("followup.events", None), "closed", "followup") == \
        "published by an unnamed user, not by followup"


def test_one_service_cannot_publish_another_services_event_type_on_its_own_exchange() -> None:
    assert refusal(Origin("followup.events", "followup"), "matched", "followup") == \
        "followup does not record matched"


def test_the_source_must_name_the_owner() -> None:
    assert "must be matching" in refusal(Origin("matching.events", "matching"), "matched", "CTP")


def test_intake_takes_any_writer_but_only_intake_events() -> None:
    check(Origin("intake.events", "intake"), "referral_submitted", "CTP", USERS)
    check(Origin("intake.events", None), "checkin_reported", "volunteer-app", USERS)
    assert "not an intake event" in refusal(Origin("intake.events", "intake"), "matched", "matching")


def test_an_event_through_any_other_exchange_is_refused() -> None:
    assert "carries no events" in refusal(Origin("", "matching"), "matched", "matching")
    assert "carries no events" in refusal(Origin("amq.topic", "matching"), "matched", "matching")


def test_the_configured_user_names_are_what_counts() -> None:
    users = {**USERS, "matching": "vhost-1-matching"}
    check(Origin("matching.events", "vhost-1-matching"), "matched", "matching", users)
    with pytest.raises(NotAuthentic):
        check(Origin("matching.events", "matching"), "matched", "matching", users)


def test_a_resend_by_the_consumer_itself_is_judged_as_its_first_publication() -> None:
    headers = {FIRST_EXCHANGE_HEADER: "matching.events", FIRST_PUBLISHER_HEADER: "guest",
               FIRST_ROUTING_KEY_HEADER: "matched"}
    first = origin("referrals", "referrals.resend", "referrals.inbox", "referrals", headers, USERS)

    assert first == Origin("matching.events", "guest", "matched")
    assert refusal(first, "matched", "matching") == "published by guest, not by matching"


def test_a_resend_by_anyone_else_is_refused() -> None:
    headers = {FIRST_EXCHANGE_HEADER: "matching.events", FIRST_PUBLISHER_HEADER: "matching"}
    with pytest.raises(NotAuthentic, match="re-sent by guest, not by referrals"):
        origin("referrals", "referrals.resend", "referrals.inbox", "guest", headers, USERS)
    with pytest.raises(NotAuthentic, match="re-sent by matching"):
        origin("referrals", "referrals.resend", "referrals.inbox", "matching", headers, USERS)


def test_another_services_resend_exchange_is_no_events_exchange() -> None:
    first = origin("referrals", "matching.resend", "referrals.inbox", "matching", {}, USERS)
    assert "carries no events" in refusal(first, "matched", "matching")


def _redriven(letter: dict[str, Any], body: str | None) -> Origin:
    return origin("followup", "followup.resend", "followup.inbox", "followup",
                  resend_headers(letter, body), USERS)


MATCHED_LETTER: dict[str, Any] = {"exchange": "matching.events", "routing_key": "matched", "published_by": "matching",
                  "body": '{"event_type": "matched"}', "erased": False}


def test_a_dead_letter_redriven_as_it_was_keeps_its_publisher() -> None:
    check(_redriven(MATCHED_LETTER, None), "matched", "matching", USERS)
    check(_redriven(MATCHED_LETTER, MATCHED_LETTER["body"]), "matched", "matching", USERS)


def test_a_service_event_redriven_with_a_new_body_is_not_authentic() -> None:
    assert refusal(_redriven(MATCHED_LETTER, '{"event_type": "matched", "x": 1}'), "matched", "matching") == \
        "published by an unnamed user, not by matching"


def test_an_erased_service_event_redriven_with_a_body_is_not_authentic() -> None:
    letter = {**MATCHED_LETTER, "body": None, "erased": True}
    with pytest.raises(NotAuthentic):
        check(_redriven(letter, '{"event_type": "matched"}'), "matched", "matching", USERS)


def test_an_intake_event_redriven_with_a_fixed_body_is_still_applied() -> None:
    letter = {"exchange": "intake.events", "routing_key": "referral_submitted", "published_by": "intake",
              "body": "{", "erased": False}
    check(_redriven(letter, '{"event_type": "referral_submitted"}'), "referral_submitted", "CTP", USERS)
