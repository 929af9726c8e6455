"""Engines for a service's own database: SQLite by default, any SQLAlchemy URL."""
from __future__ import annotations

import functools
import logging
import os
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from shared import pipelined

log = logging.getLogger(__name__)

READ_ONLY = "lgv_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine that serialises writers safely on SQLite and pools on PostgreSQL."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    cooperative_waits()
    # hide_parameters: error messages must not carry bound values (they may be personal data).
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)
    pipelined.install(engine)
    return engine


def cooperative_waits() -> None:
    """Make psycopg wait for the server through eventlet's hub when eventlet patched ``select``.

    psycopg 3 picks its C wait function by default, which blocks in ``poll()``
    outside eventlet: one slow query would stop every green thread of a service
    (RPC, consumers, heartbeats, the outbox relay). ``green_wait`` lets them run.
    """
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is None or not patcher.is_monkey_patched("select"):
        return
    import psycopg.waiting

    psycopg.waiting.wait = green_wait


# How long a green thread waits for its query's answer in the OS before parking on the hub.
_BRIEF_WAIT_MS = 1


def green_wait(gen: Any, fileno: int, interval: float | None = None, timeout: float | None = None) -> Any:
    """psycopg's ``wait``: run ``gen``; while it waits for its socket, let the other green threads run.

    A wait to read first polls the socket in the OS for up to ``_BRIEF_WAIT_MS``
    (most statements answer in a fraction of it; a round through eventlet's hub
    cost more Python than the statement itself), then parks the green thread on
    the hub until the socket is ready, as psycogreen did for psycopg2. So a slow
    query holds the others up for a millisecond at most. A wait for either
    direction (a pipeline's, or a large write not yet flushed) takes what the OS
    says the socket can do now, and only if nothing goes through the patched ``select``
    (which cost about 100 µs a wait, several per pipeline);
    ``interval`` is psycopg's pause to notice Ctrl-C, which a green thread does not need.
    """
    select, trampoline, waiting = _green()
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        state = next(gen)
        while True:
            ready: int
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                if state == waiting.WAIT_R:
                    if not _answered(fileno, _BRIEF_WAIT_MS if left is None else min(_BRIEF_WAIT_MS, int(left * 1000))):
                        trampoline(fileno, read=True, timeout=left, timeout_exc=_WaitedEnough)
                    ready = waiting.READY_R
                elif state == waiting.WAIT_W:
                    trampoline(fileno, write=True, timeout=left, timeout_exc=_WaitedEnough)
                    ready = waiting.READY_W
                else:  # either way (a pipeline's sends and answers): the OS's answer at once, most often
                    ready = _ready_now(fileno)
                    if not ready:
                        readable, writable, _ = select.select([fileno], [fileno], [], left)
                        ready = (waiting.READY_R if readable else 0) | (waiting.READY_W if writable else 0)
            except _WaitedEnough:
                ready = waiting.READY_NONE
            state = gen.send(ready)
            if deadline is not None and time.monotonic() >= deadline:
                import psycopg.errors
                raise psycopg.errors._WaitTimeout("wait timeout expired")
    except StopIteration as done:
        return done.value


def _answered(fileno: int, within_ms: int) -> bool:
    """Whether the socket has something to read within ``within_ms`` (blocking this OS thread meanwhile).

    A closed socket counts as answered: the read that follows says so.
    """
    os_select = _os_select()
    return bool(_polled(fileno, os_select.POLLIN | os_select.POLLERR | os_select.POLLHUP, within_ms))


def _ready_now(fileno: int) -> int:
    """psycopg's READY_R / READY_W bits the socket has now, asked of the OS without waiting."""
    waiting = _green()[2]
    os_select = _os_select()
    events = _polled(fileno, os_select.POLLIN | os_select.POLLOUT, 0)
    return ((waiting.READY_R if events & (os_select.POLLIN | os_select.POLLERR | os_select.POLLHUP) else 0)
            | (waiting.READY_W if events & os_select.POLLOUT else 0))


def _polled(fileno: int, mask: int, within_ms: int) -> int:
    """The events of ``mask`` (and errors) the OS reports for the socket within ``within_ms``."""
    poller = _os_select().poll()
    poller.register(fileno, mask)
    found = 0
    for _fd, events in poller.poll(within_ms):
        found |= events
    return found


@functools.cache
def _green() -> tuple[Any, Any, Any]:
    """eventlet's ``select`` and ``trampoline``, and psycopg's ``waiting``: imported at the first
    wait, not with this module (a tool that never waits loads neither), and not at every wait
    (an import statement in a function costs about 1.4 µs each time it runs)."""
    from eventlet.green import select
    from eventlet.hubs import trampoline
    from psycopg import waiting

    return select, trampoline, waiting


@functools.cache
def _os_select() -> Any:
    """The ``select`` module as the OS gives it (eventlet's patched one would switch to the hub)."""
    from eventlet import patcher

    return patcher.original("select")


class _WaitedEnough(Exception):
    """A green wait's deadline came before its socket was ready."""


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    _owner_only(make_url(url).database)
    # Connections are kept open: closing the last one checkpoints the WAL and removes it,
    # which cost more than the transaction itself. Under eventlet every green thread runs
    # on one OS thread, and a connection serves one checkout at a time.
    engine = create_engine(url, poolclass=QueuePool, pool_size=5, max_overflow=-1, hide_parameters=True,
                           connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, issue BEGIN (so BEGIN IMMEDIATE below works).
        dbapi_connection.isolation_level = None
        use_wal(dbapi_connection, timeout=30)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # A destroyed key's bytes are overwritten, not left in a freed part of a page.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_size_limit=0")  # a reset log is emptied, not reused in place
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front, so two never deadlock upgrading a read lock;
        # readers (marked by ``read_only``) need no lock under WAL. Sent to the driver itself:
        # SQLAlchemy's execution of it cost more than the read it opened (a single read: a third).
        statement = "BEGIN" if connection.info.get(READ_ONLY) else "BEGIN IMMEDIATE"
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as exc:  # as SQLAlchemy would raise it (e.g. locked beyond the timeout)
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error, hide_parameters=True) from exc

    return engine


def use_wal(dbapi_connection: Any, timeout: float) -> None:
    """Put the database in write-ahead-log mode, waiting up to ``timeout`` s for others to let it.

    Turning a new database to WAL writes its header from inside a read: while another
    connection holds the write lock (another instance turning it, or migrating it), SQLite
    refuses at once with "database is locked" and calls no busy handler, so two instances
    starting on a new file at once could have one fail. It is tried again until the other
    is done (the mode is the file's: then it is already set).
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def forget_freed(engine: Engine) -> None:
    """Drop the copies of overwritten rows the database's files still hold (after an erasure).

    On SQLite the write-ahead log keeps every page as it was written until a checkpoint,
    and its file is reused, not emptied, while connections stay open: a destroyed key
    would stay readable there. A truncating checkpoint copies the log into the database
    (where ``secure_delete`` zeroed the old bytes) and empties the log file.
    """
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        busy, _frames, _done = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("the write-ahead log could not be emptied after an erasure (a reader held it); "
                        "it is emptied when the log is next reset")
    finally:
        raw.close()


def _owner_only(database: str | None) -> None:
    """The database file (and so its -wal and -shm, which SQLite creates alike) mode 0600."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back timezone-aware, on any backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; give a timezone")
        value = value.astimezone(timezone.utc)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None \
            else value.astimezone(timezone.utc)
