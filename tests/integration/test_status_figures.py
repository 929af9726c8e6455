"""``shared.status.figures`` counts from a service's own tables, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from shared import deadletters, ordering, status
from shared.deadletters import Rejection
from shared.envelope import Event, new_event_id, utcnow
from shared.eventstore import mark_published
from tests.support import postgres
from tests.support.store import make_database


def _event(**kw: object) -> Event:
    return Event(event_id=new_event_id(), event_type="volunteer_registered", schema_version=1,
                 occurred_at=utcnow(), source="matching", payload={}, **kw)  # type: ignore[arg-type]


class StatusContract:
    def test_figures_count_backlog_dead_letters_parked_and_position(self, url: str) -> None:
        db = make_database(url)
        with db.reading() as conn:
            assert status.figures(conn)["projection_position"] == 0
        with db.engine.begin() as conn:
            db.store.append(conn, "s-1", [_event(), _event()])
            db.store.record_consumed(conn, _event())
            mark_published(conn, [1])
            deadletters.keep(conn, db.keyring, exchange="intake.events", routing_key="x", body="{}",
                             rejection=Rejection("bad", {}), attempts=1)
            ordering.park(conn, db.keyring, _event(stream_id="t", stream_version=3),
                          "matching.events", "volunteer_registered", "{}", 1)
        with db.reading() as conn:
            found = status.figures(conn)
        assert {k: found[k] for k in ("outbox_backlog", "dead_letters_open", "parked_events",
                                      "events_applied", "events_recorded", "projection_position")} == \
            {"outbox_backlog": 1, "dead_letters_open": 1, "parked_events": 1, "events_applied": 1,
             "events_recorded": 2, "projection_position": 3}
        assert found["last_applied_at"] is not None


class TestStatusOnSQLite(StatusContract):
    @pytest.fixture
    def url(self, tmp_path) -> str:
        return f"sqlite:///{tmp_path / 'status.db'}"


class TestStatusOnPostgreSQL(StatusContract):
    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        from shared.eventstore import metadata as store_metadata
        from tests.support.store import metadata as projection_metadata

        return postgres.emptied(postgres_url, projection_metadata, store_metadata)
