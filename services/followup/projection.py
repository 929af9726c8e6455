"""The followup read model: matches with their contact state, and the check-ins."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from services.followup import domain
from shared.envelope import Event
from shared.projection import Projection

metadata = MetaData()

matches = Table(
    "matches", metadata,
    Column("match_id", String(64), primary_key=True),
    Column("referral_id", String(64), nullable=False),
    Column("volunteer_id", String(64), nullable=False),
    Column("region", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("matched_on", Date, nullable=False),
    Column("next_checkin_due", Date),
    Column("checkins", Integer, nullable=False),
    Column("last_contact_on", Date),
    Column("open_concern", Boolean, nullable=False),
    Column("closed_on", Date),
    Column("close_reason", String(50)),
    Column("close_initiator", String(20)),
)

checkins = Table(
    "checkins", metadata,
    Column("checkin_id", String(64), primary_key=True),
    Column("match_id", String(64), nullable=False, index=True),
    Column("occurred_on", Date, nullable=False),
    Column("contact", String(30), nullable=False),
    Column("activities", Text, nullable=False),
    Column("wellbeing", Integer),
    Column("concern", Boolean, nullable=False),
    Column("note", Text),
)


def _matched(conn: Connection, event: Event) -> None:
    p = event.payload
    matched_on = date.fromisoformat(p["matched_on"])
    conn.execute(insert(matches).values(
        match_id=p["match_id"], referral_id=p["referral_id"], volunteer_id=p["volunteer_id"],
        region=p["region"], status=domain.ACTIVE, matched_on=matched_on,
        next_checkin_due=domain.next_contact_due(matched_on, None), checkins=0,
        open_concern=False))


def _checked_in(conn: Connection, event: Event) -> None:
    p = event.payload
    occurred_on = date.fromisoformat(p["occurred_on"])
    conn.execute(insert(checkins).values(
        checkin_id=p["checkin_id"], match_id=p["match_id"], occurred_on=occurred_on,
        contact=p["contact"], activities=json.dumps(p["activities"]),
        wellbeing=p.get("wellbeing"), concern=bool(p.get("concern")), note=p.get("note")))
    row = conn.execute(select(matches).where(matches.c.match_id == p["match_id"])).one()
    # A late-reported older contact counts, but does not decide the current state.
    latest = row.last_contact_on is None or occurred_on >= row.last_contact_on
    last = occurred_on if latest else row.last_contact_on
    conn.execute(update(matches).where(matches.c.match_id == p["match_id"]).values(
        checkins=matches.c.checkins + 1, last_contact_on=last,
        next_checkin_due=domain.next_contact_due(row.matched_on, last),
        open_concern=bool(p.get("concern")) if latest else row.open_concern))


def _closed(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(update(matches).where(matches.c.match_id == p["match_id"]).values(
        status=domain.CLOSED, closed_on=date.fromisoformat(p["closed_on"]),
        close_reason=p["reason"], close_initiator=p["initiator"], next_checkin_due=None))


PROJECTION = Projection(metadata, {
    "matched": _matched,
    "checked_in": _checked_in,
    "closed": _closed,
})


def followed_match(conn: Connection, match_id: str) -> domain.FollowedMatch | None:
    row = conn.execute(select(matches).where(matches.c.match_id == match_id)).first()
    if row is None:
        return None
    return domain.FollowedMatch(row.match_id, row.referral_id, row.volunteer_id, row.status,
                                row.matched_on)
