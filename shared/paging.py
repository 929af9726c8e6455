"""Cursor pagination for list answers: ``{"items": [...], "next_cursor": ...}``."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, tuple_

from shared.errors import ValidationFailed

MAX_LIMIT = 500
# Far beyond any list this system holds, and within every database's integer range.
MAX_OFFSET = 2**31 - 1
MAX_INTEGER = 2**63 - 1  # the widest integer SQLite and PostgreSQL store


def decode_cursor(cursor: str | None) -> int:
    """The offset an opaque cursor stands for; a cursor we did not issue is a 400.

    Only the exact text ``encode_cursor`` makes for an offset within bounds is
    accepted, so an edited cursor never reaches a query.
    """
    if not cursor:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii"))
    except (ValueError, binascii.Error, UnicodeError):
        raise _invalid() from None
    if not 0 <= offset <= MAX_OFFSET or encode_cursor(offset) != cursor:
        raise _invalid()
    return offset


def encode_position(at: datetime, event_id: str) -> str:
    """A cursor for keyset pages ordered by (time, id): the audit trail's."""
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), event_id]).encode("utf-8")).decode("ascii")


def decode_position(cursor: str | None) -> tuple[datetime, str] | None:
    """The (time, id) a keyset cursor stands for; None for the first page; 400 if not ours."""
    if not cursor:
        return None
    try:
        at_text, event_id = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        at = datetime.fromisoformat(at_text)
    except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError):
        raise _invalid() from None
    if at.tzinfo is None or not isinstance(event_id, str) or encode_position(at, event_id) != cursor:
        raise _invalid()
    return at, event_id


def _invalid() -> ValidationFailed:
    return ValidationFailed("cursor is not one this API issued", {"cursor": ["invalid cursor"]})


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode("ascii")).decode("ascii")


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}",
                               {"limit": [f"must be 1..{MAX_LIMIT}"]})
    return limit


def page(rows: list[Any], offset: int, limit: int) -> dict[str, Any]:
    """Build a page from up to ``limit + 1`` rows fetched at ``offset``."""
    more = len(rows) > limit
    return {"items": rows[:limit], "next_cursor": encode_cursor(offset + limit) if more else None}


def encode_key(key: dict[str, Any]) -> str:
    """An opaque cursor for keyset paging: the sort key of the last item answered."""
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode("utf-8")).decode("ascii")


def decode_key(cursor: str | None) -> dict[str, Any] | None:
    """The sort key an ``encode_key`` cursor stands for; one we did not issue is a 400."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeError, RecursionError) as exc:
        raise ValidationFailed("cursor is not one this API issued", {"cursor": ["invalid cursor"]}) from exc
    if not isinstance(key, dict):
        raise ValidationFailed("cursor is not one this API issued", {"cursor": ["invalid cursor"]})
    return key


def keyset_page(conn: Connection, query: Select[Any], order: Sequence[ColumnElement[Any]], cursor: str | None,
                limit: int) -> tuple[list[Any], str | None]:
    """Up to ``limit`` rows of ``query`` after the cursor's position in ``order`` (ascending), and the next cursor.

    A page at any depth costs what the first costs (a range read of the index on
    ``order``, no OFFSET). The cursor holds the sort key of the last row answered;
    one that does not name exactly these columns with values of their types is a 400.
    """
    limit = check_limit(limit)
    names = [str(column.key) for column in order]
    key = decode_key(cursor)
    if key is not None:
        if sorted(key) != sorted(names) or encode_key(key) != cursor:
            raise _invalid()
        try:
            values = [_from_text(column, key[name]) for column, name in zip(order, names)]
        except (TypeError, ValueError):
            raise _invalid() from None
        query = query.where(tuple_(*order) > tuple_(*values))
    rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]._mapping
    return list(rows[:limit]), encode_key({name: _to_text(last[name]) for name in names})


def _to_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _from_text(column: ColumnElement[Any], value: Any) -> Any:
    python_type = getattr(column.type, "impl", column.type).python_type
    if python_type is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's moments carry their offset")
        return moment
    if python_type is date:
        return date.fromisoformat(value)
    if not isinstance(value, python_type) or (python_type is int and isinstance(value, bool)):
        raise TypeError(f"{column.key} is not a {python_type.__name__}")
    if python_type is int and not -MAX_INTEGER <= value <= MAX_INTEGER:
        raise ValueError(f"{column.key} is beyond any stored integer")  # the driver would refuse it: a 500
    return value
