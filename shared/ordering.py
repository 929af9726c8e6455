"""Per-stream order for consumed events: apply version n+1 only after n.

RabbitMQ does not keep order across redeliveries, competing consumers, or a
PostgreSQL outbox whose rows commit out of sequence. Every event a service
records carries (stream_id, stream_version); a consumer keeps, per source
service and stream, the last version it applied. An event that arrives early
is parked, and applied as soon as its predecessor is; one whose predecessor
never comes ends in the dead-letter store with the reason, never in a silent skip.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    exists,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from shared import driver_statements
from shared.db import UtcDateTime
from shared.envelope import Event, utcnow
from shared.eventstore import metadata
from shared.keyring import ERASED, Keyring

stream_positions = Table(
    "stream_positions", metadata,
    Column("source", String(100), primary_key=True),
    Column("stream_id", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
)

parked_events = Table(
    "parked_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("stream_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("exchange", String(200), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("parked_at", UtcDateTime(), nullable=False),
    UniqueConstraint("source", "stream_id", "stream_version", name="uq_parked_stream_version"),
)


_KEY = (stream_positions.c.source == bindparam("b_source")) \
    & (stream_positions.c.stream_id == bindparam("b_stream"))
_POSITION = select(stream_positions.c.version).where(_KEY).with_for_update()
_ADVANCE = update(stream_positions).where(_KEY).values(version=bindparam("b_version"))
_NEXT = select(parked_events).where(
    parked_events.c.source == bindparam("b_source"), parked_events.c.stream_id == bindparam("b_stream"),
    parked_events.c.stream_version == bindparam("b_version"))
_ANY_PARKED = select(parked_events.c.id).where(
    parked_events.c.source == bindparam("b_source"), parked_events.c.stream_id == bindparam("b_stream")).limit(1)
# One statement that creates the stream's row (version 0) or, when it exists, locks it
# (PostgreSQL: an upsert's update locks the row as FOR UPDATE does) and returns its version,
# and whether some event of the stream is parked (trusted on SQLite only: see ``position``).
_PARKED_HERE = exists().where(parked_events.c.source == bindparam("b_source"),
                              parked_events.c.stream_id == bindparam("b_stream")).label("parked")
_TAKE_STREAM = {dialect: insert_(stream_positions).on_conflict_do_update(
    index_elements=[stream_positions.c.source, stream_positions.c.stream_id],
    set_={"version": stream_positions.c.version}).returning(stream_positions.c.version, _PARKED_HERE)
    for dialect, insert_ in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))}
# What ``position`` saw parked, by stream, for the rest of the transaction (``any_parked``).
_SEEN_PARKED = "lgv.parked_seen"
# PostgreSQL: a batch's streams, created or locked in the order given (one statement), with
# their versions. Which of them have parked events is a statement of its own, after: a
# statement reads what was committed when it began, and this one may have waited for a
# stream's lock while the holder parked an event there and committed.
_TAKE_STREAMS = """
INSERT INTO stream_positions (source, stream_id, version)
SELECT source, stream_id, 0 FROM unnest(%(sources)s::varchar[], %(streams)s::varchar[])
    WITH ORDINALITY AS taken(source, stream_id, n) ORDER BY n
ON CONFLICT (source, stream_id) DO UPDATE SET version = stream_positions.version
RETURNING source, stream_id, version
"""
_PARKED_AMONG = """
SELECT DISTINCT source, stream_id FROM parked_events
WHERE (source, stream_id) IN (SELECT * FROM unnest(%(sources)s::varchar[], %(streams)s::varchar[]))
"""
# The versions ``take_streams`` read, kept up to date by ``advance`` (``position``).
_TAKEN = "lgv.streams_taken"


def is_ordered(event: Event) -> bool:
    """Only events a service recorded have a stream to keep in order."""
    return event.stream_id is not None and event.stream_version is not None


def take_streams(conn: Connection, streams: list[tuple[str, str]]) -> None:
    """Lock the (source, stream_id) rows a batch will read, all at once and in sorted order (PostgreSQL).

    A batch holds its streams' rows until it commits; two instances whose batches took
    them one by one, in the order their events came, could each wait for the other's
    (a deadlock, which PostgreSQL ends by failing one). Taken in one order, the later
    batch waits for the earlier. ``position`` then answers from what this read.
    """
    if conn.dialect.name != "postgresql" or not streams:
        return
    ordered = sorted(set(streams))
    named = {"sources": [s for s, _ in ordered], "streams": [i for _, i in ordered]}
    versions = {(source, stream_id): int(version)
                for source, stream_id, version in conn.exec_driver_sql(_TAKE_STREAMS, named)}
    parked = {tuple(row) for row in conn.exec_driver_sql(_PARKED_AMONG, named)}  # now they are ours
    seen = _seen_parked(conn)
    for stream in versions:
        seen[stream] = stream in parked
    conn.info[_TAKEN] = (conn.get_transaction(), versions)


def _taken(conn: Connection) -> dict[tuple[str, str], int] | None:
    """The versions this transaction took, while no savepoint is open (one could undo an advance)."""
    found = conn.info.get(_TAKEN)
    if found is None or found[0] is not conn.get_transaction() or conn.get_nested_transaction() is not None:
        return None
    return found[1]  # type: ignore[no-any-return]


def position(conn: Connection, source: str, stream_id: str) -> int:
    """The last version applied, with the stream's row locked until commit (PostgreSQL).

    Two consumers of one stream serialise here, so neither parks an event the
    other is about to make applicable without seeing it.
    """
    taken = _taken(conn)
    if taken is not None and (source, stream_id) in taken:
        return taken[(source, stream_id)]
    key = {"b_source": source, "b_stream": stream_id}
    take_stream = _TAKE_STREAM.get(conn.dialect.name)
    if take_stream is not None:  # leaves a stream someone created alone
        row = driver_statements.first_row(conn, take_stream, {"source": source, "stream_id": stream_id,
                                                         "version": 0, **key})
        assert row is not None  # an upsert's RETURNING gives the row it made or kept
        version, parked = row
        if conn.dialect.name == "sqlite":  # one writer: nothing was parked since it began
            _seen_parked(conn)[(source, stream_id)] = bool(parked)
        # PostgreSQL: the EXISTS read what was committed before the upsert waited for the
        # row's lock; ``any_parked`` asks again, now the stream is this transaction's.
        return int(version)
    found = conn.execute(_POSITION, key).first()
    if found is not None:
        return int(found.version)
    try:
        with conn.begin_nested():
            conn.execute(insert(stream_positions).values(source=source, stream_id=stream_id, version=0))
    except IntegrityError:
        pass  # another consumer created it first; lock theirs
    return int(conn.execute(_POSITION, key).scalar_one())


def advance(conn: Connection, source: str, stream_id: str, version: int) -> None:
    driver_statements.write_later(conn, _ADVANCE, {"b_source": source, "b_stream": stream_id, "b_version": version})
    found = conn.info.get(_TAKEN)
    if found is not None and (source, stream_id) in found[1]:
        if _taken(conn) is None:  # under a savepoint: what it leaves is read again
            del found[1][(source, stream_id)]
        else:
            found[1][(source, stream_id)] = version


def any_parked(conn: Connection, source: str, stream_id: str) -> bool:
    """Whether some event of the stream is waiting (most streams have none).

    Answered from what ``position`` saw in this transaction when it can: from then on the
    stream is this transaction's (its row locked, or SQLite's one writer) and its own parking
    is noted, so nothing can have been parked unseen. Else (another transaction, or a
    savepoint rolled back) it is asked again.
    """
    seen = _seen_parked(conn).get((source, stream_id))
    if seen is not None:
        return seen
    return conn.execute(_ANY_PARKED, {"b_source": source, "b_stream": stream_id}).first() is not None


def _seen_parked(conn: Connection) -> dict[tuple[str, str], bool]:
    """This transaction's notes (a new transaction, or a rolled-back savepoint's end, starts afresh)."""
    innermost = conn.get_nested_transaction() or conn.get_transaction()
    found = conn.info.get(_SEEN_PARKED)
    if found is None or found[0] is not innermost:
        found = conn.info[_SEEN_PARKED] = (innermost, {})
    return found[1]  # type: ignore[no-any-return]


def park(conn: Connection, keyring: Keyring, event: Event, exchange: str, routing_key: str,
         body: str, attempts: int) -> None:
    """Keep an early event until its predecessor is applied (a repeat of it changes nothing).

    The body is sealed at rest like a dead letter's (``parked_body`` opens it).
    """
    assert event.stream_id is not None and event.stream_version is not None
    found = conn.execute(select(parked_events.c.id).where(
        parked_events.c.source == event.source, parked_events.c.stream_id == event.stream_id,
        parked_events.c.stream_version == event.stream_version)).first()
    _seen_parked(conn)[(event.source, event.stream_id)] = True
    if found is None:
        conn.execute(insert(parked_events).values(
            source=event.source, stream_id=event.stream_id, stream_version=event.stream_version,
            event_id=event.event_id, exchange=exchange, routing_key=routing_key,
            body=keyring.seal_body(conn, body, "parked"),
            attempts=attempts, parked_at=utcnow()))


def take_next(conn: Connection, source: str, stream_id: str, version: int) -> dict[str, Any] | None:
    """Remove and return the parked event that follows ``version``, if there is one."""
    row = conn.execute(_NEXT, {"b_source": source, "b_stream": stream_id,
                               "b_version": version + 1}).mappings().first()
    if row is not None:
        conn.execute(delete(parked_events).where(parked_events.c.id == row["id"]))
    return dict(row) if row is not None else None


def parked_body(conn: Connection, keyring: Keyring, parked: dict[str, Any]) -> str | None:
    """A parked event's body as it came; None once erased (or unreadable)."""
    body = keyring.open(conn, parked["body"])
    return None if body is ERASED or body is None else str(body)


def sealed_bodies(conn: Connection) -> list[str]:
    """Every parked body as sealed, to find those that name an erased subject."""
    return [row.body for row in conn.execute(select(parked_events.c.body))]


def parked_streams(conn: Connection) -> list[tuple[str, str]]:
    """Every (source, stream) that has events waiting."""
    rows = conn.execute(select(parked_events.c.source, parked_events.c.stream_id).distinct())
    return [(r.source, r.stream_id) for r in rows]


def overdue(conn: Connection, parked_before: datetime) -> list[dict[str, Any]]:
    """Parked events that have waited since before ``parked_before``."""
    rows = conn.execute(select(parked_events).where(parked_events.c.parked_at < parked_before)
                        .order_by(parked_events.c.id)).mappings()
    return [dict(r) for r in rows]


def remove(conn: Connection, parked_id: int) -> bool:
    """Unpark an event; False when it was not parked any more (another worker applied it)."""
    return conn.execute(delete(parked_events).where(parked_events.c.id == parked_id)).rowcount == 1
