"""The ports of ``shared/ports.py`` over a service's database (what services run with)."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from shared import erasure
from shared.envelope import Event
from shared.keyring import Keyring
from shared.ports import Handler
from shared.unit_of_work import ServiceDatabase, UnitOfWork

R = TypeVar("R")
Repository = Callable[[Connection], R]
"""A service's SQL repository, made over a connection."""


class StoredKeys:
    """The keyring's keys, in the transaction of ``conn``."""

    def __init__(self, conn: Connection, keyring: Keyring) -> None:
        self.conn = conn
        self.keyring = keyring

    def erased(self, subject_id: str) -> bool:
        return self.keyring.erased(self.conn, subject_id)

    def forget(self, subject_ids: list[str], kind: str) -> None:
        erasure.forget(self.conn, self.keyring, subject_ids, kind)


class StoredWork(Generic[R]):
    """A ``UnitOfWork`` (one database transaction) as handlers see it."""

    def __init__(self, uow: UnitOfWork, repository: Repository[R]) -> None:
        self.uow = uow
        self.repository = repository(uow.conn)
        self.keys = StoredKeys(uow.conn, uow.db.keyring)

    def record(self, stream_id: str, event_type: str, payload: dict[str, Any], *,
               occurred_at: datetime | None = None,
               expected_version: int | None = None) -> Event:
        return self.uow.record(stream_id, event_type, payload, occurred_at=occurred_at,
                               expected_version=expected_version)


@contextmanager
def work(db: ServiceDatabase, repository: Repository[R], cause: Event | None = None,
         actor: dict[str, Any] | None = None) -> Iterator[StoredWork[R]]:
    """One transaction of ``db`` as a unit of work with the service's ``repository``."""
    with db.transaction(cause=cause, actor=actor) as uow:
        yield StoredWork(uow, repository)


class StoredStore(Generic[R]):
    """A service's database as a ``Store``: snapshots to read, units of work to write."""

    def __init__(self, db: ServiceDatabase, repository: Repository[R]) -> None:
        self.db = db
        self.repository = repository

    @contextmanager
    def reading(self) -> Iterator[R]:
        with self.db.reading() as conn:
            yield self.repository(conn)

    def work(self, actor: dict[str, Any] | None = None) -> AbstractContextManager[StoredWork[R]]:
        return work(self.db, self.repository, actor=actor)


def stored_handlers(handlers: Mapping[str, Handler],
                    repository: Repository[Any]) -> dict[str, Callable[[UnitOfWork, Event], Any]]:
    """The inbox's table: each handler given the consuming transaction as a unit of work."""
    def bound(handler: Handler) -> Callable[[UnitOfWork, Event], Any]:
        return lambda uow, event: handler(StoredWork(uow, repository), event)
    return {event_type: bound(handler) for event_type, handler in handlers.items()}

