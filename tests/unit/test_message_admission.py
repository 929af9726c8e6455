"""What a delivery must be before a consumer reads it: small enough, and judged by its first origin."""
from __future__ import annotations

import pytest

from shared.authenticity import FIRST_EXCHANGE_HEADER, FIRST_PUBLISHER_HEADER, FIRST_ROUTING_KEY_HEADER
from shared.consumption import KEPT_PREFIX_BYTES, Delivery, admit
from shared.errors import ValidationFailed


def test_an_oversized_message_is_refused_and_only_a_prefix_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_MAX_MESSAGE_BYTES", "10000")
    delivery = Delivery(b"{" + b" " * 20000 + b"}", "intake.events", "referral_submitted")

    with pytest.raises(ValidationFailed, match="over the limit of 10000") as exc:
        admit(delivery, "referrals")
    assert exc.value.fields == {"body": ["too large"]}
    assert len(delivery.text()) == KEPT_PREFIX_BYTES


def test_a_message_within_the_limit_is_kept_whole() -> None:
    delivery = Delivery(b"x" * 5000, "intake.events", "referral_submitted")
    assert admit(delivery, "referrals") == delivery
    assert len(delivery.text()) == 5000


def test_a_resend_is_read_as_its_first_publication() -> None:
    delivery = Delivery(b"{}", "referrals.resend", "referrals.inbox", user_id="referrals", headers={
        FIRST_EXCHANGE_HEADER: "intake.events", FIRST_ROUTING_KEY_HEADER: "referral_submitted",
        FIRST_PUBLISHER_HEADER: "intake"})
    first = admit(delivery, "referrals")
    assert (first.exchange, first.routing_key, first.user_id) == \
        ("intake.events", "referral_submitted", "intake")
