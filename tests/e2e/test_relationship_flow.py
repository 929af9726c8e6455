"""A whole relationship, end to end: intake over the bus, the rest through the gateway.

The four services run as separate OS processes against the real RabbitMQ; the
referral arrives as an outside system sends it (plain kombu), and each step is
checked in all three projections.
"""
from __future__ import annotations

from tests.support import events as ev
from tests.support.projections import rows
from tests.support.waiting import wait_for


def test_a_relationship_from_referral_to_closure(system, api, intake):
    matching_db = system.database_url("matching")

    def matching_row(table, key, value):
        found = [r for r in rows(matching_db, table) if r[key] == value]
        return found[0] if found else None

    # 1. An intake system publishes a referral on the bus.
    submitted = ev.referral_submitted()
    intake.publish(submitted)
    external_ref = submitted["payload"]["external_ref"]
    referral = wait_for(lambda: api.ok("/api/v1/referrals", external_ref=external_ref)["items"],
                        what="referral in the referrals projection")[0]
    referral_id = referral["referral_id"]
    assert referral["status"] == "waiting" and referral["region"] == "hovedstaden"
    assert referral["days_waiting"] >= 0 and referral["participant"]["country_of_birth"] == "SY"
    assert wait_for(lambda: matching_row("referrals", "referral_id", referral_id),
                    what="referral on matching's waiting list")["status"] == "waiting"
    assert api.ok("/api/v1/matches", referral_id=referral_id)["items"] == []

    # 2. A volunteer is registered, screened and trained.
    volunteer_id = api.accepted("/api/v1/volunteers", ev.volunteer_body())["volunteer_id"]
    assert api.ok(f"/api/v1/volunteers/{volunteer_id}")["status"] == "registered"
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening",
                 {"outcome": "approved", "screened_on": "2023-01-20"})
    assert api.ok(f"/api/v1/volunteers/{volunteer_id}")["status"] == "approved"
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": "2023-01-25"})
    available = api.ok("/api/v1/volunteers", status="available", region="hovedstaden")["items"]
    assert [v["volunteer_id"] for v in available] == [volunteer_id]

    # 3. The consultant matches them.
    match_id = api.accepted("/api/v1/matches", {
        "referral_id": referral_id, "volunteer_id": volunteer_id,
        "matched_on": "2023-02-01"})["match_id"]
    wait_for(lambda: api.ok(f"/api/v1/referrals/{referral_id}")["status"] == "matched",
             what="referral matched in referrals")
    match = wait_for(lambda: api.get(f"/api/v1/matches/{match_id}").status_code == 200
                     and api.ok(f"/api/v1/matches/{match_id}"), what="match in followup")
    assert match["status"] == "active" and match["matched_on"] == "2023-02-01"
    assert match["next_checkin_due"] == "2023-02-15" and match["checkins"] == 0
    volunteer = api.ok(f"/api/v1/volunteers/{volunteer_id}")
    assert volunteer["status"] == "full" and volunteer["active_matches"] == 1
    assert matching_row("referrals", "referral_id", referral_id)["status"] == "matched"
    assert matching_row("matches", "match_id", match_id)["status"] == "active"

    # 4. A check-in through the gateway.
    api.accepted(f"/api/v1/matches/{match_id}/check-ins", {
        "occurred_on": "2023-02-10", "contact": "meeting", "activities": ["network"],
        "wellbeing": 4, "concern": False})
    match = api.ok(f"/api/v1/matches/{match_id}")
    # One contact in month 1 (1-28 Feb): the second is due by its last day.
    assert match["checkins"] == 1 and match["next_checkin_due"] == "2023-02-28"
    assert api.ok(f"/api/v1/referrals/{referral_id}")["status"] == "matched"

    # 5. The match closes; every projection follows.
    api.accepted(f"/api/v1/matches/{match_id}/close", {
        "closed_on": "2023-08-15", "initiator": "mutual", "reason": "commitment_completed"})
    match = api.ok(f"/api/v1/matches/{match_id}")
    assert (match["status"], match["closed_on"], match["close_reason"],
            match["close_initiator"]) == ("closed", "2023-08-15", "commitment_completed", "mutual")
    wait_for(lambda: api.ok(f"/api/v1/referrals/{referral_id}")["status"] == "closed",
             what="referral closed in referrals")
    wait_for(lambda: api.ok(f"/api/v1/volunteers/{volunteer_id}")["status"] == "available",
             what="volunteer's capacity freed in matching")
    assert api.ok(f"/api/v1/volunteers/{volunteer_id}")["active_matches"] == 0
    assert matching_row("matches", "match_id", match_id)["status"] == "closed"
    assert api.ok("/api/v1/matches", status="active")["items"] == []


def test_rules_answer_with_clear_errors(system, api, intake):
    submitted = ev.referral_submitted()
    intake.publish(submitted)
    referral_id = wait_for(lambda: api.ok(
        "/api/v1/referrals", external_ref=submitted["payload"]["external_ref"])["items"],
        what="referral")[0]["referral_id"]
    wait_for(lambda: any(r["referral_id"] == referral_id
                         for r in rows(system.database_url("matching"), "referrals")),
             what="referral known to matching")
    other_region = api.accepted("/api/v1/volunteers", ev.volunteer_body(region="syddanmark"))
    volunteer_id = other_region["volunteer_id"]
    untrained = api.post("/api/v1/matches", {"referral_id": referral_id,
                                             "volunteer_id": volunteer_id,
                                             "matched_on": "2023-02-01"})
    assert untrained.status_code == 422 and untrained.json()["error"] == "rule_violated"
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening",
                 {"outcome": "approved", "screened_on": "2023-01-20"})
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": "2023-01-25"})
    wrong_region = api.post("/api/v1/matches", {"referral_id": referral_id,
                                                "volunteer_id": volunteer_id,
                                                "matched_on": "2023-02-01"})
    assert wrong_region.status_code == 422 and "region" in wrong_region.json()["message"]
    bad = api.post("/api/v1/volunteers", {**ev.volunteer_body(), "capacity": "two"})
    assert bad.status_code == 400 and "capacity" in bad.json()["fields"]
    missing = api.get("/api/v1/matches/no-such-match")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
