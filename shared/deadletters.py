"""The dead-letter store: messages a consumer could not apply, kept with their reasons.

Nothing that reaches a service is thrown away. A message that is not JSON,
breaks the contract, or that a rule refuses lands here with why; an operator
lists it, reads it, fixes the body if need be and re-drives it onto the bus.
A body may hold anyone's personal data (a rejected intake submission), so it is
sealed at rest under a key of its own, opened only to show or re-drive it, and
destroyed when an erased subject is named in it (``shared.erasure``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
    update,
)

from shared.db import UtcDateTime
from shared.envelope import utcnow
from shared.eventstore import metadata
from shared.keyring import ERASED, Keyring
from shared.paging import keyset_page


class DeadLetterStatus(StrEnum):
    """Open until re-driven; a re-driven letter is kept."""

    OPEN = "open"
    REDRIVEN = "redriven"


OPEN, REDRIVEN = DeadLetterStatus.OPEN, DeadLetterStatus.REDRIVEN

dead_letters = Table(
    "dead_letters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("exchange", String(200), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("event_id", String(200)),
    Column("event_type", String(100)),
    Column("body", Text, nullable=False),
    Column("body_digest", String(64), nullable=False, index=True),
    Column("error", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("deliveries", Integer, nullable=False, default=1),
    Column("status", String(20), nullable=False, default=OPEN),
    Column("redriven_at", UtcDateTime()),
    # The broker user that published it where it came from (AMQP user_id), for a re-drive.
    Column("published_by", String(200)),
)


@dataclass(frozen=True)
class Rejection:
    """Why a message was not applied: a sentence and, where known, per-field reasons."""

    error: str
    fields: dict[str, Any]


def keep(conn: Connection, keyring: Keyring, *, exchange: str, routing_key: str, body: str,
         rejection: Rejection, attempts: int, redelivered: bool = False,
         published_by: str | None = None) -> int:
    """Store a message that could not be applied; returns its dead-letter id.

    A redelivery of a message already kept (the broker redelivers what a crash
    left unacknowledged) is the same dead letter, with its ``deliveries`` counted;
    two messages that merely look alike, each delivered fresh, are two.
    """
    digest = hashlib.sha256(f"{exchange}\n{routing_key}\n{body}".encode("utf-8")).hexdigest()
    same = dead_letters.c
    existing = conn.execute(select(same.id).where(same.body_digest == digest, same.status == OPEN)
                            .order_by(same.id.desc())).first() if redelivered else None
    if existing is not None:
        conn.execute(update(dead_letters).where(same.id == existing.id)
                     .values(deliveries=same.deliveries + 1))
        return int(existing.id)
    event_id, event_type = _identify(body)
    result = conn.execute(insert(dead_letters).values(
        received_at=utcnow(), exchange=exchange, routing_key=routing_key, event_id=event_id,
        event_type=event_type, body=keyring.seal_body(conn, body, "dead_letter"),
        body_digest=digest, error=rejection.error,
        fields=json.dumps(rejection.fields, ensure_ascii=False, default=str),
        attempts=attempts, deliveries=1, status=OPEN, published_by=_short(published_by, 200)))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def add_missing_columns(engine: Engine) -> None:
    """Bring a dead-letter table from before ``published_by`` up to date (in place)."""
    if "published_by" not in {c["name"] for c in inspect(engine).get_columns("dead_letters")}:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE dead_letters ADD COLUMN published_by VARCHAR(200)")


def list_page(conn: Connection, status: str | None, offset: int, limit: int) -> list[dict[str, Any]]:
    query = select(dead_letters).order_by(dead_letters.c.id).offset(offset).limit(limit)
    if status:
        query = query.where(dead_letters.c.status == status)
    return [_as_dict(row._mapping) for row in conn.execute(query)]


def keyed_page(conn: Connection, status: str | None, cursor: str | None, limit: int) -> dict[str, Any]:
    """A list answer of dead letters in id order, read by key (``shared.paging.keyset_page``)."""
    query = select(dead_letters)
    if status:
        query = query.where(dead_letters.c.status == status)
    rows, next_cursor = keyset_page(conn, query, (dead_letters.c.id,), cursor, limit)
    return {"items": [_as_dict(row._mapping) for row in rows], "next_cursor": next_cursor}


def get(conn: Connection, dead_letter_id: int, keyring: Keyring) -> dict[str, Any] | None:
    """One dead letter with its body opened (null, ``"erased": true`` once its key is destroyed)."""
    row = conn.execute(select(dead_letters).where(dead_letters.c.id == dead_letter_id)).first()
    if row is None:
        return None
    body = keyring.open(conn, row.body)
    return {**_as_dict(row._mapping), "body": None if body is ERASED else body,
            "erased": body is ERASED}


def sealed_bodies(conn: Connection) -> list[str]:
    """Every kept body as sealed, to find those that name an erased subject."""
    return [row.body for row in conn.execute(select(dead_letters.c.body))]


def mark_redriven(conn: Connection, dead_letter_id: int) -> None:
    conn.execute(update(dead_letters).where(dead_letters.c.id == dead_letter_id)
                 .values(status=REDRIVEN, redriven_at=utcnow()))


def _identify(body: str) -> tuple[str | None, str | None]:
    """Best-effort event_id and event_type of a body that may not even be JSON."""
    try:
        data = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return _short(data.get("event_id"), 200), _short(data.get("event_type"), 100)


def _short(value: Any, length: int) -> str | None:
    return str(value)[:length] if value is not None else None


def _as_dict(row: Any) -> dict[str, Any]:
    data = {
        "dead_letter_id": row["id"], "received_at": row["received_at"].isoformat(),
        "exchange": row["exchange"], "routing_key": row["routing_key"],
        "event_id": row["event_id"], "event_type": row["event_type"],
        "error": row["error"], "fields": json.loads(row["fields"]),
        "attempts": row["attempts"], "deliveries": row["deliveries"], "status": row["status"],
        "redriven_at": row["redriven_at"].isoformat() if row["redriven_at"] else None,
        "published_by": row["published_by"],
    }
    return data
