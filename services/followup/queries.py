"""Reads for the gateway: matches and due check-ins as CONTRACTS.md shapes them.

Facts (status, counts, closure) are as recorded; everything that depends on a date
(next contact, days overdue, concerns, silence, six-month review) is as of the
explicit ``on`` the caller passes (``standing.py``); ``on=None`` leaves those that
need a date null.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, or_, select

from services.followup import projection
from services.followup.cadence import Policy
from services.followup.projection import MATCH_ORDER, matches
from services.followup.standing import Standing, standing
from shared.errors import NotFound
from shared.filters import narrowed
from shared.paging import keyset_page
from shared.vocabulary import MatchStatus


def get_match(conn: Connection, match_id: str, on: date | None,
              policies: Sequence[Policy]) -> dict[str, Any]:
    row = conn.execute(select(matches).where(matches.c.match_id == match_id)).first()
    if row is None:
        raise NotFound(f"no match {match_id}")
    return _shaped([row], conn, on, policies)[0]


def list_matches(conn: Connection, filters: dict[str, Any], limit: int, cursor: str | None,
                 on: date | None, policies: Sequence[Policy]) -> dict[str, Any]:
    query = narrowed(select(matches), matches, filters, MatchStatus,
                     exact=("region", "volunteer_id", "referral_id"))
    rows, next_cursor = keyset_page(conn, query, MATCH_ORDER, cursor, limit)
    return {"items": _shaped(rows, conn, on, policies), "next_cursor": next_cursor}


def due_matches(conn: Connection, on: date, regions: list[str] | None,
                policies: Sequence[Policy]) -> list[tuple[Any, Standing]]:
    """Matches active on ``on`` whose next contact is due or overdue: open concerns
    first, then the most overdue, then by match id."""
    query = _active_on(on)
    if regions is not None:
        query = query.where(matches.c.region.in_(regions))
    return sorted(_due(conn, conn.execute(query).all(), on, policies), key=urgency)


def due_batch(conn: Connection, on: date, policies: Sequence[Policy], after: str,
              limit: int) -> tuple[list[tuple[Any, Standing]], str | None]:
    """Of the next ``limit`` matches active on ``on`` by id after ``after``, those due and not yet
    reminded of that due date; and the last id read, to go on after (None: there are no more).

    A national sweep runs every hour over matches mostly reminded already: they are left out
    here in one query per batch, not each looked at again in a transaction of its own.
    """
    query = _active_on(on).where(matches.c.match_id > after).order_by(matches.c.match_id).limit(limit)
    rows = conn.execute(query).all()
    due = _due(conn, rows, on, policies)
    reminded = projection.reminded_of(conn, [row.match_id for row, _ in due])
    pending = [(row, st) for row, st in due if st.due is None or st.due.due_on not in reminded[row.match_id]]
    return pending, rows[-1].match_id if len(rows) == limit else None


def urgency(pair: tuple[Any, Standing]) -> tuple[bool, int, str]:
    """The due list's order: open concerns first, then the most overdue, then by match id."""
    row, st = pair
    return not st.open_concern, -(st.days_overdue or 0), row.match_id


def _active_on(on: date) -> Select[Any]:
    return select(matches).where(matches.c.matched_on <= on,
                                 or_(matches.c.closed_on.is_(None), matches.c.closed_on > on))


def _due(conn: Connection, rows: Sequence[Any], on: date,
         policies: Sequence[Policy]) -> list[tuple[Any, Standing]]:
    known = projection.checkins_of(conn, [row.match_id for row in rows])
    found = [(row, standing(projection.history(row, known[row.match_id]), policies, on))
             for row in rows]
    return [(row, st) for row, st in found if st.days_overdue is not None]


def due_check_ins(conn: Connection, on: date, regions: list[str] | None,
                  policies: Sequence[Policy]) -> dict[str, Any]:
    """Active matches whose next consultant contact is due or overdue on ``on``."""
    return {"on": on.isoformat(),
            "items": [shape(row, st, on) for row, st in due_matches(conn, on, regions, policies)]}


def _shaped(rows: Sequence[Any], conn: Connection, on: date | None,
            policies: Sequence[Policy]) -> list[dict[str, Any]]:
    known = projection.checkins_of(conn, [row.match_id for row in rows])
    return [shape(row, standing(projection.history(row, known[row.match_id]), policies, on), on)
            for row in rows]


def shape(row: Any, st: Standing, on: date | None) -> dict[str, Any]:
    """One match: the contract's fields, then where it stands as of ``on``."""
    due, last = st.due, st.last_contact
    return {
        "match_id": row.match_id, "referral_id": row.referral_id,
        "volunteer_id": row.volunteer_id, "region": row.region, "status": row.status,
        "matched_on": _iso(row.matched_on), "next_checkin_due": _iso(due.due_on if due else None),
        "checkins": row.checkins, "closed_on": _iso(row.closed_on),
        "close_reason": row.close_reason, "close_initiator": row.close_initiator,
        "close_anticipated": row.close_anticipated,
        "rematch_allowed": row.rematch_allowed,
        "as_of": _iso(on), "next_checkin_phase": due.phase if due else None,
        "policy_version": due.policy_version if due else None, "days_overdue": st.days_overdue,
        "last_contact_on": _iso(last.occurred_on if last else None),
        "last_contact": {"occurred_on": _iso(last.occurred_on), "contact": last.contact}
        if last else None,
        "open_concern": st.open_concern, "concern_since": _iso(st.concern_since),
        "silent": st.silent, "last_meeting_on": _iso(st.last_meeting_on),
        "six_month_mark": _iso(st.six_month_mark), "six_month_reached": st.six_month_reached,
        "successful": st.successful,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
