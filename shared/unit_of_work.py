"""One transaction: state change, its events, their outbox rows, the projection.

Everything a command or a consumed event changes commits together or not at
all, so the log, the outbox and the read model can never disagree.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from shared import access_log, deadletters, migrations, ordering  # noqa: F401  (their tables belong to the store)
from shared.batching import Direct
from shared.db import READ_ONLY, forget_freed
from shared.envelope import Event, checked_actor, new_event_id, utcnow
from shared.eventstore import EventStore
from shared.eventstore import metadata as store_metadata
from shared.keyring import KEYS_DESTROYED, Keyring
from shared.personal import seal_event
from shared.projection import Projection
from shared.registry import SchemaRegistry


class UnitOfWork:
    """What a handler may do inside one transaction."""

    def __init__(self, conn: Connection, db: "ServiceDatabase",
                 cause: Event | None = None, actor: dict[str, Any] | None = None) -> None:
        self.conn = conn
        self.db = db
        self.cause = cause
        self.actor = checked_actor(actor) if actor is not None else None
        self.recorded: list[Event] = []

    def record(self, stream_id: str, event_type: str, payload: dict[str, Any], *,
               occurred_at: datetime | None = None,
               expected_version: int | None = None) -> Event:
        """Validate (strictly), append, queue for publishing and project one new event."""
        registry = self.db.registry
        version = registry.current_version(event_type)
        payload = registry.validate(event_type, version, payload, strict=True)
        event = Event(
            event_id=new_event_id(), event_type=event_type, schema_version=version,
            occurred_at=occurred_at or utcnow(), source=self.db.service, payload=payload,
            actor=self.actor or (self.cause.actor if self.cause else None)
            or {"kind": "system", "id": self.db.service},
            correlation_id=(self.cause.correlation_id or self.cause.event_id)
            if self.cause else None,
            causation_id=self.cause.event_id if self.cause else None,
        )
        sealed = seal_event(self.db.keyring, self.conn, event)
        stored = self.db.store.append(self.conn, stream_id, [sealed], expected_version)[0]
        self.db.apply(self.conn, stored)
        self.recorded.append(stored)
        return stored

    def consume(self, event: Event) -> Event | None:
        """Keep a consumed event in the inbox, identifying fields sealed, and project it.

        Returns the event as received (in the clear, for the handler) lifted to
        its current schema version, or None when it was applied before.
        """
        subject_of = self.db.projection.subjects.get(event.event_type)
        sealed = seal_event(self.db.keyring, self.conn, event,
                            subject_of(self.conn, event) if subject_of else None)
        if not self.db.store.record_consumed(self.conn, sealed):
            return None
        self.db.apply(self.conn, sealed)
        return self.db.registry.upcast(event)


class ServiceDatabase:
    """A service's own database: its event store, projection and dead letters."""

    def __init__(self, service: str, engine: Engine, projection: Projection,
                 registry: SchemaRegistry, keyring: Keyring | None = None) -> None:
        self.service = service
        self.engine = engine
        self.projection = projection
        self.registry = registry
        self.keyring = keyring or Keyring()
        self.store = EventStore(exchange=f"{service}.events")
        self._after_commit: list[Callable[[], None]] = []

    def upgrade_schema(self) -> None:
        """Migrate to the newest revision (what a service does on start); check the master key."""
        migrations.upgrade(self.engine, self.service, migrations.target_metadata(self.projection.metadata))
        with self.engine.begin() as conn:
            self.store.index_subjects(conn)
        self._check_master_key()

    def create_tables(self) -> None:
        """The models' tables without migrations (scratch databases, tests); check the master key."""
        store_metadata.create_all(self.engine)
        deadletters.add_missing_columns(self.engine)
        with self.engine.begin() as conn:
            self.store.index_subjects(conn)
        self.projection.create(self.engine)
        self._check_master_key()

    def _check_master_key(self) -> None:
        with self.engine.begin() as conn:
            self.keyring.check(conn)

    def apply(self, conn: Connection, event: Event) -> Event:
        """Project a stored event, read in the current version of its schema."""
        current = self.registry.upcast(event)
        if type(conn) is Connection:  # not a replay's Batched; Direct leaves other backends to SQLAlchemy
            conn = Direct(conn, self.projection.row_keys)  # type: ignore[assignment]
        self.projection.apply(conn, current)
        return current

    def applier(self) -> Callable[[Connection, Event], None]:
        """``apply`` for a run of many events (a replay), its lookups made once: only an old event is upcast."""
        current, upcast, appliers = self.registry.current_version, self.registry.upcast, self.projection.appliers

        def apply(conn: Connection, event: Event) -> None:
            if event.schema_version < current(event.event_type):
                event = upcast(event)
            applier = appliers.get(event.event_type)
            if applier is not None:
                applier(conn, event)

        return apply

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every commit that recorded events (wakes the relay)."""
        self._after_commit.append(callback)

    @contextmanager
    def transaction(self, cause: Event | None = None,
                    actor: dict[str, Any] | None = None) -> Iterator[UnitOfWork]:
        with self.engine.begin() as conn:
            uow = UnitOfWork(conn, self, cause=cause, actor=actor)
            try:
                yield uow
            finally:  # a pooled connection keeps its info: a rolled-back erasure leaves no flag
                shredded = conn.info.pop(KEYS_DESTROYED, False)
        if shredded:
            forget_freed(self.engine)
        if uow.recorded:
            for callback in self._after_commit:
                callback()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for queries only."""
        with self.engine.connect() as conn:
            conn.info[READ_ONLY] = True
            try:
                yield conn
            finally:
                conn.info.pop(READ_ONLY, None)
