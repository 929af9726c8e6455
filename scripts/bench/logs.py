"""Event logs for the benchmarks, written straight into a service's event store.

The events are the ones the services would record and consume (validated
payloads, real envelopes); only the way in is faster than the bus, so a
100,000-event log takes seconds to lay down.
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert

from services.referrals import domain
from shared import reference
from shared.contracts import REGISTRY
from shared.envelope import Event
from shared.eventstore import CONSUMED, RECORDED, events, outbox
from shared.unit_of_work import ServiceDatabase
from tests.support.events import referral_payload

START = datetime(2023, 1, 2, 8, 0, tzinfo=timezone.utc)


def referral_history(n_events: int, seed: int = 11) -> Iterator[tuple[str, Event]]:
    """(origin, event) of the referrals service: submissions received; later half matched, some closed."""
    rng = random.Random(seed)
    sites = sorted(reference.site_codes())
    waiting: list[tuple[str, str]] = []
    active: list[tuple[str, str, date]] = []
    produced, clock = 0, START
    while produced < n_events:
        clock += timedelta(seconds=rng.randint(1, 90))
        roll = rng.random()
        if roll < 0.25 and len(waiting) > 50:  # a participant waiting for some time is matched
            rid, region = waiting.pop(rng.randrange(len(waiting) // 2))
            mid, day = str(uuid.uuid4()), clock.date()
            active.append((rid, mid, day))
            yield CONSUMED, _event("matched", _matched(rid, mid, region, day), clock, "matching", f"match-{mid}", 1)
            produced += 1
        elif roll < 0.32 and len(active) > 50:  # and some time later the match closes
            rid, mid, day = active.pop(rng.randrange(len(active) // 2))
            yield CONSUMED, _event("closed", _closed(rid, mid, clock.date()), clock, "followup", f"match-{mid}", 2)
            produced += 1
        else:
            rid, site = str(uuid.uuid4()), rng.choice(sites)
            submitted = REGISTRY.validate("referral_submitted", 1, referral_payload(site=site), strict=True,
                                          prefix="")
            received = domain.receive(REGISTRY.upcast(_event("referral_submitted", submitted, clock, site)).payload,
                                      None, rid, reference.region_of_site(site))
            assert received is not None
            waiting.append((rid, received["region"]))
            yield CONSUMED, _event("referral_submitted", submitted, clock, site)
            yield RECORDED, _event("referral_received", received, clock, "referrals", f"referral-{rid}", 1)
            produced += 2


def write(db: ServiceDatabase, history: Iterator[tuple[str, Event]], batch: int = 5000) -> int:
    """Append ``history`` to ``db``'s log in bulk (recorded events marked published)."""
    written, rows, outbox_rows = 0, [], []
    with db.engine.begin() as conn:
        for origin, event in history:
            written += 1
            rows.append({"seq": written, "event_id": event.event_id, "origin": origin,
                         "event_type": event.event_type, "stream_id": event.stream_id if origin == RECORDED else None,
                         "stream_version": event.stream_version if origin == RECORDED else None,
                         "recorded_at": event.recorded_at, "envelope": event.to_json()})
            if origin == RECORDED:
                outbox_rows.append({"seq": written, "exchange": db.store.exchange, "routing_key": event.event_type,
                                    "published_at": event.recorded_at})
            if len(rows) >= batch:
                _flush(conn, rows, outbox_rows)
        _flush(conn, rows, outbox_rows)
    return written


def _flush(conn, rows: list, outbox_rows: list) -> None:  # type: ignore[no-untyped-def]
    if rows:
        conn.execute(insert(events), rows)
    if outbox_rows:
        conn.execute(insert(outbox), outbox_rows)
    rows.clear()
    outbox_rows.clear()


def _event(event_type: str, payload: dict, at: datetime, source: str, stream_id: str | None = None,
           version: int | None = None) -> Event:
    return Event(event_id=str(uuid.uuid4()), event_type=event_type, schema_version=REGISTRY.current_version(
        event_type) if event_type != "referral_submitted" else 1, occurred_at=at, source=source, payload=payload,
        stream_id=stream_id, stream_version=version, recorded_at=at, actor={"kind": "system", "id": source})


def _matched(rid: str, mid: str, region: str, day: date) -> dict:
    return REGISTRY.validate("matched", REGISTRY.current_version("matched"), {
        "match_id": mid, "referral_id": rid, "volunteer_id": str(uuid.uuid4()), "region": region,
        "matched_on": day.isoformat()}, strict=False)


def _closed(rid: str, mid: str, day: date) -> dict:
    return REGISTRY.validate("closed", REGISTRY.current_version("closed"), {
        "match_id": mid, "referral_id": rid, "volunteer_id": str(uuid.uuid4()), "closed_on": day.isoformat(),
        "initiator": "participant",
        "reason": "goals_reached"}, strict=False)
