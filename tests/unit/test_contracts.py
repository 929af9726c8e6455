"""Payload contracts of CONTRACTS.md, and the registry that versions them."""
from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any, Callable

import pytest
from marshmallow import Schema, fields

from shared.contracts import REGISTRY
from shared.envelope import Event
from shared.errors import ValidationFailed
from shared.registry import SchemaRegistry

REFERRAL = {
    "external_ref": "CTP-2023-0042", "referring_site": "CTP", "referred_on": "2023-01-15",
    "participant": {"gender": "female", "birth_year": 1978, "country_of_birth": "SY",
                    "arrival_year": 2014, "danish_level": "basic", "languages": ["ar", "da"],
                    "municipality": "København"},
    "needs": ["network", "language"], "preferences": {"volunteer_gender": "female"},
    "consent": {"given": True, "recorded_on": "2023-01-15"},
    "personal": {"name": "Amal", "phone": "+45 1234", "email": "a@example.org", "notes": "…"},
}
CHECKIN = {"match_id": "m-1", "occurred_on": "2023-03-01", "contact": "meeting",
           "activities": ["network"], "wellbeing": 4, "concern": False, "note": "fine"}


def referral(change: Callable[[dict], Any]) -> dict:
    payload = copy.deepcopy(REFERRAL)
    change(payload)
    return payload


def refused_fields(event_type: str, payload: dict, strict: bool = True) -> dict:
    with pytest.raises(ValidationFailed) as exc:
        REGISTRY.validate(event_type, 1, payload, strict=strict)
    return exc.value.fields


def test_contract_example_referral_is_accepted_unchanged() -> None:
    assert REGISTRY.validate("referral_submitted", 1, REFERRAL, strict=True) == REFERRAL


def test_referral_defaults_fill_preferences_and_personal() -> None:
    minimal = referral(lambda p: (p.pop("preferences"), p.pop("personal")))

    loaded = REGISTRY.validate("referral_submitted", 1, minimal, strict=True)

    assert (loaded["preferences"], loaded["personal"]) == ({"volunteer_gender": "any"}, {})


@pytest.mark.parametrize("change, field", [
    (lambda p: p.pop("participant"), "payload.participant"),
    (lambda p: p["participant"].update(birth_year="1978"), "payload.participant.birth_year"),
    (lambda p: p.update(referring_site="NOWHERE"), "payload.referring_site"),
    (lambda p: p["consent"].update(given=False), "payload.consent.given"),
    (lambda p: p["consent"].update(given="true"), "payload.consent.given"),
    (lambda p: p.update(needs=[]), "payload.needs"),
    (lambda p: p.update(needs=["network", "language", "everyday_advice", "network"]),
     "payload.needs"),
    (lambda p: p.update(needs=["cooking"]), "payload.needs.0"),
    (lambda p: p.update(needs=["network", "network"]), "payload.needs"),
    (lambda p: p["participant"].update(country_of_birth="Syria"),
     "payload.participant.country_of_birth"),
    (lambda p: p["participant"].update(languages=["ara"]), "payload.participant.languages.0"),
], ids=["missing participant", "birth_year as string", "unknown site", "consent not given",
        "consent as string", "no needs", "four needs", "unknown need", "repeated need",
        "country name", "three-letter language"])
def test_bad_referral_is_refused_naming_the_field(change: Callable, field: str) -> None:
    assert field in refused_fields("referral_submitted", referral(change))


def test_strict_validation_refuses_an_unknown_top_level_field() -> None:
    fields_ = refused_fields("referral_submitted", referral(lambda p: p.update(colour="red")))

    assert "payload.colour" in fields_


def test_tolerant_validation_drops_an_unknown_top_level_field() -> None:
    loaded = REGISTRY.validate("referral_submitted", 1,
                               referral(lambda p: p.update(colour="red")), strict=False)

    assert loaded == REFERRAL


def test_tolerant_validation_drops_an_unknown_nested_field() -> None:
    extra = referral(lambda p: p["participant"].update(shoe_size=41))

    assert REGISTRY.validate("referral_submitted", 1, extra, strict=False) == REFERRAL


@pytest.mark.parametrize("wellbeing", [1, 5, None])
def test_checkin_accepts_wellbeing_from_one_to_five_or_none(wellbeing: int | None) -> None:
    loaded = REGISTRY.validate("checkin_reported", 1, {**CHECKIN, "wellbeing": wellbeing},
                               strict=True)

    assert loaded["wellbeing"] == wellbeing


@pytest.mark.parametrize("wellbeing", [0, 6, "4", 4.5])
def test_checkin_refuses_wellbeing_outside_one_to_five(wellbeing: Any) -> None:
    assert "payload.wellbeing" in refused_fields("checkin_reported",
                                                 {**CHECKIN, "wellbeing": wellbeing})


@pytest.mark.parametrize("concern", ["true", "false", None])
def test_checkin_concern_must_be_a_real_boolean(concern: Any) -> None:
    assert "payload.concern" in refused_fields("checkin_reported", {**CHECKIN, "concern": concern})


@pytest.mark.parametrize("concern", [1, 0])
def test_checkin_concern_refuses_integers_posing_as_booleans(concern: int) -> None:
    assert "payload.concern" in refused_fields("checkin_reported", {**CHECKIN, "concern": concern})


def test_checkin_concern_defaults_to_false() -> None:
    report = {k: v for k, v in CHECKIN.items() if k != "concern"}

    assert REGISTRY.validate("checkin_reported", 1, report, strict=True)["concern"] is False


class ThingV1(Schema):
    name = fields.String(required=True)


class ThingV2(Schema):
    title = fields.String(required=True)
    colour = fields.String(required=True)


def lift_thing(payload: dict) -> dict:
    return {"title": payload["name"], "colour": "grey"}


def thing_registry() -> SchemaRegistry:
    registry = SchemaRegistry()
    registry.register("thing_made", 1, ThingV1)
    registry.register("thing_made", 2, ThingV2, upcaster=lift_thing)
    return registry


def test_upcast_lifts_a_v1_event_to_the_current_version() -> None:
    old = Event("e-1", "thing_made", 1, datetime(2023, 1, 1, tzinfo=timezone.utc), "test",
                {"name": "chair"})

    lifted = thing_registry().upcast(old)

    assert (lifted.schema_version, lifted.payload) == (2, {"title": "chair", "colour": "grey"})
    assert lifted.event_id == "e-1"


def test_old_version_is_still_validated_against_its_own_schema() -> None:
    assert thing_registry().validate("thing_made", 1, {"name": "chair"}, strict=True) == {
        "name": "chair"}


def test_registering_a_later_version_without_upcaster_is_refused() -> None:
    registry = SchemaRegistry()
    registry.register("thing_made", 1, ThingV1)

    with pytest.raises(ValueError):
        registry.register("thing_made", 2, ThingV2)


def test_refused_registration_leaves_the_registry_unchanged() -> None:
    registry = SchemaRegistry()
    registry.register("thing_made", 1, ThingV1)
    with pytest.raises(ValueError):
        registry.register("thing_made", 2, ThingV2)

    assert registry.current_version("thing_made") == 1


def test_unknown_schema_version_is_a_validation_failure() -> None:
    with pytest.raises(ValidationFailed) as exc:
        thing_registry().validate("thing_made", 3, {"title": "x"}, strict=True)

    assert "schema_version" in exc.value.fields
