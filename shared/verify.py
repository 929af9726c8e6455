"""Replay into a scratch database and compare, table by table, with the live projection.

When the live projection is a SQLite file it is attached to the scratch
database and SQLite compares each table itself, every value as stored (its
storage class and its bytes): joined by rowid (a replay inserts most tables'
rows in the order they were inserted live) and, if that finds a difference, by
primary key; no row is read into Python. Otherwise, or when SQLite finds a
difference, the table is read again, typed, and summed into a digest that does
not depend on row order (a sum of per-row hashes: backends order text keys by
their own collations), which also tells which rows differ (and so whether it
really does: the typed rows are the arbiter, the raw text of a value may
differ while it means the same).
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
from shared.replay import Progress, apply_log
from shared.unit_of_work import ServiceDatabase

_MODULUS = 1 << 128


@dataclass(frozen=True)
class TableCheck:
    """One projection table: its rows live and rebuilt, whether they are the same, the first rows that differ.

    The digests are the order-free ones of a table read typed; None for a table
    SQLite found the same as stored (no row was read to make one).
    """

    table: str
    live_rows: int
    rebuilt_rows: int
    same: bool
    live_digest: str | None = None
    rebuilt_digest: str | None = None
    only_live: list[dict[str, Any]] = field(default_factory=list)
    only_rebuilt: list[dict[str, Any]] = field(default_factory=list)


def build_into(db: ServiceDatabase, target: Engine, until: datetime | None = None,
               progress: Progress | None = None) -> int:
    """Apply the service's events (those learned by ``until``) to fresh projection tables in ``target``.

    ``target`` must hold no projection rows yet: the appliers trust their replay memo.
    ``progress`` is told how many events each batch read.
    """
    db.projection.metadata.create_all(target)
    with db.reading() as source, target.begin() as conn:
        return apply_log(db, source, conn, until=until, progress=progress, memo={})[0]


def verify(db: ServiceDatabase, shown: int = 3, progress: Progress | None = None) -> list[TableCheck]:
    """Rebuild the projection in a scratch SQLite file and compare it with the live one.

    ``progress`` is told how many events each batch of the rebuild read.
    """
    tables = db.projection.metadata.sorted_tables
    with tempfile.TemporaryDirectory(prefix="lgv-verify-") as scratch_dir:
        scratch = make_engine(f"sqlite:///{Path(scratch_dir) / 'scratch.db'}")
        event.listen(scratch, "connect", _throwaway)
        try:
            build_into(db, scratch, progress=progress)
            live_file = _sqlite_file(db.engine)
            as_stored = _compared_in_sqlite(scratch, live_file, tables) if live_file else {}
            checks = {name: check for name, check in as_stored.items() if check.same}
            if len(checks) < len(tables):
                with db.reading() as live, scratch.connect() as rebuilt:
                    checks.update((table.name, _typed_compare(table, live, rebuilt, shown))
                                  for table in tables if table.name not in checks)
            return [checks[table.name] for table in tables]
        finally:
            scratch.dispose()


def _throwaway(dbapi_connection: Any, _record: Any) -> None:
    """The scratch file is deleted afterwards: no journal, nothing flushed to the disk."""
    dbapi_connection.execute("PRAGMA journal_mode=OFF")
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _sqlite_file(engine: Engine) -> str | None:
    name = engine.url.database
    if engine.dialect.name != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return name


def _compared_in_sqlite(scratch: Engine, live_file: str, tables: Iterable[Table]) -> dict[str, TableCheck]:
    """Each table compared by SQLite with the live file attached, in one snapshot of it."""
    raw = scratch.raw_connection()
    try:
        raw.execute("ATTACH DATABASE ? AS live", (live_file,))
        try:
            raw.execute("BEGIN")
            try:
                return {table.name: _as_stored(raw, table) for table in tables}
            finally:
                raw.execute("ROLLBACK")
        finally:
            raw.execute("DETACH DATABASE live")
    finally:
        raw.close()


def _as_stored(raw: Any, table: Table) -> TableCheck:
    """Whether every row is the same on both sides, each value by storage class and bytes.

    Rows joined by a key unique on both sides (rowid, or the primary key both
    declare) and as many rows on each side: a row equal to its partner in every
    column for every row is the same table.
    """
    name = _quoted(table.name)
    live_rows, rebuilt_rows = raw.execute(
        f"SELECT (SELECT count(*) FROM live.{name}), (SELECT count(*) FROM main.{name})").fetchone()
    declared = _declared(raw, "main", table)
    same = live_rows == rebuilt_rows and declared == _declared(raw, "live", table)
    if same:
        values = " AND ".join(_same_value(column, kind) for column, (kind, _key) in declared.items())
        for joined in _joins(table):
            [equal] = raw.execute(f"SELECT count(*) FROM live.{name} AS a JOIN main.{name} AS b "
                                  f"ON {joined} WHERE {values}").fetchone()
            if equal == live_rows:
                break
        else:
            same = False
    return TableCheck(table.name, live_rows, rebuilt_rows, same)


def _declared(raw: Any, schema: str, table: Table) -> dict[str, tuple[str, int]]:
    """The affinity and primary-key position of the model's columns in ``schema``'s table."""
    found = {row[1]: (_affinity(row[2].upper()), row[5])
             for row in raw.execute(f"PRAGMA {schema}.table_info({_quoted(table.name)})")}
    return {column.name: found.get(column.name, ("", -1)) for column in table.columns}


def _affinity(declared: str) -> str:
    """The column affinity SQLite gives a declared type (its rules, in their order)."""
    if "INT" in declared:
        return "INTEGER"
    if any(kind in declared for kind in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in declared or not declared:
        return "BLOB"
    return "REAL" if any(kind in declared for kind in ("REAL", "FLOA", "DOUB")) else "NUMERIC"


def _same_value(column: str, affinity: str) -> str:
    """Both sides' values of ``column`` are the same bytes of the same storage class.

    ``IS`` tells NULL, text and blobs apart and compares text byte by byte under
    BINARY; only an integer and a real can be equal across storage classes, and a
    column of TEXT affinity holds neither. (A real 0.0 and -0.0 are equal here.)
    """
    a, b = f"a.{_quoted(column)}", f"b.{_quoted(column)}"
    same = f"{a} IS {b} COLLATE BINARY"
    return same if affinity == "TEXT" else f"{same} AND typeof({a}) = typeof({b})"


def _joins(table: Table) -> list[str]:
    """Rowid first (rows as they were inserted), then the primary key; a table without rowid has only its key."""
    key = [column.name for column in table.primary_key.columns]
    joins = [" AND ".join(f"a.{_quoted(name)} = b.{_quoted(name)}" for name in key)] if key else []
    names = {column.name.lower() for column in table.columns}
    if table.dialect_options["sqlite"].get("with_rowid") is not False and not names & {"rowid", "_rowid_", "oid"}:
        joins.insert(0, "a.rowid = b.rowid")
    return joins


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed_compare(table: Table, live: Connection, rebuilt: Connection, shown: int) -> TableCheck:
    live_rows, rebuilt_rows = _typed(table, live), _typed(table, rebuilt)
    live_set, rebuilt_set = set(live_rows), set(rebuilt_rows)
    live_digest, rebuilt_digest = _digest(live_rows)[1], _digest(rebuilt_rows)[1]
    return TableCheck(
        table=table.name, live_rows=len(live_rows), rebuilt_rows=len(rebuilt_rows),
        same=live_digest == rebuilt_digest, live_digest=live_digest, rebuilt_digest=rebuilt_digest,
        only_live=[json.loads(r) for r in live_rows if r not in rebuilt_set][:shown],
        only_rebuilt=[json.loads(r) for r in rebuilt_rows if r not in live_set][:shown])


def _typed(table: Table, conn: Connection) -> list[bytes]:
    """Rows as canonical JSON (the same on any backend)."""
    result = conn.execute(select(table))
    names = [str.__str__(name) + "" for name in result.keys()]  # plain str: orjson takes no subclass
    return [orjson.dumps(dict(zip(names, row)), option=orjson.OPT_SORT_KEYS, default=str) for row in result]


def _digest(rows: Iterable[bytes]) -> tuple[int, str]:
    """How many rows, and the sum of their hashes (a multiset's digest: row order does not count)."""
    count, total = 0, 0
    for row in rows:
        count += 1
        total += int.from_bytes(hashlib.blake2b(row, digest_size=16).digest(), "big")
    return count, f"{total % _MODULUS:032x}"[:16]
