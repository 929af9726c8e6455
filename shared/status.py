"""What an operator asks of a service's database: backlog, dead letters, parked events, position.

Read by the service's ``status()`` RPC (for the gateway's ``/metrics``) and by ``lgv status``
straight from the database, so both say the same.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from shared.deadletters import OPEN, dead_letters
from shared.eventstore import CONSUMED, RECORDED, events, outbox
from shared.ordering import parked_events


def figures(conn: Connection) -> dict[str, Any]:
    """The service's operational figures, from its own tables."""
    by_origin = {str(row[0]): int(row[1]) for row in
                 conn.execute(select(events.c.origin, func.count()).group_by(events.c.origin))}
    last = conn.execute(select(events.c.seq, events.c.recorded_at).order_by(events.c.seq.desc()).limit(1)).first()
    return {
        "outbox_backlog": _count(conn, select(func.count()).select_from(outbox)
                                 .where(outbox.c.published_at.is_(None))),
        "dead_letters_open": _count(conn, select(func.count()).select_from(dead_letters)
                                    .where(dead_letters.c.status == OPEN)),
        "dead_letters_total": _count(conn, select(func.count()).select_from(dead_letters)),
        "parked_events": _count(conn, select(func.count()).select_from(parked_events)),
        "events_applied": int(by_origin.get(CONSUMED, 0)),
        "events_recorded": int(by_origin.get(RECORDED, 0)),
        # The projection is updated in the same transaction as the log, so its position is the log's.
        "projection_position": int(last.seq) if last else 0,
        "last_applied_at": last.recorded_at.isoformat() if last else None,
    }


def _count(conn: Connection, query: Any) -> int:
    return int(conn.execute(query).scalar() or 0)
