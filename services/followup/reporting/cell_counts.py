"""Count the report's cells in the database: one grouped query for matches, one for approvals.

The rows counted are the versions valid at ``as_of`` (``fact_tables``), within
``region`` and the regions the caller may see; everything the figures tell
apart is worked out in SQL, so a national report reads a few hundred groups,
never a hundred thousand matches.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, or_, select

from services.followup.reporting.fact_tables import ReportStore, valid_at
from services.followup.reporting.figures_from_cells import Cell


def cells(conn: Connection, store: ReportStore, date_from: date, date_to: date, as_of: datetime | None,
          region: str | None, regions: list[str] | None) -> list[Cell]:
    m = store.matches
    established = and_(m.c.matched_on >= date_from, m.c.matched_on <= date_to)
    active = and_(m.c.matched_on <= date_to, or_(m.c.closed_on.is_(None), m.c.closed_on > date_to))
    eligible = and_(established, m.c.six_month_on <= date_to)
    successful = and_(eligible, or_(m.c.closed_on.is_(None), m.c.closed_on >= m.c.six_month_on))
    arrived = and_(established, m.c.gender.isnot(None), m.c.arrival_year <= 2014)
    # Grouped in the order of ix_report_matches_cells, which holds every column read: one
    # pass over an index, no sort, and a few hundred groups to add up.
    groups = [m.c.region, m.c.site, m.c.gender, m.c.country, m.c.age_decade]
    counts = [func.sum(_flag(condition)) for condition in (established, active, eligible, successful, arrived)]
    query = select(*groups, *counts).where(valid_at(m, as_of), *_regions(m.c.region, region, regions))
    rows = conn.execute(query.group_by(*groups)).all()
    return [Cell(r[0], r[1], r[2], r[3], None if r[4] is None else int(r[4]), *(int(n) for n in r[5:]))
            for r in rows]


def approvals(conn: Connection, store: ReportStore, date_from: date, date_to: date, as_of: datetime | None,
              region: str | None, regions: list[str] | None) -> dict[str | None, int]:
    """Approvals in the period, by region, with every region that has any approval (count 0 too)."""
    a = store.approvals
    in_period = _flag(and_(a.c.approved_on >= date_from, a.c.approved_on <= date_to))
    rows = conn.execute(select(a.c.region, func.sum(in_period)).where(
        valid_at(a, as_of), *_regions(a.c.region, None, regions)).group_by(a.c.region)).all()
    return {r[0]: int(r[1] or 0) for r in rows}


def _flag(condition: Any) -> Any:
    return case((condition, literal(1)), else_=literal(0))


def _regions(column: Any, region: str | None, regions: list[str] | None) -> list[Any]:
    conditions = []
    if region is not None:
        conditions.append(column == region)
    if regions is not None:
        conditions.append(column.in_(regions))
    return conditions
