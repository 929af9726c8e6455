"""Rebuild a projection from nothing but the service's own event log."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from shared.eventstore import events
from shared.unit_of_work import ServiceDatabase

Progress = Callable[[int], None]


def count_events(db: ServiceDatabase, origin: str | None = None) -> int:
    """How many events the service holds (``origin``: only recorded, or only consumed)."""
    query = select(func.count()).select_from(events)
    with db.reading() as conn:
        return int(conn.execute(query.where(events.c.origin == origin) if origin else query).scalar() or 0)


def rebuild(db: ServiceDatabase, progress: Progress | None = None) -> int:
    """Drop the projection tables, recreate them and apply every stored event in order.

    One transaction: a reader sees the old projection or the new one, never
    half of it, and a failure leaves the old one standing.
    """
    applied = 0
    with db.engine.begin() as conn:
        db.projection.metadata.drop_all(conn)
        db.projection.metadata.create_all(conn)
        for _seq, event in db.store.read_all(conn):
            db.apply(conn, event)
            applied += 1
            if progress is not None:
                progress(1)
    return applied
