"""The audit trail of one referral, volunteer or match, merged from the three services.

Each service answers a page of the events it holds about the exact id, in
(recorded_at, event_id) order; the gateway merges them, lists an event several
services hold once (as its recorder keeps it) and pages on the same position.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.errors import NotFound
from shared.paging import decode_position, encode_position

NOT_FOUND = "No referral, volunteer or match has this id."


def trail(services: Mapping[str, Any], subject_id: str, include_personal: bool, limit: int,
          cursor: str | None = None, reader: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"subject_id", "items", "next_cursor"}``; ``NotFound`` when no service knows the id.

    With ``include_personal``, each service records ``reader`` in its access log.
    """
    decode_position(cursor)  # a cursor we did not issue is a 400 before any service is asked
    found: dict[str, dict[str, Any]] = {}
    more = False
    for name, service in services.items():
        answer = service.audit_trail(subject_id, include_personal, limit, cursor, reader=reader)
        more = more or answer.get("next_cursor") is not None
        for item in answer["items"]:
            if item["event_id"] not in found or item.get("source") == name:
                found[item["event_id"]] = item
    if not found and (cursor is None or not _known(services, subject_id)):
        raise NotFound(NOT_FOUND)  # never echo the id: it may be a phone number or a name
    items = sorted(found.values(), key=_position)
    page = items[:limit]
    next_cursor = encode_position(*_position(page[-1])) if page and (more or len(items) > limit) else None
    return {"subject_id": subject_id, "items": page, "next_cursor": next_cursor}


def _known(services: Mapping[str, Any], subject_id: str) -> bool:
    """Whether any service holds an event about the id (a page past the end is still empty)."""
    return any(service.audit_trail(subject_id, False, 1, None)["items"] for service in services.values())


def _position(item: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(item["recorded_at"]), str(item["event_id"])
