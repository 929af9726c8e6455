"""A service's SQLite database: two processes opening a new file at once both come up in WAL mode."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db import READ_ONLY, make_engine, use_wal


def _writing(path: Path) -> sqlite3.Connection:
    """Another process's connection writing to the file, not yet in WAL mode (its reserved lock)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE IF NOT EXISTS marker (n INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO marker VALUES (1)")
    return other


def test_turning_a_new_database_to_wal_waits_for_a_writer_sqlite_would_not_wait_for(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    other = _writing(path)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # at once: SQLite's busy timeout does not apply
        connection.execute("PRAGMA journal_mode=WAL")
    threading.Timer(0.2, other.commit).start()  # the other process finishes its write
    use_wal(connection, timeout=30)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_it_gives_up_after_its_timeout(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    other = _writing(path)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(connection, timeout=0.1)
    other.rollback()


def test_a_service_engine_uses_the_write_ahead_log(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def _other_writer_blocked(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    finally:
        other.close()


def test_a_writer_takes_the_write_lock_at_its_first_statement_and_a_reader_does_not(tmp_path: Path) -> None:
    path = tmp_path / "locks.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE marker (n INTEGER)"))
    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM marker"))
        assert _other_writer_blocked(path)
    with engine.connect() as conn:
        conn.info[READ_ONLY] = True
        try:
            conn.execute(text("SELECT count(*) FROM marker"))
            assert not _other_writer_blocked(path)
        finally:
            conn.info.pop(READ_ONLY, None)
    engine.dispose()
