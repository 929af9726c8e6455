"""Replay into a scratch database and compare, table by table, with the live projection.

Each side of a table is streamed into a digest. When both sides are SQLite the
rows are read as the driver returns them, with no type processing, in the order
they were inserted and, if their digests differ, in primary-key order (both
sides order by the same bytes), and hashed a chunk at a time. Otherwise, or
when those digests differ too, the table is read again, typed, and summed into a
digest that does not depend on row order (a sum of per-row hashes: backends
order text keys by their own collations), which also tells which rows differ
(and so whether it really does: the typed rows are the arbiter, the raw text
of a value may differ while it means the same).
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, event, select

from shared.db import make_engine
from shared.replay import apply_log
from shared.unit_of_work import ServiceDatabase

_MODULUS = 1 << 128
_CHUNK = 2000


@dataclass(frozen=True)
class TableCheck:
    """One projection table: its digest live and rebuilt, and the first rows that differ."""

    table: str
    live_rows: int
    rebuilt_rows: int
    live_digest: str
    rebuilt_digest: str
    only_live: list[dict[str, Any]] = field(default_factory=list)
    only_rebuilt: list[dict[str, Any]] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return self.live_digest == self.rebuilt_digest


def build_into(db: ServiceDatabase, target: Engine, until: datetime | None = None) -> int:
    """Apply the service's events (those learned by ``until``) to fresh projection tables in ``target``.

    ``target`` must hold no projection rows yet: the appliers trust their replay memo.
    """
    db.projection.metadata.create_all(target)
    with db.reading() as source, target.begin() as conn:
        return apply_log(db, source, conn, until=until, memo={})[0]


def verify(db: ServiceDatabase, shown: int = 3) -> list[TableCheck]:
    """Rebuild the projection in a scratch SQLite file and compare it with the live one."""
    with tempfile.TemporaryDirectory(prefix="lgv-verify-") as scratch_dir:
        scratch = make_engine(f"sqlite:///{Path(scratch_dir) / 'scratch.db'}")
        event.listen(scratch, "connect", _throwaway)
        try:
            build_into(db, scratch)
            with db.reading() as live, scratch.connect() as rebuilt:
                return [_compare(table, live, rebuilt, shown) for table in db.projection.metadata.sorted_tables]
        finally:
            scratch.dispose()


def _throwaway(dbapi_connection: Any, _record: Any) -> None:
    """The scratch file is deleted afterwards: no journal, nothing flushed to the disk."""
    dbapi_connection.execute("PRAGMA journal_mode=OFF")
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _compare(table: Table, live: Connection, rebuilt: Connection, shown: int) -> TableCheck:
    if live.dialect.name == rebuilt.dialect.name == "sqlite":
        for order in _orders(table):
            (live_rows, live_digest), (rebuilt_rows, rebuilt_digest) = (_raw(table, live, order),
                                                                        _raw(table, rebuilt, order))
            if live_digest == rebuilt_digest:
                return TableCheck(table.name, live_rows, rebuilt_rows, live_digest, rebuilt_digest)
            if live_rows != rebuilt_rows:
                break  # no order makes them the same
    return _typed_compare(table, live, rebuilt, shown)


def _orders(table: Table) -> tuple[str, ...]:
    """The order rows were inserted in (a scan; a replay inserts most tables' rows as they were), then the key's.

    A table without SQLite's rowid is stored in key order: only that.
    """
    key = ", ".join(f'"{column.name}"' for column in (table.primary_key.columns or table.columns))
    return (key,) if table.dialect_options["sqlite"].get("with_rowid") is False else ("rowid", key)


def _typed_compare(table: Table, live: Connection, rebuilt: Connection, shown: int) -> TableCheck:
    live_rows, rebuilt_rows = _typed(table, live), _typed(table, rebuilt)
    live_set, rebuilt_set = set(live_rows), set(rebuilt_rows)
    return TableCheck(
        table=table.name, live_rows=len(live_rows), rebuilt_rows=len(rebuilt_rows),
        live_digest=_digest(live_rows)[1], rebuilt_digest=_digest(rebuilt_rows)[1],
        only_live=[json.loads(r) for r in live_rows if r not in rebuilt_set][:shown],
        only_rebuilt=[json.loads(r) for r in rebuilt_rows if r not in live_set][:shown])


def _raw(table: Table, conn: Connection, order: str) -> tuple[int, str]:
    """Count and digest of the rows as the SQLite driver returns them, in ``order``."""
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    # The driver's own cursor: plain tuples, every value whole.
    cursor = conn.connection.driver_connection.execute(  # type: ignore[union-attr]
        f'SELECT {names} FROM "{table.name}" ORDER BY {order}')
    count, digest = 0, hashlib.blake2b(digest_size=8)
    try:
        while chunk := cursor.fetchmany(_CHUNK):  # the same chunks on both sides: the same rows in each
            count += len(chunk)
            digest.update(orjson.dumps(chunk, default=_plain))
    finally:
        cursor.close()
    return count, digest.hexdigest()


def _typed(table: Table, conn: Connection) -> list[bytes]:
    """Rows as canonical JSON (the same on any backend)."""
    result = conn.execute(select(table))
    names = [str.__str__(name) + "" for name in result.keys()]  # plain str: orjson takes no subclass
    return [orjson.dumps(dict(zip(names, row)), option=orjson.OPT_SORT_KEYS, default=str) for row in result]


def _plain(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _digest(rows: Iterable[bytes]) -> tuple[int, str]:
    """How many rows, and the sum of their hashes (a multiset's digest: row order does not count)."""
    count, total = 0, 0
    for row in rows:
        count += 1
        total += int.from_bytes(hashlib.blake2b(row, digest_size=16).digest(), "big")
    return count, f"{total % _MODULUS:032x}"[:16]
