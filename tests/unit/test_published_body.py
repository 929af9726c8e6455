"""What the outbox relay publishes of a stored envelope: its public view, every value as stored."""
from __future__ import annotations

import json

from shared.outbox import published_body


def _stored(payload: dict) -> str:
    return json.dumps({"event_id": "e-1", "event_type": "referral_received", "schema_version": 1,
                       "payload": payload}, ensure_ascii=False, sort_keys=True)


def test_the_published_body_is_the_public_view_with_every_value_as_stored() -> None:
    payload = {"referral_id": "r-1", "personal": "lgv1:sealed", "submission_digest": "abc",
               "participant": {"municipality": "Høje-Taastrup", "birth_year": 1978}, "score": 0.1}
    published = json.loads(published_body(_stored(payload)))
    assert published["payload"] == {"referral_id": "r-1", "score": 0.1,
                                    "participant": {"municipality": "Høje-Taastrup", "birth_year": 1978}}


def test_an_integer_beyond_64_bits_is_published_as_the_same_integer() -> None:
    published = json.loads(published_body(_stored({"referral_id": "r-1", "count": 2 ** 70})))
    assert published["payload"]["count"] == 2 ** 70
