"""Read a service's database directly: its projection rows and its event log."""
from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, create_engine, select, text


def rows(url: str, table: str) -> list[dict[str, Any]]:
    """Every row of ``table``, sorted, as plain dicts (for row-for-row comparisons)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            reflected = Table(table, MetaData(), autoload_with=conn)
            result = conn.execute(select(reflected)).mappings().all()
    finally:
        engine.dispose()
    return sorted((dict(r) for r in result), key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def scalar(url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def count_events(url: str, event_type: str, origin: str | None = None) -> int:
    sql = "SELECT count(*) FROM events WHERE event_type = :t"
    if origin:
        sql += " AND origin = :o"
    return int(scalar(url, sql, t=event_type, o=origin) or 0)


def opened(url: str, values: list[Any]) -> list[Any]:
    """Sealed column values as a service would read them (the master key of this test's var/)."""
    from shared.db import make_engine
    from shared.keyring import Keyring

    engine, keyring = make_engine(url), Keyring()
    try:
        with engine.connect() as conn:
            return [keyring.open(conn, value) for value in values]
    finally:
        engine.dispose()
