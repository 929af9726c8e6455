"""Issued tokens and their revocations, in the gateway database.

Every token is issued here (``issue``: signed and recorded in one step) and revoked
here; the gateway asks, for every request, whether the token presented is live: recorded
and not revoked. A token signed with the same key but not recorded (``LGV_SECRET``
shared between machines, a token minted and never recorded) could never be listed or
revoked, so it answers 401.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from shared import driver_statements
from shared.db import READ_ONLY
from shared.errors import NotFound

from . import database, tokens
from .tokens import IssuedToken

_table = database.tokens


def issue(role: str, regions: Iterable[str] = (), name: str | None = None,
          lifetime: timedelta | None = None, now: datetime | None = None) -> str:
    """Sign a token (the rules are ``tokens.mint``'s) and record it, so it verifies and can be revoked."""
    signed, issued = tokens.mint(role, regions, name, lifetime, now)
    record(issued)
    return signed


def record(token: IssuedToken) -> None:
    """Keep what was issued (never the token itself)."""
    with database.engine().begin() as conn:
        conn.execute(insert(_table).values(
            token_id=token.token_id, name=token.name, role=token.role,
            regions=json.dumps(list(token.regions)), issued_at=token.issued_at,
            expires_at=token.expires_at, revoked_at=token.revoked_at))


def listed(include_expired: bool = False, now: datetime | None = None) -> list[IssuedToken]:
    """Issued tokens, oldest first; by default only those that have not expired."""
    query = select(_table).order_by(_table.c.issued_at, _table.c.token_id)
    if not include_expired:
        query = query.where(_table.c.expires_at > (now or datetime.now(UTC)))
    with database.engine().connect() as conn:
        rows = conn.execute(query).all()
    return [_token(row) for row in rows]


def revoke(token_id: str, now: datetime | None = None) -> IssuedToken:
    """Revoke a token by its id (``jti``); revoking twice keeps the first time. ``NotFound`` if unknown."""
    with database.engine().begin() as conn:
        conn.execute(update(_table).where(_table.c.token_id == token_id, _table.c.revoked_at.is_(None))
                     .values(revoked_at=now or datetime.now(UTC)))
        row = conn.execute(select(_table).where(_table.c.token_id == token_id)).first()
    if row is None:
        raise NotFound(f"no token {token_id!r} was issued here (lgv token list shows them)")
    return _token(row)


# Every request asks: built once.
_REVOKED_AT = select(_table.c.revoked_at).where(_table.c.token_id == bindparam("b_token_id"))


def refusal(token_id: str) -> str | None:
    """Why the token with this id may not be used (never recorded here, or revoked), or None.

    Asked of the database on every request, so a revocation holds from the moment it is
    committed, in every gateway process; a read needs no write lock (``READ_ONLY``).
    """
    with database.engine().connect() as conn:
        conn.info[READ_ONLY] = True  # kept with the pooled connection: taken off again below
        try:
            found = driver_statements.first_row(conn, _REVOKED_AT, {"b_token_id": token_id})
        finally:
            conn.info.pop(READ_ONLY, None)
    if found is None:
        return "it was not issued here"
    return "it has been revoked" if found[0] is not None else None


def _token(row: Any) -> IssuedToken:
    return IssuedToken(row.token_id, row.name, row.role, tuple(json.loads(row.regions)),
                       row.issued_at, row.expires_at, row.revoked_at)
