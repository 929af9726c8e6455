"""Only an event's owner can make it happen (CONTRACTS.md §4.1), against the four processes.

Events forged with the broker's admin login onto the services' exchanges, each with
the right ``source``, a known region and a stream version that would be next, are
applied nowhere and kept as dead letters with the reason; the genuine events that
follow them on the same streams are applied as if the forgeries had never been sent.
"""
from __future__ import annotations

import json
from typing import Any

import kombu

from shared import broker_users
from tests.support import events as ev
from tests.support.projections import rows, scalar
from tests.support.waiting import wait_for

SERVICES = ("referrals", "matching", "followup")


def forge(admin_uri: str, message: dict[str, Any], *, as_user: str | None = "guest") -> None:
    """Publish ``message`` on its source's exchange as the admin login, as an attacker would."""
    exchange = kombu.Exchange(f"{message['source']}.events", type="topic", durable=True)
    properties = {"user_id": as_user} if as_user else {}
    with kombu.Connection(admin_uri, transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(json.dumps(message), exchange=exchange,
                                routing_key=message["event_type"], content_type="application/json",
                                delivery_mode=2, **properties)


def service_event(event_type: str, source: str, stream_id: str, version: int,
                  payload: dict[str, Any]) -> dict[str, Any]:
    return ev.envelope(event_type, payload, source=source, stream_id=stream_id,
                       stream_version=version, recorded_at="2023-02-01T10:00:00+00:00")


def dead_letters(system, service: str) -> list[dict[str, Any]]:
    return rows(system.database_url(service), "dead_letters")


def applied_anywhere(system, event_id: str) -> int:
    return sum(int(scalar(system.database_url(s), "SELECT count(*) FROM events WHERE event_id = :e",
                          e=event_id)) for s in SERVICES)


def test_forged_service_events_are_kept_with_reasons_and_genuine_ones_still_apply(system, api, intake):
    for _ in range(2):
        intake.publish(ev.referral_submitted())
    matching = system.database_url("matching")
    wait_for(lambda: len(rows(matching, "referrals")) == 2, what="both referrals in matching")
    first, second = sorted(r["referral_id"] for r in rows(matching, "referrals"))
    volunteer = api.accepted("/api/v1/volunteers", ev.volunteer_body())["volunteer_id"]
    api.accepted(f"/api/v1/volunteers/{volunteer}/screening",
                 {"outcome": "approved", "screened_on": "2023-01-20"})
    api.accepted(f"/api/v1/volunteers/{volunteer}/training", {"completed_on": "2023-01-25"})

    forged_match = "forged-match-1"
    forgeries = [
        service_event("matched", "matching", f"match-{forged_match}", 1, {
            "match_id": forged_match, "referral_id": first, "volunteer_id": volunteer,
            "region": "hovedstaden", "matched_on": "2023-02-01"}),
        service_event("referral_received", "referrals", "referral-forged-1", 1, {
            **ev.referral_payload(), "referral_id": "forged-1", "region": "hovedstaden"}),
        # The next version of a genuine stream: it must not take the genuine event's place.
        service_event("referral_withdrawn", "referrals", f"referral-{second}", 2, {
            "referral_id": second, "reason": "forged"}),
    ]
    for message in forgeries:
        forge(system.admin_uri, message)
    # referrals follows matching.events; matching follows referrals.events; followup both.
    wait_for(lambda: [len(dead_letters(system, s)) for s in SERVICES] == [1, 2, 3],
             what="every forgery kept by every consumer")

    match_id = api.accepted("/api/v1/matches", {"referral_id": first, "volunteer_id": volunteer,
                                                "matched_on": "2023-02-01"})["match_id"]
    wait_for(lambda: len(rows(system.database_url("followup"), "matches")) == 1, what="the match")
    forged_close = service_event("closed", "followup", f"match-{match_id}", 1, {
        "match_id": match_id, "referral_id": first, "volunteer_id": volunteer,
        "closed_on": "2023-03-01", "initiator": "participant", "reason": "participant_withdrew"})
    forge(system.admin_uri, forged_close, as_user=None)
    forgeries.append(forged_close)
    wait_for(lambda: [len(dead_letters(system, s)) for s in SERVICES] == [2, 3, 3],
             what="the forged closure kept by referrals and matching")

    assert api.ok(f"/api/v1/matches/{match_id}")["status"] == "active"
    assert api.ok(f"/api/v1/referrals/{first}")["status"] == "matched"
    assert {r["referral_id"]: r["status"] for r in rows(matching, "referrals")}[second] == "waiting"
    assert [applied_anywhere(system, m["event_id"]) for m in forgeries] == [0, 0, 0, 0]
    reasons = {(s, letter["event_id"]): letter["error"]
               for s in SERVICES for letter in dead_letters(system, s)}
    owners = {m["event_id"]: broker_users.user_name(m["source"], system.env) for m in forgeries}
    for (service, event_id), reason in reasons.items():
        publisher = "an unnamed user" if event_id == forged_close["event_id"] else "guest"
        assert reason == f"published by {publisher}, not by {owners[event_id]}", (service, reason)

    # The genuine versions of the streams the forgeries claimed are applied, not "duplicates".
    api.accepted(f"/api/v1/matches/{match_id}/close", {
        "closed_on": "2023-03-01", "initiator": "participant", "reason": "participant_withdrew"})
    api.accepted(f"/api/v1/referrals/{second}/withdraw", {"reason": "moved away"})
    wait_for(lambda: api.ok(f"/api/v1/referrals/{first}")["status"] == "closed",
             what="the genuine closure in referrals")
    wait_for(lambda: {r["referral_id"]: r["status"] for r in rows(matching, "referrals")}[second]
             == "withdrawn", what="the genuine withdrawal in matching")
    assert api.ok(f"/api/v1/matches/{match_id}")["status"] == "closed"
    assert [len(dead_letters(system, s)) for s in SERVICES] == [2, 3, 3]
