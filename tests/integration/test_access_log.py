"""The access log's contract, on SQLite and on the local PostgreSQL: append-only, filtered, paged."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DatabaseError

from shared import access_log
from shared.errors import ValidationFailed
from tests.support import postgres
from tests.support.store import make_database as make_db

ANN = {"kind": "consultant", "id": "Ann Coordinator", "role": "coordinator"}
BO = {"kind": "consultant", "id": "Bo Auditor", "role": "auditor"}


class AccessLogContract:
    @pytest.fixture
    def db(self, url):
        return make_db(url)

    def entries(self, db, filters=None, after=None, limit=50, service="referrals"):
        with db.reading() as conn:
            return access_log.read_page(conn, service, filters or {}, after, limit)

    def test_a_disclosure_is_recorded_with_who_what_and_which_fields_but_no_values(self, db):
        access_log.disclose(db.engine, ANN, kind="referral", subject_id="r-1",
                            fields=["personal.phone", "personal.name"])
        [entry] = self.entries(db)
        assert entry["actor"] == {"id": "Ann Coordinator", "role": "coordinator"}
        assert (entry["subject_id"], entry["kind"], entry["fields"]) == ("r-1", "referral",
                                                                       ["personal.name", "personal.phone"])
        assert entry["at"] and entry["service"] == "referrals"

    def test_nothing_disclosed_is_nothing_logged_but_an_unnamed_reader_is_refused(self, db):
        access_log.disclose(db.engine, ANN, kind="referral", subject_id="r-1", fields=[])
        assert self.entries(db) == []
        with pytest.raises(ValidationFailed):
            access_log.disclose(db.engine, None, kind="referral", subject_id="r-1", fields=["personal.name"])

    def test_the_log_cannot_be_changed_or_emptied(self, db):
        access_log.disclose(db.engine, ANN, kind="referral", subject_id="r-1", fields=["personal.name"])
        for change in (update(access_log.access_log).values(actor_id="nobody"), delete(access_log.access_log)):
            with pytest.raises(DatabaseError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(change)
        assert [e["actor"]["id"] for e in self.entries(db)] == ["Ann Coordinator"]

    def test_filters_by_subject_actor_and_time(self, db):
        for reader, subject in ((ANN, "r-1"), (BO, "r-1"), (ANN, "v-1")):
            access_log.disclose(db.engine, reader, kind="audit_trail", subject_id=subject, fields=["closed.note"])
        assert len(self.entries(db, {"subject_id": "r-1"})) == 2
        assert [e["subject_id"] for e in self.entries(db, {"actor": "Ann Coordinator"})] == ["r-1", "v-1"]
        today = self.entries(db)[0]["at"][:10]
        assert len(self.entries(db, {"from": today, "to": today})) == 3
        assert self.entries(db, {"to": "2000-01-01"}) == []
        with pytest.raises(ValidationFailed):
            self.entries(db, {"from": "yesterday"})

    def test_pages_follow_the_key_across_services(self, db):
        for n in range(3):
            access_log.disclose(db.engine, ANN, kind="referral", subject_id=f"r-{n}", fields=["personal.name"])
        first = self.entries(db, limit=2)
        rest = self.entries(db, after={k: first[-1][k] for k in ("at", "service", "seq")})
        assert [e["subject_id"] for e in first + rest] == ["r-0", "r-1", "r-2"]
        last = first[-1]
        # Another service's entry at the same moment sorts by service name: "matching" < "referrals".
        assert len(self.entries(db, after={**last, "service": "matching"})) == 2
        assert len(self.entries(db, after={**last, "service": "zzz"})) == 1


class TestAccessLogOnSQLite(AccessLogContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'access.db'}"


class TestAccessLogOnPostgreSQL(AccessLogContract):
    @pytest.fixture
    def url(self, postgres_url):
        from shared.eventstore import metadata as store_metadata
        from tests.support.store import metadata as projection_metadata

        return postgres.emptied(postgres_url, projection_metadata, store_metadata)
