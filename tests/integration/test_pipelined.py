"""Writes held in a consumer's batch on PostgreSQL: sent with the next statement, in order, or failing the hold."""
from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.exc import IntegrityError

from shared import driver_statements, pipelined
from shared.db import make_engine
from tests.support.postgres import emptied

metadata = MetaData()
rows = Table("held_rows", metadata, Column("id", String(20), primary_key=True), Column("n", Integer, nullable=False))
_INSERT = insert(rows)
_INSERT_RETURNING = insert(rows).returning(rows.c.n)
_OFFER = postgresql_insert(rows).on_conflict_do_nothing(index_elements=[rows.c.id])
_BUMP = update(rows).where(rows.c.id == bindparam("b_id")).values(n=rows.c.n + 1)
_COUNT = select(func.count()).select_from(rows)
_N = select(rows.c.n).where(rows.c.id == bindparam("b_id"))


@pytest.fixture
def engine(postgres_url):
    engine = make_engine(emptied(postgres_url, metadata))
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_held_writes_go_with_the_next_statement_in_the_order_they_were_made(engine):
    with engine.begin() as conn, pipelined.holding(conn) as held:
        assert driver_statements.write_later(conn, _INSERT, {"id": "a", "n": 1}) is None
        assert driver_statements.write_later(conn, _BUMP, {"b_id": "a"}) is None  # after the insert, or no row
        assert held is not None and len(held.pending) == 2
        assert driver_statements.first_row(conn, _N, {"b_id": "a"}) == (2,)
        assert held.pending == []


def test_a_statement_through_sqlalchemy_sends_what_is_held_first(engine):
    with engine.begin() as conn, pipelined.holding(conn) as held:
        driver_statements.write_later(conn, _INSERT, {"id": "a", "n": 1})
        assert conn.execute(_COUNT).scalar() == 1
        assert held is not None and held.pending == []


def test_what_is_still_held_at_the_end_of_the_batch_is_sent_and_committed(engine):
    with engine.begin() as conn, pipelined.holding(conn):
        driver_statements.write_later(conn, _INSERT, {"id": "a", "n": 1})
        later = driver_statements.first_row_later(conn, _INSERT_RETURNING, {"id": "b", "n": 7})
    assert later.row(conn) == (7,)
    with engine.connect() as conn:
        assert conn.execute(_COUNT).scalar() == 2


def test_a_held_write_that_fails_fails_the_hold_where_it_is_sent(engine):
    with engine.begin() as conn:
        conn.execute(_INSERT, {"id": "a", "n": 1})
    with pytest.raises(pipelined.WriteFailed), engine.begin() as conn, pipelined.holding(conn) as held:
        driver_statements.write_later(conn, _INSERT, {"id": "a", "n": 2})  # the key is taken
        try:
            driver_statements.first_row(conn, _COUNT, {})
        finally:
            assert held is not None and held.failed and pipelined.active(conn) is None


def test_a_held_write_that_changes_other_than_expected_fails_the_hold(engine):
    with engine.begin() as conn:
        conn.execute(_INSERT, {"id": "a", "n": 1})
    with pytest.raises(pipelined.WriteFailed, match="another number of rows"), engine.begin() as conn, \
            pipelined.holding(conn):
        driver_statements.write_later(conn, _OFFER, {"id": "a", "n": 2}, expect=1)  # left as it was: 0 rows
    with engine.connect() as conn:
        assert conn.execute(_N, {"b_id": "a"}).scalar() == 1


def test_the_statement_sent_after_held_writes_fails_as_itself(engine):
    with engine.begin() as conn:
        conn.execute(_INSERT, {"id": "a", "n": 1})
    with pytest.raises(IntegrityError), engine.begin() as conn, pipelined.holding(conn) as held:
        driver_statements.write_later(conn, _INSERT, {"id": "b", "n": 1})
        try:
            driver_statements.first_row(conn, _INSERT_RETURNING, {"id": "a", "n": 2})
        finally:
            assert held is not None and not held.failed


def test_nothing_is_held_under_a_savepoint_or_outside_a_hold(engine):
    with engine.begin() as conn:
        assert driver_statements.write_later(conn, _INSERT, {"id": "a", "n": 1}) == 1
        with pipelined.holding(conn) as held:
            driver_statements.write_later(conn, _BUMP, {"b_id": "a"})
            with conn.begin_nested():  # sends what is held before it
                assert held is not None and held.pending == []
                assert driver_statements.write_later(conn, _BUMP, {"b_id": "a"}) == 1
            assert driver_statements.write_later(conn, _BUMP, {"b_id": "a"}) is None
        assert conn.execute(_N, {"b_id": "a"}).scalar() == 4


def test_a_batch_that_fails_leaves_what_it_held_unsent(engine):
    with pytest.raises(OSError), engine.begin() as conn, pipelined.holding(conn):
        driver_statements.write_later(conn, _INSERT, {"id": "a", "n": 1})
        raise OSError("disk on fire")
    with engine.begin() as conn:
        assert conn.info.get("lgv.held_writes") is None
        assert conn.execute(_COUNT).scalar() == 0


def test_sqlite_holds_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'held.db'}")
    metadata.create_all(engine)
    with engine.begin() as conn, pipelined.holding(conn) as held:
        assert held is None
        assert driver_statements.write_later(conn, _INSERT, {"id": "a", "n": 1}) == 1
    engine.dispose()


def test_a_batch_waits_for_the_database_about_twice_per_submission_in_referrals_and_not_in_matching(
        postgres_url, tmp_path, monkeypatch):
    """Counted as waits to read an answer (``green_wait`` polls for each; a pipeline's sends are
    not counted). Exact, referrals waited six times per ``referral_submitted`` and matching three
    times per ``referral_received``."""
    from services.matching.projection import PROJECTION as MATCHING
    from services.matching.projection import metadata as matching_tables
    from services.matching.service import INBOX_HANDLERS as MATCHING_HANDLERS
    from services.referrals.projection import PROJECTION as REFERRALS
    from services.referrals.projection import metadata as referrals_tables
    from services.referrals.service import INBOX_HANDLERS as REFERRALS_HANDLERS
    from shared import db as shared_db
    from shared.consumption import APPLIED, Delivery, consume_batch
    from shared.contracts import REGISTRY
    from shared.eventstore import metadata as store_tables
    from shared.outbox import published_body
    from shared.unit_of_work import ServiceDatabase
    from tests.support import events as ev

    waits, answered = [0], shared_db._answered

    def counted(fileno: int, within_ms: int) -> bool:
        waits[0] += 1
        return answered(fileno, within_ms)
    monkeypatch.setattr(shared_db, "_answered", counted)

    def database(service, projection, tables):
        db = ServiceDatabase(service, make_engine(emptied(postgres_url, tables, store_tables)), projection, REGISTRY)
        db.create_tables()
        return db

    def waits_per_delivery(db, handlers, deliveries):
        consume_batch(db, handlers, deliveries[:1], 5)  # the key check and plans: once per process
        waits[0] = 0
        assert set(consume_batch(db, handlers, deliveries[1:], 5)) == {APPLIED}
        return waits[0] / (len(deliveries) - 1)

    referrals = database("referrals", REFERRALS, referrals_tables)
    submitted = [Delivery(ev.body(ev.referral_submitted()), "intake.events", "referral_submitted") for _ in range(21)]
    assert waits_per_delivery(referrals, REFERRALS_HANDLERS, submitted) <= 2.5
    log = store_tables.tables["events"]
    with referrals.engine.connect() as conn:
        recorded = [row.envelope for row in conn.execute(select(log.c.envelope).where(log.c.origin == "recorded"))]
    referrals.engine.dispose()

    matching = database("matching", MATCHING, matching_tables)
    received = [Delivery(published_body(body).encode(), "referrals.events", "referral_received", user_id="referrals")
                for body in recorded]
    assert waits_per_delivery(matching, MATCHING_HANDLERS, received) <= 0.5
    matching.engine.dispose()


def test_a_held_write_that_answered_otherwise_fails_the_hold_when_the_statement_after_it_fails_too(engine):
    with engine.begin() as conn:
        conn.execute(_INSERT, {"id": "a", "n": 1})
    with pytest.raises(pipelined.WriteFailed), engine.begin() as conn, pipelined.holding(conn) as held:
        driver_statements.write_later(conn, _OFFER, {"id": "a", "n": 2}, expect=1)  # 0 rows
        try:
            driver_statements.first_row(conn, _INSERT_RETURNING, {"id": "a", "n": 3})  # the key is taken
        finally:
            assert held is not None and held.failed


def test_an_engine_that_would_not_send_what_is_held_first_holds_nothing(postgres_url):
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url)  # not make_engine: without its hooks
    metadata.create_all(engine)
    with engine.begin() as conn, pipelined.holding(conn) as held:
        assert held is None
    engine.dispose()


def test_two_instances_receiving_one_referral_at_once_keep_one_and_its_personal_data_opens(postgres_url, caplog):
    """The second to commit held the referral's insert (and its subject's key) while the other
    committed the same (site, external_ref): its hold fails, and applied again without holding
    it finds the other's referral, sealed under that referral's key."""
    import logging
    from datetime import date

    import eventlet
    from eventlet.event import Event

    from services.referrals.projection import PROJECTION
    from services.referrals.projection import metadata as referrals_tables
    from services.referrals.queries import get_referral
    from services.referrals.service import INBOX_HANDLERS
    from shared.consumption import APPLIED, Delivery, consume_batch
    from shared.contracts import REGISTRY
    from shared.eventstore import metadata as store_tables
    from shared.keyring import subject_keys
    from shared.unit_of_work import ServiceDatabase
    from tests.support import events as ev

    url = emptied(postgres_url, referrals_tables, store_tables)
    first, second = (ServiceDatabase("referrals", make_engine(url), PROJECTION, REGISTRY) for _ in range(2))
    first.create_tables()
    submission = ev.referral_submitted(personal={"name": "Both At Once", "phone": "+45 11111111"})
    again = {**submission, "event_id": ev.referral_submitted()["event_id"]}  # the intake system sent it twice
    started, second_done = Event(), Event()

    def after_the_other_commits(work, event):
        if not started.ready():
            started.send()
            second_done.wait()
        return INBOX_HANDLERS["referral_submitted"](work, event)

    def delivery(message):
        return [Delivery(ev.body(message), "intake.events", "referral_submitted")]

    with caplog.at_level(logging.INFO, logger="shared.consumption"), eventlet.Timeout(30):
        one = eventlet.spawn(consume_batch, first, {"referral_submitted": after_the_other_commits},
                             delivery(submission), 5)
        started.wait()
        assert consume_batch(second, INBOX_HANDLERS, delivery(again), 5) == [APPLIED]
        second_done.send()
        assert one.wait() == [APPLIED]
    assert "a held write" in caplog.text
    with first.reading() as conn:
        [referral_id] = conn.execute(select(referrals_tables.tables["referrals"].c.referral_id)).scalars().all()
        assert conn.execute(select(func.count()).select_from(subject_keys)).scalar() == 1
        shown = get_referral(conn, referral_id, True, date.today(), first.keyring)
    assert shown["personal"]["name"] == "Both At Once"
    first.engine.dispose()
    second.engine.dispose()


def test_a_failed_send_caught_inside_the_hold_still_fails_the_batch_and_commits_nothing(engine):
    with engine.begin() as conn:
        conn.execute(_INSERT, {"id": "a", "n": 1})
    with pytest.raises(pipelined.WriteFailed), engine.begin() as conn, pipelined.holding(conn):
        driver_statements.write_later(conn, _OFFER, {"id": "a", "n": 2}, expect=1)  # 0 rows, no SQL error
        driver_statements.write_later(conn, _INSERT, {"id": "b", "n": 1})  # sent with it, and stored
        with pytest.raises(pipelined.WriteFailed):
            driver_statements.first_row(conn, _COUNT, {})  # caught here, as a broad except would
    with engine.connect() as conn:
        assert conn.execute(_COUNT).scalar() == 1


def test_learned_asks_for_a_held_events_position_only_when_an_applier_wants_it(engine):
    from datetime import datetime, timezone

    from shared.eventstore import applying, learned, learned_at

    at = datetime(2026, 12, 4, tzinfo=timezone.utc)
    with engine.begin() as conn, pipelined.holding(conn) as held:
        later = driver_statements.first_row_later(conn, _INSERT_RETURNING, {"id": "a", "n": 7})
        applying(conn, later, at)
        assert learned_at(conn) == at and held is not None and len(held.pending) == 1
        assert learned(conn) == (7, at) and held.pending == []
