"""Replay in batches gives the projection event-by-event application gave, on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, text

from services.referrals.projection import PROJECTION, metadata
from services.referrals.service import INBOX_HANDLERS as HANDLERS
from shared import replay
from shared.consumption import Delivery, consume
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.unit_of_work import ServiceDatabase
from shared.verify import verify
from tests.support import events as ev
from tests.support.projections import rows
from tests.support.store import referrals_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    yield from referrals_database(request, tmp_path)


def _history(db: ServiceDatabase) -> None:
    """Submissions, some matched and closed later (others' events interleaved), one withdrawal."""
    submitted = [ev.referral_submitted() for _ in range(12)]
    for message in submitted:
        consume(db, HANDLERS, Delivery(json.dumps(message).encode(), "intake.events", "referral_submitted"), 5)
    found = sorted(rows(str(db.engine.url), "referrals"), key=lambda r: r["external_ref"])
    with db.transaction() as uow:
        for n, referral in enumerate(found[:8]):
            rid, mid = referral["referral_id"], f"m{n}"
            uow.consume(_event("matched", {"match_id": mid, "referral_id": rid, "volunteer_id": "v",
                                           "region": referral["region"], "matched_on": "2023-02-01"}))
        for n, reason in enumerate(("mismatch", "goals_reached", "moved")):
            uow.consume(_event("closed", {"match_id": f"m{n}", "referral_id": found[n]["referral_id"],
                                          "volunteer_id": "v", "closed_on": "2023-03-01",
                                          "initiator": "participant", "reason": reason}))
    from services.referrals.handlers import withdraw_referral
    from services.referrals.repository import SqlReferrals
    from shared.stored_work import work
    with work(db, SqlReferrals) as uow:
        withdraw_referral(uow, found[10]["referral_id"], "moved", "moved away")


def _event(event_type: str, payload: dict):
    from shared.envelope import load_envelope
    message = ev.envelope(event_type, REGISTRY.validate(event_type, 1, payload, strict=False))
    return load_envelope(message)


def test_a_replay_in_small_batches_rebuilds_the_projection_row_for_row(db):
    _history(db)
    before = sorted(rows(str(db.engine.url), "referrals"), key=lambda r: r["referral_id"])
    assert {r["status"] for r in before} >= {"matched", "closed", "waiting", "withdrawn"}
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM referrals"))
    assert replay.rebuild(db, batch=4) == replay.count_events(db)
    assert sorted(rows(str(db.engine.url), "referrals"), key=lambda r: r["referral_id"]) == before
    assert all(check.same for check in verify(db))
    assert "lgv_rebuild_referrals" not in inspect(db.engine).get_schema_names()


def test_verify_names_exactly_the_row_altered_by_hand(db):
    _history(db)
    target = sorted(rows(str(db.engine.url), "referrals"), key=lambda r: r["referral_id"])[0]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE referrals SET region = 'elsewhere' WHERE referral_id = :r"),
                     {"r": target["referral_id"]})
    checks = {check.table: check for check in verify(db)}
    assert [name for name, check in checks.items() if not check.same] == ["referrals"]
    different = checks["referrals"]
    assert [(r["referral_id"], r["region"]) for r in different.only_live] == [(target["referral_id"], "elsewhere")]
    assert [(r["referral_id"], r["region"]) for r in different.only_rebuilt] == [(target["referral_id"],
                                                                                  target["region"])]
    assert different.live_rows == different.rebuilt_rows == len(rows(str(db.engine.url), "referrals"))


def test_verify_finds_one_character_changed_in_the_middle_of_a_long_sealed_value(db):
    """A long value counts whole (printed rows are cut short in the middle)."""
    _history(db)
    referral_id = next(r["referral_id"] for r in rows(str(db.engine.url), "referrals") if r["status"] == "waiting")
    from services.referrals.handlers import withdraw_referral
    from services.referrals.repository import SqlReferrals
    from shared.stored_work import work
    with work(db, SqlReferrals) as uow:
        withdraw_referral(uow, referral_id, "moved", "moved away, and asked us to say why at length. " * 12)
    with db.engine.connect() as conn:
        sealed = conn.execute(text("SELECT withdrawn_reason FROM referrals WHERE referral_id = :r"),
                              {"r": referral_id}).scalar()
    assert len(sealed) > 600
    middle = len(sealed) // 2
    altered = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1:]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE referrals SET withdrawn_reason = :p WHERE referral_id = :r"),
                     {"p": altered, "r": referral_id})
    different = {check.table: check for check in verify(db)}["referrals"]
    assert not different.same
    assert [r["referral_id"] for r in different.only_live] == [referral_id]


def test_verify_finds_no_difference_when_the_live_rows_were_stored_in_another_order(db):
    """Row order is no difference, on any backend; a changed row in the reordered table still is one."""
    _history(db)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE reordered AS SELECT * FROM referrals"))
        conn.execute(text("DELETE FROM referrals"))
        conn.execute(text("INSERT INTO referrals SELECT * FROM reordered ORDER BY referral_id DESC"))
        conn.execute(text("DROP TABLE reordered"))
    assert all(check.same for check in verify(db))
    target = sorted(rows(str(db.engine.url), "referrals"), key=lambda r: r["referral_id"])[-1]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE referrals SET region = 'elsewhere' WHERE referral_id = :r"),
                     {"r": target["referral_id"]})
    different = {check.table: check for check in verify(db)}["referrals"]
    assert [r["referral_id"] for r in different.only_live] == [target["referral_id"]]


def test_the_log_read_through_sqlites_cursor_is_the_log_sqlalchemy_reads(tmp_path):
    """Raw rows, typed when an applier asks: the same positions, moments and envelopes, --until included."""
    from sqlalchemy import select

    from shared.eventstore import applying, events, learned
    database = ServiceDatabase("referrals", make_engine(f"sqlite:///{tmp_path / 'r.db'}"), PROJECTION, REGISTRY)
    database.create_tables()
    _history(database)
    with database.engine.connect() as conn:
        stored = conn.execute(select(events.c.seq, events.c.event_type, events.c.recorded_at, events.c.envelope)
                              .order_by(events.c.seq)).all()
        until = stored[len(stored) // 2].recorded_at
        for bound in (None, until):
            rows, typed = replay.read_batch(database, conn, 0, bound, 1000)
            expected = [r for r in stored if bound is None or r.recorded_at <= bound]
            assert bound is None or 0 < len(expected) < len(stored)
            assert [row[:2] for row in rows] == [tuple(r[:2]) for r in expected]
            for row, r in zip(rows, expected):
                if r.event_type in PROJECTION.appliers:
                    applying(conn, row[0], row[2], typed)
                    assert learned(conn) == (r.seq, r.recorded_at) and learned(conn)[1].tzinfo is not None
                    assert row[3].decode() == r.envelope
                else:
                    assert row[2] is row[3] is None
    database.engine.dispose()


def test_a_replay_leaves_cycle_collection_as_it_found_it_also_when_an_applier_fails(tmp_path):
    import gc

    from shared.projection import Projection

    def refuse(conn, event):
        raise RuntimeError("this applier refuses")

    url = f"sqlite:///{tmp_path / 'r.db'}"
    database = ServiceDatabase("referrals", make_engine(url), PROJECTION, REGISTRY)
    database.create_tables()
    _history(database)
    replay.rebuild(database)
    assert gc.isenabled()
    failing = ServiceDatabase("referrals", database.engine, Projection(metadata, {"matched": refuse}), REGISTRY)
    with pytest.raises(RuntimeError, match="refuses"):
        replay.rebuild(failing)
    assert gc.isenabled()
    gc.disable()
    try:
        replay.rebuild(database)
        assert not gc.isenabled()
    finally:
        gc.enable()
    database.engine.dispose()


def test_verify_compares_a_table_stored_without_sqlites_rowid(tmp_path):
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert

    from shared.projection import Projection
    counts = MetaData()
    per_region = Table("per_region", counts, Column("region", String(50), primary_key=True),
                       Column("seen", Integer, nullable=False), sqlite_with_rowid=False)

    def count(conn, event):
        conn.execute(insert(per_region).prefix_with("OR IGNORE"), {"region": event.payload["region"], "seen": 0})
        conn.execute(per_region.update().where(per_region.c.region == event.payload["region"])
                     .values(seen=per_region.c.seen + 1))

    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    referrals_db = ServiceDatabase("referrals", engine, PROJECTION, REGISTRY)
    referrals_db.create_tables()
    _history(referrals_db)
    counting = ServiceDatabase("referrals", engine, Projection(counts, {"referral_received": count}), REGISTRY)
    counting.create_tables()
    replay.rebuild(counting)
    assert all(check.same for check in verify(counting))
    with engine.begin() as conn:
        conn.execute(per_region.update().values(seen=99))
    assert not any(check.same for check in verify(counting))
    engine.dispose()
