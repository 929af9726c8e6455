"""A seeded stream of messages: valid events, repeats, shuffled streams and poison."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta

from tests.support import events as ev

REFERRAL, CHECKIN, STREAM, POISON = "referral", "check-in", "stream", "poison"


@dataclass(frozen=True)
class Message:
    kind: str
    key: str  # external_ref, check-in note, "stream/version", or the poison's description
    exchange: str
    routing_key: str
    body: str | bytes


@dataclass(frozen=True)
class Sizes:
    referrals: int = 1500
    checkins: int = 400
    repeats: int = 150
    streams: int = 10
    stream_length: int = 10
    poison: int = 20

    @property
    def total(self) -> int:
        return (self.referrals + self.checkins + self.repeats + self.streams * self.stream_length
                + self.poison)


def plan(seed: int, match_ids: list[str], sizes: Sizes) -> list[Message]:
    """Every message of one run, in the order it will be published."""
    rng = random.Random(seed)
    per_match: dict[str, int] = {}
    checkins = []
    for i in range(sizes.checkins):
        match_id = rng.choice(match_ids)
        per_match[match_id] = per_match.get(match_id, 0) + 1
        checkins.append(_checkin(seed, i, match_id, per_match[match_id]))
    valid = ([_referral(seed, i) for i in range(sizes.referrals)] + checkins
             + [_stream_event(seed, s, v) for s in range(sizes.streams)
                for v in range(1, sizes.stream_length + 1)])
    rng.shuffle(valid)  # also puts each stream's versions out of order
    repeats = [rng.choice(valid) for _ in range(sizes.repeats)]
    poison = [_poison(seed, i) for i in range(sizes.poison)]
    messages = valid + repeats + poison
    rng.shuffle(messages)
    return messages


def _referral(seed: int, i: int) -> Message:
    ref = f"CTP-F{seed}-{i}"
    body = json.dumps(ev.referral_submitted(external_ref=ref))
    return Message(REFERRAL, ref, "intake.events", "referral_submitted", body)


def _checkin(seed: int, i: int, match_id: str, nth: int) -> Message:
    """The ``nth`` contact of a match, on a day of its own (the business order of its contacts)."""
    note = f"fault {seed} check-in {i}"
    occurred_on = date(2023, 2, 2) + timedelta(days=nth)
    body = json.dumps(ev.envelope("checkin_reported", {
        "match_id": match_id, "occurred_on": occurred_on.isoformat(), "contact": "meeting", "note": note}))
    return Message(CHECKIN, note, "intake.events", "checkin_reported", body)


def _stream_event(seed: int, stream: int, version: int) -> Message:
    """An event as matching records it, on a stream of its own, for the followers to order."""
    stream_id = f"volunteer-fault-{seed}-{stream}"
    body = json.dumps(ev.envelope(
        "volunteer_registered", {**ev.volunteer_body(), "volunteer_id": stream_id},
        source="matching", stream_id=stream_id, stream_version=version,
        recorded_at="2023-01-15T09:30:00+00:00"))
    return Message(STREAM, f"{stream_id}/{version}", "matching.events", "volunteer_registered", body)


def _poison(seed: int, i: int) -> Message:
    good = ev.referral_submitted(external_ref=f"CTP-P{seed}-{i}")
    kinds = [
        # Each poison body its own: a redelivery of a body already kept counts as that dead letter
        # again (shared/deadletters.py), and identical bodies that are not JSON cannot be told apart.
        ("not JSON", "referral_submitted", f"{{not json {seed}-{i}".encode()),
        ("unknown site", "referral_submitted",
         json.dumps({**good, "payload": {**good["payload"], "referring_site": "NOWHERE"}})),
        ("consent not given", "referral_submitted",
         json.dumps({**good, "payload": {**good["payload"], "consent": {"given": False,
                                                                          "recorded_on": "2023-01-15"}}})),
        ("no event_id", "referral_submitted", json.dumps({k: v for k, v in good.items() if k != "event_id"})),
        ("check-in for an unknown match", "checkin_reported", json.dumps(ev.envelope(
            "checkin_reported", {"match_id": f"no-such-match-{i}", "occurred_on": "2023-03-01",
                                 "contact": "meeting"}))),
    ]
    name, routing_key, body = kinds[i % len(kinds)]
    return Message(POISON, f"{name} #{i}", "intake.events", routing_key, body)
