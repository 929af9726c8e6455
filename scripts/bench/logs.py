"""Event logs for the benchmarks, written straight into a service's event store.

The events are the ones the services record and consume: payloads validated
once per kind and varied only in ids and dates, identifying fields sealed as
the services seal them. Only the way in is faster than the bus, so a log of
hundreds of thousands of events takes a minute, not hours.
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, insert

from services.referrals import domain
from shared import reference
from shared.contracts import REGISTRY
from shared.envelope import Event
from shared.eventstore import CONSUMED, RECORDED, events, outbox
from shared.personal import seal_event
from shared.unit_of_work import ServiceDatabase
from tests.support.events import referral_payload

START = datetime(2022, 1, 3, 8, 0, tzinfo=timezone.utc)
COUNTRIES = ["SY", "AF", "ER", "IR", "IQ", "SO", "UA", "TR", "PS", "LB"]
REASONS = ["goals_reached", "commitment_completed", "mismatch", "moved", "lost_contact"]
History = Iterator[tuple[str, Event]]


def referral_history(n_events: int, seed: int = 11) -> History:
    """The referrals service: submissions received; matched some time later, some closed later still."""
    rng, clock, produced = random.Random(seed), START, 0
    waiting: list[tuple[str, str]] = []
    active: list[tuple[str, str]] = []
    while produced < n_events:
        clock += timedelta(seconds=rng.randint(1, 90))
        roll = rng.random()
        if roll < 0.25 and len(waiting) > 50:
            rid, region = waiting.pop(rng.randrange(len(waiting) // 2))
            mid = str(uuid.uuid4())
            active.append((rid, mid))
            yield CONSUMED, _event("matched", matched(rid, mid, region, clock.date()), clock, "matching",
                                   f"match-{mid}", 1)
            produced += 1
        elif roll < 0.32 and len(active) > 50:
            rid, mid = active.pop(rng.randrange(len(active) // 2))
            yield CONSUMED, _event("closed", closed(rid, mid, clock.date(), rng.choice(REASONS)), clock,
                                   "followup", f"match-{mid}", 2)
            produced += 1
        else:
            submitted, received = referral(rng)
            waiting.append((received["referral_id"], received["region"]))
            yield CONSUMED, _event("referral_submitted", submitted, clock, submitted["referring_site"])
            yield RECORDED, _event("referral_received", received, clock, "referrals",
                                   f"referral-{received['referral_id']}", 1)
            produced += 2


def referrals_of(n_referrals: int, seed: int = 13) -> History:
    """``referral_history`` until it has received ``n_referrals`` referrals (about 2.5 events each)."""
    received = 0
    for origin, event in referral_history(10 * n_referrals + 1000, seed):
        yield origin, event
        received += event.event_type == "referral_received"
        if received >= n_referrals:
            return


def followup_history(n_matches: int, seed: int = 12) -> History:
    """What followup learns for the report: participants, volunteers approved, matches and closures.

    All recorded by others (``consumed``), each learned at its own moment, over three years.
    """
    rng, clock = random.Random(seed), START
    step = timedelta(days=3 * 365) / (n_matches * 1.3)
    volunteers: list[tuple[str, str]] = []
    open_matches: list[tuple[str, str, str]] = []
    for n in range(n_matches):
        clock += step
        if n % 5 == 0:
            vid, region = str(uuid.uuid4()), rng.choice(reference.regions())
            volunteers.append((vid, region))
            yield CONSUMED, _event("volunteer_registered", volunteer(vid, region), clock, "matching",
                                   f"volunteer-{vid}", 1)
            if rng.random() < 0.85:
                yield CONSUMED, _event("volunteer_screened", {"volunteer_id": vid, "outcome": "approved",
                                                              "screened_on": clock.date().isoformat()},
                                       clock, "matching", f"volunteer-{vid}", 2)
        _submitted, received = referral(rng)
        rid = received["referral_id"]
        yield CONSUMED, _event("referral_received", received, clock, "referrals", f"referral-{rid}", 1)
        vid, _ = rng.choice(volunteers)
        mid = str(uuid.uuid4())
        # Matched on a business date up to three weeks before the system learned it.
        day = clock.date() - timedelta(days=rng.randint(0, 21))
        yield CONSUMED, _event("matched", matched(rid, mid, received["region"], day, vid), clock, "matching",
                               f"match-{mid}", 1)
        open_matches.append((rid, mid, vid))
        if rng.random() < 0.3 and len(open_matches) > 20:
            rid, mid, vid = open_matches.pop(rng.randrange(len(open_matches) // 2))
            yield CONSUMED, _event("closed", closed(rid, mid, clock.date(), rng.choice(REASONS), vid), clock,
                                   "followup", f"match-{mid}", 2)


def write(db: ServiceDatabase, history: History, batch: int = 5000) -> int:
    """Append ``history`` to ``db``'s log in bulk, sealed (recorded events marked published)."""
    written, rows, outbox_rows = 0, [], []
    with db.engine.begin() as conn:
        for origin, event in history:
            written += 1
            event = _sealed(db, conn, event)
            recorded = origin == RECORDED
            rows.append({"seq": written, "event_id": event.event_id, "origin": origin,
                         "event_type": event.event_type, "stream_id": event.stream_id if recorded else None,
                         "stream_version": event.stream_version if recorded else None,
                         "recorded_at": event.recorded_at, "envelope": event.to_json()})
            if recorded:
                outbox_rows.append({"seq": written, "exchange": db.store.exchange,
                                    "routing_key": event.event_type, "published_at": event.recorded_at})
            if len(rows) >= batch:
                _flush(conn, rows, outbox_rows)
        _flush(conn, rows, outbox_rows)
    return written


def _sealed(db: ServiceDatabase, conn: Connection, event: Event) -> Event:
    subject_of = db.projection.subjects.get(event.event_type)
    return seal_event(db.keyring, conn, event, subject_of(conn, event) if subject_of else None)


def _flush(conn: Connection, rows: list[dict[str, Any]], outbox_rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(events), rows)
    if outbox_rows:
        conn.execute(insert(outbox), outbox_rows)
    rows.clear()
    outbox_rows.clear()


_TEMPLATE: dict[str, Any] = {}


def referral(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ``referral_submitted`` (v1) payload and the ``referral_received`` it becomes."""
    if not _TEMPLATE:
        _TEMPLATE.update(REGISTRY.validate("referral_submitted", 1, referral_payload(), strict=True, prefix=""))
    site = rng.choice(reference.site_codes())
    participant = {**_TEMPLATE["participant"], "gender": rng.choice(["female", "male", "female"]),
                   "birth_year": rng.randint(1950, 2004), "country_of_birth": rng.choice(COUNTRIES),
                   "arrival_year": rng.randint(2005, 2022)}
    participant["arrival_year"] = max(participant["arrival_year"], participant["birth_year"] + 1)
    submitted = {**_TEMPLATE, "referring_site": site, "external_ref": f"{site}-{uuid.uuid4().hex[:12]}",
                 "participant": participant, "personal": {"name": "Bench Person", "phone": "+45 00000000"}}
    lifted = REGISTRY.upcast(_event("referral_submitted", submitted, START, site)).payload
    received = domain.receive(lifted, None, str(uuid.uuid4()), reference.region_of_site(site))
    assert received is not None
    return submitted, received


def volunteer(vid: str, region: str) -> dict[str, Any]:
    return {"volunteer_id": vid, "gender": "female", "birth_year": 1980, "languages": ["da", "ar"],
            "municipality": "Kommune", "region": region, "strengths": ["network"], "capacity": 3,
            "personal": {"name": "Bench Volunteer"}}


def matched(rid: str, mid: str, region: str, day: date, vid: str | None = None) -> dict[str, Any]:
    return {"match_id": mid, "referral_id": rid, "volunteer_id": vid or str(uuid.uuid4()), "region": region,
            "matched_on": day.isoformat(), "proposal_id": None, "rank": None, "reason": None}


def closed(rid: str, mid: str, day: date, reason: str, vid: str | None = None) -> dict[str, Any]:
    return {"match_id": mid, "referral_id": rid, "volunteer_id": vid or str(uuid.uuid4()),
            "closed_on": day.isoformat(), "initiator": "participant", "reason": reason, "note": None,
            "anticipated": None, "policy_version": None, "rematch_allowed": reason != "mismatch"}


def _event(event_type: str, payload: dict[str, Any], at: datetime, source: str, stream_id: str | None = None,
           version: int | None = None) -> Event:
    schema_version = 1  # every kind written here is at version 1 (submissions as most sites still send them)
    return Event(event_id=str(uuid.uuid4()), event_type=event_type, schema_version=schema_version,
                 occurred_at=at, source=source, payload=payload, stream_id=stream_id, stream_version=version,
                 recorded_at=at, actor={"kind": "system", "id": source})
