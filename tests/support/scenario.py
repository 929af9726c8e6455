"""A small programme history through the bus and the gateway, for tests that need one."""
from __future__ import annotations

from tests.support import events as ev
from tests.support.projections import rows
from tests.support.waiting import wait_for


def small_programme(system, api, intake, referrals: int = 6) -> dict[str, list[str]]:
    """Referrals, volunteers, matches with check-ins, one closure and one withdrawal."""
    for _ in range(referrals):
        intake.publish(ev.referral_submitted())
    matching = system.database_url("matching")
    wait_for(lambda: len(rows(matching, "referrals")) == referrals, what="referrals in matching")
    waiting = sorted(r["referral_id"] for r in rows(matching, "referrals"))
    volunteers = []
    for capacity in (1, 2, 3):
        volunteer_id = api.accepted("/api/v1/volunteers",
                                    ev.volunteer_body(capacity=capacity))["volunteer_id"]
        api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening",
                     {"outcome": "approved", "screened_on": "2023-01-20"})
        api.accepted(f"/api/v1/volunteers/{volunteer_id}/training",
                     {"completed_on": "2023-01-25"})
        volunteers.append(volunteer_id)
    matches = [api.accepted("/api/v1/matches", {
        "referral_id": referral_id, "volunteer_id": volunteer_id,
        "matched_on": "2023-02-01"})["match_id"]
        for referral_id, volunteer_id in zip(waiting, volunteers + volunteers[1:])]
    followup = system.database_url("followup")
    wait_for(lambda: len(rows(followup, "matches")) == len(matches), what="matches in followup")
    for day, match_id in enumerate(matches, start=2):
        api.accepted(f"/api/v1/matches/{match_id}/check-ins", {
            "occurred_on": f"2023-02-{day:02d}", "contact": "meeting",
            "activities": ["network"], "concern": day % 2 == 0})
    api.accepted(f"/api/v1/matches/{matches[0]}/close", {
        "closed_on": "2023-05-01", "initiator": "participant", "reason": "participant_withdrew"})
    api.accepted(f"/api/v1/referrals/{waiting[-1]}/withdraw", {"reason": "moved away"})
    wait_for(lambda: api.ok(f"/api/v1/referrals/{waiting[0]}")["status"] == "closed",
             what="closure in referrals")
    wait_for(lambda: [r for r in rows(matching, "referrals") if r["status"] == "withdrawn"],
             what="withdrawal in matching")
    return {"referrals": waiting, "volunteers": volunteers, "matches": matches}


def matches_for_checkins(system, api, send, n: int, ref_prefix: str | None = None,
                         matched_on: str = "2023-02-01") -> list[str]:
    """``n`` referrals sent through ``send`` (an intake publish), all matched to one volunteer.

    With ``ref_prefix`` the referrals are named ``<prefix>-<i>`` and the match ids come back in
    that order, so a seeded workload picks the same participants run after run.
    """
    prefix = ref_prefix or ev.referral_payload()["external_ref"]
    for i in range(n):
        send(ev.referral_submitted(external_ref=f"{prefix}-{i:03d}"))
    matching = system.database_url("matching")
    wait_for(lambda: len(rows(matching, "referrals")) == n, what="referrals in matching")
    volunteer_id = api.accepted("/api/v1/volunteers", ev.volunteer_body(capacity=n))["volunteer_id"]
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening",
                 {"outcome": "approved", "screened_on": "2023-01-20"})
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": "2023-01-25"})
    referrals = sorted(rows(system.database_url("referrals"), "referrals"), key=lambda r: r["external_ref"])
    match_ids = [api.accepted("/api/v1/matches", {
        "referral_id": r["referral_id"], "volunteer_id": volunteer_id,
        "matched_on": matched_on})["match_id"] for r in referrals]
    wait_for(lambda: len(rows(system.database_url("followup"), "matches")) == n,
             what="matches in followup")
    return match_ids
