"""Matching end to end: explained candidates, recorded choices, rematch, and two consultants at once.

The four services run as separate OS processes on the real RabbitMQ; referrals
arrive over the bus, everything else goes through the gateway.
"""
from __future__ import annotations

import eventlet

from tests.support import events as ev
from tests.support.api import Api
from tests.support.projections import rows
from tests.support.waiting import wait_for

ON = "2023-06-01"


def referral_known_to_matching(system, intake, **payload) -> str:
    submitted = ev.referral_submitted(**payload)
    intake.publish(submitted)
    external_ref = submitted["payload"]["external_ref"]
    referral_id = wait_for(lambda: [r for r in rows(system.database_url("referrals"), "referrals")
                                    if r["external_ref"] == external_ref], what="referral")[0]["referral_id"]
    wait_for(lambda: any(r["referral_id"] == referral_id for r in rows(system.database_url("matching"), "referrals")),
             what="referral in matching")
    return str(referral_id)


def ready_volunteer(api: Api, trained_on: str = "2023-05-02", **body) -> str:
    volunteer_id = api.accepted("/api/v1/volunteers", ev.volunteer_body(**body))["volunteer_id"]
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening", {"outcome": "approved", "screened_on": "2023-01-20"})
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": trained_on})
    return volunteer_id


def test_candidates_are_explained_and_a_lower_choice_needs_a_recorded_reason(system, api, intake):
    referral_id = referral_known_to_matching(system, intake)
    # She speaks Arabic and Danish, needs network and language, lives in København, asked for a woman.
    arabic = ready_volunteer(api, languages=["da", "ar"], strengths=["network"])
    danish = ready_volunteer(api, trained_on="2023-03-03", languages=["da"], municipality="Frederiksberg",
                             strengths=[])
    ready_volunteer(api, gender="male")
    ready_volunteer(api, region="syddanmark")

    answer = api.ok(f"/api/v1/referrals/{referral_id}/candidates", on=ON)

    # arabic: 3 (ar) + 1.5 (Danish practice) + 2 (network) + 2 (municipality) + 0.30 (30 days)
    # danish: 1.5 + 0.5 (same region) + 0.90 (90 days)
    assert [(c["volunteer_id"], c["rank"], c["score"]) for c in answer["items"]] == [
        (arabic, 1, 8.8), (danish, 2, 2.9)]
    assert answer["items"][0]["reasons"] == ["speaks Arabic", "Danish practice: speaks Danish",
                                             "strength: network", "same municipality",
                                             "waiting 30 days for a first match"]
    assert answer["excluded"] == {"region": 1, "capacity": 0, "gender_preference": 1,
                                  "earlier_mismatch": 0, "earlier_match": 0}
    assert answer["weights_version"] and answer["algorithm"] == "weighted-sum-1"

    choice = {"referral_id": referral_id, "volunteer_id": danish, "matched_on": "2023-06-02",
              "proposal_id": answer["proposal_id"]}
    refused = api.post("/api/v1/matches", choice)
    assert refused.status_code == 422 and "reason" in refused.json()["fields"], refused.text
    assert "reason_code" in refused.json()["fields"]

    match_id = api.accepted("/api/v1/matches", {**choice, "reason": "they met at the site and got on"})["match_id"]

    trail = api.ok(f"/api/v1/audit/subjects/{match_id}")["items"]
    [matched] = [e for e in trail if e["event_type"] == "matched"]
    assert matched["payload"]["rank"] == 2 and matched["payload"]["reason"] == "they met at the site and got on"
    assert matched["payload"]["proposal_id"] == answer["proposal_id"]
    assert matched["actor"]["kind"] == "consultant" and matched["source"] == "matching"
    assert matched["payload"]["reason_code"] == "other"  # free text alone: published as the code only
    # The free text is private (CONTRACTS.md 4.3): an auditor sees the code, never the text.
    auditor = Api(system.gateway, "auditor")
    assert [(e["payload"]["reason_code"], "reason" in e["payload"])
            for e in auditor.ok(f"/api/v1/audit/subjects/{match_id}")["items"]
            if e["event_type"] == "matched"] == [("other", False)]
    proposals = [e for e in api.ok(f"/api/v1/audit/subjects/{referral_id}")["items"]
                 if e["event_type"] == "candidates_proposed"]
    assert [c["volunteer_id"] for c in proposals[0]["payload"]["candidates"]] == [arabic, danish]


def test_a_mismatch_puts_the_participant_back_on_the_list_and_the_pair_is_not_proposed_again(
        system, api, intake):
    referral_id = referral_known_to_matching(system, intake)
    first, second = ready_volunteer(api), ready_volunteer(api)
    match_id = api.accepted("/api/v1/matches", {"referral_id": referral_id, "volunteer_id": first,
                                                "matched_on": "2023-02-01"})["match_id"]
    wait_for(lambda: api.get(f"/api/v1/matches/{match_id}").status_code == 200, what="match in followup")

    api.accepted(f"/api/v1/matches/{match_id}/close", {"closed_on": "2023-04-01", "initiator": "consultant",
                                                        "reason": "mismatch"})

    waiting = wait_for(lambda: [r for r in api.ok("/api/v1/referrals", status="waiting")["items"]
                                if r["referral_id"] == referral_id], what="referral back on the waiting list")[0]
    assert waiting["referred_on"] == "2023-01-15" and waiting["days_waiting"] > 0
    answer = wait_for(lambda: api.get(f"/api/v1/referrals/{referral_id}/candidates", on=ON).status_code == 200
                      and api.ok(f"/api/v1/referrals/{referral_id}/candidates", on=ON), what="candidates again")
    assert [c["volunteer_id"] for c in answer["items"]] == [second]
    assert answer["excluded"]["earlier_mismatch"] == 1
    again = api.post("/api/v1/matches", {"referral_id": referral_id, "volunteer_id": first,
                                         "matched_on": "2023-04-02"})
    assert again.status_code == 422 and "mismatch" in again.json()["message"]
    api.accepted("/api/v1/matches", {"referral_id": referral_id, "volunteer_id": second,
                                     "matched_on": "2023-04-02"})


def test_two_consultants_matching_at_the_same_moment_get_one_success_and_clear_conflicts(
        system, api, intake):
    consultants = [Api(system.gateway, "consultant", ("hovedstaden",), f"consultant-{n}") for n in range(3)]
    referrals = [referral_known_to_matching(system, intake) for _ in range(4)]
    volunteers = [ready_volunteer(api, capacity=1) for _ in range(4)]

    # Three consultants give the one free place of volunteers[0] to three participants at once ...
    same_volunteer = race(consultants, [(referrals[n], volunteers[0]) for n in range(3)])
    # ... and match participant referrals[3] with three different volunteers at once.
    same_participant = race(consultants, [(referrals[3], volunteers[n]) for n in range(1, 4)])

    for outcome, clash in ((same_volunteer, "no free capacity"), (same_participant, "already matched")):
        statuses = sorted(status for status, _ in outcome)
        assert statuses == [202, 409, 409], outcome
        assert all(clash in body["message"] and body["error"] == "conflict"
                   for status, body in outcome if status == 409), outcome
    active = wait_for(lambda: len(rows(system.database_url("followup"), "matches")) == 2
                      and rows(system.database_url("followup"), "matches"), what="two matches in followup")
    assert len(active) == 2


def race(consultants: list[Api], pairs: list[tuple[str, str]]) -> list[tuple[int, dict]]:
    """POST the matches all at once (green threads: every request is in flight together)."""
    pile: eventlet.GreenPile = eventlet.GreenPile(len(pairs))
    for consultant, (referral_id, volunteer_id) in zip(consultants, pairs):
        pile.spawn(consultant.post, "/api/v1/matches", {"referral_id": referral_id, "volunteer_id": volunteer_id,
                                                        "matched_on": "2023-06-01"})
    return [(response.status_code, response.json()) for response in pile]
