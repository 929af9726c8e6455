"""Per-subject data keys: sealed at rest, opened for a read, gone for good once destroyed."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from shared import masterkey
from shared.db import make_engine
from shared.envelope import Event
from shared.eventstore import metadata
from shared.keyring import ERASED, Keyring, is_sealed, subject_keys
from shared.masterkey import MasterKey, WrongMasterKey
from shared.personal import open_fields, public_view, seal_event
from shared.runtime.counters import SEALED_VALUES_UNREADABLE
from tests.support import postgres
from tests.support.store import make_database

CANARY = "Canary-Kx7Q"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    # Keys are read and made through the driver on each backend (shared.driver_statements).
    url = f"sqlite:///{tmp_path / 'keys.db'}" if request.param == "sqlite" else \
        postgres.emptied(request.getfixturevalue("postgres_url"), metadata)
    engine = make_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def keyring(key: bytes | None = None) -> Keyring:
    return Keyring(MasterKey(key or masterkey.generate()))


def event(event_type: str, payload: dict) -> Event:
    return Event(event_id="e-1", event_type=event_type, schema_version=1,
                 occurred_at=datetime(2023, 1, 1, tzinfo=timezone.utc), source="followup",
                 payload=payload)


def test_a_sealed_value_opens_only_under_its_subject_and_not_after_its_key_is_destroyed(engine):
    keys = keyring()
    with engine.begin() as conn:
        keys.check(conn)
        token = keys.seal(conn, "r-1", {"name": CANARY}, "referral")
        other = keys.seal(conn, "r-2", {"name": "someone else"}, "referral")
        assert CANARY not in token and is_sealed(token)
        assert keys.open(conn, token) == {"name": CANARY}
        # Moved to another subject's name, the value does not open (the subject is bound in).
        moved = token.replace("r-1", "r-2", 1)
        assert keys.open(conn, moved) is None
        assert keys.destroy(conn, ["r-1"], "referral") == 1
        assert keys.open(conn, token) is ERASED
        assert keys.open(conn, other) == {"name": "someone else"}
        assert keys.seal(conn, "r-1", {"name": "new"}, "referral") is None  # erased stays erased
        assert keys.destroy(conn, ["r-1"], "referral") == 0  # twice is harmless
        assert conn.execute(subject_keys.select().where(subject_keys.c.subject_id == "r-1")
                            ).one().wrapped_key is None


def test_a_tampered_sealed_value_is_not_an_erasure_but_logged_and_counted(engine, caplog):
    keys = keyring()
    with engine.begin() as conn:
        keys.check(conn)
        token = keys.seal(conn, "r-1", {"name": CANARY}, "referral")
        prefix, _, data = token.rpartition(":")
        flipped = prefix + ":" + data[:-6] + ("A" if data[-6] != "A" else "B") + data[-5:]
        before = SEALED_VALUES_UNREADABLE.value
        with caplog.at_level(logging.WARNING, logger="shared.keyring"):
            assert keys.open(conn, flipped) is None
        assert SEALED_VALUES_UNREADABLE.value == before + 1
        assert "r-1" in caplog.text and CANARY not in caplog.text and data not in caplog.text
        assert keys.open(conn, token) == {"name": CANARY}  # the genuine value still opens
        keys.destroy(conn, ["r-1"], "referral")
        assert keys.open(conn, flipped) is ERASED and SEALED_VALUES_UNREADABLE.value == before + 1


def test_a_wrong_master_key_is_refused_at_the_start(engine):
    with engine.begin() as conn:
        keyring().check(conn)
    with engine.begin() as conn, pytest.raises(WrongMasterKey, match="not the one"):
        keyring().check(conn)


def test_rotation_rewraps_the_data_keys_and_leaves_sealed_values_as_they_were(engine):
    old, new = masterkey.generate(), masterkey.generate()
    with engine.begin() as conn:
        keys = keyring(old)
        keys.check(conn)
        token = keys.seal(conn, "v-1", CANARY, "volunteer")
        assert keys.rewrap(conn, MasterKey(new)) == 1
    with engine.begin() as conn:
        rotated = keyring(new)
        rotated.check(conn)
        assert rotated.open(conn, token) == CANARY
    with engine.begin() as conn, pytest.raises(WrongMasterKey):
        keyring(old).check(conn)


def test_identifying_fields_are_sealed_for_the_store_opened_for_a_read_and_left_off_the_bus(engine):
    keys = keyring()
    with engine.begin() as conn:
        keys.check(conn)
        sealed = seal_event(keys, conn, event("checked_in", {"match_id": "m-1", "note": CANARY,
                                                             "wellbeing": 4}))
        assert CANARY not in sealed.to_json()
        assert sealed.payload["wellbeing"] == 4
        assert open_fields(keys, conn, sealed) == ({"match_id": "m-1", "note": CANARY,
                                                    "wellbeing": 4}, [])
        assert "note" not in public_view(sealed.to_dict())["payload"]
        keys.destroy(conn, ["m-1"], "match")
        assert open_fields(keys, conn, sealed) == ({"match_id": "m-1", "note": None,
                                                    "wellbeing": 4}, ["note"])


def test_the_master_key_file_is_created_once_and_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("LGV_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("LGV_MASTER_KEY", raising=False)
    first = masterkey.load()
    assert (tmp_path / "var" / "master.key").stat().st_mode & 0o777 == 0o600
    assert masterkey.load().key == first.key
    monkeypatch.setenv("LGV_MASTER_KEY", "not base64 of 32 bytes")
    with pytest.raises(WrongMasterKey, match="LGV_MASTER_KEY"):
        masterkey.load()


def test_databases_and_their_directory_are_readable_by_their_owner_only(tmp_path, monkeypatch):
    from shared import config

    monkeypatch.setenv("LGV_VAR_DIR", str(tmp_path / "var"))
    var = config.var_dir()
    engine = make_engine(f"sqlite:///{var / 'referrals.db'}")
    metadata.create_all(engine)
    with engine.connect() as conn:  # the WAL and shared-memory files exist while connected
        conn.exec_driver_sql("SELECT 1")
        files = sorted(var.iterdir())
        assert {f.name for f in files} >= {"referrals.db", "referrals.db-wal", "referrals.db-shm"}
        assert {oct(f.stat().st_mode & 0o777) for f in files} == {oct(0o600)}
    assert var.stat().st_mode & 0o777 == 0o700


def test_a_destroyed_key_is_in_no_file_of_the_database_while_its_connections_stay_open(tmp_path):
    db = make_database(f"sqlite:///{tmp_path / 'referrals.db'}")
    with db.transaction() as uow:
        db.keyring.seal(uow.conn, "subject-1", {"name": "Kari"}, "referral")
        wrapped = uow.conn.execute(select(subject_keys.c.wrapped_key)
                                   .where(subject_keys.c.subject_id == "subject-1")).scalar_one()
    assert any(wrapped in f.read_bytes() for f in tmp_path.iterdir()), "the key should be on disk first"

    with db.transaction() as uow:
        assert db.keyring.destroy(uow.conn, ["subject-1"], "referral") == 1
    try:
        holding = [f.name for f in tmp_path.iterdir() if wrapped in f.read_bytes()]
        assert holding == [], f"the destroyed key is still readable in {holding}"
    finally:
        db.engine.dispose()


def test_a_key_made_in_a_rolled_back_savepoint_is_made_again_not_remembered(engine):
    keys = keyring()
    with engine.begin() as conn:
        keys.check(conn)
        rolled_back = conn.begin_nested()
        keys.seal(conn, "r-9", {"name": "first try"}, "referral")
        rolled_back.rollback()
        with conn.begin_nested():
            token = keys.seal(conn, "r-9", {"name": CANARY}, "referral")
            assert keys.seal(conn, "r-9", {"name": "again"}, "referral") is not None
    with engine.connect() as conn:
        assert conn.execute(select(subject_keys.c.wrapped_key)
                            .where(subject_keys.c.subject_id == "r-9")).one().wrapped_key is not None
        assert keyring_of(keys).open(conn, token) == {"name": CANARY}


def test_a_key_destroyed_in_the_transaction_that_made_it_seals_nothing_more(engine):
    keys = keyring()
    with engine.begin() as conn:
        keys.check(conn)
        keys.seal(conn, "r-8", {"name": CANARY}, "referral")
        keys.destroy(conn, ["r-8"], "referral")
        assert keys.seal(conn, "r-8", {"name": CANARY}, "referral") is None


def keyring_of(keys: Keyring) -> Keyring:
    """A keyring with the same master key and nothing cached."""
    return Keyring(keys.master)


def test_a_subject_with_a_key_is_sealed_under_it_in_a_later_transaction(engine):
    keys = keyring()
    with engine.begin() as conn:
        first = keys.seal(conn, "r-7", {"name": CANARY}, "referral")
        stored = conn.execute(select(subject_keys.c.wrapped_key).where(subject_keys.c.subject_id == "r-7")).scalar()
    with engine.begin() as conn:  # nothing of r-7 remembered
        later = keyring_of(keys).seal(conn, "r-7", {"name": "later"}, "referral")
        assert conn.execute(select(subject_keys.c.wrapped_key)
                            .where(subject_keys.c.subject_id == "r-7")).scalar() == stored  # kept, not replaced
    with engine.connect() as conn:
        fresh = keyring_of(keys)
        assert fresh.open(conn, first) == {"name": CANARY} and fresh.open(conn, later) == {"name": "later"}
