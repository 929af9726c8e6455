"""The counts ``report_counts`` cannot give, from the fact tables: edge days, and ``as_of``'s own month.

Two kinds of rows, each counted in one grouped query per table:

- the versions valid at ``as_of`` dated on a span's *edge* days (the days of a
  period outside its whole months);
- with ``as_of``, the versions learned (+1) or superseded (−1) in its month up
  to ``as_of``, dated in a span's whole months: what the count rows learned in
  that month hold, but only as far as ``as_of``.

The conditions are ``contributions``' in SQL: the fold is the oracle of both.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Table, and_, case, false, func, literal, or_, select, true

from services.followup.reporting.contributions import (
    APPROVED,
    ARRIVED,
    ARRIVED_BY,
    CLOSED,
    COUNTRY,
    DECADE,
    GENDER,
    MATCHED,
    SUCCESSFUL,
)
from services.followup.reporting.fact_tables import ReportStore, valid_at
from services.followup.reporting.figures_from_counts import Counts
from services.followup.reporting.spans import BY_END, ELIGIBLE, EVER, PERIOD, Days, Span, first_day, month_of

# What is counted of the matches per span (gender, country and decade come with MATCHED in PERIOD).
MATCH_FIGURES = ((MATCHED, PERIOD), (MATCHED, ELIGIBLE), (MATCHED, BY_END), (MATCHED, EVER),
                 (SUCCESSFUL, ELIGIBLE), (ARRIVED, PERIOD), (CLOSED, BY_END))
APPROVAL_FIGURES = ((APPROVED, PERIOD), (APPROVED, EVER))


def counts(conn: Connection, store: ReportStore, spans: dict[str, Span], as_of: datetime | None,
           region: str | None, regions: list[str] | None) -> Counts:
    edges = {name: list(span.edges) for name, span in spans.items()}
    found: Counts = Counter()
    found.update(_matches(conn, store.matches, valid_at(store.matches, as_of), literal(1), edges, region, regions))
    found.update(_approvals(conn, store.approvals, valid_at(store.approvals, as_of), literal(1), edges,
                            region, regions))
    if as_of is not None:
        whole = {name: [days] for name, span in spans.items() if (days := span.whole_days()) is not None}
        month_start = datetime.combine(first_day(month_of(as_of.astimezone(timezone.utc))), datetime.min.time(),
                                       timezone.utc)
        for table, count in ((store.matches, _matches), (store.approvals, _approvals)):
            learned = table.c.learned_at.between(month_start, as_of)
            superseded = table.c.superseded_at.between(month_start, as_of)
            sign = case((learned, literal(1)), else_=literal(0)) - case((superseded, literal(1)), else_=literal(0))
            found.update(count(conn, table, or_(learned, superseded), sign, whole, region, regions))
    return found


def _matches(conn: Connection, m: Table, rows: Any, sign: Any, days: dict[str, list[Days]],
             region: str | None, regions: list[str] | None) -> Counts:
    closed_by = case((m.c.closed_on > m.c.matched_on, m.c.closed_on), else_=m.c.matched_on)
    flags = {MATCHED: (m.c.matched_on, true()),
             SUCCESSFUL: (m.c.matched_on, or_(m.c.closed_on.is_(None), m.c.closed_on >= m.c.six_month_on)),
             ARRIVED: (m.c.matched_on, and_(m.c.gender.isnot(None), m.c.arrival_year <= ARRIVED_BY)),
             CLOSED: (closed_by, m.c.closed_on.isnot(None))}
    figures = [(measure, span) for measure, span in MATCH_FIGURES if days.get(span)]
    if not figures:
        return Counter()
    dated = or_(*(_on(m.c.matched_on, days[span]) for span in {span for _, span in figures}),
                *([_on(m.c.closed_on, days[BY_END])] if days.get(BY_END) else []))
    groups = [m.c.region, m.c.site, m.c.gender, m.c.country, m.c.age_decade]
    sums = [func.sum(case((and_(_on(flags[measure][0], days[span]), flags[measure][1]), sign), else_=literal(0)))
            for measure, span in figures]
    query = select(*groups, *sums).where(rows, dated, *_regions(m.c.region, region, regions)).group_by(*groups)
    found: Counts = Counter()
    for row in conn.execute(query):
        slice_, (gender, country, decade) = (row[0], row[1]), row[2:5]
        for (measure, span), n in zip(figures, row[5:]):
            if not n:
                continue
            found[(*slice_, measure, "", span)] += int(n)
            if measure == MATCHED and span == PERIOD and gender is not None:
                for breakdown, key in ((GENDER, gender), (COUNTRY, country), (DECADE, str(decade))):
                    found[(*slice_, breakdown, key, span)] += int(n)
    return found


def _approvals(conn: Connection, a: Table, rows: Any, sign: Any, days: dict[str, list[Days]],
               region: str | None, regions: list[str] | None) -> Counts:
    figures = [(measure, span) for measure, span in APPROVAL_FIGURES if days.get(span)]
    if not figures:
        return Counter()
    dated = or_(*(_on(a.c.approved_on, days[span]) for _, span in figures))
    sums = [func.sum(case((_on(a.c.approved_on, days[span]), sign), else_=literal(0))) for _, span in figures]
    query = select(a.c.region, *sums).where(rows, dated, *_regions(a.c.region, region, regions)).group_by(
        a.c.region)
    found: Counts = Counter()
    for row in conn.execute(query):
        for (measure, span), n in zip(figures, row[1:]):
            if n:
                found[(row[0], None, measure, "", span)] += int(n)
    return found


def _on(column: Any, days: list[Days]) -> Any:
    """``column`` within any of ``days``."""
    return or_(false(), *(and_(true() if first is None else column >= first, true() if last is None else column <= last)
                          for first, last in days))


def _regions(column: Any, region: str | None, regions: list[str] | None) -> list[Any]:
    conditions = []
    if region is not None:
        conditions.append(column == region)
    if regions is not None:
        conditions.append(column.in_(regions))
    return conditions
