"""The event store's contract, run on SQLite and on the local PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, event, select

from shared.envelope import Event, new_event_id, utcnow
from shared.errors import ConcurrencyConflict
from shared.eventstore import event_subjects, events, outbox, pending_outbox
from tests.support import postgres
from tests.support.store import make_database as make_db


def _event(event_type: str = "volunteer_registered", **payload: object) -> Event:
    return Event(event_id=new_event_id(), event_type=event_type, schema_version=1,
                 occurred_at=utcnow(), source="test", payload=payload or {"n": 1})


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
        with pytest.raises(ConcurrencyConflict, match="version 1 or later, not 0"):
            with db.engine.begin() as conn:
                db.store.append(conn, "s-2", [_event()], expected_version=0)
        with db.engine.begin() as conn:
            db.store.append(conn, "s-2", [_event()], expected_version=1)
        with pytest.raises(ConcurrencyConflict, match="version 2, not 1"):
            with db.engine.begin() as conn:
                db.store.append(conn, "s-2", [_event()], expected_version=1)

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


    def test_the_audit_lookup_finds_events_by_their_id_fields_only(self, db):
        with db.engine.begin() as conn:
            db.store.append(conn, "volunteer-v1", [_event(volunteer_id="v1", region="hovedstaden",
                                                          personal={"phone": "+45 5550 1234"})])
            db.store.append(conn, "match-m1", [_event("matched", match_id="m1", referral_id="r1",
                                                      volunteer_id="v1")])
            db.store.record_consumed(conn, _event("checkin_reported", match_id="m1", note="v1"))
        with db.reading() as conn:
            def types(subject: str) -> list[str]:
                return [e.event_type for e in db.store.about(conn, subject)]

            assert types("v1") == ["volunteer_registered", "matched"]
            assert types("m1") == ["matched", "checkin_reported"]
            assert types("r1") == ["matched"]
            for value in ("+45 5550 1234", "hovedstaden", "v", "match-m1", "1"):
                assert types(value) == [], value

    def test_the_audit_lookup_pages_in_recorded_order_and_intake_events_get_when_learned(self, db):
        with db.engine.begin() as conn:
            for _ in range(3):
                db.store.append(conn, "match-m2", [_event("checked_in", match_id="m2")])
            db.store.record_consumed(conn, _event("checkin_reported", match_id="m2"))
        with db.reading() as conn:
            every = db.store.about(conn, "m2")
            first = db.store.about(conn, "m2", limit=2)
            rest = db.store.about(conn, "m2", after=(first[-1].recorded_at, first[-1].event_id))
        assert [e.event_id for e in first + rest] == [e.event_id for e in every] and len(every) == 4
        assert all(e.recorded_at is not None for e in every)
        assert [(e.recorded_at, e.event_id) for e in every] == sorted((e.recorded_at, e.event_id) for e in every)

    def test_a_log_from_before_the_index_is_indexed_once_at_start(self, db):
        with db.engine.begin() as conn:
            db.store.append(conn, "match-m3", [_event("matched", match_id="m3", referral_id="r3",
                                                      volunteer_id="v3")])
            conn.execute(delete(event_subjects))  # as a database from before the index was
        db.create_tables()
        with db.reading() as conn:
            assert [e.event_type for e in db.store.about(conn, "r3")] == ["matched"]
        db.create_tables()  # a second start indexes nothing twice
        with db.reading() as conn:
            assert len(conn.execute(select(event_subjects)).all()) == 3

    def test_rows_written_through_the_driver_are_the_rows_sqlalchemy_writes(self, db):
        with db.engine.begin() as conn:
            [stored] = db.store.append(conn, "match-m1", [_event("checked_in", match_id="m1")])
            row = conn.execute(select(events).where(events.c.event_id == stored.event_id)).mappings().one()
            by_sqlalchemy = {**{k: v for k, v in row.items() if k != "seq"}, "event_id": "copy", "stream_id": "copy"}
            conn.execute(events.insert(), by_sqlalchemy)
        with db.engine.connect() as conn:
            raw = conn.exec_driver_sql("SELECT origin, event_type, stream_version, recorded_at, "
                                       "envelope FROM events ORDER BY seq").all()
            subjects = conn.exec_driver_sql("SELECT subject_id, recorded_at, event_id FROM event_subjects").all()
            boxed = conn.exec_driver_sql("SELECT exchange, routing_key, published_at FROM outbox").all()
        assert raw[0] == raw[1] and self.stored_time_as_written(raw[0][3], stored)
        assert subjects == [("m1", raw[0][3], stored.event_id)]
        assert boxed == [(db.store.exchange, "checked_in", None)]

    def stored_time_as_written(self, stored_value, event):
        raise NotImplementedError


class TestEventStoreOnSQLite(EventStoreContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'store.db'}"

    def test_the_audit_lookup_searches_the_subject_index_and_reads_events_by_key(self, db):
        with db.engine.begin() as conn:
            for n in range(50):
                db.store.append(conn, f"match-m{n}", [_event("checked_in", match_id=f"m{n}")])
        asked: list[tuple[str, object]] = []

        def heard(_conn, _cursor, statement, parameters, _context, _many):
            asked.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", heard)
        with db.reading() as conn:
            db.store.about(conn, "m7", after=(utcnow(), "e"), limit=10)
        event.remove(db.engine, "before_cursor_execute", heard)
        statement, parameters = asked[-1]
        with db.engine.connect() as conn:
            plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        assert any("event_subjects USING INDEX ix_event_subjects_position (subject_id=?" in step for step in plan), plan
        assert not any(step.startswith("SCAN") or "TEMP B-TREE" in step for step in plan), plan

    def stored_time_as_written(self, stored_value, event):
        """SQLite keeps UTC text with microseconds."""
        return len(stored_value) == len("2023-01-15 09:30:00.000000")


class TestEventStoreOnPostgreSQL(EventStoreContract):
    @pytest.fixture
    def url(self, postgres_url):
        from shared.eventstore import metadata as store_metadata
        from tests.support.store import metadata as projection_metadata

        return postgres.emptied(postgres_url, projection_metadata, store_metadata)

    def test_the_driver_path_takes_a_connection_replaced_under_it(self, db):
        with db.engine.begin() as conn:
            db.store.append(conn, "match-m1", [_event("checked_in", match_id="m1")])
            pooled = conn.connection.driver_connection
        pooled.close()  # as a server restart would: the pool replaces it at the next checkout
        with db.engine.begin() as conn:
            assert conn.connection.driver_connection is not pooled
            [again] = db.store.append(conn, "match-m2", [_event("checked_in", match_id="m2")])
        with db.reading() as conn:
            assert [e.event_id for e in db.store.read_stream(conn, "match-m2")] == [again.event_id]
            assert db.store.contains(conn, again.event_id)

    def stored_time_as_written(self, stored_value, event):
        """PostgreSQL keeps a timestamptz: the moment itself."""
        return stored_value == event.recorded_at
