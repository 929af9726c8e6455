"""A small ServiceDatabase for tests: a real store with a one-table projection."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)

from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import Event
from shared.projection import Projection
from shared.unit_of_work import ServiceDatabase

metadata = MetaData()
counts = Table("seen_counts", metadata,
               Column("event_type", String(100), primary_key=True),
               Column("n", Integer, nullable=False))


def _count(conn: Connection, event: Event) -> None:
    if conn.execute(select(counts).where(counts.c.event_type == event.event_type)).first():
        conn.execute(update(counts).where(counts.c.event_type == event.event_type)
                     .values(n=counts.c.n + 1))
    else:
        conn.execute(insert(counts).values(event_type=event.event_type, n=1))


def counting_projection() -> Projection:
    return Projection(metadata, {t: _count for t in (
        "referral_submitted", "referral_received", "volunteer_registered", "checkin_reported")})


def make_database(url: str, service: str = "referrals") -> ServiceDatabase:
    db = ServiceDatabase(service, make_engine(url), counting_projection(), REGISTRY)
    db.create_tables()
    return db


def seen(db: ServiceDatabase, event_type: str) -> int:
    with db.reading() as conn:
        row = conn.execute(select(counts.c.n).where(counts.c.event_type == event_type)).first()
    return row.n if row else 0


def referrals_database(request: Any, tmp_path: Path) -> Iterator[ServiceDatabase]:
    """The referrals service's own database (its projection and store) on ``request.param``: sqlite or postgresql."""
    from services.referrals.projection import PROJECTION
    from services.referrals.projection import metadata as referrals_metadata
    from shared.eventstore import metadata as store_metadata
    from tests.support.postgres import emptied

    url = (f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite"
           else emptied(request.getfixturevalue("postgres_url"), referrals_metadata, store_metadata))
    database = ServiceDatabase("referrals", make_engine(url), PROJECTION, REGISTRY)
    database.create_tables()
    yield database
    database.engine.dispose()
