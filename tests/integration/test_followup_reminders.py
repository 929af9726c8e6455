"""followup_due once per match and due date, on SQLite and PostgreSQL, even when two runs race.

A run checks, inside its transaction, whether the reminder exists; the backstop for a
run that checked before the other committed is the store's unique (stream, version):
the reminder is version 1 of ``match-<id>-due-<date>``. Here the check is made to miss,
as a racing run's would, to show the backstop holds.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import eventlet
import pytest

from services.followup import handlers, queries
from services.followup.cadence import Policy
from services.followup.projection import PROJECTION
from services.followup.repository import SqlFollowup
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import Event, new_event_id
from shared.eventstore import metadata as store_metadata
from shared.stored_work import StoredStore, work
from shared.unit_of_work import ServiceDatabase
from tests.support import postgres

POLICIES = (Policy("v1", date(2014, 1, 1)),)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'followup.db'}"
    else:
        url = postgres.emptied(request.getfixturevalue("postgres_url"), PROJECTION.metadata, store_metadata)
    database = ServiceDatabase("followup", make_engine(url), PROJECTION, REGISTRY)
    database.create_tables()
    yield database
    database.engine.dispose()


def matched(db: ServiceDatabase, match_id: str) -> None:
    event = Event(new_event_id(), "matched", 1, datetime(2023, 2, 1, tzinfo=timezone.utc),
                  "matching", {"match_id": match_id, "referral_id": f"r-{match_id}",
                               "volunteer_id": "v", "region": "hovedstaden",
                               "matched_on": "2023-02-01"},
                  stream_id=f"match-{match_id}", stream_version=1)
    with db.transaction(cause=event) as uow:
        uow.consume(event)


def reminders(db: ServiceDatabase) -> list[tuple[str, str]]:
    with db.reading() as conn:
        return [(e.payload["match_id"], e.payload["due_on"]) for _, e in db.store.read_all(conn)
                if e.event_type == "followup_due"]


def test_a_run_that_missed_a_racing_runs_reminder_still_records_none_twice(db, monkeypatch,
                                                                           caplog):
    for match_id in ("m1", "m2", "m3"):
        matched(db, match_id)
    on = date(2023, 2, 20)  # first contacts were due on 15 Feb

    assert handlers.publish_due_reminders(StoredStore(db, SqlFollowup), on, POLICIES) == ["m1", "m2", "m3"]
    monkeypatch.setattr("services.followup.projection.reminded_of", lambda conn, ids: {i: set() for i in ids})
    with caplog.at_level("INFO", logger="services.followup.handlers"):
        assert handlers.publish_due_reminders(StoredStore(db, SqlFollowup), on, POLICIES) == []
    assert caplog.text.count("was recorded by another run") == 3
    assert reminders(db) == [(m, "2023-02-15") for m in ("m1", "m2", "m3")]


def test_a_sweep_over_matches_already_reminded_looks_at_none_of_them_again(db, monkeypatch):
    for match_id in ("m1", "m2", "m3"):
        matched(db, match_id)
    on = date(2023, 2, 20)
    handlers.publish_due_reminders(StoredStore(db, SqlFollowup), on, POLICIES)
    looked_at: list[str] = []
    remind = handlers.remind
    monkeypatch.setattr(handlers, "remind", lambda work, match_id, *a: looked_at.append(match_id)
                        or remind(work, match_id, *a))

    assert handlers.publish_due_reminders(StoredStore(db, SqlFollowup), on + timedelta(days=1), POLICIES) == []
    assert looked_at == []


def test_a_later_due_date_is_reminded_on_its_own(db):
    matched(db, "m1")
    handlers.publish_due_reminders(StoredStore(db, SqlFollowup), date(2023, 2, 15), POLICIES)
    with work(db, SqlFollowup) as uow:
        handlers.report_check_in(uow, "m1", {
            "occurred_on": "2023-02-16", "contact": "meeting", "activities": [],
            "wellbeing": None, "concern": False, "note": None}, POLICIES)

    assert handlers.publish_due_reminders(StoredStore(db, SqlFollowup), date(2023, 2, 27), POLICIES) == []
    assert handlers.publish_due_reminders(StoredStore(db, SqlFollowup), date(2023, 2, 28), POLICIES) == ["m1"]
    assert reminders(db) == [("m1", "2023-02-15"), ("m1", "2023-02-28")]


def test_a_sweep_lets_other_green_threads_run_between_its_batches_and_transactions(db, monkeypatch):
    for match_id in ("m1", "m2", "m3", "m4", "m5"):
        matched(db, match_id)
    steps: list[str] = []
    monkeypatch.setattr(handlers, "SWEEP_BATCH", 2)
    read, remind = queries.due_batch, handlers.remind
    monkeypatch.setattr(queries, "due_batch", lambda *a: steps.append("read") or read(*a))
    monkeypatch.setattr(handlers, "remind", lambda *a: steps.append("record") or remind(*a))
    sweeping = eventlet.spawn(handlers.publish_due_reminders, StoredStore(db, SqlFollowup),
                              date(2023, 2, 20), POLICIES)

    def other() -> None:
        while not sweeping.dead:
            steps.append("other")
            eventlet.sleep(0)

    eventlet.spawn(other)
    assert sweeping.wait() == ["m1", "m2", "m3", "m4", "m5"]
    sweep = [s for s in steps if s != "other"]
    assert sweep == ["read"] * 3 + ["record"] * 5  # batches of 2 of the 5 matches, then a transaction each
    between = "".join("o" if s == "other" else "s" for s in steps).strip("o")
    assert "ss" not in between  # another green thread ran after each step
