"""Issued tokens and their revocations, in the gateway database.

The CLI records each token it issues and revokes them; the gateway asks, for
every request, whether the token presented was revoked. A token signed with the
same key elsewhere (``LGV_SECRET`` shared between machines) is not listed here
and cannot be revoked here: it verifies until it expires (30 days at most).
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from shared.errors import NotFound

from . import database
from .tokens import IssuedToken

_table = database.tokens


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


def is_revoked(token_id: str) -> bool:
    """Whether the token with this id was revoked."""
    with database.engine().connect() as conn:
        found = conn.execute(select(_table.c.revoked_at).where(_table.c.token_id == token_id)).first()
    return found is not None and found.revoked_at is not None


def _token(row: Any) -> IssuedToken:
    return IssuedToken(row.token_id, row.name, row.role, tuple(json.loads(row.regions)),
                       row.issued_at, row.expires_at, row.revoked_at)
