"""Rebuild a projection from nothing but the service's own event log, in batches.

Each batch of the log is read in one query, only the events the projection
cares about are parsed, and runs of the same write go to the database as one
``executemany`` (``shared.batching``). On SQLite the rebuild is one
transaction (a local file; readers see the old projection or the new one). On
PostgreSQL it never holds one transaction over the whole log: the new tables
are built aside, in a schema of their own, committing batch by batch, and then
swapped in with a short transaction that applies what was added meanwhile.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select, text

from shared.batching import Batched
from shared.envelope import event_from_json
from shared.eventstore import applying, events
from shared.unit_of_work import ServiceDatabase

Progress = Callable[[int], None]
Recorded = Callable[[Any], datetime] | None  # what makes a row's recorded_at as stored a datetime
BATCH = 5000


class ReplayInterrupted(RuntimeError):
    """Events were written below the rebuild's position while it ran; nothing was swapped."""


def count_events(db: ServiceDatabase, origin: str | None = None) -> int:
    """How many events the service holds (``origin``: only recorded, or only consumed)."""
    query = select(func.count()).select_from(events)
    with db.reading() as conn:
        return int(conn.execute(query.where(events.c.origin == origin) if origin else query).scalar() or 0)


def apply_log(db: ServiceDatabase, source: Connection, target: Connection, after: int = 0,
              until: datetime | None = None, progress: Progress | None = None,
              batch: int = BATCH, batches: int | None = None,
              memo: dict[str, Any] | None = None) -> tuple[int, int, bool]:
    """Apply the events after ``after`` (learned by ``until``) read from ``source`` to ``target``.

    Stops after ``batches`` batches when given. Returns (events read, last
    position, whether the log was read to its end). ``target`` may be ``source``.
    ``memo``: the appliers' memo (``shared.batching``), only for tables this
    replay filled from empty, alone, and kept across the calls that fill them.
    """
    read = 0
    while True:
        with _batch_scope():
            rows, typed = read_batch(db, source, after, until, batch)
            apply_rows(db, target, rows, memo, typed)
        read += len(rows)
        if progress is not None and rows:
            progress(len(rows))
        if rows:
            after = rows[-1][0]
        if len(rows) < batch:
            return read, after, True
        if batches is not None:
            batches -= 1
            if batches == 0:
                return read, after, False


@contextmanager
def _batch_scope() -> Iterator[None]:
    """No cycle collection inside a batch; it goes on between batches.

    A batch makes tens of thousands of short-lived containers that refcounting
    frees, and each collection walked the batch's rows (a twentieth of a replay's CPU).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def read_batch(db: ServiceDatabase, source: Connection, after: int, until: datetime | None,
               batch: int) -> tuple[list[Any], Recorded]:
    """The next ``batch`` rows (seq, event_type, recorded_at, envelope) of the log after ``after``.

    Events the projection ignores are counted, not fetched: their envelope and recorded_at are None.
    Also returns what types a row's recorded_at, or None when the rows hold it typed:
    on SQLite the rows come from the driver's own cursor, recorded_at as stored and
    the envelope as bytes (the JSON parser takes them undecoded).
    """
    if source.dialect.name == "sqlite":
        return _read_sqlite(db, source, after, until, batch)
    applied = events.c.event_type.in_(sorted(db.projection.appliers))
    envelope = case((applied, events.c.envelope), else_=None)
    recorded_at = case((applied, events.c.recorded_at), else_=None)  # typed per row read: only where used
    query = (select(events.c.seq, events.c.event_type, recorded_at.label("recorded_at"), envelope.label("envelope"))
             .where(events.c.seq > after))
    if until is not None:
        query = query.where(events.c.recorded_at <= until)
    return list(source.execute(query.order_by(events.c.seq).limit(batch)).all()), None


def _read_sqlite(db: ServiceDatabase, source: Connection, after: int, until: datetime | None,
                 batch: int) -> tuple[list[Any], Recorded]:
    types = sorted(db.projection.appliers)
    applied = f"event_type IN ({', '.join('?' * len(types))})" if types else "0"
    sql = (f"SELECT seq, event_type, CASE WHEN {applied} THEN recorded_at END, "
           f"CASE WHEN {applied} THEN CAST(envelope AS BLOB) END FROM {events.name} WHERE seq > ?"
           + (" AND recorded_at <= ?" if until is not None else "") + " ORDER BY seq LIMIT ?")
    column = events.c.recorded_at.type.dialect_impl(source.dialect)  # as the dialect types it
    bound = column.bind_processor(source.dialect)
    bounds = [] if until is None else [bound(until) if bound else until]
    cursor = source.connection.driver_connection.execute(  # type: ignore[union-attr]
        sql, (*types, *types, after, *bounds, batch))
    try:
        rows = cursor.fetchall()
    finally:
        cursor.close()
    typed: Recorded = column.result_processor(source.dialect, None)  # type: ignore[assignment]
    return rows, typed


def apply_rows(db: ServiceDatabase, target: Connection, rows: list[Any],
               memo: dict[str, Any] | None = None, typed: Recorded = None) -> None:
    """Apply rows of ``read_batch`` in order, many writes per round trip."""
    if target.dialect.name == "sqlite":
        # Long transactions: keep their pages in memory instead of spilling them early.
        target.exec_driver_sql("PRAGMA cache_size = -131072")
    conn = Batched(target, db.projection.row_keys, memo)
    apply = db.applier()
    for seq, _event_type, recorded_at, envelope in rows:
        if envelope is not None:
            applying(target, seq, recorded_at, typed)
            apply(conn, event_from_json(envelope))  # type: ignore[arg-type]
    conn.flush()


def rebuild(db: ServiceDatabase, progress: Progress | None = None, batch: int = BATCH) -> int:
    """Drop the projection tables, recreate them and apply every stored event in order."""
    if db.engine.dialect.name == "postgresql":
        return _rebuild_aside(db, progress, batch)
    with db.engine.begin() as conn:
        db.projection.metadata.drop_all(conn)
        db.projection.metadata.create_all(conn)
        return apply_log(db, conn, conn, progress=progress, batch=batch, memo={})[0]


def _rebuild_aside(db: ServiceDatabase, progress: Progress | None, batch: int) -> int:
    aside = f"lgv_rebuild_{db.service}"
    tables = db.projection.metadata.sorted_tables
    with db.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{aside}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{aside}"'))
        db.projection.metadata.create_all(conn.execution_options(schema_translate_map={None: aside}))
    read, position, finished, memo = 0, 0, False, {}  # type: ignore[var-annotated]
    with db.engine.connect() as source:
        while not finished:
            with db.engine.begin() as target:
                done, position, finished = apply_log(
                    db, source, target.execution_options(schema_translate_map={None: aside}),
                    after=position, progress=progress, batch=batch, batches=1, memo=memo)
            source.rollback()  # the next batch reads a fresh snapshot
            read += done
    with db.engine.begin() as conn:
        # Writers wait from here to the commit; what they added meanwhile is applied first.
        conn.execute(text(f"LOCK TABLE {events.name} IN SHARE MODE"))
        below = conn.execute(select(func.count()).select_from(events).where(events.c.seq <= position)).scalar()
        if below != read:
            raise ReplayInterrupted(f"{int(below or 0) - read} events were written below position {position} "
                                    "while the rebuild ran; run it again (the projection is unchanged)")
        tail: list[Any] = []
        while len(batch_rows := read_batch(db, conn, position, None, batch)[0]) > 0:  # PostgreSQL: typed
            tail += batch_rows
            position = batch_rows[-1][0]
        # From here on this connection's statements go to the tables built aside.
        with _batch_scope():
            apply_rows(db, conn.execution_options(schema_translate_map={None: aside}), tail, memo)
        read += len(tail)
        if progress is not None and tail:
            progress(len(tail))
        for table in reversed(tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        for table in tables:
            conn.execute(text(f'ALTER TABLE "{aside}"."{table.name}" SET SCHEMA public'))
        conn.execute(text(f'DROP SCHEMA "{aside}"'))
    return read
