"""Erasure as a follower applies it: the keys it holds go, and what comes later stays unreadable."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.followup import policy
from services.followup.handlers import report_check_in
from services.followup.projection import PROJECTION
from services.followup.repository import SqlFollowup
from services.followup.service import INBOX_HANDLERS as HANDLERS
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import Event, new_event_id
from shared.keyring import ERASED
from shared.stored_work import work
from shared.unit_of_work import ServiceDatabase

MATCH = {"referral_id": "r-1", "volunteer_id": "v-1", "region": "hovedstaden", "matched_on": "2023-02-01"}


@pytest.fixture
def db(tmp_path):
    database = ServiceDatabase("followup", make_engine(f"sqlite:///{tmp_path / 'followup.db'}"),
                               PROJECTION, REGISTRY)
    database.create_tables()
    return database


def arrive(db: ServiceDatabase, event_type: str, payload: dict, source: str) -> None:
    """A followed service's event, applied as the inbox applies it."""
    event = Event(event_id=new_event_id(), event_type=event_type, schema_version=1,
                  occurred_at=datetime.now(timezone.utc), source=source, payload=payload)
    with db.transaction(cause=event) as uow:
        current = uow.consume(event)
        assert current is not None
        HANDLERS[event_type](uow, current)


def erased(subject_id: str, kind: str = "referral") -> dict:
    return {"erasure_id": new_event_id(), "subject_kind": kind, "subject_id": subject_id,
            "reason_code": "data_subject_request"}


def note_of(db: ServiceDatabase, match_id: str):
    with db.reading() as conn:
        [checked_in] = [e for e in db.store.read_stream(conn, f"match-{match_id}") if e.event_type == "checked_in"]
        return db.keyring.open(conn, checked_in.payload["note"])


def check_in(db: ServiceDatabase, match_id: str, note: str) -> None:
    with work(db, SqlFollowup) as uow:
        report_check_in(uow, match_id, {"occurred_on": "2023-02-10", "contact": "meeting", "note": note},
                        policy.load())


def test_a_participants_erasure_takes_the_notes_of_their_matches(db):
    arrive(db, "matched", {**MATCH, "match_id": "m-1"}, "matching")
    check_in(db, "m-1", "talked about her sister")
    assert note_of(db, "m-1") == "talked about her sister"
    arrive(db, "subject_erased", erased("r-1"), "referrals")
    assert note_of(db, "m-1") is ERASED


def test_a_match_of_someone_already_erased_keeps_no_readable_note(db):
    arrive(db, "subject_erased", erased("v-1", "volunteer"), "matching")
    arrive(db, "matched", {**MATCH, "match_id": "m-2"}, "matching")
    check_in(db, "m-2", "a note after the erasure")
    with db.reading() as conn:
        [checked_in] = [e for e in db.store.read_stream(conn, "match-m-2") if e.event_type == "checked_in"]
    assert checked_in.payload["note"] is None  # nothing sealed for an erased subject: dropped
