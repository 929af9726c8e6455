"""A consumer batch's writes on PostgreSQL, held and sent with the next statement in one round trip.

On PostgreSQL every statement is a round trip to another process: waking it and
being woken cost both sides more CPU than a small insert itself (measured on
this machine: 68 µs of the server's CPU and 73 of the client's per insert in
turn, 16 and 21 pipelined). Most writes a consumed event makes need no answer:
its inbox row, the projection's row-local writes, its stream's new position, the
events it records. Inside ``holding`` (a consumer's batch) such writes are held
on the connection and sent, in psycopg's pipeline mode and in the order they were
made, together with the next statement that needs an answer (a query, any
statement through SQLAlchemy, a savepoint), or at the end of the batch. So the
database sees the same statements in the same order, only with fewer waits.

A held write cannot fail where it was made. Where its caller would have read its
answer, it says what that answer must be (``expect``: the rows it changes or
returns) and carries on as if it were so. If a held write then fails, or answers
otherwise, the flush raises ``WriteFailed`` and marks the hold failed; the batch
is rolled back and applied again without holding, where each statement fails or
answers in its place and the code that handles that runs as before. Holding never
commits anything exact statements would not have.

Outside ``holding``, on SQLite, and under a savepoint (whose rollback must be able
to undo exactly what it covers), nothing is held: writes go at once.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, event

_HELD = "lgv.held_writes"
_CURSORS = "lgv.pipeline_cursors"


class WriteFailed(Exception):
    """A held write failed or answered otherwise than expected: apply the batch again without holding."""


class Later:
    """The row a held statement returns, once it is sent (``row`` sends what is held if need be)."""

    __slots__ = ("_row", "_sent")

    def __init__(self, row: tuple[Any, ...] | None = None, sent: bool = True) -> None:
        self._row, self._sent = row, sent

    def row(self, conn: Connection) -> tuple[Any, ...] | None:
        if not self._sent:
            send(conn)
        return self._row


class Hold:
    """The writes held on one connection in one transaction, and whether sending them failed."""

    def __init__(self, transaction: Any) -> None:
        self.transaction = transaction
        self.pending: list[tuple[str, tuple[Any, ...], int | None, Later | None]] = []
        self.failed = False
        # Event ids the inbox holds or will hold once this transaction commits (``EventStore``).
        self.inbox: set[str] | None = None

    def add(self, sql: str, row: tuple[Any, ...], expect: int | None, later: Later | None = None) -> None:
        self.pending.append((sql, row, expect, later))


@contextmanager
def holding(conn: Connection, hold: bool = True) -> Iterator[Hold | None]:
    """Hold writes on ``conn`` (PostgreSQL) until the next statement that needs an answer; send the
    rest on leaving. Yields the ``Hold`` (None when nothing is held: ``hold`` False, or SQLite)."""
    if not hold or conn.dialect.name != "postgresql":
        yield None
        return
    held = conn.info[_HELD] = Hold(conn.get_transaction())
    try:
        yield held
        send(conn)
    finally:
        conn.info.pop(_HELD, None)  # what is still held on a failure is rolled back unsent


def active(conn: Connection) -> Hold | None:
    """The hold a write on ``conn`` may join now: inside ``holding``, its transaction, no savepoint open."""
    held: Hold | None = conn.info.get(_HELD)
    if held is None or held.failed or held.transaction is not conn.get_transaction() \
            or conn.get_nested_transaction() is not None:
        return None
    return held


def send(conn: Connection, then: tuple[Any, str, tuple[Any, ...]] | None = None) -> None:
    """Send what is held on ``conn`` in one pipeline, and ``then`` (cursor, sql, row) after it.

    Raises ``WriteFailed`` when a held write failed or answered otherwise than it
    expected; an error of ``then`` alone is raised as psycopg raised it.
    """
    held: Hold | None = conn.info.get(_HELD)
    if held is None or not held.pending:
        if then is not None:
            then[0].execute(then[1], then[2])
        return
    pending, held.pending = held.pending, []
    driver = conn.connection.driver_connection
    assert driver is not None
    # One cursor per statement in the pipeline (each keeps its own answer), kept with the connection.
    kept: list[Any] = conn.connection.info.setdefault(_CURSORS, [])
    kept.extend(driver.cursor() for _ in range(len(pending) - len(kept)))
    cursors = []
    try:
        with driver.pipeline():
            for (sql, row, _expect, _later), cursor in zip(pending, kept, strict=False):
                cursors.append(cursor)
                cursor.execute(sql, row)
            if then is not None:
                then[0].execute(then[1], then[2])
    except psycopg.Error as exc:
        if len(cursors) == len(pending) and all(_succeeded(c) for c in cursors):
            raise  # the statement sent after them failed, in its place
        held.failed = True
        raise WriteFailed(f"a held write failed: {type(exc).__name__}") from exc
    for (_sql, _row, expect, later), cursor in zip(pending, cursors, strict=True):
        if expect is not None and cursor.rowcount != expect:
            held.failed = True
            raise WriteFailed(f"a held write changed {cursor.rowcount} row(s), not {expect}")
        if later is not None:
            later._row, later._sent = cursor.fetchone(), True


def _succeeded(cursor: Any) -> bool:
    result = cursor.pgresult
    return result is not None and result.status in (psycopg.pq.ExecStatus.COMMAND_OK, psycopg.pq.ExecStatus.TUPLES_OK)


def install(engine: Engine) -> None:
    """Send what is held before any statement SQLAlchemy executes or any savepoint (PostgreSQL engines)."""

    def before(conn: Connection, *_args: Any) -> None:
        held = conn.info.get(_HELD)
        if held is not None and held.pending:
            send(conn)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "savepoint", before)
    event.listen(engine, "commit", before)
