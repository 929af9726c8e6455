"""What matching decisions read from the projection: a waiting referral, the pool, a proposal."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, String, func, select, type_coerce

from services.matching import domain, ranking, rules
from services.matching.projection import matches, proposals, referrals, volunteers
from shared.vocabulary import MatchStatus, VolunteerStatus

# The two dates come back as the driver gives them (text on SQLite, dates on PostgreSQL):
# thousands of rows share a few hundred dates, and ``profiles`` parses each text once.
PROFILE_COLUMNS = (volunteers.c.volunteer_id, volunteers.c.status, volunteers.c.region,
                   volunteers.c.municipality, volunteers.c.gender, volunteers.c.languages,
                   volunteers.c.strengths, type_coerce(volunteers.c.trained_on, String),
                   type_coerce(volunteers.c.last_matched_on, String))


def waiting_referral(conn: Connection, referral_id: str,
                     for_update: bool = False) -> domain.WaitingReferral | None:
    query = select(referrals).where(referrals.c.referral_id == referral_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return None
    preferences = json.loads(row.preferences)
    return domain.WaitingReferral(row.referral_id, row.region, row.status, row.referred_on,
                                  preferences.get("volunteer_gender", rules.ANY_GENDER),
                                  earlier_matches(conn, referral_id))


def earlier_matches(conn: Connection, referral_id: str) -> dict[str, str]:
    """Volunteer id -> close reason of each closed match of this participant (a mismatch wins)."""
    rows = conn.execute(select(matches.c.volunteer_id, matches.c.close_reason).where(
        matches.c.referral_id == referral_id, matches.c.status == MatchStatus.CLOSED)
        .order_by(matches.c.closed_on, matches.c.match_id)).all()
    earlier: dict[str, str] = {}
    for row in rows:
        if earlier.get(row.volunteer_id) != "mismatch":
            earlier[row.volunteer_id] = row.close_reason
    return earlier


def participant(conn: Connection, referral_id: str) -> ranking.Participant | None:
    row = conn.execute(select(referrals).where(referrals.c.referral_id == referral_id)).first()
    if row is None:
        return None
    person, preferences = json.loads(row.participant), json.loads(row.preferences)
    return ranking.Participant(
        referral_id=row.referral_id, region=row.region, municipality=person["municipality"],
        languages=frozenset(person.get("languages", ())), needs=tuple(json.loads(row.needs)),
        volunteer_gender=preferences.get("volunteer_gender", rules.ANY_GENDER))


def candidate_pool(conn: Connection, participant: ranking.Participant
                   ) -> tuple[list[ranking.Profile], dict[str, int]]:
    """The volunteers who pass region, capacity and gender preference, and how many did not.

    Those three constraints are plain indexed columns, so the database applies
    them (the same ones, in the same order, as ``ranking``) and counts what it
    left out; only the rest of the pool is read and parsed.
    """
    region, wanted = participant.region, participant.volunteer_gender
    counts = conn.execute(select(volunteers.c.region, volunteers.c.status, volunteers.c.gender, func.count())
                          .group_by(volunteers.c.region, volunteers.c.status, volunteers.c.gender)).all()
    here = [(status, gender, n) for r, status, gender, n in counts if r == region]
    excluded = {
        ranking.REGION: sum(n for r, _, _, n in counts if r != region),
        ranking.CAPACITY: sum(n for status, _, n in here if status != VolunteerStatus.AVAILABLE),
        ranking.GENDER: sum(n for status, gender, n in here
                            if status == VolunteerStatus.AVAILABLE and not rules.meets_preference(wanted, gender)),
    }
    query = select(*PROFILE_COLUMNS).where(volunteers.c.region == region,
                                           volunteers.c.status == VolunteerStatus.AVAILABLE)
    if wanted != rules.ANY_GENDER:
        query = query.where(volunteers.c.gender == wanted)
    return profiles(conn.execute(query)), excluded


def all_profiles(conn: Connection) -> list[ranking.Profile]:
    """Every volunteer, unfiltered (to check the SQL shortcut against the pure function)."""
    return profiles(conn.execute(select(*PROFILE_COLUMNS)))


def profiles(rows: Iterable[Any]) -> list[ranking.Profile]:
    # Thousands of volunteers share a few dozen language and strength lists: parse each once.
    codes: dict[str, frozenset[str]] = {}
    days: dict[Any, date | None] = {None: None}

    def parsed_codes(text: str) -> frozenset[str]:
        found = codes.get(text)
        if found is None:
            found = codes[text] = frozenset(json.loads(text))
        return found

    def parsed_day(value: Any) -> date | None:
        if value not in days:
            days[value] = date.fromisoformat(value) if isinstance(value, str) else value
        return days[value]

    return [ranking.Profile(vid, status, region, municipality, gender, parsed_codes(languages),
                            parsed_codes(strengths), parsed_day(trained_on), parsed_day(last_matched_on))
            for vid, status, region, municipality, gender, languages, strengths, trained_on, last_matched_on
            in rows]


def proposal(conn: Connection, proposal_id: str) -> domain.Proposal | None:
    row = conn.execute(select(proposals).where(proposals.c.proposal_id == proposal_id)).first()
    if row is None:
        return None
    ranks = {c["volunteer_id"]: c["rank"] for c in json.loads(row.candidates)}
    return domain.Proposal(row.proposal_id, row.referral_id, ranks)
