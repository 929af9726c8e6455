"""The report's counts by month, kept with the fact tables: each change added in the month it was learned.

A row of ``report_counts`` is how much the changes learned in month ``learned``
added to one count (``contributions``) of the matches or approvals of month
``month``. So the counts as known at any moment are the sum of the rows learned
in earlier months, plus the changes of the fact tables in that moment's own
month so far (``edge_counts``); the counts now are the sum of all rows. A
version change adds its difference only (nothing for what it leaves alone), so
a closure touches two counts and a new participant its matches' breakdowns.

An unknown site or region is stored as ``""`` (key columns hold no null).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.followup.reporting.contributions import Count
from services.followup.reporting.spans import month_of
from shared.batching import sums

KEY = ("region", "site", "measure", "key", "month", "learned")


def table(metadata: MetaData) -> Table:
    """``report_counts``, in the projection's ``metadata`` (replayed and verified with it)."""
    return Table(
        "report_counts", metadata,
        Column("region", String(50), primary_key=True), Column("site", String(50), primary_key=True),
        Column("measure", String(20), primary_key=True), Column("key", String(20), primary_key=True),
        Column("month", Integer, primary_key=True), Column("learned", Integer, primary_key=True),
        Column("n", Integer, nullable=False))


class CountTable:
    """Adds the changes of versions to ``report_counts``."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = table(metadata)
        self._add = {name: _upsert(insert, self.table) for name, insert in
                     (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))}

    def row_keys(self) -> dict[Any, tuple[str, ...]]:
        """Each write changes one row; adding to it commutes with anything else (``shared.batching``)."""
        return {statement: KEY for statement in self._add.values()}

    def add(self, conn: Connection, delta: dict[Count, int], learned_at: datetime) -> None:
        """Add ``delta`` to the counts, as learned at ``learned_at``."""
        if not delta:
            return
        statement, learned = self._add[conn.dialect.name], month_of(learned_at.astimezone(timezone.utc))
        held = sums(conn, statement, KEY, "n")
        for (region, site, measure, key, month), n in delta.items():
            row = (region or "", site or "", measure, key, month, learned)
            if held is not None:  # many events' changes to a count: one write
                held[row] = held.get(row, 0) + n
            else:
                conn.execute(statement, {**dict(zip(KEY, row)), "n": n})


def _upsert(insert: Any, counts: Table) -> Any:
    statement = insert(counts)
    return statement.on_conflict_do_update(index_elements=list(KEY), set_={"n": counts.c.n + statement.excluded.n})
