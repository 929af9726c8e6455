"""Who read what: every disclosure of personal data is in the access log, which itself holds none.

The four services run as separate OS processes on the real RabbitMQ.
"""
from __future__ import annotations

import getpass
import json

from tests.support import events as ev
from tests.support.api import Api
from tests.support.cli import lgv
from tests.support.waiting import wait_for

CANARIES = ("Canary Karimi", "+45 1234 5678", "depressed since the winter")


def test_a_coordinators_read_is_logged_with_the_readers_name_and_the_log_holds_no_personal_data(
        system, intake):
    coordinator = Api(system.gateway, "coordinator", name="Karin Koordinator")
    auditor = Api(system.gateway, "auditor", name="Aud Itor")
    submitted = ev.referral_submitted(personal={"name": CANARIES[0], "phone": CANARIES[1]})
    intake.publish(submitted)
    external_ref = submitted["payload"]["external_ref"]
    [referral] = wait_for(lambda: coordinator.ok("/api/v1/referrals", external_ref=external_ref)["items"],
                          what="referral")
    referral_id = referral["referral_id"]
    coordinator.accepted(f"/api/v1/referrals/{referral_id}/withdraw",
                         {"reason_code": "health", "reason": CANARIES[2]})
    wait_for(lambda: coordinator.ok("/api/v1/referrals", external_ref=external_ref)["items"][0]["status"]
             == "withdrawn", what="withdrawal")

    read = coordinator.ok(f"/api/v1/referrals/{referral_id}")
    assert read["personal"]["name"] == CANARIES[0] and read["withdrawn_reason"] == CANARIES[2]
    [listed] = coordinator.ok("/api/v1/referrals", external_ref=external_ref)["items"]
    assert listed["withdrawn_reason_code"] == "health" and CANARIES[2] not in json.dumps(listed)
    trail = coordinator.ok(f"/api/v1/audit/subjects/{referral_id}")["items"]
    assert [e["payload"]["reason"] for e in trail if e["event_type"] == "referral_withdrawn"] == [CANARIES[2]]

    answer = auditor.get("/api/v1/audit/access", subject_id=referral_id)
    assert answer.status_code == 200, answer.text
    entries = answer.json()["items"]
    [read_entry] = [e for e in entries if e["kind"] == "referral"]
    assert read_entry["actor"] == {"id": "Karin Koordinator", "role": "coordinator"}
    assert read_entry["fields"] == ["personal.name", "personal.phone", "withdrawn_reason"]
    [audit] = [e for e in entries if e["kind"] == "audit_trail"]
    assert "referral_withdrawn.reason" in audit["fields"] and "referral_received.personal.name" in audit["fields"]
    assert {e["subject_id"] for e in entries} == {referral_id}
    assert not any(canary in answer.text for canary in CANARIES)

    # Filters and pages: by actor, by time, one entry at a time.
    assert auditor.ok("/api/v1/audit/access", actor="Aud Itor")["items"] == []
    assert auditor.ok("/api/v1/audit/access", subject_id=referral_id, to="2000-01-01")["items"] == []
    first = auditor.ok("/api/v1/audit/access", subject_id=referral_id, limit=1)
    second = auditor.ok("/api/v1/audit/access", subject_id=referral_id, limit=1, cursor=first["next_cursor"])
    assert [first["items"][0], second["items"][0]] == entries[:2]
    consultant = Api(system.gateway, "consultant", ("hovedstaden",))
    assert consultant.get("/api/v1/audit/access").status_code == 403

    # The CLI prints the same answer.
    printed = json.loads(lgv(system.env, "access", "--subject", referral_id))
    assert printed["items"] == entries


def test_showing_a_dead_letter_is_logged_for_the_operator(system, api, intake):
    intake.publish(f"not json, but {CANARIES[0]}", routing_key="referral_submitted")
    [letter] = wait_for(lambda: api.ok("/api/v1/dead-letters", service="referrals")["items"], what="dead letter")
    shown = json.loads(lgv(system.env, "dlq", "show", "referrals", str(letter["dead_letter_id"])))
    assert CANARIES[0] in shown["body"]
    assert api.ok(f"/api/v1/dead-letters/referrals/{letter['dead_letter_id']}")["body"] == shown["body"]

    entries = api.ok("/api/v1/audit/access")["items"]
    assert [(e["kind"], e["object_id"], e["actor"]["role"], e["fields"]) for e in entries] == [
        ("dead_letter", str(letter["dead_letter_id"]), "operator", ["body"]),
        ("dead_letter", str(letter["dead_letter_id"]), "coordinator", ["body"])]
    assert entries[0]["actor"]["id"] == getpass.getuser() and entries[0]["service"] == "referrals"
