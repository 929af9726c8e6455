"""The event store's contract, run on SQLite and on the local PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.envelope import Event, new_event_id, utcnow
from shared.errors import ConcurrencyConflict
from shared.eventstore import events, outbox, pending_outbox
from tests.support import postgres
from tests.support.store import make_database as make_db


def _event(event_type: str = "volunteer_registered") -> Event:
    return Event(event_id=new_event_id(), event_type=event_type, schema_version=1,
                 occurred_at=utcnow(), source="test", payload={"n": 1})


class EventStoreContract:
    """Subclassed per backend; ``url`` gives a fresh database."""

    @pytest.fixture
    def db(self, url):
        return make_db(url)

    def test_append_numbers_a_stream_from_one(self, db):
        with db.engine.begin() as conn:
            stored = db.store.append(conn, "s-1", [_event(), _event()], expected_version=0)
        assert [e.stream_version for e in stored] == [1, 2]
        with db.reading() as conn:
            assert [e.event_id for e in db.store.read_stream(conn, "s-1")] == \
                [e.event_id for e in stored]

    def test_append_at_a_stale_version_is_a_conflict(self, db):
        with db.engine.begin() as conn:
            db.store.append(conn, "s-2", [_event()], expected_version=0)
        with pytest.raises(ConcurrencyConflict, match="version 1, not 0"):
            with db.engine.begin() as conn:
                db.store.append(conn, "s-2", [_event()], expected_version=0)

    def test_recorded_events_have_a_global_position_across_streams(self, db):
        with db.engine.begin() as conn:
            db.store.append(conn, "a", [_event()])
            db.store.append(conn, "b", [_event()])
            db.store.append(conn, "a", [_event()])
        with db.reading() as conn:
            read = list(db.store.read_all(conn))
            later = list(db.store.read_all(conn, after=read[0][0]))
        assert [e.stream_id for _, e in read] == ["a", "b", "a"]
        assert [s for s, _ in read] == sorted(s for s, _ in read)
        assert later == read[1:]

    def test_append_writes_its_outbox_row_in_the_same_transaction(self, db):
        with pytest.raises(RuntimeError):
            with db.engine.begin() as conn:
                db.store.append(conn, "s-3", [_event()])
                raise RuntimeError("crash before commit")
        with db.reading() as conn:
            assert conn.execute(select(events)).all() == []
            assert conn.execute(select(outbox)).all() == []
        with db.engine.begin() as conn:
            stored = db.store.append(conn, "s-3", [_event()])
        with db.reading() as conn:
            pending = pending_outbox(conn)
        assert [(exchange, key) for _, exchange, key, _ in pending] == \
            [("referrals.events", "volunteer_registered")]
        assert stored[0].event_id in pending[0][3]

    def test_a_consumed_event_is_kept_once(self, db):
        event = _event("checkin_reported")
        with db.engine.begin() as conn:
            assert db.store.record_consumed(conn, event) is True
        with db.engine.begin() as conn:
            assert db.store.record_consumed(conn, event) is False
        with db.reading() as conn:
            assert len(list(db.store.read_all(conn, origin="consumed"))) == 1

    def test_timestamps_come_back_timezone_aware(self, db):
        with db.engine.begin() as conn:
            stored = db.store.append(conn, "s-4", [_event()])[0]
        with db.reading() as conn:
            read = db.store.read_stream(conn, "s-4")[0]
        assert read.recorded_at == stored.recorded_at
        assert read.recorded_at.utcoffset() is not None


class TestEventStoreOnSQLite(EventStoreContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'store.db'}"


class TestEventStoreOnPostgreSQL(EventStoreContract):
    @pytest.fixture
    def url(self, postgres_url):
        from shared.eventstore import metadata as store_metadata
        from tests.support.store import metadata as projection_metadata

        return postgres.emptied(postgres_url, projection_metadata, store_metadata)
