"""The matching read model: waiting list, volunteer pool and matches."""
from __future__ import annotations

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
    text,
    update,
)

from services.matching import domain
from shared import json_text, referral_lifecycle
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


# Built once (parameters ``b_<name>`` where a column is named too), so applying an event
# builds no statement and a replay sends runs of one kind together (``shared.batching``).
_ADD_REFERRAL, _ADD_VOLUNTEER, _ADD_MATCH, _ADD_PROPOSAL = (insert(t) for t in (referrals, volunteers, matches,
                                                                                proposals))
_THIS_REFERRAL = referrals.c.referral_id == bindparam("b_referral_id")
_SET_REFERRAL = update(referrals).where(_THIS_REFERRAL).values(status=bindparam("b_status"))
_WITHDRAW_REFERRAL = update(referrals).where(_THIS_REFERRAL, referrals.c.status == referral_lifecycle.WITHDRAWABLE) \
    .values(status=bindparam("b_status"))
_REFERRED_ON = select(referrals.c.referred_on).where(_THIS_REFERRAL)
_THIS_VOLUNTEER = volunteers.c.volunteer_id == bindparam("b_volunteer_id")
_LAST_MATCHED_ON = select(volunteers.c.last_matched_on).where(_THIS_VOLUNTEER)
_VOLUNTEER = select(volunteers).where(_THIS_VOLUNTEER)
_SCREEN = update(volunteers).where(_THIS_VOLUNTEER).values(screening=bindparam("b_screening"),
                                                          screened_on=bindparam("b_screened_on"))
_TRAIN = update(volunteers).where(_THIS_VOLUNTEER).values(trained=True, trained_on=bindparam("b_trained_on"))
_ONE_MORE_MATCH = update(volunteers).where(_THIS_VOLUNTEER).values(
    active_matches=volunteers.c.active_matches + 1, last_matched_on=bindparam("b_last_matched_on"))
_ONE_MATCH_FEWER = update(volunteers).where(_THIS_VOLUNTEER).values(active_matches=volunteers.c.active_matches - 1)
_VOLUNTEER_STATUS = update(volunteers).where(_THIS_VOLUNTEER).values(status=bindparam("b_status"))
_CLOSE_MATCH = update(matches).where(matches.c.match_id == bindparam("b_match_id")).values(
    status=MatchStatus.CLOSED, closed_on=bindparam("b_closed_on"), close_reason=bindparam("b_close_reason"))
_STILL_MATCHED = select(matches.c.match_id).where(matches.c.referral_id == bindparam("b_referral_id"),
                                                  matches.c.status == MatchStatus.ACTIVE)


def _referral_received(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_ADD_REFERRAL, {
        "referral_id": p["referral_id"], "region": p["region"], "status": ReferralStatus.WAITING,
        "referred_on": date.fromisoformat(p["referred_on"]), "participant": _json(p["participant"]),
        "needs": _json(p["needs"]), "preferences": _json(p["preferences"])})


def _referral_withdrawn(conn: Connection, event: Event) -> None:
    conn.execute(_WITHDRAW_REFERRAL, {"b_referral_id": event.payload["referral_id"],
                                      "b_status": ReferralStatus.WITHDRAWN})


def _volunteer_registered(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_ADD_VOLUNTEER, {
        "volunteer_id": p["volunteer_id"], "status": VolunteerStatus.REGISTERED, "screening": None,
        "trained": False, "region": p["region"], "municipality": p["municipality"], "gender": p["gender"],
        "birth_year": p["birth_year"], "languages": _json(p["languages"]),
        "strengths": _json(p["strengths"]), "capacity": p["capacity"], "active_matches": 0,
        "registered_on": event.occurred_at.date(), "personal": _json(p.get("personal") or {})})


def _volunteer_screened(conn: Connection, event: Event) -> None:
    _set_volunteer(conn, _SCREEN, {"b_volunteer_id": event.payload["volunteer_id"],
                                   "b_screening": event.payload["outcome"],
                                   "b_screened_on": date.fromisoformat(event.payload["screened_on"])})


def _volunteer_trained(conn: Connection, event: Event) -> None:
    _set_volunteer(conn, _TRAIN, {"b_volunteer_id": event.payload["volunteer_id"],
                                  "b_trained_on": date.fromisoformat(event.payload["completed_on"])})


def _matched(conn: Connection, event: Event) -> None:
    p = event.payload
    matched_on = date.fromisoformat(p["matched_on"])
    referred_on = conn.execute(_REFERRED_ON, {"b_referral_id": p["referral_id"]}).scalar()
    conn.execute(_ADD_MATCH, {
        "match_id": p["match_id"], "referral_id": p["referral_id"], "volunteer_id": p["volunteer_id"],
        "region": p["region"], "status": MatchStatus.ACTIVE, "matched_on": matched_on,
        "days_to_match": (matched_on - referred_on).days if referred_on else None,
        "proposal_id": p.get("proposal_id"), "rank": p.get("rank"), "choice_reason": p.get("reason")})
    conn.execute(_SET_REFERRAL, {"b_referral_id": p["referral_id"], "b_status": ReferralStatus.MATCHED})
    last = conn.execute(_LAST_MATCHED_ON, {"b_volunteer_id": p["volunteer_id"]}).scalar()
    _set_volunteer(conn, _ONE_MORE_MATCH, {"b_volunteer_id": p["volunteer_id"],
                                           "b_last_matched_on": max(last, matched_on) if last else matched_on})


def _closed(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_CLOSE_MATCH, {"b_match_id": p["match_id"], "b_closed_on": date.fromisoformat(p["closed_on"]),
                                "b_close_reason": p["reason"]})
    still_matched = conn.execute(_STILL_MATCHED, {"b_referral_id": p["referral_id"]}).first()
    if still_matched is None:  # the current match's closure (shared.referral_lifecycle's guard)
        # Back on the waiting list (with the original referred_on) when the closure allows a rematch.
        conn.execute(_SET_REFERRAL, {"b_referral_id": p["referral_id"],
                                     "b_status": referral_lifecycle.after_closure(p)})
    _set_volunteer(conn, _ONE_MATCH_FEWER, {"b_volunteer_id": p["volunteer_id"]})


def _candidates_proposed(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(_ADD_PROPOSAL, {
        "proposal_id": p["proposal_id"], "referral_id": p["referral_id"], "algorithm": p["algorithm"],
        "weights_version": p["weights_version"], "ranked_on": date.fromisoformat(p["ranked_on"]),
        "proposed_at": event.occurred_at, "candidates": _json(p["candidates"])})


def _set_volunteer(conn: Connection, change: Any, parameters: dict[str, Any]) -> None:
    """Change a volunteer and keep the derived ``status`` column in step."""
    conn.execute(change, parameters)
    current = _volunteer(conn.execute(_VOLUNTEER, {"b_volunteer_id": parameters["b_volunteer_id"]}))
    if current is not None:
        conn.execute(_VOLUNTEER_STATUS, {"b_volunteer_id": current.volunteer_id,
                                         "b_status": domain.volunteer_status(current)})


_json = json_text.dumps


PROJECTION = Projection(metadata, {
    "referral_received": _referral_received,
    "referral_withdrawn": _referral_withdrawn,
    "volunteer_registered": _volunteer_registered,
    "volunteer_screened": _volunteer_screened,
    "volunteer_trained": _volunteer_trained,
    "matched": _matched,
    "closed": _closed,
    "candidates_proposed": _candidates_proposed,
}, row_keys={_ADD_REFERRAL: "referral_id", _SET_REFERRAL: "b_referral_id", _WITHDRAW_REFERRAL: "b_referral_id",
             _ADD_VOLUNTEER: "volunteer_id", _ADD_PROPOSAL: "proposal_id",
             **{change: "b_volunteer_id" for change in (_SCREEN, _TRAIN, _ONE_MORE_MATCH, _ONE_MATCH_FEWER,
                                                        _VOLUNTEER_STATUS)}})


def volunteer(conn: Connection, volunteer_id: str,
              for_update: bool = False) -> domain.Volunteer | None:
    query = _VOLUNTEER.with_for_update() if for_update else _VOLUNTEER
    return _volunteer(conn.execute(query, {"b_volunteer_id": volunteer_id}))


def _volunteer(result: Any) -> domain.Volunteer | None:
    row = result.first()
    if row is None:
        return None
    return domain.Volunteer(row.volunteer_id, row.region, row.screening, row.trained,
                            row.capacity, row.active_matches, row.gender)
