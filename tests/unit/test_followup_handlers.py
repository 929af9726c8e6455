"""followup's handlers against an in-memory repository: no database, no broker."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from services.followup import domain, handlers, queries
from services.followup.cadence import Policy
from services.followup.domain import FollowedMatch
from services.followup.repository import Followup, Urgency
from services.followup.standing import CheckIn, MatchHistory, standing
from shared.envelope import Event, new_event_id
from shared.errors import Conflict, NotFound, RuleViolated, ValidationFailed
from shared.vocabulary import MatchStatus
from tests.support.fake_work import FakeKeys, FakeStore, FakeWork
from tests.support.handler_coverage import uncovered

POLICIES = (Policy("v1", date(2014, 1, 1)),)
MEETING = {"occurred_on": "2023-02-10", "contact": "meeting", "activities": [], "wellbeing": None,
           "concern": False, "note": "talked about her sister"}
CLOSE = {"closed_on": "2023-05-01", "initiator": "consultant", "reason": "mismatch", "note": None,
         "anticipated": None}


class FakeFollowup:
    """``Followup`` over dictionaries: the matches, their check-ins and reminded due dates."""

    def __init__(self, *matches: FollowedMatch) -> None:
        self.matches = {m.match_id: m for m in matches}
        self.checkins_by_match: dict[str, tuple[CheckIn, ...]] = {}
        self.reminded_on: dict[str, set[date]] = {}

    def followed_match(self, match_id: str) -> FollowedMatch | None:
        return self.matches.get(match_id)

    def checkins(self, match_id: str) -> tuple[CheckIn, ...]:
        return self.checkins_by_match.get(match_id, ())

    def match_history(self, match_id: str) -> MatchHistory | None:
        match = self.matches.get(match_id)
        return MatchHistory(match.matched_on, None, self.checkins(match_id)) if match else None

    def reminded(self, match_id: str) -> set[date]:
        return self.reminded_on.get(match_id, set())

    def due_batch(self, on: date, policies: Any, after: str, limit: int
                  ) -> tuple[list[tuple[Urgency, str]], str | None]:
        read = sorted(m for m in self.matches if m > after)[:limit]
        due = [(queries.urgency((self.matches[m], st)), m) for m in read
               if (st := standing(self.match_history(m), policies, on)).days_overdue is not None]
        return due, read[-1] if len(read) == limit else None

    def matches_of(self, erased: dict[str, Any]) -> list[str]:
        party = "referral_id" if erased["subject_kind"] == "referral" else "volunteer_id"
        return [m.match_id for m in self.matches.values() if getattr(m, party) == erased["subject_id"]]


def followed(match_id: str = "m-1", status: str = MatchStatus.ACTIVE,
             matched_on: date = date(2023, 2, 1), referral_id: str = "r-1") -> FollowedMatch:
    return FollowedMatch(match_id, referral_id, "v-1", "hovedstaden", status, matched_on)


def work(*matches: FollowedMatch, erased: set[str] | None = None) -> FakeWork[Followup]:
    return FakeWork(FakeFollowup(*matches), FakeKeys(erased))


def arrived(event_type: str, payload: dict[str, Any], source: str) -> Event:
    return Event(event_id=new_event_id(), event_type=event_type, schema_version=1,
                 occurred_at=datetime.now(timezone.utc), source=source, payload=payload)


def test_a_consultant_meeting_is_checked_in_with_the_due_date_it_answered() -> None:
    uow = work(followed())

    checkin_id = handlers.report_check_in(uow, "m-1", MEETING, POLICIES)

    [(stream, checked_in)] = uow.recorded
    assert (stream, checked_in.event_type) == (domain.stream_id("m-1"), "checked_in")
    assert checked_in.payload["checkin_id"] == checkin_id
    assert (checked_in.payload["due_on"], checked_in.payload["policy_version"]) == ("2023-02-15", "v1")


@pytest.mark.parametrize("matches, report, refused", [
    ((), MEETING, NotFound),
    ((followed(status=MatchStatus.CLOSED),), MEETING, RuleViolated),
    ((followed(),), {**MEETING, "occurred_on": "2023-01-31"}, RuleViolated),  # before the match
    ((followed(),), {**MEETING, "wellbeing": 9}, ValidationFailed)])
def test_a_check_in_the_rules_or_the_schema_refuse_records_nothing(
        matches: tuple, report: dict, refused: type) -> None:
    uow = work(*matches)

    with pytest.raises(refused):
        handlers.report_check_in(uow, "m-1", report, POLICIES)
    assert uow.recorded == []


def test_an_intake_check_in_is_recorded_as_the_gateways_is() -> None:
    uow = work(followed())

    handlers.on_checkin_reported(uow, arrived("checkin_reported", {**MEETING, "match_id": "m-1"},
                                              "intake"))

    [(_, checked_in)] = uow.recorded
    assert checked_in.event_type == "checked_in" and checked_in.payload["match_id"] == "m-1"
    assert checked_in.payload["note"] == MEETING["note"]


def test_closing_an_active_match_records_who_why_and_whether_to_rematch() -> None:
    uow = work(followed())

    handlers.close_match(uow, "m-1", CLOSE, POLICIES)

    [(stream, closed)] = uow.recorded
    assert (stream, closed.event_type) == ("match-m-1", "closed")
    assert {k: closed.payload[k] for k in ("referral_id", "volunteer_id", "reason", "rematch_allowed")} == {
        "referral_id": "r-1", "volunteer_id": "v-1", "reason": "mismatch", "rematch_allowed": True}


def test_closing_a_closed_or_unknown_match_is_refused() -> None:
    with pytest.raises(Conflict):
        handlers.close_match(work(followed(status=MatchStatus.CLOSED)), "m-1", CLOSE, POLICIES)
    with pytest.raises(NotFound):
        handlers.close_match(work(), "m-1", CLOSE, POLICIES)


def test_a_reminder_is_recorded_once_per_match_and_due_date() -> None:
    uow = work(followed())
    on = date(2023, 2, 20)  # the first contact was due on 15 Feb

    assert handlers.remind(uow, "m-1", on, POLICIES) is True
    uow.repository.reminded_on["m-1"] = {date(2023, 2, 15)}  # as the projection now has it
    assert handlers.remind(uow, "m-1", on, POLICIES) is False

    [(stream, due)] = uow.recorded
    assert stream == domain.reminder_stream_id("m-1", "2023-02-15")
    assert (due.event_type, due.payload["days_overdue"], due.payload["phase"]) == (
        "followup_due", 5, "first_contact")


def test_no_reminder_for_a_match_not_yet_due_or_unknown() -> None:
    uow = work(followed())

    assert handlers.remind(uow, "m-1", date(2023, 2, 14), POLICIES) is False
    assert handlers.remind(uow, "m-none", date(2023, 2, 20), POLICIES) is False
    assert uow.recorded == []


def test_a_reminder_run_records_the_due_ones_and_a_racing_runs_are_not_recorded_twice() -> None:
    store = FakeStore(FakeFollowup(followed("m-1"), followed("m-2", matched_on=date(2023, 2, 10))))
    on = date(2023, 2, 20)  # m-1 due on 15 Feb; m-2 on 24 Feb

    assert handlers.publish_due_reminders(store, on, POLICIES) == ["m-1"]
    # Another run's reminder, not yet in this run's snapshot: its stream is already written.
    assert handlers.publish_due_reminders(store, on, POLICIES) == []

    assert [(s, e.event_type) for s, e in store.committed] == [
        ("match-m-1-due-2023-02-15", "followup_due")]


def test_a_reminder_run_reads_every_batch_and_reminds_the_most_overdue_first(monkeypatch) -> None:
    monkeypatch.setattr(handlers, "SWEEP_BATCH", 2)
    store = FakeStore(FakeFollowup(*(followed(f"m-{n}", matched_on=date(2023, 2, n)) for n in (5, 1, 3, 9))))

    assert handlers.publish_due_reminders(store, date(2023, 2, 21), POLICIES) == ["m-1", "m-3", "m-5"]


def test_a_match_of_someone_already_erased_gets_its_notes_keys_destroyed() -> None:
    payload = {"match_id": "m-1", "referral_id": "r-1", "volunteer_id": "v-1",
               "region": "hovedstaden", "matched_on": "2023-02-01"}
    erased, kept = work(erased={"v-1"}), work()

    handlers.on_matched(erased, arrived("matched", payload, "matching"))
    handlers.on_matched(kept, arrived("matched", payload, "matching"))

    assert erased.keys.forgotten == [(["m-1"], "match")] and kept.keys.forgotten == []
    assert erased.recorded == kept.recorded == []


def test_a_followed_erasure_destroys_the_keys_of_the_party_and_their_matches() -> None:
    uow = work(followed("m-1"), followed("m-2", referral_id="r-2"))

    handlers.on_subject_erased(uow, arrived("subject_erased", {
        "erasure_id": "e-1", "subject_kind": "referral", "subject_id": "r-1",
        "reason_code": "data_subject_request"}, "referrals"))

    assert uow.keys.forgotten == [(["r-1", "m-1"], "referral")] and uow.recorded == []


def test_the_inbox_table_names_the_handlers_by_the_event_they_take() -> None:
    assert handlers.HANDLERS == {"checkin_reported": handlers.on_checkin_reported,
                                 "matched": handlers.on_matched,
                                 "subject_erased": handlers.on_subject_erased}


def test_every_handler_is_exercised_here() -> None:
    assert uncovered(handlers, __file__) == set()
