"""The event store: one append-only log per service database.

Every event a service has *applied* sits in one table, in the order it was
applied (``seq``, the global position): the events it recorded itself
(``origin='recorded'``, unique per stream and version, each with an outbox row)
and the events it consumed from others (``origin='consumed'``, the inbox,
unique per ``event_id``). Replaying the table in ``seq`` order rebuilds the
projection exactly, from this database alone.

``event_subjects`` indexes each event under the referrals, volunteers and
matches it is about (``shared.subjects``), filled when the event is stored: the
audit trail is a lookup by exact id, in (recorded_at, event_id) order.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.exc import IntegrityError

from shared import driver_statements, pipelined
from shared.db import UtcDateTime
from shared.envelope import Event, event_from_json, utcnow
from shared.errors import ConcurrencyConflict
from shared.subjects import subjects_of

RECORDED = "recorded"
CONSUMED = "consumed"

metadata = MetaData()

events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("origin", String(10), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("stream_id", String(200)),
    Column("stream_version", Integer),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("envelope", Text, nullable=False),
    Index("uq_events_stream_version", "stream_id", "stream_version", unique=True,
          sqlite_where=text("origin = 'recorded'"),
          postgresql_where=text("origin = 'recorded'")),
)

outbox = Table(
    "outbox", metadata,
    Column("seq", Integer, ForeignKey("events.seq"), primary_key=True),
    Column("exchange", String(200), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("published_at", UtcDateTime()),
    Index("ix_outbox_unpublished", "published_at"),
)


event_subjects = Table(
    "event_subjects", metadata,
    Column("subject_id", String(200), nullable=False),
    Column("seq", Integer, ForeignKey("events.seq"), nullable=False),
    # The event's own recorded_at (when this store learned it, for intake events): the
    # same for every copy of one event, so trails of several services merge in one order.
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("event_id", String(200), nullable=False),
    PrimaryKeyConstraint("subject_id", "seq"),
    Index("ix_event_subjects_position", "subject_id", "recorded_at", "event_id"),
)

# The statements every consumed or recorded event runs, built once (building one costs
# more than executing it) and sent through the driver on SQLite (``shared.driver_statements``).
_CONTAINS = select(events.c.seq).where(events.c.event_id == bindparam("event_id"))
_STREAM_VERSION = select(func.max(events.c.stream_version)).where(
    events.c.stream_id == bindparam("stream_id"), events.c.origin == RECORDED)
_INSERT_EVENT = insert(events)
_INSERT_OUTBOX = insert(outbox)
_INSERT_SUBJECTS = insert(event_subjects)


def _kept_with_subjects(origin: str) -> Any:
    """PostgreSQL: one statement that stores an event and indexes its subjects; its seq.

    A consumed event's id is its dedup (no row when it is kept already); a recorded one
    gets its outbox row too, and a stale stream version is refused by the unique index.
    """
    stored = postgresql_insert(events).values(
        event_id=bindparam("event_id", type_=events.c.event_id.type), origin=origin,
        event_type=bindparam("event_type", type_=events.c.event_type.type), stream_id=bindparam("stream_id"),
        stream_version=bindparam("stream_version"), recorded_at=bindparam("recorded_at", type_=UtcDateTime()),
        envelope=bindparam("envelope"))
    if origin == CONSUMED:
        stored = stored.on_conflict_do_nothing(index_elements=[events.c.event_id])
    kept = stored.returning(events.c.seq).cte("kept")
    subject = func.unnest(bindparam("subjects", type_=ARRAY(String))).table_valued("subject_id") \
        .render_derived(name="subject")
    indexed = insert(event_subjects).from_select(
        ["subject_id", "seq", "recorded_at", "event_id"],
        select(subject.c.subject_id, kept.c.seq, bindparam("at", type_=UtcDateTime()),
               bindparam("event_id", type_=events.c.event_id.type))
        .select_from(kept).join(subject, literal_column("true"))).cte("indexed")
    statement = select(kept.c.seq).add_cte(indexed)
    if origin == RECORDED:
        statement = statement.add_cte(insert(outbox).from_select(
            ["seq", "exchange", "routing_key"],
            select(kept.c.seq, bindparam("exchange", type_=outbox.c.exchange.type),
                   bindparam("event_type", type_=events.c.event_type.type))).cte("boxed"))
    return statement


_KEEP = {origin: _kept_with_subjects(origin) for origin in (CONSUMED, RECORDED)}
_KEPT_AMONG = select(events.c.event_id).where(
    events.c.event_id == func.any(bindparam("ids", type_=ARRAY(String))))

Position = tuple[datetime, str]
"""Where an audit trail page ends: (recorded_at, event_id) of its last event."""


class EventStore:
    """Append and read one service's events; ``exchange`` is where it publishes them."""

    def __init__(self, exchange: str) -> None:
        self.exchange = exchange

    def stream_version(self, conn: Connection, stream_id: str) -> int:
        found = conn.execute(_STREAM_VERSION, {"stream_id": stream_id}).scalar()
        return int(found or 0)

    def append(self, conn: Connection, stream_id: str, new: list[Event],
               expected_version: int | None = None) -> list[Event]:
        """Record ``new`` on ``stream_id`` after ``expected_version`` and queue them for publishing.

        ``expected_version`` None means "whatever the stream is at now"; a
        number is checked, and a concurrent writer that got there first makes
        the unique (stream_id, stream_version) index refuse the second.
        """
        # A new stream (expected at 0) is not read first: its version 1 is refused by the same
        # unique index when the stream exists, as ConcurrencyConflict like a stale read.
        current = 0 if expected_version == 0 else self.stream_version(conn, stream_id)
        if expected_version is not None and expected_version != current:
            raise ConcurrencyConflict(
                f"stream {stream_id} is at version {current}, not {expected_version}")
        stored = []
        for offset, event in enumerate(new, start=1):
            event = event.evolve(stream_id=stream_id, stream_version=current + offset,
                                 recorded_at=utcnow())
            try:
                if conn.dialect.name == "postgresql":
                    self._keep(conn, event, RECORDED, later=True)
                else:
                    seq = self._insert(conn, event, RECORDED)
                    driver_statements.write_one(conn, _INSERT_OUTBOX, {"seq": seq, "exchange": self.exchange,
                                                                 "routing_key": event.event_type})
            except ConcurrencyConflict as exc:
                if expected_version != 0:
                    raise
                raise ConcurrencyConflict(f"stream {stream_id} is at version 1 or later, not 0") from exc
            stored.append(event)
        return stored

    def record_consumed(self, conn: Connection, event: Event) -> bool:
        """Keep a consumed event in the inbox; False when it was applied before."""
        if conn.dialect.name == "postgresql":
            return self._keep_consumed(conn, event)
        if self.contains(conn, event.event_id):
            return False
        self._insert(conn, event, CONSUMED)
        return True

    def _keep_consumed(self, conn: Connection, event: Event) -> bool:
        """The inbox on PostgreSQL: its unique event id is the dedup, the subjects indexed with it.

        In a batch that holds its writes (``shared.pipelined``) the batch asked first which
        of its events the inbox holds (``kept_among``): the others are held, each expected
        to be stored (one a concurrent consumer stored meanwhile fails the hold).
        """
        held = pipelined.active(conn)
        if held is None or held.inbox is None:
            return self._keep(conn, event, CONSUMED)
        if event.event_id in held.inbox:
            return False
        held.inbox.add(event.event_id)
        return self._keep(conn, event, CONSUMED, later=True)

    def kept_among(self, conn: Connection, event_ids: list[str]) -> set[str]:
        """Which of ``event_ids`` the inbox holds (PostgreSQL: one statement for a batch)."""
        if not event_ids:
            return set()
        return {row[0] for row in conn.execute(_KEPT_AMONG, {"ids": event_ids})}

    def _keep(self, conn: Connection, event: Event, origin: str, later: bool = False) -> bool:
        """PostgreSQL: the event stored, indexed (and queued, if recorded) in one round trip;
        False when a consumed event was kept before. ``later``: held if the batch holds its writes."""
        learned = (event.recorded_at if origin == RECORDED else None) or utcnow()
        params = {
            "event_id": event.event_id, "event_type": event.event_type, "stream_id": event.stream_id,
            "stream_version": event.stream_version, "recorded_at": learned, "envelope": event.to_json(),
            "at": event.recorded_at or learned, "subjects": sorted(subjects_of(event)),
            "exchange": self.exchange}
        kept: int | pipelined.Later
        try:
            if later:
                kept = driver_statements.first_row_later(conn, _KEEP[origin], params)
            else:
                row = driver_statements.first_row(conn, _KEEP[origin], params)
                if row is None:
                    return False
                kept = int(row[0])
        except IntegrityError as exc:
            raise _conflict(event) from exc
        applying(conn, kept, learned)
        return True

    def contains(self, conn: Connection, event_id: str) -> bool:
        return driver_statements.first_row(conn, _CONTAINS, {"event_id": event_id}) is not None

    def read_stream(self, conn: Connection, stream_id: str) -> list[Event]:
        rows = conn.execute(
            select(events.c.envelope)
            .where(events.c.stream_id == stream_id, events.c.origin == RECORDED)
            .order_by(events.c.stream_version))
        return [event_from_json(row.envelope) for row in rows]

    def about(self, conn: Connection, subject_id: str, after: Position | None = None,
              limit: int | None = None) -> list[Event]:
        """The events about referral, volunteer or match ``subject_id``, by (recorded_at, event_id).

        An index lookup by the exact id (``event_subjects``); ``after`` and ``limit`` page
        through it. Intake events carry no recorded_at: when this store learned them stands in.
        """
        query = (select(events.c.envelope, event_subjects.c.recorded_at)
                 .join(events, events.c.seq == event_subjects.c.seq)
                 .where(event_subjects.c.subject_id == subject_id)
                 .order_by(event_subjects.c.recorded_at, event_subjects.c.event_id))
        if after is not None:
            at, event_id = after
            query = query.where(or_(event_subjects.c.recorded_at > at,
                                    and_(event_subjects.c.recorded_at == at, event_subjects.c.event_id > event_id)))
        if limit is not None:
            query = query.limit(limit)
        return [_with_recorded_at(event_from_json(row.envelope), row.recorded_at) for row in conn.execute(query)]

    def index_subjects(self, conn: Connection) -> int:
        """Index a log stored before ``event_subjects`` existed; how many events were read.

        Runs only while the index is empty, so a service upgrading its database
        fills it once at start.
        """
        if conn.execute(select(event_subjects.c.seq).limit(1)).first() is not None:
            return 0
        count = 0
        for count, row in enumerate(conn.execute(
                select(events.c.seq, events.c.recorded_at, events.c.envelope).order_by(events.c.seq)), start=1):
            self._index(conn, row.seq, event_from_json(row.envelope), row.recorded_at)
        return count

    def read_all(self, conn: Connection, after: int = 0, origin: str | None = None,
                 until: datetime | None = None, batch: int = 500) -> Iterator[tuple[int, Event]]:
        """Every applied event after position ``after``, in order, as (seq, event)."""
        while True:
            query = select(events.c.seq, events.c.envelope).where(events.c.seq > after)
            if origin:
                query = query.where(events.c.origin == origin)
            if until is not None:
                query = query.where(events.c.recorded_at <= until)
            rows = conn.execute(query.order_by(events.c.seq).limit(batch)).all()
            for row in rows:
                yield row.seq, event_from_json(row.envelope)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def _insert(self, conn: Connection, event: Event, origin: str) -> int:
        recorded_at = (event.recorded_at if origin == RECORDED else None) or utcnow()
        try:
            seq = driver_statements.insert_one(conn, _INSERT_EVENT, {
                "event_id": event.event_id, "origin": origin, "event_type": event.event_type,
                "stream_id": event.stream_id, "stream_version": event.stream_version,
                "recorded_at": recorded_at, "envelope": event.to_json()})
        except IntegrityError as exc:
            raise _conflict(event) from exc
        self._index(conn, seq, event, recorded_at)
        applying(conn, seq, recorded_at)
        return seq

    def _index(self, conn: Connection, seq: int, event: Event, learned: datetime) -> None:
        at = event.recorded_at or learned
        rows = [{"subject_id": subject, "seq": seq, "recorded_at": at, "event_id": event.event_id}
                for subject in sorted(subjects_of(event))]
        if len(rows) == 1:
            driver_statements.write_one(conn, _INSERT_SUBJECTS, rows[0])
        elif rows:
            conn.execute(_INSERT_SUBJECTS, rows)


def _conflict(event: Event) -> ConcurrencyConflict:
    return ConcurrencyConflict(f"event {event.event_id} or version {event.stream_version} of stream "
                               f"{event.stream_id} was written concurrently")


def _with_recorded_at(event: Event, learned: datetime) -> Event:
    return event if event.recorded_at is not None else event.evolve(recorded_at=learned)


_APPLYING = "lgv_applying"


def applying(conn: Connection, seq: int | pipelined.Later, recorded_at: Any,
             typed: Callable[[Any], datetime] | None = None) -> None:
    """Note on ``conn`` the log position and learning time of the event about to be projected.

    ``seq``: or what a held write will return (``shared.pipelined``), sent if an applier asks.
    ``typed``: ``recorded_at`` is given as stored, and this makes it a datetime
    (a replay types it only for the appliers that ask ``learned``).
    """
    conn.info[_APPLYING] = (seq, recorded_at, typed)


def learned(conn: Connection) -> tuple[int, datetime]:
    """(seq, recorded_at) of the event being projected: when this store learned it.

    Set by the store as it appends an event and by a replay as it reads one, so a
    projection that keeps *when* it knew something rebuilds to the same moments.
    """
    at = learned_at(conn)
    seq = conn.info[_APPLYING][0]
    if type(seq) is not int:  # a held write's: sent now (``shared.pipelined``)
        row = seq.row(conn)
        assert row is not None  # a held store is expected to return its row
        seq = int(row[0])
        conn.info[_APPLYING] = (seq, at, None)
    return seq, at


def learned_at(conn: Connection) -> datetime:
    """``learned``'s recorded_at alone, which never waits for a held write to be sent."""
    found = conn.info.get(_APPLYING)
    if found is None:
        raise RuntimeError("no event is being applied on this connection")
    seq, recorded_at, typed = found
    if typed is not None:
        recorded_at = typed(recorded_at)
        conn.info[_APPLYING] = (seq, recorded_at, None)
    return recorded_at  # type: ignore[no-any-return]


def pending_outbox(conn: Connection, limit: int = 100, claim: bool = False) -> list[tuple[int, str, str, str]]:
    """Unpublished (seq, exchange, routing_key, body), oldest first.

    ``claim``: lock the rows until the transaction ends, skipping rows another
    relay has claimed (PostgreSQL), so concurrent relays never take the same row.
    """
    query = (select(outbox.c.seq, outbox.c.exchange, outbox.c.routing_key, events.c.envelope)
             .join(events, events.c.seq == outbox.c.seq)
             .where(outbox.c.published_at.is_(None)).order_by(outbox.c.seq).limit(limit))
    if claim:
        query = query.with_for_update(skip_locked=True, of=outbox)
    rows = conn.execute(query)
    return [(r.seq, r.exchange, r.routing_key, r.envelope) for r in rows]


def mark_published(conn: Connection, seqs: list[int]) -> None:
    conn.execute(update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=utcnow()))
