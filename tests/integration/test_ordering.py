"""Per-stream order on SQLite and PostgreSQL: early events wait, gaps end as dead letters."""
from __future__ import annotations

import logging
from datetime import timedelta

import eventlet
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text

from shared import consumption, deadletters
from shared.consumption import APPLIED, DUPLICATE, PARKED, REJECTED, Delivery, consume, consume_batch, sweep
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import utcnow
from shared.ordering import parked_events, stream_positions
from shared.projection import Projection
from shared.unit_of_work import ServiceDatabase
from tests.support import events as ev
from tests.support import postgres
from tests.support.waiting import wait_for

metadata = MetaData()
applied = Table("applied_order", metadata,
                Column("n", Integer, primary_key=True, autoincrement=True),
                Column("stream_id", String(100)), Column("version", Integer))


def _record(conn, event):
    conn.execute(insert(applied).values(stream_id=event.stream_id, version=event.stream_version))


def _volunteer_event(stream: str, version: int, **payload_overrides) -> Delivery:
    payload = {**ev.volunteer_body(), "volunteer_id": stream, **payload_overrides}
    message = ev.envelope("volunteer_registered", payload, source="matching", stream_id=stream,
                          stream_version=version, recorded_at="2023-01-15T09:30:00+00:00")
    return ev.published(message)


def _screened(stream: str, version: int) -> Delivery:
    """An event with nothing to seal: consuming it asks no key."""
    message = ev.envelope("volunteer_screened", {"volunteer_id": stream, "outcome": "approved",
                                                 "screened_on": "2023-01-16"},
                          source="matching", stream_id=stream, stream_version=version,
                          recorded_at="2023-01-16T09:30:00+00:00")
    return ev.published(message)


def _order(db, stream: str) -> list[int]:
    with db.reading() as conn:
        return [r.version for r in conn.execute(
            select(applied).where(applied.c.stream_id == stream).order_by(applied.c.n))]


def _letters(db):
    with db.reading() as conn:
        return deadletters.list_page(conn, None, 0, 100)


def _someone_waits_for_a_lock(watcher) -> bool:
    with watcher.connect() as conn:
        return bool(conn.execute(text(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock')")).scalar())


def _while_the_first_holds(db, url, first: list[Delivery], second: list[Delivery]) -> tuple[list[str], list[str]]:
    """Two instances' batches: the first holds at its first handler call until the second waits for a lock."""
    other = ServiceDatabase("followup", make_engine(url), db.projection, REGISTRY)
    watcher = make_engine(url)
    holding = eventlet.event.Event()

    def hold_until_the_other_waits(_uow, event):
        if not holding.ready():
            holding.send()
            wait_for(lambda: _someone_waits_for_a_lock(watcher), 10, what="the second batch to wait for a lock")

    with eventlet.Timeout(30):  # fails, never hangs
        one = eventlet.spawn(consume_batch, db, {"volunteer_registered": hold_until_the_other_waits}, first, 5)
        holding.wait()
        two = eventlet.spawn(consume_batch, other, {}, second, 5)
        outcomes = one.wait(), two.wait()
    other.engine.dispose()
    watcher.dispose()
    return outcomes


class OrderingContract:
    @pytest.fixture
    def db(self, url):
        database = ServiceDatabase("followup", make_engine(url),
                                   Projection(metadata, {"volunteer_registered": _record}), REGISTRY)
        database.create_tables()
        return database

    def test_events_that_overtake_their_predecessor_wait_for_it(self, db):
        v1, v2, v3 = (_volunteer_event("s", n) for n in (1, 2, 3))
        assert consume(db, {}, v3, 5) == PARKED
        assert consume(db, {}, v2, 5) == PARKED
        assert _order(db, "s") == []
        assert consume(db, {}, v1, 5) == APPLIED
        assert _order(db, "s") == [1, 2, 3]

    def test_a_redelivered_early_event_is_parked_once_and_applied_once(self, db):
        v1, v2 = _volunteer_event("t", 1), _volunteer_event("t", 2)
        assert consume(db, {}, v2, 5) == PARKED
        assert consume(db, {}, v2, 5) == PARKED
        consume(db, {}, v1, 5)
        assert consume(db, {}, v2, 5) == DUPLICATE
        assert _order(db, "t") == [1, 2]

    def test_streams_of_different_sources_do_not_mix(self, db):
        assert consume(db, {}, _volunteer_event("u", 1), 5) == APPLIED
        other = ev.envelope("referral_received", {**ev.referral_payload(), "referral_id": "u",
                                                  "region": "hovedstaden"},
                            source="referrals", stream_id="u", stream_version=1,
                            recorded_at="2023-01-15T09:30:00+00:00")
        assert consume(db, {}, ev.published(other), 5) == APPLIED

    def test_a_gap_that_never_fills_ends_in_the_dead_letter_store_with_the_reason(self, db):
        assert consume(db, {}, _volunteer_event("g", 2), 5) == PARKED
        assert sweep(db, {}, utcnow(), timedelta(minutes=5)) == 0
        assert sweep(db, {}, utcnow() + timedelta(minutes=6), timedelta(minutes=5)) == 1
        [letter] = _letters(db)
        assert "version 1 of stream g from matching never arrived" in letter["error"]
        assert _order(db, "g") == []

    def test_a_parked_event_that_turns_out_bad_is_kept_and_blocks_its_stream(self, db):
        from shared.errors import RuleViolated

        def refuse_second(uow, event):
            if event.stream_version == 2:
                raise RuleViolated("volunteer 2 is not allowed")

        handlers = {"volunteer_registered": refuse_second}
        consume(db, handlers, _volunteer_event("b", 3), 5)
        consume(db, handlers, _volunteer_event("b", 2), 5)
        assert consume(db, handlers, _volunteer_event("b", 1), 5) == APPLIED
        assert _order(db, "b") == [1]
        [letter] = _letters(db)
        assert letter["error"] == "volunteer 2 is not allowed"

    def test_a_batch_applies_its_stream_in_order_whatever_order_it_came_in(self, db):
        v1, v2, v3 = (_volunteer_event("m", n) for n in (1, 2, 3))
        assert consume_batch(db, {}, [v3, v1, v1, v2], 5) == [PARKED, APPLIED, DUPLICATE, APPLIED]
        assert _order(db, "m") == [1, 2, 3]
        with db.reading() as conn:
            assert conn.execute(select(parked_events)).all() == []

    def test_a_batch_knows_where_a_stream_is_after_applying_its_parked_events(self, db):
        v1, v2, v3 = (_volunteer_event("p", n) for n in (1, 2, 3))
        assert consume_batch(db, {}, [v2, v1, v3], 5) == [PARKED, APPLIED, APPLIED]
        assert _order(db, "p") == [1, 2, 3]

    def test_an_event_of_a_batch_refused_for_its_payload_leaves_its_stream_untaken(self, db):
        batch = [_volunteer_event("ok", 1), _volunteer_event("bad", 1, capacity="many"), _volunteer_event("ok", 2)]
        assert consume_batch(db, {}, batch, 5) == [APPLIED, REJECTED, APPLIED]
        assert _order(db, "ok") == [1, 2]
        [letter] = _letters(db)
        assert letter["fields"] == {"payload.capacity": ["Not a valid integer."]}
        with db.reading() as conn:
            assert conn.execute(select(stream_positions.c.stream_id)).scalars().all() == ["ok"]

    def test_a_batch_reads_each_body_once(self, db, monkeypatch):
        read, bodies = consumption.read_envelope, []

        def counted(delivery):
            bodies.append(delivery.body)
            return read(delivery)

        monkeypatch.setattr(consumption, "read_envelope", counted)
        batch = [_volunteer_event("r", 1), _volunteer_event("q", 1, capacity="many"), _volunteer_event("r", 2)]
        assert consume_batch(db, {}, batch, 5) == [APPLIED, REJECTED, APPLIED]
        assert bodies == [delivery.body for delivery in batch]


    def test_a_duplicate_found_where_a_batch_drains_a_stream_is_one_and_the_stream_drains(self, url, monkeypatch,
                                                                                           caplog):
        """Another instance kept an intake event after this batch asked the inbox. On PostgreSQL
        the batch holds that event's insert, which stores nothing, and every other write of
        the batch too (no applier, nothing to seal), so the first statement to send them is the drain's."""
        silent = ServiceDatabase("referrals", make_engine(url), Projection(metadata, {}), REGISTRY)
        silent.create_tables()
        intake = Delivery(ev.body(ev.referral_submitted()), "intake.events", "referral_submitted")
        assert consume_batch(silent, {}, [intake, _screened("d", 2)], 5) == [APPLIED, PARKED]
        monkeypatch.setattr(silent.store, "kept_among", lambda conn, ids: set())  # asked before it was kept
        with caplog.at_level(logging.INFO, logger="shared.consumption"):
            assert consume_batch(silent, {}, [intake, _screened("d", 1)], 5) == [DUPLICATE, APPLIED]
        with silent.reading() as conn:
            assert conn.execute(select(parked_events)).first() is None
            assert conn.execute(select(stream_positions.c.version)).scalars().all() == [2]
        silent.engine.dispose()
        assert ("a held write" in caplog.text) is (silent.engine.dialect.name == "postgresql")


class TestOrderingOnSQLite(OrderingContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'ordering.db'}"


class TestOrderingOnPostgreSQL(OrderingContract):
    @pytest.fixture
    def url(self, postgres_url):
        from shared.eventstore import metadata as store_metadata

        return postgres.emptied(postgres_url, metadata, store_metadata)

    def test_two_instances_whose_batches_hold_the_same_streams_in_opposite_orders_both_apply(self, db, url):
        # Each batch meets its streams in the other's reverse order. Taken one by one as they
        # came, the first would hold a and wait for b while the second held b and waited for
        # a: a deadlock, which PostgreSQL ends by failing one batch (its delivery retried).
        outcomes = _while_the_first_holds(db, url, [_volunteer_event("a", 1), _volunteer_event("b", 1)],
                                          [_volunteer_event("b", 2), _volunteer_event("a", 2)])
        assert outcomes == ([APPLIED, APPLIED], [APPLIED, APPLIED])
        assert (_order(db, "a"), _order(db, "b")) == ([1, 2], [1, 2])

    def test_a_batch_that_waited_for_a_stream_sees_what_the_other_instance_parked_there(self, db, url):
        # The first batch parks s's v3 and commits while the second waits for s with v2: the
        # second must see v3 parked once it has the stream (a statement's snapshot, taken
        # before its wait, would not), apply v2 and then v3, not leave v3 parked.
        consume_batch(db, {}, [_volunteer_event("s", 1)], 5)
        # t's event comes after s's v3 was parked: the first batch holds there.
        outcomes = _while_the_first_holds(db, url, [_volunteer_event("s", 3), _volunteer_event("t", 1)],
                                          [_volunteer_event("s", 2)])
        assert outcomes == ([PARKED, APPLIED], [APPLIED])
        assert _order(db, "s") == [1, 2, 3]
        with db.reading() as conn:
            assert conn.execute(select(parked_events)).first() is None
