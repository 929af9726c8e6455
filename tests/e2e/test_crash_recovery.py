"""kill -9 mid-stream: nothing lost, nothing applied twice, projections agree with the logs."""
from __future__ import annotations

import random

from tests.support import events as ev
from tests.support.projections import count_events, opened, rows, scalar
from tests.support.scenario import matches_for_checkins
from tests.support.waiting import wait_for

REFERRALS, CHECKINS, MATCHES, BURST = 240, 90, 5, 150


def test_killing_each_service_mid_stream_loses_nothing_and_applies_nothing_twice(
        system, api, intake):
    match_ids = matches_for_checkins(system, api, intake.publish, MATCHES)
    rng = random.Random(20231)
    kills = {60: "referrals", 140: "matching", 220: "followup"}
    plan = ["referral"] * REFERRALS + ["check-in"] * CHECKINS
    rng.shuffle(plan)
    sent_refs, sent_notes = set(), set()

    def message(kind: str, i: int) -> dict:
        if kind == "check-in":
            note = f"check-in {i}"
            sent_notes.add(note)
            return ev.envelope("checkin_reported", {
                "match_id": rng.choice(match_ids), "occurred_on": "2023-03-01",
                "contact": "meeting", "activities": ["network"], "note": note})
        submitted = ev.referral_submitted()
        sent_refs.add(submitted["payload"]["external_ref"])
        return submitted

    urls = {s: system.database_url(s) for s in ("referrals", "matching", "followup")}

    def backlog(service: str) -> int:
        """How much of what was sent the service has not applied yet."""
        if service == "followup":
            return len(sent_notes) - len(rows(urls["followup"], "checkins"))
        return len(sent_refs) + MATCHES - len(rows(urls[service], "referrals"))

    busy_at_kill: dict[str, int] = {}
    for i, kind in enumerate(plan):
        intake.publish(message(kind, i))
        if i in kills:
            victim = kills[i]
            # A burst for the victim, published faster than it consumes (confirms awaited
            # together), so it is killed with work in hand: one message at a time, a victim
            # consuming in batches kept up with the burst and had none left.
            burst = "check-in" if victim == "followup" else "referral"
            intake.publish_all([message(burst, 10_000 * i + j) for j in range(BURST)])
            busy_at_kill[victim] = backlog(victim)
            system.kill9(victim)
            system.restart(victim)
    assert all(busy_at_kill[s] > 0 for s in kills.values()), busy_at_kill
    total = len(sent_refs) + MATCHES
    wait_for(lambda: len(rows(urls["matching"], "referrals")) == total
             and len(rows(urls["followup"], "checkins")) == len(sent_notes),
             timeout=120, what="quiescence")

    # Nothing lost: every referral and check-in sent is in its projection.
    referral_rows = rows(urls["referrals"], "referrals")
    assert sent_refs <= {r["external_ref"] for r in referral_rows}
    notes = [r["note"] for r in rows(urls["followup"], "checkins")]
    assert not set(notes) & sent_notes  # sealed at rest
    assert set(opened(urls["followup"], notes)) == sent_notes
    # Nothing applied twice: each projection agrees with the event log it was built from.
    assert len(referral_rows) == count_events(urls["referrals"], "referral_received") == total
    assert count_events(urls["matching"], "referral_received", "consumed") == total
    assert len(rows(urls["matching"], "referrals")) == total
    checkins = len(sent_notes)
    assert count_events(urls["followup"], "checked_in") == checkins
    assert scalar(urls["followup"], "SELECT sum(checkins) FROM matches") == checkins
    assert count_events(urls["followup"], "checkin_reported", "consumed") == checkins
    matched = {r["referral_id"] for r in rows(urls["matching"], "referrals")
               if r["status"] == "matched"}
    assert len(matched) == MATCHES
    for service, url in urls.items():
        assert rows(url, "dead_letters") == [], service
        wait_for(lambda: scalar(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
                 == 0, what=f"{service} outbox drained")
