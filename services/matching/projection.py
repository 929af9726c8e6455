"""The matching read model: waiting list, volunteer pool and matches."""
from __future__ import annotations

import json
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
    insert,
    select,
    text,
    update,
)

from services.matching import domain
from shared import referral_lifecycle
from shared.db import UtcDateTime
from shared.envelope import Event
from shared.projection import Projection
from shared.vocabulary import MatchStatus, ReferralStatus, VolunteerStatus

metadata = MetaData()
# One active match per referral: the partial unique index's condition.
_ACTIVE = f"status = '{MatchStatus.ACTIVE}'"

referrals = Table(
    "referrals", metadata,
    Column("referral_id", String(64), primary_key=True),
    Column("region", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("participant", Text, nullable=False),
    Column("needs", Text, nullable=False),
    Column("preferences", Text, nullable=False),
)

volunteers = Table(
    "volunteers", metadata,
    Column("volunteer_id", String(64), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("screening", String(20)),
    Column("trained", Boolean, nullable=False),
    Column("region", String(50), nullable=False),
    Column("municipality", String(100), nullable=False),
    Column("gender", String(10), nullable=False),
    Column("birth_year", Integer, nullable=False),
    Column("languages", Text, nullable=False),
    Column("strengths", Text, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("active_matches", Integer, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("screened_on", Date),
    Column("trained_on", Date),
    Column("last_matched_on", Date),  # start of the latest match: fairness counts from it
    Column("personal", Text, nullable=False),
    Index("ix_volunteers_pool", "region", "status", "gender"),  # the candidate pool query
    # Lists are pages in this order, read by key, never by offset.
    Index("ix_volunteers_list_order", "registered_on", "volunteer_id"),
)
VOLUNTEER_ORDER = (volunteers.c.registered_on, volunteers.c.volunteer_id)

matches = Table(
    "matches", metadata,
    Column("match_id", String(64), primary_key=True),
    Column("referral_id", String(64), nullable=False),
    Column("volunteer_id", String(64), nullable=False),
    Column("region", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("matched_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("close_reason", String(50)),
    Column("days_to_match", Integer),  # from referred_on to matched_on, for the reports
    Column("proposal_id", String(64)),
    Column("rank", Integer),
    Column("choice_reason", Text),
    Index("ix_matches_referral", "referral_id"),
    # One active match per participant, whatever the code above it gets wrong.
    Index("uq_one_active_match_per_referral", "referral_id", unique=True,
          sqlite_where=text(_ACTIVE), postgresql_where=text(_ACTIVE)),
)


proposals = Table(
    "proposals", metadata,
    Column("proposal_id", String(64), primary_key=True),
    Column("referral_id", String(64), nullable=False, index=True),
    Column("algorithm", String(50), nullable=False),
    Column("weights_version", String(50), nullable=False),
    Column("ranked_on", Date, nullable=False),
    Column("proposed_at", UtcDateTime(), nullable=False),
    Column("candidates", Text, nullable=False),
)


def _referral_received(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(insert(referrals).values(
        referral_id=p["referral_id"], region=p["region"], status=ReferralStatus.WAITING,
        referred_on=date.fromisoformat(p["referred_on"]), participant=_json(p["participant"]),
        needs=_json(p["needs"]), preferences=_json(p["preferences"])))


def _referral_withdrawn(conn: Connection, event: Event) -> None:
    _set_referral(conn, event.payload["referral_id"], ReferralStatus.WITHDRAWN,
                  referrals.c.status == referral_lifecycle.WITHDRAWABLE)


def _volunteer_registered(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(insert(volunteers).values(
        volunteer_id=p["volunteer_id"], status=VolunteerStatus.REGISTERED, screening=None, trained=False,
        region=p["region"], municipality=p["municipality"], gender=p["gender"],
        birth_year=p["birth_year"], languages=_json(p["languages"]),
        strengths=_json(p["strengths"]), capacity=p["capacity"], active_matches=0,
        registered_on=event.occurred_at.date(), personal=_json(p.get("personal") or {})))


def _volunteer_screened(conn: Connection, event: Event) -> None:
    _set_volunteer(conn, event.payload["volunteer_id"], screening=event.payload["outcome"],
                   screened_on=date.fromisoformat(event.payload["screened_on"]))


def _volunteer_trained(conn: Connection, event: Event) -> None:
    _set_volunteer(conn, event.payload["volunteer_id"], trained=True,
                   trained_on=date.fromisoformat(event.payload["completed_on"]))


def _matched(conn: Connection, event: Event) -> None:
    p = event.payload
    matched_on = date.fromisoformat(p["matched_on"])
    referred_on = conn.execute(select(referrals.c.referred_on)
                               .where(referrals.c.referral_id == p["referral_id"])).scalar()
    conn.execute(insert(matches).values(
        match_id=p["match_id"], referral_id=p["referral_id"], volunteer_id=p["volunteer_id"],
        region=p["region"], status=MatchStatus.ACTIVE, matched_on=matched_on,
        days_to_match=(matched_on - referred_on).days if referred_on else None,
        proposal_id=p.get("proposal_id"), rank=p.get("rank"), choice_reason=p.get("reason")))
    _set_referral(conn, p["referral_id"], ReferralStatus.MATCHED)
    last = conn.execute(select(volunteers.c.last_matched_on)
                        .where(volunteers.c.volunteer_id == p["volunteer_id"])).scalar()
    _set_volunteer(conn, p["volunteer_id"], active_matches=volunteers.c.active_matches + 1,
                   last_matched_on=max(last, matched_on) if last else matched_on)


def _closed(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(update(matches).where(matches.c.match_id == p["match_id"]).values(
        status=MatchStatus.CLOSED, closed_on=date.fromisoformat(p["closed_on"]),
        close_reason=p["reason"]))
    still_matched = conn.execute(select(matches.c.match_id).where(
        matches.c.referral_id == p["referral_id"], matches.c.status == MatchStatus.ACTIVE)).first()
    if still_matched is None:  # the current match's closure (shared.referral_lifecycle's guard)
        # Back on the waiting list (with the original referred_on) when the closure allows a rematch.
        _set_referral(conn, p["referral_id"], referral_lifecycle.after_closure(p))
    _set_volunteer(conn, p["volunteer_id"], active_matches=volunteers.c.active_matches - 1)


def _candidates_proposed(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(insert(proposals).values(
        proposal_id=p["proposal_id"], referral_id=p["referral_id"], algorithm=p["algorithm"],
        weights_version=p["weights_version"], ranked_on=date.fromisoformat(p["ranked_on"]),
        proposed_at=event.occurred_at, candidates=_json(p["candidates"])))


def _set_referral(conn: Connection, referral_id: str, status: str, *conditions: Any) -> None:
    conn.execute(update(referrals).where(referrals.c.referral_id == referral_id, *conditions)
                 .values(status=status))


def _set_volunteer(conn: Connection, volunteer_id: str, **values: Any) -> None:
    """Change a volunteer and keep the derived ``status`` column in step."""
    conn.execute(update(volunteers).where(volunteers.c.volunteer_id == volunteer_id)
                 .values(**values))
    current = volunteer(conn, volunteer_id)
    if current is not None:
        conn.execute(update(volunteers).where(volunteers.c.volunteer_id == volunteer_id)
                     .values(status=domain.volunteer_status(current)))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


PROJECTION = Projection(metadata, {
    "referral_received": _referral_received,
    "referral_withdrawn": _referral_withdrawn,
    "volunteer_registered": _volunteer_registered,
    "volunteer_screened": _volunteer_screened,
    "volunteer_trained": _volunteer_trained,
    "matched": _matched,
    "closed": _closed,
    "candidates_proposed": _candidates_proposed,
})


def volunteer(conn: Connection, volunteer_id: str,
              for_update: bool = False) -> domain.Volunteer | None:
    query = select(volunteers).where(volunteers.c.volunteer_id == volunteer_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return None
    return domain.Volunteer(row.volunteer_id, row.region, row.screening, row.trained,
                            row.capacity, row.active_matches, row.gender)
