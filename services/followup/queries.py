"""Reads for the gateway: matches and due check-ins as CONTRACTS.md shapes them."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from services.followup import domain
from services.followup.projection import matches
from shared.errors import NotFound, ValidationFailed
from shared.paging import check_limit, decode_cursor, page

STATUSES = (domain.ACTIVE, domain.CLOSED)


def get_match(conn: Connection, match_id: str) -> dict[str, Any]:
    row = conn.execute(select(matches).where(matches.c.match_id == match_id)).first()
    if row is None:
        raise NotFound(f"no match {match_id}")
    return _shape(row)


def list_matches(conn: Connection, filters: dict[str, Any], limit: int,
                 cursor: str | None) -> dict[str, Any]:
    offset, limit = decode_cursor(cursor), check_limit(limit)
    query = select(matches)
    status = filters.get("status")
    if status is not None:
        if status not in STATUSES:
            raise ValidationFailed(f"unknown status {status!r}",
                                   {"status": [f"must be one of: {', '.join(STATUSES)}"]})
        query = query.where(matches.c.status == status)
    for key in ("region", "volunteer_id", "referral_id"):
        if filters.get(key):
            query = query.where(matches.c[key] == filters[key])
    if filters.get("regions") is not None:
        query = query.where(matches.c.region.in_(filters["regions"]))
    query = query.order_by(matches.c.matched_on, matches.c.match_id)
    rows = conn.execute(query.offset(offset).limit(limit + 1)).all()
    return page([_shape(row) for row in rows], offset, limit)


def due_check_ins(conn: Connection, on: date, regions: list[str] | None) -> dict[str, Any]:
    """Active matches whose next contact is due or overdue on ``on``, open concerns first."""
    query = select(matches).where(matches.c.status == domain.ACTIVE,
                                  matches.c.next_checkin_due <= on)
    if regions is not None:
        query = query.where(matches.c.region.in_(regions))
    rows = conn.execute(query).all()
    rows.sort(key=lambda r: (not r.open_concern, r.next_checkin_due, r.match_id))
    return {"on": on.isoformat(),
            "items": [{**_shape(r), "days_overdue": (on - r.next_checkin_due).days}
                      for r in rows]}


def _shape(row: Any) -> dict[str, Any]:
    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "match_id": row.match_id, "referral_id": row.referral_id,
        "volunteer_id": row.volunteer_id, "region": row.region, "status": row.status,
        "matched_on": iso(row.matched_on), "next_checkin_due": iso(row.next_checkin_due),
        "checkins": row.checkins, "last_contact_on": iso(row.last_contact_on),
        "open_concern": row.open_concern, "closed_on": iso(row.closed_on),
        "close_reason": row.close_reason, "close_initiator": row.close_initiator,
    }
