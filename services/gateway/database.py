"""The gateway's own small database: issued tokens, revocations, idempotency keys.

The CLI writes tokens into it and the gateway reads them; the gateway keeps the
answers of idempotent writes in it, so they survive a restart. SQLite under
``var/`` by default (created 0600: it lists who holds access), any SQLAlchemy
URL through ``GATEWAY_DATABASE_URL``.
"""
from __future__ import annotations

import os
import threading

from sqlalchemy import Column, Engine, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import make_url

from shared import config, migrations
from shared.db import UtcDateTime, make_engine

NAME = "gateway"  # its migrations live in services/gateway/migrations/
metadata = MetaData()

tokens = Table(
    "tokens", metadata,
    Column("token_id", String(64), primary_key=True),  # the token's ``jti``
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("regions", Text, nullable=False),  # JSON list
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("principal", String(300), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("status", Integer),  # null while the first request is still being answered
    Column("body", Text),
    Column("content_type", String(100)),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

_engines: dict[str, Engine] = {}
_by_environment: dict[tuple[str | None, str | None], Engine] = {}
_lock = threading.Lock()


def database_url() -> str:
    """``GATEWAY_DATABASE_URL`` or ``var/gateway.db``."""
    return config.gateway_database_url()


def engine() -> Engine:
    """The gateway database's engine, migrated to the newest revision on first use."""
    # Every request asks (its token's revocation): the variables that name the database are
    # looked up, not the var/ directory made and checked again.
    named_by = (os.environ.get("GATEWAY_DATABASE_URL"), os.environ.get("LGV_VAR_DIR"))
    found = _by_environment.get(named_by)
    if found is not None:
        return found
    url = database_url()
    with _lock:
        if url not in _engines:
            _private_sqlite_file(url)
            made = make_engine(url)
            upgrade(made)
            _engines[url] = made
        _by_environment[named_by] = _engines[url]
        return _engines[url]


def upgrade(made: Engine, revision: str = "head") -> None:
    """Migrate the gateway database (services/gateway/migrations/)."""
    migrations.upgrade(made, NAME, [metadata], revision, marker="tokens")


def _private_sqlite_file(url: str) -> None:
    """Create a SQLite file readable by its owner only (SQLite's journals follow its mode)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    fd = os.open(parsed.database, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(parsed.database, 0o600)
