"""Count what came out: each valid message's effects, in each service's own database."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from tests.faults.workload import CHECKIN, POISON, REFERRAL, STREAM, Message
from tests.support.projections import opened


@dataclass(frozen=True)
class Tally:
    sent: int
    valid: int
    applied: int
    lost: int
    applied_twice: int
    misordered: int
    dead_lettered: int
    poison: int

    def ok(self) -> bool:
        return (self.lost == 0 and self.applied_twice == 0 and self.misordered == 0
                and self.dead_lettered == self.poison)


def _query(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _payloads(url: str, event_type: str, origin: str) -> list[dict]:
    rows = _query(url, f"SELECT envelope FROM events WHERE event_type = '{event_type}' "
                       f"AND origin = '{origin}' ORDER BY seq")
    return [json.loads(envelope) for (envelope,) in rows]


def count(urls: dict[str, str], messages: list[Message]) -> Tally:
    """Per valid message: was each of its effects applied, and exactly once?"""
    receptions = _payloads(urls["referrals"], "referral_received", "recorded")
    ref_of = {e["payload"]["referral_id"]: e["payload"]["external_ref"] for e in receptions}
    checkins = _payloads(urls["followup"], "checked_in", "recorded")
    note_of = dict(zip((e["payload"]["checkin_id"] for e in checkins),
                       opened(urls["followup"], [e["payload"].get("note") for e in checkins])))
    effects = {
        # A referral: received by referrals, known to matching, and to followup (for the reports).
        REFERRAL: [Counter(e["payload"]["external_ref"] for e in receptions),
                   Counter(ref_of.get(r) for (r,) in _query(urls["matching"], "SELECT referral_id FROM referrals")),
                   Counter(ref_of.get(e["payload"]["referral_id"])
                           for e in _payloads(urls["followup"], "referral_received", "consumed"))],
        # A check-in: recorded by followup, and taken in by referrals and matching.
        CHECKIN: [Counter(note_of.values()),
                  *(Counter(note_of.get(e["payload"]["checkin_id"])
                            for e in _payloads(urls[service], "checked_in", "consumed"))
                    for service in ("referrals", "matching"))],
        STREAM: [],
    }
    misordered = 0
    for follower in ("referrals", "followup"):
        applied = [(e["stream_id"], e["stream_version"])
                   for e in _payloads(urls[follower], "volunteer_registered", "consumed")]
        effects[STREAM].append(Counter(f"{stream}/{version}" for stream, version in applied))
        misordered += _misordered(applied)
    keys = {kind: {m.key for m in messages if m.kind == kind} for kind in effects}
    lost = sum(any(seen[key] == 0 for seen in effects[kind]) for kind in keys for key in keys[kind])
    twice = sum(any(seen[key] > 1 for seen in effects[kind]) for kind in keys for key in keys[kind])
    valid = sum(len(k) for k in keys.values())
    dead = sum(_query(url, "SELECT count(*) FROM dead_letters")[0][0] for url in urls.values())
    return Tally(sent=len(messages), valid=valid, applied=valid - lost, lost=lost, applied_twice=twice,
                 misordered=misordered, dead_lettered=dead, poison=sum(m.kind == POISON for m in messages))


def _misordered(applied: list[tuple[str, int]]) -> int:
    """Events applied after a later version of their own stream."""
    last: dict[str, int] = {}
    wrong = 0
    for stream, version in applied:
        wrong += version < last.get(stream, 0)
        last[stream] = max(version, last.get(stream, 0))
    return wrong


def dead_letter_reasons(urls: dict[str, str]) -> Counter[str]:
    """What the dead letters say, per service: the first thing to read when a run fails."""
    reasons: Counter[str] = Counter()
    for service, url in urls.items():
        for (error,) in _query(url, "SELECT error FROM dead_letters"):
            reasons[f"{service}: {error[:100]}"] += 1
    return reasons
