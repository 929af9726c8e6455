"""The counts of a report's whole months, read from ``report_counts`` in one grouped pass.

Each span (``spans``) is summed over its whole months, from the rows learned
before ``as_of``'s month (all rows when ``as_of`` is None); what was learned in
that month itself up to ``as_of`` comes from the fact tables (``edge_counts``).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Table, and_, case, func, literal, select, true

from services.followup.reporting.figures_from_counts import Counts
from services.followup.reporting.spans import Span, month_of


def counts(conn: Connection, table: Table, spans: dict[str, Span], as_of: datetime | None,
           region: str | None, regions: list[str] | None) -> Counts:
    c = table.c
    whole = {name: span.months for name, span in spans.items() if span.months is not None}
    sums = [func.sum(case((_within(c.month, months), c.n), else_=literal(0))) for months in whole.values()]
    query = select(c.region, c.site, c.measure, c.key, *sums).group_by(c.region, c.site, c.measure, c.key)
    if as_of is not None:
        query = query.where(c.learned < month_of(as_of.astimezone(timezone.utc)))
    if region is not None:
        query = query.where(c.region == region)
    if regions is not None:
        query = query.where(c.region.in_(regions))
    found: Counts = Counter()
    for row in conn.execute(query):
        for name, n in zip(whole, row[4:]):
            if n:
                found[(row[0] or None, row[1] or None, row[2], row[3], name)] += int(n)
    return found


def _within(column: Any, months: tuple[int | None, int | None]) -> Any:
    first, last = months
    return and_(true() if first is None else column >= first, true() if last is None else column <= last)
