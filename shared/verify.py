"""Replay into a scratch database and compare, table by table, with the live projection."""
from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, select

from shared.db import make_engine
from shared.replay import apply_log
from shared.unit_of_work import ServiceDatabase


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
    """Apply the service's events (those learned by ``until``) to fresh projection tables in ``target``."""
    db.projection.metadata.create_all(target)
    with db.reading() as source, target.begin() as conn:
        return apply_log(db, source, conn, until=until)[0]


def verify(db: ServiceDatabase, shown: int = 3) -> list[TableCheck]:
    """Rebuild the projection in a scratch SQLite file and compare it with the live one."""
    with tempfile.TemporaryDirectory(prefix="lgv-verify-") as scratch_dir:
        scratch = make_engine(f"sqlite:///{Path(scratch_dir) / 'scratch.db'}")
        try:
            build_into(db, scratch)
            with db.reading() as live, scratch.connect() as rebuilt:
                return [_compare(table, live, rebuilt, shown) for table in db.projection.metadata.sorted_tables]
        finally:
            scratch.dispose()


def _compare(table: Table, live: Connection, rebuilt: Connection, shown: int) -> TableCheck:
    live_rows, rebuilt_rows = _rows(table, live), _rows(table, rebuilt)
    live_set, rebuilt_set = set(live_rows), set(rebuilt_rows)
    return TableCheck(
        table=table.name, live_rows=len(live_rows), rebuilt_rows=len(rebuilt_rows),
        live_digest=_digest(live_rows), rebuilt_digest=_digest(rebuilt_rows),
        only_live=[json.loads(r) for r in live_rows if r not in rebuilt_set][:shown],
        only_rebuilt=[json.loads(r) for r in rebuilt_rows if r not in live_set][:shown])


def _rows(table: Table, conn: Connection) -> list[str]:
    """Rows as canonical JSON, in primary-key order (the same on any backend)."""
    key = list(table.primary_key.columns) or list(table.columns)
    result = conn.execute(select(table).order_by(*key))
    names = [str.__str__(name) + "" for name in result.keys()]  # plain str: orjson takes no subclass
    return [orjson.dumps(dict(zip(names, row)), option=orjson.OPT_SORT_KEYS, default=str).decode()
            for row in result.all()]


def _digest(rows: list[str]) -> str:
    return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()[:16]
