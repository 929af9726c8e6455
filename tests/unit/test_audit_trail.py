"""The audit trail: indexed by exact ids, merged from the services, paged by position."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.gateway.audit import NOT_FOUND, trail
from shared.envelope import Event, new_event_id, utcnow
from shared.errors import NotFound, ValidationFailed
from shared.paging import decode_position, encode_position
from shared.subjects import subjects_of

T0 = datetime(2023, 2, 1, 10, tzinfo=UTC)


def event(event_type: str, **payload: Any) -> Event:
    return Event(new_event_id(), event_type, 1, utcnow(), "test", payload)


def test_an_event_is_about_the_ids_it_names_and_nothing_else() -> None:
    closed = event("closed", match_id="m1", referral_id="r1", volunteer_id="v1", note="call +45 1234",
                   reason="moved")
    assert subjects_of(closed) == {"m1", "r1", "v1"}


def test_a_proposal_is_about_its_referral_and_every_volunteer_proposed() -> None:
    proposed = event("candidates_proposed", proposal_id="p1", referral_id="r1",
                     candidates=[{"volunteer_id": "v1", "rank": 1}, {"volunteer_id": "v2", "rank": 2}])
    assert subjects_of(proposed) == {"r1", "v1", "v2"}


def test_personal_values_regions_and_sites_are_never_subjects() -> None:
    received = event("referral_received", referral_id="r1", region="hovedstaden", referring_site="CTP",
                     personal={"name": "Amal", "phone": "+45 5550 1234", "referral_id": "r-nested"})
    assert subjects_of(received) == {"r1"}


def test_an_erasure_belongs_to_its_subject() -> None:
    assert subjects_of(event("subject_erased", subject_kind="referral", subject_id="r1")) == {"r1"}


@pytest.mark.parametrize("value", [None, "", 42, ["r1"], "x" * 201])
def test_ids_that_are_not_usable_strings_are_left_out(value: Any) -> None:
    assert subjects_of(event("matched", match_id=value)) == set()


def test_a_position_cursor_round_trips() -> None:
    assert decode_position(encode_position(T0, "e-1")) == (T0, "e-1")
    assert decode_position(None) is None


@pytest.mark.parametrize("cursor", [
    "garbage", encode_position(T0, "e")[:-2], "WyIyMDIzLTAyLTAxVDEwOjAwOjAwIiwgImUiXQ==",  # a naive time
    "WzEsIDJd", "bnVsbA==", "W10=",  # [1, 2], null, []
])
def test_a_position_cursor_not_issued_by_the_api_is_refused(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        decode_position(cursor)
    assert "cursor" in exc.value.fields


class Service:
    """A service's audit_trail over a list of items, paged the way shared.runtime.operations pages."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = sorted(items, key=lambda i: (i["recorded_at"], i["event_id"]))

    def audit_trail(self, subject_id: str, include_personal: bool, limit: int, cursor: str | None,
                    reader: dict | None = None) -> Any:
        after = decode_position(cursor)
        rest = [i for i in self.items if i["subject"] == subject_id
                and (after is None or (datetime.fromisoformat(i["recorded_at"]), i["event_id"]) > after)]
        last = rest[limit - 1] if len(rest) > limit else None
        return {"items": rest[:limit],
                "next_cursor": encode_position(datetime.fromisoformat(last["recorded_at"]), last["event_id"])
                if last else None}


def item(n: int, source: str, subject: str = "m1", **extra: Any) -> dict[str, Any]:
    return {"event_id": f"e{n:02}", "source": source, "subject": subject,
            "recorded_at": (T0 + timedelta(seconds=n)).isoformat(), **extra}


def services() -> dict[str, Service]:
    matching = [item(n, "matching") for n in range(0, 12, 2)]
    followup = [item(n, "followup") for n in range(1, 12, 2)]
    # followup also holds matching's events about m1, as it consumed them (without the private part)
    followup += [item(n, "matching", kept_by="followup") for n in range(0, 12, 2)]
    return {"referrals": Service([item(99, "referrals", "r9")]), "matching": Service(matching),
            "followup": Service(followup)}


def test_walking_the_pages_lists_every_event_once_in_order() -> None:
    cursor, seen, pages = None, [], 0
    while True:
        page = trail(services(), "m1", False, 5, cursor)
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [i["event_id"] for i in seen] == [f"e{n:02}" for n in range(12)]
    assert pages == 3 and len(page["items"]) == 2


def test_an_event_several_services_hold_is_listed_as_its_recorder_keeps_it() -> None:
    page = trail(services(), "m1", False, 50)
    assert all("kept_by" not in i for i in page["items"] if i["source"] == "matching")
    assert page["next_cursor"] is None


def test_an_id_no_service_knows_is_not_found_without_echoing_it() -> None:
    with pytest.raises(NotFound) as exc:
        trail(services(), "+45 5550 1234", False, 50)
    assert exc.value.message == NOT_FOUND and "5550" not in str(exc.value)


def test_a_tampered_cursor_is_refused_before_any_service_is_asked() -> None:
    with pytest.raises(ValidationFailed):
        trail({}, "m1", False, 50, "garbage")


def test_an_id_no_service_knows_is_not_found_whatever_the_cursor() -> None:
    issued = trail(services(), "m1", False, 5)["next_cursor"]
    with pytest.raises(NotFound) as exc:
        trail(services(), "+45 5550 1234", False, 50, issued)
    assert exc.value.message == NOT_FOUND and "5550" not in str(exc.value)


def test_a_known_id_paged_past_its_last_event_answers_an_empty_page() -> None:
    last = encode_position(T0 + timedelta(seconds=11), "e11")
    assert trail(services(), "m1", False, 5, last) == {"subject_id": "m1", "items": [], "next_cursor": None}
