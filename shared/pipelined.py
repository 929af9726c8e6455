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
answers in its place and the code that handles that runs as before (the parts that
pass split off again, as any failed batch's, and hold again). Holding never commits
anything exact statements would not have.

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
    rest on leaving. Yields the ``Hold`` (None when nothing is held: ``hold`` False, SQLite, or an
    engine not made by ``shared.db.make_engine``, whose statements would not send what is held first).

    Leaving raises ``WriteFailed`` if a send failed, even where the code in between caught it:
    the transaction must not commit then (PostgreSQL would roll back an aborted one silently).
    """
    if not hold or conn.dialect.name != "postgresql" or not event.contains(conn.engine, "savepoint", _send_first):
        yield None
        return
    held = conn.info[_HELD] = Hold(conn.get_transaction())
    try:
        yield held
        send(conn)
        if held.failed:
            raise WriteFailed("a held write failed, and the failure was caught before it reached the batch")
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
    expected; an error of ``then`` alone (every held write as expected) is raised as it came.
    """
    held: Hold | None = conn.info.get(_HELD)
    if held is None or not held.pending:
        if then is not None:
            then[0].execute(then[1], then[2])
        return
    pending, held.pending = held.pending, []
    cursors: list[Any] = []
    sent = 0
    try:
        driver = conn.connection.driver_connection
        assert driver is not None
        # One cursor per statement in the pipeline (each keeps its own answer); the first few
        # kept with the connection for the next sends.
        kept: list[Any] = conn.connection.info.setdefault(_CURSORS, [])
        kept.extend(driver.cursor() for _ in range(min(len(pending), _KEPT_CURSORS) - len(kept)))
        cursors = kept[:len(pending)] + [driver.cursor() for _ in range(len(pending) - len(kept))]
        with driver.pipeline():
            for (sql, row, _expect, _later), cursor in zip(pending, cursors, strict=True):
                cursor.execute(sql, row)
                sent += 1
            if then is not None:
                then[0].execute(then[1], then[2])
    except BaseException as exc:  # (a timeout or a kill too: what was held is gone either way)
        if isinstance(exc, Exception) and sent == len(pending) and all(map(_succeeded, cursors)) \
                and _as_expected(pending, cursors):
            raise  # the statement sent after them failed, in its place
        held.failed = True
        if not isinstance(exc, Exception):
            raise
        raise WriteFailed(f"a held write failed: {type(exc).__name__}") from exc
    if not _as_expected(pending, cursors):
        held.failed = True
        raise WriteFailed("a held write changed another number of rows than it expected")
    for (_sql, _row, _expect, later), cursor in zip(pending, cursors, strict=True):
        if later is not None:
            later._row, later._sent = cursor.fetchone(), True


_KEPT_CURSORS = 32


def _succeeded(cursor: Any) -> bool:
    result = cursor.pgresult
    return result is not None and result.status in (psycopg.pq.ExecStatus.COMMAND_OK, psycopg.pq.ExecStatus.TUPLES_OK)


def _as_expected(pending: list[tuple[str, tuple[Any, ...], int | None, Later | None]], cursors: list[Any]) -> bool:
    return all(expect is None or cursor.rowcount == expect
               for (_sql, _row, expect, _later), cursor in zip(pending, cursors, strict=True))


def _send_first(conn: Connection, *_args: Any) -> None:
    held = conn.info.get(_HELD)
    if held is not None and held.pending:
        send(conn)


def install(engine: Engine) -> None:
    """Send what is held before any statement SQLAlchemy executes, any savepoint and the commit
    (PostgreSQL engines; ``holding`` holds nothing on an engine without these)."""
    event.listen(engine, "before_cursor_execute", _send_first)
    event.listen(engine, "savepoint", _send_first)
    event.listen(engine, "commit", _send_first)
