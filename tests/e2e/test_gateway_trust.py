"""The gateway's trust rules end to end: idempotent writes, revoked tokens, the audit trail by exact id.

The four services run as OS processes on the real RabbitMQ; tokens come from the
``lgv`` CLI as an operator would issue them.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any

import requests

from tests.support import events as ev
from tests.support.api import Api
from tests.support.cli import lgv
from tests.support.projections import rows
from tests.support.waiting import wait_for


def post_volunteer(system: Any, token: str, key: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{system.gateway}/api/v1/volunteers", json=body, timeout=30,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})


def registered(system: Any) -> list[dict[str, Any]]:
    return [r for r in rows(system.database_url("matching"), "events") if r["event_type"] == "volunteer_registered"]


def test_two_identical_posts_with_one_key_register_one_volunteer_even_across_a_gateway_restart(system):
    token = lgv(system.env, "token", "issue", "--role", "coordinator", "--name", "Cora Coordinator").strip()
    key, body = str(uuid.uuid4()), ev.volunteer_body()

    first = post_volunteer(system, token, key, body)
    again = post_volunteer(system, token, key, body)

    assert (first.status_code, again.status_code) == (202, 202), first.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    system.stop()
    system.start()
    after_restart = post_volunteer(system, token, key, body)
    assert after_restart.json() == first.json()
    other = post_volunteer(system, token, key, {**body, "capacity": 2})
    assert other.status_code == 422 and other.json()["error"] == "rule_violated"
    assert [r["stream_id"] for r in registered(system)] == [f"volunteer-{first.json()['volunteer_id']}"]


def test_two_concurrent_posts_with_one_key_run_once(system):
    token = lgv(system.env, "token", "issue", "--role", "coordinator", "--name", "Cora Coordinator").strip()
    key, body = str(uuid.uuid4()), ev.volunteer_body()
    start, answers = threading.Barrier(4), []

    def send() -> None:
        start.wait()
        answers.append(post_volunteer(system, token, key, body))

    senders = [threading.Thread(target=send) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)

    assert [a.status_code for a in answers] == [202] * 4, [a.text for a in answers]
    assert len({a.json()["volunteer_id"] for a in answers}) == 1
    assert len(registered(system)) == 1


def test_a_revoked_token_answers_401_and_the_denial_names_its_subject(system):
    token = lgv(system.env, "token", "issue", "--role", "consultant", "--region", "hovedstaden",
                "--name", "Rita Revoked").strip()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{system.gateway}/api/v1/volunteers"
    assert requests.get(url, headers=headers, timeout=30).status_code == 200
    [listed] = [line for line in lgv(system.env, "token", "list").splitlines() if "Rita Revoked" in line]
    token_id = listed.split()[0]

    assert "revoked" in lgv(system.env, "token", "revoke", token_id)

    refused = requests.get(url, headers=headers, timeout=30)
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    assert refused.headers["Cache-Control"] == "no-store" and refused.headers["X-Content-Type-Options"] == "nosniff"
    log = wait_for(lambda: [line for line in system.log("gateway").splitlines() if "denied 401" in line],
                   what="the denial in the gateway's log")
    assert 'subject="Rita Revoked" client=127.0.0.1' in log[-1] and token not in system.log("gateway")


def test_the_audit_trail_is_by_exact_id_and_paged(system, api, intake):
    submitted = ev.referral_submitted(personal={"name": "Amal Test", "phone": "+45 5550 1234"})
    intake.publish(submitted)
    external_ref = submitted["payload"]["external_ref"]
    referral_id = wait_for(lambda: [r for r in rows(system.database_url("referrals"), "referrals")
                                    if r["external_ref"] == external_ref], what="referral")[0]["referral_id"]
    volunteer_id = api.accepted("/api/v1/volunteers", ev.volunteer_body())["volunteer_id"]
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening", {"outcome": "approved", "screened_on": "2023-01-20"})
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": "2023-02-01"})
    auditor = Api(system.gateway, "auditor", name="Ada Auditor")

    every = wait_for(lambda: len(items := auditor.ok(f"/api/v1/audit/subjects/{volunteer_id}")["items"]) == 3
                     and items, what="the volunteer's three events")
    walked, cursor = [], None
    while True:
        page = auditor.ok(f"/api/v1/audit/subjects/{volunteer_id}", limit=1, **({"cursor": cursor} if cursor else {}))
        walked += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    assert [e["event_id"] for e in walked] == [e["event_id"] for e in every]
    assert [e["event_type"] for e in every] == ["volunteer_registered", "volunteer_screened", "volunteer_trained"]
    assert auditor.ok(f"/api/v1/audit/subjects/{referral_id}")["items"][0]["event_type"] == "referral_received"

    for not_an_id in ("+45 5550 1234", "Amal Test", "hovedstaden", "CTP", external_ref, volunteer_id[:8]):
        response = auditor.get(f"/api/v1/audit/subjects/{not_an_id}")
        assert response.status_code == 404, (not_an_id, response.text)
        assert not_an_id not in response.text
    tampered = auditor.get(f"/api/v1/audit/subjects/{volunteer_id}", cursor=page["items"][0]["event_id"])
    assert tampered.status_code == 400


def test_far_future_dates_and_tampered_cursors_are_400_never_500(system, api):
    volunteer_id = api.accepted("/api/v1/volunteers", ev.volunteer_body())["volunteer_id"]
    for path, body in ((f"/api/v1/volunteers/{volunteer_id}/screening",
                        {"outcome": "approved", "screened_on": "9999-12-31"}),
                       (f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": "1999-12-31"}),
                       ("/api/v1/matches", {"referral_id": "r", "volunteer_id": volunteer_id,
                                            "matched_on": "9999-12-31"})):
        response = api.post(path, body)
        assert response.status_code in (400, 422), (path, response.status_code, response.text)
    for cursor in ("garbage", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "LTE="):
        assert api.get("/api/v1/volunteers", cursor=cursor).status_code == 400, cursor
    assert api.get("/api/v1/check-ins/due", on="9999-12-31").status_code == 400
    assert api.get("/api/v1/volunteers", region="x\x00").status_code == 400


def test_on_the_bus_out_of_bounds_dates_and_control_characters_are_kept_as_dead_letters(system, api, intake):
    for bad in (ev.referral_submitted(referred_on="9999-12-31"),
                ev.referral_submitted(consent={"given": True, "recorded_on": "1999-12-31"}),
                ev.referral_submitted(external_ref="CTP-\x00-1")):
        intake.publish(bad)
    valid = ev.referral_submitted()
    intake.publish(valid)

    wait_for(lambda: api.ok("/api/v1/referrals", external_ref=valid["payload"]["external_ref"])["items"],
             what="the valid referral sent after the bad ones")
    letters = wait_for(lambda: len(found := api.ok("/api/v1/dead-letters", service="referrals")["items"]) == 3
                       and found, what="three dead letters")
    refused = {name for letter in letters for name in letter["fields"]}
    assert {"payload.referred_on", "payload.consent.recorded_on", "payload.external_ref"} <= refused
    assert len(api.ok("/api/v1/referrals")["items"]) == 1
