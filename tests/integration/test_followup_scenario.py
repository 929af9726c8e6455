"""Follow-up over a simulated calendar: 12 matches, due lists worked out by hand.

The service's own entrypoints run against a real SQLite store (no broker): matches
arrive through the inbox as ``matched`` events, check-ins and closures through the
RPC methods, and the reminder run is driven with explicit dates. Steps happen in date
order; on each checkpoint the due list is asserted and the reminder run twice.

Policy v1 (the shipped file): first contact 14 days after matching, 2 contacts in
month 1 (due by its last day), then last contact + 30, quarterly (+90) for contacts
made once the match has run 12 months, silent after 42 days without a meeting.
On 21 May 2023 the programme adopts v2, in force from 1 Jun 2023 (P): monthly 21,
quarterly 60, silent after 28 days.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from services.followup import policy
from services.followup.projection import PROJECTION
from services.followup.service import FollowupService
from shared import config, replay
from shared.consumption import APPLIED
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.unit_of_work import ServiceDatabase
from tests.support import events as ev
from tests.support.projections import count_events, rows

ACTOR = {"kind": "consultant", "id": "ann"}
V1 = {"version": "v1", "effective_from": "2014-01-01", "first_contact_days": 14,
      "first_month_min_contacts": 2, "monthly_days": 30, "quarterly_after_months": 12,
      "quarterly_days": 90, "silent_after_days": 42}
V2 = {**V1, "version": "v2", "effective_from": "2023-06-01", "monthly_days": 21,
      "quarterly_days": 60, "silent_after_days": 28}

# (match, matched_on, region)
MATCHES = [
    ("A", "2023-03-01", "hovedstaden"), ("B", "2023-03-01", "hovedstaden"),
    ("C", "2023-03-01", "hovedstaden"), ("D", "2023-03-10", "hovedstaden"),
    ("E", "2023-02-01", "hovedstaden"), ("F", "2022-01-15", "hovedstaden"),
    ("G", "2022-02-01", "hovedstaden"), ("H", "2023-03-01", "hovedstaden"),
    ("I", "2023-03-01", "syddanmark"), ("J", "2023-03-20", "hovedstaden"),
    ("K", "2023-01-02", "hovedstaden"), ("L", "2023-03-01", "hovedstaden"),
]
# Check-ins before the first checkpoint: (match, occurred_on, contact, concern)
HISTORY = [
    ("F", "2022-01-20", "meeting", False), ("F", "2022-02-01", "meeting", False),
    ("G", "2022-02-03", "meeting", False), ("G", "2022-02-10", "meeting", False),
    ("K", "2023-01-10", "experience_meeting", False),  # no consultant contact
    ("F", "2023-01-20", "meeting", False),   # after F's year (15 Jan 2023): quarterly
    ("G", "2023-01-25", "meeting", False),   # before G's year (1 Feb 2023): monthly
    ("E", "2023-02-10", "meeting", False), ("E", "2023-02-25", "meeting", False),
    ("G", "2023-02-24", "meeting", False),   # after G's year: quarterly
    ("L", "2023-03-02", "meeting", True), ("B", "2023-03-05", "meeting", False),
    ("C", "2023-03-05", "meeting", False), ("L", "2023-03-10", "phone_volunteer", False),
    ("D", "2023-03-12", "meeting", True),
]

# Each checkpoint: (match, days_overdue, phase, policy_version, open_concern, silent), in
# the order the list must come: open concerns first, then the most overdue, then by id.
CP1 = ("2023-03-15", [
    ("K", 58, "first_contact", "v1", False, True),   # due 16 Jan (2 Jan + 14): 15+28+15
    ("A", 0, "first_contact", "v1", False, False),   # due 15 Mar (1 Mar + 14)
    ("H", 0, "first_contact", "v1", False, False),   # closes on 20 Mar: still active today
    ("I", 0, "first_contact", "v1", False, False),
])  # not due: B and C (one contact in month 1 = 1-31 Mar: 2nd due 31 Mar), D (12 Mar: 2nd due
#     9 Apr), E (25 Feb + 30 = 27 Mar), F (20 Jan + 90 = 20 Apr), G (24 Feb + 90 = 25 May),
#     L (two in month 1, 10 Mar + 30 = 9 Apr); J is matched on 20 Mar
CP2 = ("2023-04-10", [
    ("D", 1, "first_month", "v1", True, False),      # month 1 = 10 Mar - 9 Apr; concern since 12 Mar
    ("K", 84, "first_contact", "v1", False, True),   # 16 Jan -> 10 Apr: 15+28+31+10
    ("A", 26, "first_contact", "v1", False, False),  # 15 Mar -> 10 Apr: 16+10; 40 days quiet
    ("I", 26, "first_contact", "v1", False, False),
    ("B", 10, "first_month", "v1", False, False),    # due 31 Mar; last meeting 5 Mar: 36 days
    ("L", 1, "monthly", "v1", False, False),         # 10 Mar + 30 = 9 Apr; concern resolved 10 Mar
])  # not due: C (20 Mar + 30 = 19 Apr), E (20 Mar + 30 = 19 Apr), J (5 Apr: 2nd due 19 Apr)
CP3 = ("2023-05-20", [
    ("K", 124, "first_contact", "v1", False, True),  # 16 Jan -> 20 May: 15+28+31+30+20
    ("I", 66, "first_contact", "v1", False, True),   # 15 Mar -> 20 May: 16+30+20
    ("L", 41, "monthly", "v1", False, True),         # 9 Apr -> 20 May: 21+20
    ("C", 31, "monthly", "v1", False, True),         # 19 Apr -> 20 May: 11+20; met 20 Mar: 61 days
    ("E", 31, "monthly", "v1", False, True),         # 19 Apr (20 Mar phone + 30); met 25 Feb
    ("J", 31, "first_month", "v1", False, True),     # 19 Apr; met 5 Apr: 25+20 = 45 days
    ("A", 8, "monthly", "v1", False, True),          # first contact 12 Apr, after month 1: 12 May
    ("D", 5, "monthly", "v1", False, False),         # 15 Apr (after month 1) + 30 = 15 May
    ("B", 0, "monthly", "v1", False, False),         # 20 Apr (2nd contact) + 30 = 20 May
])  # F (18 Apr + 90 = 17 Jul) and G (25 May) not due; H closed on 20 Mar
CP4 = ("2023-06-20", [
    ("K", 155, "first_contact", "v1", False, True),  # +31 (June 20 days after 20 May: 11+20)
    ("I", 97, "first_contact", "v1", False, True),
    ("L", 72, "monthly", "v1", False, True),
    ("J", 62, "first_month", "v1", False, True),
    ("A", 39, "monthly", "v1", False, True),         # 12 May fell due before P: v1 still judges it
    ("D", 36, "monthly", "v1", False, True),         # met 15 Apr: 66 days
    ("B", 31, "monthly", "v1", False, True),         # met 20 Apr: 61 days
    ("G", 26, "quarterly", "v1", False, True),       # 25 May, before P
    ("C", 8, "monthly", "v2", False, True),          # 22 May: v1 21 Jun >= P -> v2 22 May + 21 = 12 Jun;
    #                                                  met 22 May: 29 days >= v2's 28 (v1: not silent)
    ("F", 3, "quarterly", "v2", False, True),        # 18 Apr: v1 17 Jul >= P -> v2 18 Apr + 60 = 17 Jun
])  # E: 5 Jun under v2: + 21 = 26 Jun, not due (v1 would say 5 Jul)

# Steps between checkpoints, in date order.
SPRING = [  # after CP1
    ("close", "H", "2023-03-20", {"initiator": "participant", "reason": "mismatch", "anticipated": False}),
    ("check_in", "C", "2023-03-20", "meeting", False),
    ("check_in", "E", "2023-03-20", "phone_participant", False),
    ("check_in", "J", "2023-04-05", "meeting", False),
]
MAY = [  # after CP2
    ("check_in", "A", "2023-04-12", "phone_volunteer", False),
    ("check_in", "D", "2023-04-15", "meeting", False),
    ("check_in", "F", "2023-04-18", "meeting", False),
    ("check_in", "B", "2023-04-20", "meeting", False),
]
SUMMER = [  # after the policy change on 21 May
    ("check_in", "C", "2023-05-22", "meeting", False),
    ("check_in", "E", "2023-06-05", "meeting", False),
]


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    use_policies(tmp_path, monkeypatch, [V1])
    db = ServiceDatabase("followup", make_engine(f"sqlite:///{tmp_path / 'followup.db'}"),
                         PROJECTION, REGISTRY)
    db.create_tables()
    yield worker_factory(FollowupService, db=db)
    policy.load.cache_clear()


def use_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, versions: list[dict]) -> None:
    """Deploy a policy file, as an operator would: a new file, the service reads it afresh."""
    path = tmp_path / f"policies-{len(versions)}.json"
    path.write_text(json.dumps({"versions": versions}))
    monkeypatch.setenv(config.FOLLOWUP_POLICY_FILE, str(path))
    policy.load.cache_clear()


def match_id(label: str) -> str:
    return f"m-{label}"


def matched(service: Any, label: str, matched_on: str, region: str) -> None:
    message = ev.envelope("matched", {
        "match_id": match_id(label), "referral_id": f"r-{label}", "volunteer_id": f"v-{label}",
        "region": region, "matched_on": matched_on}, source="matching",
        stream_id=f"match-{match_id(label)}", stream_version=1,
        recorded_at=f"{matched_on}T12:00:00+00:00")
    assert service.handle_inbox([ev.published(message)]) == [APPLIED]


def run(service: Any, steps: list[tuple]) -> None:
    for kind, label, day, *rest in steps:
        if kind == "close":
            service.close_match(match_id(label), {"closed_on": day, **rest[0]}, ACTOR)
        else:
            contact, concern = rest
            service.report_check_in(match_id(label), {
                "occurred_on": day, "contact": contact, "concern": concern}, ACTOR)


def due_list(service: Any, on: str, regions: list[str] | None = None) -> list[tuple]:
    items = service.due_check_ins(on, regions)["items"]
    return [(i["match_id"][2:], i["days_overdue"], i["next_checkin_phase"], i["policy_version"],
             i["open_concern"], i["silent"]) for i in items]


def checkpoint(service: Any, expected: tuple[str, list[tuple]]) -> list[tuple]:
    on, items = expected
    assert due_list(service, on) == items, on
    published = service.publish_due_reminders(on)["published"]
    assert service.publish_due_reminders(on)["published"] == []  # the timer ran twice
    return published


def test_due_lists_reminders_and_a_policy_change_over_a_simulated_calendar(
        service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for label, matched_on, region in sorted(MATCHES, key=lambda m: m[1]):
        matched(service, label, matched_on, region)
    run(service, [("check_in", label, day, contact, concern)
                  for label, day, contact, concern in HISTORY])

    # Reminders: one per match and due date that has come, never again for the same date.
    assert checkpoint(service, CP1) == ["m-K", "m-A", "m-H", "m-I"]
    assert due_list(service, CP1[0], ["syddanmark"]) == [CP1[1][3]]
    run(service, SPRING)
    assert checkpoint(service, CP2) == ["m-D", "m-B", "m-L"]  # K, A, I: same due dates
    run(service, MAY)
    assert checkpoint(service, CP3) == ["m-C", "m-E", "m-J", "m-A", "m-D", "m-B"]
    v1_judgements = judgements(service)
    before_change = {on: due_list(service, on) for on, _ in (CP1, CP2, CP3)}

    # 21 May: v2 is deployed, in force from 1 Jun.
    use_policies(tmp_path, monkeypatch, [V1, V2])
    run(service, SUMMER)
    assert checkpoint(service, CP4) == ["m-G", "m-C", "m-F"]

    # Earlier dates answer as before, earlier contacts keep their judgement ...
    assert {on: due_list(service, on) for on, _ in (CP1, CP2, CP3)} == before_change
    after = judgements(service)
    assert {k: v for k, v in after.items() if k in v1_judgements} == v1_judgements
    # ... and the contacts after the change were judged by the due dates they answered,
    # which fell before 1 Jun: C's 22 May answered 19 Apr, E's 5 Jun answered 19 Apr.
    assert after[("m-C", "2023-05-22")] == ("2023-04-19", "v1")
    assert after[("m-E", "2023-06-05")] == ("2023-04-19", "v1")
    # Under v1 alone, 20 Jun would not list C (21 Jun) nor F (17 Jul).
    use_policies(tmp_path, monkeypatch, [V1])
    assert {i[0] for i in due_list(service, CP4[0])} == {i[0] for i in CP4[1]} - {"C", "F"}
    use_policies(tmp_path, monkeypatch, [V1, V2])
    assert service.get_match("m-E", "2023-06-20")["next_checkin_due"] == "2023-06-26"

    # 16 reminders in all, each (match, due date) once; a restarted service adds none.
    url = f"sqlite:///{tmp_path / 'followup.db'}"
    assert count_events(url, "followup_due") == 16
    reminders = {(r["match_id"], r["due_on"].isoformat()) for r in rows(url, "reminders")}
    assert len(reminders) == 16 and ("m-G", "2023-05-25") in reminders
    restarted = ServiceDatabase("followup", make_engine(url), PROJECTION, REGISTRY)
    assert worker_factory(FollowupService, db=restarted).publish_due_reminders(
        CP4[0])["published"] == []

    # The projection is facts only: a replay rebuilds it row for row.
    tables = {t: rows(url, t) for t in ("matches", "checkins", "reminders")}
    replay.rebuild(restarted)
    assert {t: rows(url, t) for t in tables} == tables


def judgements(service: Any) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(match, contact date) -> (the due date it answered, the policy version) as recorded."""
    url = str(service.db.engine.url)
    return {(r["match_id"], r["occurred_on"].isoformat()):
            (r["due_on"].isoformat() if r["due_on"] else None, r["policy_version"])
            for r in rows(url, "checkins")}


def test_six_month_review_and_closure_on_the_match_read(service: Any) -> None:
    for label, matched_on, region in MATCHES:
        matched(service, label, matched_on, region)
    run(service, [("close", "H", "2023-03-20", {
        "initiator": "participant", "reason": "mismatch", "anticipated": False}),
        ("close", "B", "2023-09-01", {"initiator": "mutual", "reason": "commitment_completed",
                                      "anticipated": True})])

    def review(label: str, on: str) -> tuple:
        m = service.get_match(match_id(label), on)
        return (m["six_month_mark"], m["six_month_reached"], m["successful"],
                m["rematch_allowed"], m["close_anticipated"])

    # A: 1 Mar + 6 months = 1 Sep. Not reached on 31 Aug (and still active): no verdict yet.
    assert review("A", "2023-08-31") == ("2023-09-01", False, None, None, None)
    assert review("A", "2023-09-01") == ("2023-09-01", True, True, None, None)
    # H closed on 20 Mar, before its mark: not successful; a mismatch allows a rematch.
    assert review("H", "2023-03-25") == ("2023-09-01", False, False, True, False)
    # B closed on its mark, as planned: successful; a completed commitment means no rematch.
    assert review("B", "2023-09-01") == ("2023-09-01", True, True, False, True)
    # Before B's closure date, B stands as an active match not yet at its mark.
    assert review("B", "2023-08-01")[1:3] == (False, None)
    # Without a date only what needs none: the mark, and the verdict of a closed match.
    no_date = service.get_match("m-H")
    assert (no_date["six_month_reached"], no_date["successful"], no_date["as_of"]) == (
        None, False, None)
