"""Valid events and payloads as an outside system would send them."""
from __future__ import annotations

import json
import uuid
from typing import Any

from shared.broker_users import user_name
from shared.consumption import Delivery


def participant(**overrides: Any) -> dict[str, Any]:
    return {"gender": "female", "birth_year": 1978, "country_of_birth": "SY",
            "arrival_year": 2014, "danish_level": "basic", "languages": ["ar", "da"],
            "municipality": "København", **overrides}


def referral_payload(external_ref: str | None = None, site: str = "CTP",
                     **overrides: Any) -> dict[str, Any]:
    return {
        "external_ref": external_ref or f"{site}-{uuid.uuid4().hex[:8]}",
        "referring_site": site, "referred_on": "2023-01-15", "participant": participant(),
        "needs": ["network", "language"], "preferences": {"volunteer_gender": "female"},
        "consent": {"given": True, "recorded_on": "2023-01-15"},
        "personal": {"name": "Test Person", "phone": "+45 00000000"}, **overrides,
    }


def envelope(event_type: str, payload: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1,
            "occurred_at": "2023-01-15T09:30:00+01:00", "source": "CTP", "payload": payload,
            **overrides}


def referral_submitted(**payload_overrides: Any) -> dict[str, Any]:
    return envelope("referral_submitted", referral_payload(**payload_overrides))


def body(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode("utf-8")


def volunteer_body(region: str = "hovedstaden", **overrides: Any) -> dict[str, Any]:
    return {"gender": "female", "birth_year": 1980, "languages": ["da", "ar"],
            "municipality": "København", "region": region, "strengths": ["network"],
            "capacity": 1, "personal": {"name": "Volunteer"}, **overrides}


def published(message: dict[str, Any]) -> Delivery:
    """``message`` as its source service's outbox relay publishes it: on its exchange, with its
    broker user as the AMQP user_id."""
    source = message["source"]
    return Delivery(body=body(message), exchange=f"{source}.events",
                    routing_key=message["event_type"], user_id=user_name(source))
