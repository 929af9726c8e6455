"""The access log: who was shown personal data or a note, when, about whom, and which fields.

Each service keeps its own, beside the data it discloses, and appends to it
whenever an answer carries identifying fields (CONTRACTS.md 4.3). Rows are
never changed or removed (the database refuses it), and hold no personal data:
ids, a role, a kind of read, field names.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DDL,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    event,
    insert,
    or_,
    select,
)

from shared import driver_statements
from shared.db import UtcDateTime
from shared.envelope import utcnow
from shared.errors import ValidationFailed
from shared.eventstore import metadata
from shared.paging import encode_key
from shared.validation import aware

access_log = Table(
    "access_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("subject_id", String(200)),  # the referral, volunteer or match read; null for a dead letter
    Column("kind", String(40), nullable=False),
    Column("fields", Text, nullable=False),  # JSON list of the disclosed fields' names
    Column("object_id", String(200)),  # what was read when not a subject, e.g. a dead letter's id
    Index("ix_access_log_at", "at", "seq"),
    Index("ix_access_log_subject", "subject_id"),
)

_REFUSE = "the access log is append-only"
for _change in ("UPDATE", "DELETE"):
    event.listen(access_log, "after_create", DDL(
        f"CREATE TRIGGER access_log_no_{_change.lower()} BEFORE {_change} ON access_log "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END").execute_if(dialect="sqlite"))
    event.listen(access_log, "after_create", DDL(
        f"CREATE TRIGGER access_log_no_{_change.lower()} BEFORE {_change} ON access_log "
        "FOR EACH ROW EXECUTE FUNCTION lgv_access_log_append_only()").execute_if(dialect="postgresql"))
event.listen(access_log, "before_create", DDL(
    "CREATE OR REPLACE FUNCTION lgv_access_log_append_only() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$ LANGUAGE plpgsql").execute_if(dialect="postgresql"))

FILTERS = ("subject_id", "actor", "from", "to")
_APPEND = insert(access_log)  # every disclosure runs it: built once


def record(conn: Connection, reader: Mapping[str, Any] | None, *, kind: str, fields: Iterable[str],
           subject_id: str | None = None, object_id: str | None = None) -> None:
    """Append one disclosure to ``reader`` (an actor: ``id`` and ``role``); nothing when no field."""
    actor = _reader(reader)  # checked even when nothing is disclosed: asking needs a name
    disclosed = sorted(set(fields))
    if not disclosed:
        return
    driver_statements.write_one(conn, _APPEND, {"at": utcnow(), "actor_id": actor["id"], "actor_role": actor["role"],
                                          "subject_id": subject_id, "kind": kind, "fields": json.dumps(disclosed),
                                          "object_id": object_id})


def disclose(engine: Engine, reader: Mapping[str, Any] | None, **entry: Any) -> None:
    """``record`` in a transaction of its own, committed before the answer leaves the service."""
    with engine.begin() as conn:
        record(conn, reader, **entry)


def read_page(conn: Connection, service: str, filters: Mapping[str, Any], after: Mapping[str, Any] | None,
              limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` entries in (at, service, seq) order, after the key ``after``.

    The key runs across services, so the gateway can merge every service's pages.
    """
    c = access_log.c
    query = select(access_log).order_by(c.at, c.seq).limit(limit)
    if filters.get("subject_id"):
        query = query.where(c.subject_id == filters["subject_id"])
    if filters.get("actor"):
        query = query.where(c.actor_id == filters["actor"])
    if filters.get("from"):
        query = query.where(c.at >= moment(filters["from"], "from"))
    if filters.get("to"):
        query = query.where(c.at < moment(filters["to"], "to", end=True))
    if after:
        at = moment(after.get("at"), "cursor")
        if service < str(after.get("service")):
            query = query.where(c.at > at)
        elif service > str(after.get("service")):
            query = query.where(c.at >= at)
        else:
            query = query.where(or_(c.at > at, and_(c.at == at, c.seq > int(after.get("seq") or 0))))
    return [_entry(row, service) for row in conn.execute(query)]


def merge(pages: Iterable[list[dict[str, Any]]], limit: int) -> dict[str, Any]:
    """One list answer from the services' pages (each of up to ``limit + 1`` after the same key)."""
    entries = sorted((entry for page in pages for entry in page), key=_sort_key)
    shown = entries[:limit]
    more = len(entries) > limit
    return {"items": [{k: v for k, v in entry.items() if k != "seq"} for entry in shown],
            "next_cursor": encode_key(_key(shown[-1])) if more else None}


def _sort_key(entry: Mapping[str, Any]) -> tuple[datetime, str, int]:
    return datetime.fromisoformat(entry["at"]), entry["service"], entry["seq"]


def _key(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"at": entry["at"], "service": entry["service"], "seq": entry["seq"]}


def moment(value: Any, name: str, end: bool = False) -> datetime:
    """An ISO date or timestamp as a UTC moment; a date ``end`` is the end of that day."""
    text = str(value or "")
    try:
        found = aware(text)
    except ValueError:
        raise ValidationFailed(f"{name} must be a date or an ISO timestamp",
                               {name: ["not a date or timestamp"]}) from None
    return found + timedelta(days=1) if end and len(text) == 10 else found


def _reader(reader: Mapping[str, Any] | None) -> dict[str, str]:
    if not isinstance(reader, Mapping) or not reader.get("id") or not reader.get("role"):
        raise ValidationFailed("personal data is disclosed only to a named reader with a role",
                               {"reader": ["an actor with id and role is required"]})
    return {"id": str(reader["id"])[:200], "role": str(reader["role"])[:20]}


def _entry(row: Any, service: str) -> dict[str, Any]:
    return {"at": row.at.isoformat(), "actor": {"id": row.actor_id, "role": row.actor_role},
            "subject_id": row.subject_id, "kind": row.kind, "fields": json.loads(row.fields),
            "object_id": row.object_id, "service": service, "seq": row.seq}
