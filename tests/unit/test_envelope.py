"""The event envelope: what is refused, what is tolerated, and a lossless JSON round trip."""
from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from shared.envelope import Event, event_from_json, load_envelope, utcnow
from shared.errors import ValidationFailed

ENVELOPE = {
    "event_id": "7d3c0000-0000-4000-8000-000000000001",
    "event_type": "referral_submitted",
    "schema_version": 1,
    "occurred_at": "2023-01-15T09:30:00+01:00",
    "source": "CTP",
    "payload": {"external_ref": "CTP-2023-0042"},
}


def refused_fields(data: dict, strict: bool = False) -> dict:
    with pytest.raises(ValidationFailed) as exc:
        load_envelope(data, strict=strict)
    return exc.value.fields


def test_minimal_envelope_loads_with_business_time_and_offset() -> None:
    event = load_envelope(ENVELOPE)

    assert event.event_id == ENVELOPE["event_id"]
    assert event.occurred_at == datetime(2023, 1, 15, 8, 30, tzinfo=timezone.utc)
    assert event.occurred_at.utcoffset() == timedelta(hours=1)
    assert (event.stream_id, event.actor, event.recorded_at) == (None, None, None)


def test_envelope_without_event_id_is_refused() -> None:
    data = {k: v for k, v in ENVELOPE.items() if k != "event_id"}

    assert "event_id" in refused_fields(data)


def test_occurred_at_without_offset_is_refused() -> None:
    assert "occurred_at" in refused_fields({**ENVELOPE, "occurred_at": "2023-01-15T09:30:00"})


def test_schema_version_as_string_is_refused() -> None:
    assert "schema_version" in refused_fields({**ENVELOPE, "schema_version": "1"})


def test_unknown_actor_kind_is_refused_with_a_dotted_field() -> None:
    assert "actor.kind" in refused_fields({**ENVELOPE, "actor": {"kind": "robot"}})


def test_message_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        load_envelope(["not", "an", "object"])


def test_unknown_envelope_key_is_dropped_when_tolerant() -> None:
    assert load_envelope({**ENVELOPE, "x_trace": "abc"}) == load_envelope(ENVELOPE)


def test_unknown_envelope_key_is_refused_when_strict() -> None:
    assert "x_trace" in refused_fields({**ENVELOPE, "x_trace": "abc"}, strict=True)


def test_event_survives_a_json_round_trip() -> None:
    event = Event(
        event_id="e-1", event_type="matched", schema_version=1,
        occurred_at=datetime(2023, 2, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))),
        source="matching", payload={"match_id": "m-1", "note": "Københavnsk"},
        stream_id="match-m-1", stream_version=3,
        recorded_at=datetime(2023, 2, 1, 9, 0, 5, tzinfo=timezone.utc),
        actor={"kind": "consultant", "id": "c-7"}, correlation_id="corr", causation_id="cause")

    assert event_from_json(event.to_json()) == event


def test_round_trip_keeps_the_original_offset() -> None:
    event = load_envelope(ENVELOPE)

    assert event_from_json(event.to_json()).occurred_at.utcoffset() == timedelta(hours=1)


def test_evolve_returns_a_changed_copy_and_leaves_the_original() -> None:
    event = load_envelope(ENVELOPE)

    later = event.evolve(schema_version=2)

    assert (event.schema_version, later.schema_version) == (1, 2)
    assert later.event_id == event.event_id
    assert later == Event(**{**event.to_dict(), "occurred_at": event.occurred_at, "schema_version": 2})
    with pytest.raises(TypeError):
        event.evolve(not_a_field=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        later.schema_version = 3  # type: ignore[misc]


def test_stored_envelopes_read_back_as_the_strict_schema_reads_them():
    stored = [
        Event("e1", "matched", 1, utcnow(), "matching", {"match_id": "m"}, "match-m", 3, utcnow(),
              {"kind": "consultant", "id": "c1", "role": "coordinator"}, "corr", "cause"),
        Event("e2", "referral_submitted", 2, utcnow(), "CTP", {"a": [1, {"b": None}]}, actor={"kind": "system"}),
        Event("e3", "closed", 1, utcnow(), "followup", {}),
    ]
    for event in stored:
        text = event.to_json()
        read = event_from_json(text)
        assert read == load_envelope(json.loads(text), strict=True)
        assert read.__dict__.keys() == event.__dict__.keys()


def test_a_stored_envelope_this_system_did_not_write_goes_through_the_strict_schema():
    text = Event("e1", "closed", 1, utcnow(), "followup", {}).to_json()
    naive = text.replace("+00:00", "")  # a timestamp without an offset: not one this system wrote
    with pytest.raises(ValidationFailed):
        event_from_json(naive)


@pytest.mark.parametrize("field", ["event_id", "source", "stream_id", "correlation_id", "causation_id"])
def test_envelope_strings_are_bounded(field: str) -> None:
    assert field in refused_fields({**ENVELOPE, field: "x" * 201})


@pytest.mark.parametrize("field", ["event_id", "source", "stream_id", "correlation_id", "causation_id"])
def test_envelope_strings_refuse_control_characters(field: str) -> None:
    assert field in refused_fields({**ENVELOPE, field: "abc\ndef"})
    assert field in refused_fields({**ENVELOPE, field: "abc\x00"})


def test_actor_id_is_bounded_and_refuses_control_characters() -> None:
    assert "actor.id" in refused_fields({**ENVELOPE, "actor": {"kind": "system", "id": "x" * 201}})
    assert "actor.id" in refused_fields({**ENVELOPE, "actor": {"kind": "system", "id": "a\u202eb"}})
    assert "actor.role" in refused_fields({**ENVELOPE, "actor": {"kind": "consultant", "role": "r" * 101}})


def test_event_type_is_a_lower_case_name() -> None:
    for bad in ("Referral_Submitted", "referral submitted", "referral_submitted\n", ""):
        assert "event_type" in refused_fields({**ENVELOPE, "event_type": bad})


def test_stream_version_starts_at_one() -> None:
    assert "stream_version" in refused_fields({**ENVELOPE, "stream_id": "s", "stream_version": 0})


def test_a_producer_refuses_an_actor_no_consumer_would_take() -> None:
    from shared.envelope import checked_actor

    assert checked_actor({"kind": "consultant", "id": "Anne Sørensen", "role": "consultant"})
    with pytest.raises(ValidationFailed) as exc:
        checked_actor({"kind": "consultant", "id": "x" * 300})
    assert "actor.id" in exc.value.fields


def test_a_stored_envelope_keeps_a_value_beyond_64_bits_exactly() -> None:
    event = Event("e1", "closed", 1, utcnow(), "followup", {"count": 2**70, "name": "København"})

    stored = json.loads(event.to_json())

    assert stored["payload"] == {"count": 2**70, "name": "København"}
    assert list(stored) == sorted(stored)


def test_a_stored_envelope_refuses_what_json_cannot_write() -> None:
    with pytest.raises(TypeError):
        Event("e1", "closed", 1, utcnow(), "followup", {"on": date(2024, 1, 1)}).to_json()
