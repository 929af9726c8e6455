"""The followup read model: facts only (matches, check-ins, reminders sent).

Nothing here depends on the date it is read or on the cadence policy: the next due
date, early warnings and the six-month review are derived at query time from these
facts, an explicit date and the policy (``standing.py``), so a replay rebuilds these
tables row for row and a new policy version needs no replay.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)

from services.followup import domain
from services.followup.reporting.fact_tables import ReportStore
from services.followup.standing import CheckIn, MatchHistory
from shared.contracts import closure_allows_rematch
from shared.envelope import Event
from shared.projection import Applier, Projection
from shared.vocabulary import MatchStatus

metadata = MetaData()

matches = Table(
    "matches", metadata,
    Column("match_id", String(64), primary_key=True),
    Column("referral_id", String(64), nullable=False),
    Column("volunteer_id", String(64), nullable=False),
    Column("region", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("matched_on", Date, nullable=False),
    Column("checkins", Integer, nullable=False),
    Column("closed_on", Date),
    Column("close_reason", String(50)),
    Column("close_initiator", String(20)),
    Column("close_anticipated", Boolean),
    Column("rematch_allowed", Boolean),
    # Lists are pages in this order, read by key, never by offset.
    Index("ix_matches_list_order", "matched_on", "match_id"),
)
MATCH_ORDER = (matches.c.matched_on, matches.c.match_id)

checkins = Table(
    "checkins", metadata,
    Column("checkin_id", String(64), primary_key=True),
    Column("match_id", String(64), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("contact", String(30), nullable=False),
    Column("activities", Text, nullable=False),
    Column("wellbeing", Integer),
    Column("concern", Boolean, nullable=False),
    Column("note", Text),
    Column("due_on", Date),
    Column("policy_version", String(50)),
)

reminders = Table(
    "reminders", metadata,
    Column("match_id", String(64), primary_key=True),
    Column("due_on", Date, primary_key=True),
    Column("noticed_on", Date, nullable=False),
    Column("phase", String(20), nullable=False),
    Column("days_overdue", Integer, nullable=False),
    Column("policy_version", String(50), nullable=False),
)


# Built once, so a replay sends many of one kind in one round trip (``shared.batching``).
_ADD_MATCH = insert(matches)
_CLOSE_MATCH = update(matches).where(matches.c.match_id == bindparam("b_match_id")).values(
    **{column: bindparam(f"b_{column}") for column in (
        "status", "closed_on", "close_reason", "close_initiator", "close_anticipated", "rematch_allowed")})


def _matched(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_ADD_MATCH, {
        "match_id": p["match_id"], "referral_id": p["referral_id"], "volunteer_id": p["volunteer_id"],
        "region": p["region"], "status": MatchStatus.ACTIVE, "matched_on": date.fromisoformat(p["matched_on"]),
        "checkins": 0})


def _checked_in(conn: Connection, event: Event) -> None:
    p = event.payload
    row = conn.execute(select(matches.c.checkins).where(matches.c.match_id == p["match_id"])).one()
    conn.execute(insert(checkins).values(
        checkin_id=p["checkin_id"], match_id=p["match_id"], number=row.checkins + 1,
        occurred_on=date.fromisoformat(p["occurred_on"]), contact=p["contact"],
        activities=json.dumps(p["activities"]), wellbeing=p.get("wellbeing"),
        concern=bool(p.get("concern")), note=p.get("note"), due_on=_date(p.get("due_on")),
        policy_version=p.get("policy_version")))
    conn.execute(update(matches).where(matches.c.match_id == p["match_id"]).values(
        checkins=matches.c.checkins + 1))


def _closed(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_CLOSE_MATCH, {
        "b_match_id": p["match_id"], "b_status": MatchStatus.CLOSED, "b_closed_on": date.fromisoformat(p["closed_on"]),
        "b_close_reason": p["reason"], "b_close_initiator": p["initiator"],
        "b_close_anticipated": p.get("anticipated"), "b_rematch_allowed": closure_allows_rematch(p)})


def _followup_due(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(insert(reminders).values(
        match_id=p["match_id"], due_on=date.fromisoformat(p["due_on"]),
        noticed_on=date.fromisoformat(p["noticed_on"]), phase=p["phase"],
        days_overdue=p["days_overdue"], policy_version=p["policy_version"]))


REPORT = ReportStore(metadata)


def _both(first: Applier, second: Applier) -> Applier:
    def apply(conn: Connection, event: Event) -> None:
        first(conn, event)
        second(conn, event)
    return apply


PROJECTION = Projection(metadata, {
    **REPORT.appliers(),
    "matched": _both(_matched, REPORT.matched),
    "checked_in": _checked_in,
    "closed": _both(_closed, REPORT.closed),
    "followup_due": _followup_due,
}, row_keys={**REPORT.row_keys(), _ADD_MATCH: "match_id", _CLOSE_MATCH: "b_match_id"})


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def followed_match(conn: Connection, match_id: str) -> domain.FollowedMatch | None:
    row = conn.execute(select(matches).where(matches.c.match_id == match_id)).first()
    if row is None:
        return None
    return domain.FollowedMatch(row.match_id, row.referral_id, row.volunteer_id, row.region,
                                row.status, row.matched_on)


def checkins_of(conn: Connection, match_ids: Iterable[str]) -> dict[str, tuple[CheckIn, ...]]:
    """Every match's check-ins, in recording order, for the given matches."""
    found: dict[str, list[CheckIn]] = {match_id: [] for match_id in match_ids}
    rows = conn.execute(select(checkins).where(checkins.c.match_id.in_(list(found)))
                        .order_by(checkins.c.match_id, checkins.c.number))
    for row in rows:
        found[row.match_id].append(CheckIn(row.occurred_on, row.contact, row.concern, row.number))
    return {match_id: tuple(items) for match_id, items in found.items()}


def history(row: Any, checkins_of_match: tuple[CheckIn, ...]) -> MatchHistory:
    """A ``matches`` row and its check-ins as the facts ``standing`` reads."""
    return MatchHistory(row.matched_on, row.closed_on, checkins_of_match)


def match_history(conn: Connection, match_id: str) -> MatchHistory | None:
    row = conn.execute(select(matches).where(matches.c.match_id == match_id)).first()
    if row is None:
        return None
    return history(row, checkins_of(conn, [match_id])[match_id])


def reminded(conn: Connection, match_id: str) -> set[date]:
    """The due dates a ``followup_due`` was already recorded for."""
    return reminded_of(conn, [match_id])[match_id]


def reminded_of(conn: Connection, match_ids: Sequence[str]) -> dict[str, set[date]]:
    """``reminded`` of each of ``match_ids`` (a batch's: one query)."""
    found: dict[str, set[date]] = {match_id: set() for match_id in match_ids}
    if match_ids:
        for row in conn.execute(select(reminders.c.match_id, reminders.c.due_on)
                                .where(reminders.c.match_id.in_(match_ids))):
            found[row.match_id].add(row.due_on)
    return found
