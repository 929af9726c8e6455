"""Input bounds at both doors: business dates within 2000-01-01 .. one year ahead, no control characters."""
from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from marshmallow import Schema

from services.followup.schemas import CloseMatch
from services.matching.schemas import MatchParticipant, RegisterVolunteer, ScreenVolunteer, TrainVolunteer
from services.referrals.schemas import WithdrawReferral
from shared.contracts import REGISTRY
from shared.errors import ValidationFailed
from shared.validation import EARLIEST_DATE, command, control_error, date_bound_error, day, latest_date
from tests.support.events import referral_payload, volunteer_body

REFERRAL = referral_payload("CTP-1")
CHECKIN = {"match_id": "m-1", "occurred_on": "2023-03-01", "contact": "meeting", "note": "fine"}

TODAY = date.today()
TOO_LATE = [latest_date() + timedelta(days=1), date(9999, 12, 31)]
TOO_EARLY = [EARLIEST_DATE - timedelta(days=1), date(1, 1, 1)]


def with_value(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return changed


def refused(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationFailed) as exc:
        REGISTRY.validate(event_type, 1, payload, strict=True)
    return exc.value.fields


def test_one_year_ahead_from_a_leap_day_is_the_28th() -> None:
    assert latest_date(date(2024, 2, 29)) == date(2025, 2, 28)
    assert latest_date(date(2026, 12, 1)) == date(2027, 12, 1)


@pytest.mark.parametrize("value", [EARLIEST_DATE, TODAY, latest_date()])
def test_dates_on_the_bounds_are_accepted(value: date) -> None:
    assert date_bound_error(value) is None


@pytest.mark.parametrize("value", TOO_EARLY + TOO_LATE)
def test_dates_beyond_the_bounds_are_refused(value: date) -> None:
    assert date_bound_error(value) == f"must be between 2000-01-01 and {latest_date().isoformat()}"


@pytest.mark.parametrize("path", ["referred_on", "consent.recorded_on"])
@pytest.mark.parametrize("value", TOO_EARLY + TOO_LATE)
def test_referral_dates_out_of_bounds_are_refused_on_the_bus(path: str, value: date) -> None:
    assert f"payload.{path}" in refused("referral_submitted", with_value(REFERRAL, path, value.isoformat()))


def test_version_two_referral_date_out_of_bounds_is_refused() -> None:
    payload = {**{k: v for k, v in REFERRAL.items() if k != "referred_on"}, "referral_date": "9999-12-31"}
    with pytest.raises(ValidationFailed) as exc:
        REGISTRY.validate("referral_submitted", 2, payload, strict=True)
    assert "payload.referral_date" in exc.value.fields


@pytest.mark.parametrize("value", TOO_LATE)
def test_checkin_date_out_of_bounds_is_refused_on_the_bus(value: date) -> None:
    assert "payload.occurred_on" in refused("checkin_reported", with_value(CHECKIN, "occurred_on", value.isoformat()))


@pytest.mark.parametrize("schema, body, field", [
    (MatchParticipant, {"referral_id": "r", "volunteer_id": "v"}, "matched_on"),
    (CloseMatch, {"initiator": "mutual", "reason": "goals_reached"}, "closed_on"),
    (ScreenVolunteer, {"outcome": "approved"}, "screened_on"),
    (TrainVolunteer, {}, "completed_on"),
], ids=["matched_on", "closed_on", "screened_on", "completed_on"])
@pytest.mark.parametrize("value", ["9999-12-31", "1999-12-31"])
def test_gateway_commands_refuse_dates_out_of_bounds(schema: type[Schema], body: dict[str, Any],
                                                     field: str, value: str) -> None:
    assert command(schema, {**body, field: TODAY.isoformat()}, "command")[field] == TODAY.isoformat()
    with pytest.raises(ValidationFailed) as exc:
        command(schema, {**body, field: value}, "command")
    assert field in exc.value.fields


@pytest.mark.parametrize("event_type, payload", [
    ("matched", {"match_id": "m", "referral_id": "r", "volunteer_id": "v", "region": "hovedstaden",
                 "matched_on": "9999-12-31"}),
    ("closed", {"match_id": "m", "referral_id": "r", "volunteer_id": "v", "closed_on": "9999-12-31",
                "initiator": "mutual", "reason": "goals_reached"}),
    ("volunteer_screened", {"volunteer_id": "v", "outcome": "approved", "screened_on": "9999-12-31"}),
    ("volunteer_trained", {"volunteer_id": "v", "completed_on": "9999-12-31"}),
])
def test_recorded_events_refuse_dates_out_of_bounds(event_type: str, payload: dict[str, Any]) -> None:
    problems = refused(event_type, payload)
    assert [key for key in problems if key.endswith("_on")]


@pytest.mark.parametrize("value", ["2023-13-01", "tomorrow", None, 20230101])
def test_rpc_date_argument_must_be_a_date(value: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        day(value, "on")
    assert exc.value.fields == {"on": ["not a date"]}


def test_rpc_date_argument_out_of_bounds_is_refused_naming_it() -> None:
    with pytest.raises(ValidationFailed) as exc:
        day("9999-12-31", "from")
    assert list(exc.value.fields) == ["from"]


@pytest.mark.parametrize("text", ["a\x00b", "a\nb", "tab\there", "\x1b[31m", "del\x7f", "c1\x85",
                                  "rtl\u202eoverride", "isolate\u2066x"])
def test_control_characters_are_refused_in_codes_and_names(text: str) -> None:
    assert control_error(text) == "must not contain control characters"


@pytest.mark.parametrize("text", ["København", "محمد", "می\u200cخواهم", "O'Brien-Ærø"])
def test_names_in_any_script_are_accepted(text: str) -> None:
    assert control_error(text) is None


def test_free_text_keeps_line_breaks_and_tabs_but_not_other_controls() -> None:
    assert control_error("line one\r\nline two\tend", multiline=True) is None
    assert control_error("bell\x07", multiline=True) is not None
    assert control_error("nul\x00", multiline=True) is not None


@pytest.mark.parametrize("path", ["external_ref", "participant.municipality", "personal.name",
                                  "personal.phone"])
def test_referral_codes_and_names_with_control_characters_are_refused(path: str) -> None:
    assert f"payload.{path}" in refused("referral_submitted", with_value(REFERRAL, path, "CTP\x00-1"))


def test_checkin_match_id_and_note_with_nul_are_refused() -> None:
    assert "payload.match_id" in refused("checkin_reported", with_value(CHECKIN, "match_id", "m\n1"))
    assert "payload.note" in refused("checkin_reported", with_value(CHECKIN, "note", "fine\x00"))


def test_volunteer_municipality_with_control_characters_is_refused() -> None:
    body = volunteer_body(municipality="Aarhus\x1b")
    with pytest.raises(ValidationFailed) as exc:
        command(RegisterVolunteer, body, "volunteer", exclude=("volunteer_id",))
    assert "municipality" in exc.value.fields


def test_withdrawal_reason_may_span_lines_but_not_hold_nul() -> None:
    assert command(WithdrawReferral, {"reason": "moved\nabroad"}, "withdrawal") == {
        "reason": "moved\nabroad", "reason_code": "other"}
    with pytest.raises(ValidationFailed):
        command(WithdrawReferral, {"reason": "moved\x00"}, "withdrawal")
