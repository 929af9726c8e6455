"""A canary in every identifying field of one relationship (personal data, notes, free-text
reasons): never plain at rest or on the bus, and gone for good once the participant and the
volunteer are erased, while the figures stay.

Four OS processes on the real RabbitMQ, on SQLite files and on PostgreSQL databases.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from tests.support import events as ev
from tests.support import postgres
from tests.support.api import Api
from tests.support.bus import IntakePublisher
from tests.support.canary import Spy, files_holding, opened_holding, tables_holding
from tests.support.cli import lgv
from tests.support.processes import System
from tests.support.projections import rows
from tests.support.waiting import wait_for

SERVICES = ("referrals", "matching", "followup")
PERIOD = {"from": "2023-01-01", "to": "2023-12-31"}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> Iterator[dict[str, str]]:
    """Nothing for SQLite (files under var/); a fresh PostgreSQL database per service otherwise."""
    if request.param == "sqlite":
        yield {}
        return
    with postgres.service_databases(SERVICES, "lgv_canary") as urls:
        yield urls


@pytest.fixture
def canary_system(amqp_uri, var_dir, backend) -> Iterator[tuple[System, Spy]]:
    spy = Spy(amqp_uri)  # bound before anything is published
    # At DEBUG, so the byte search of var/ also proves that no log line carries the canary.
    running = System(amqp_uri, var_dir, extra_env={**backend, "LOG_LEVEL": "DEBUG"})
    try:
        running.start()
        yield running, spy
    finally:
        running.stop()


def plain_hits(system: System, spy: Spy, canary: str) -> dict[str, list[str] | int]:
    """Everywhere the canary is readable without a key: var/ files, every table, the bus."""
    hits: dict[str, list[str] | int] = {"files": files_holding(system.var_dir, canary),
                                        "bus": spy.holding(canary)}
    for service in SERVICES:
        if system.database_url(service).startswith("postgresql"):
            hits[service] = tables_holding(system.database_url(service), canary)
    return hits


def still_opens(system: System, canary: str) -> dict[str, list[str]]:
    return {service: opened_holding(system.database_url(service), canary) for service in SERVICES}


def relationship(api: Api, intake: IntakePublisher, canary: str, stranger: str) -> dict[str, str]:
    """One relationship with the canary in each identifying field, from intake to a withdrawal."""
    submitted = ev.referral_submitted(personal={
        "name": f"{canary} name", "phone": "+45 0000", "email": f"{canary}@example.org",
        "notes": f"{canary} notes"})
    intake.publish(submitted)
    ref = submitted["payload"]["external_ref"]
    referral_id = wait_for(lambda: api.ok("/api/v1/referrals", external_ref=ref)["items"],
                           what="the referral")[0]["referral_id"]
    # With an Idempotency-Key, so the gateway's own store of answers is searched too.
    registered = api.session.post(f"{api.base}/api/v1/volunteers", timeout=30,
                                  headers={"Idempotency-Key": str(uuid.uuid4())},
                                  json={**ev.volunteer_body(), "personal": {"name": f"{canary} volunteer"}})
    assert registered.status_code == 202, registered.text
    volunteer_id = registered.json()["volunteer_id"]
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening", {"outcome": "approved", "screened_on": "2023-01-20"})
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": "2023-01-25"})
    match_id = wait_for(lambda: (r := api.post("/api/v1/matches", {
        "referral_id": referral_id, "volunteer_id": volunteer_id, "matched_on": "2023-02-01",
        "reason": f"{canary} match reason"})).status_code == 202
        and r.json()["match_id"], what="the match (once matching knows the referral)")
    wait_for(lambda: api.get(f"/api/v1/matches/{match_id}").status_code == 200, what="the match in followup")
    api.accepted(f"/api/v1/matches/{match_id}/check-ins", {
        "occurred_on": "2023-02-10", "contact": "meeting", "note": f"{canary} check-in note"})
    # A reason that puts the participant back on the waiting list, so the referral can be withdrawn.
    api.accepted(f"/api/v1/matches/{match_id}/close", {
        "closed_on": "2023-05-01", "initiator": "volunteer", "reason": "volunteer_withdrew",
        "note": f"{canary} closure note"})
    wait_for(lambda: api.ok(f"/api/v1/referrals/{referral_id}")["status"] == "waiting", what="back on the list")
    api.accepted(f"/api/v1/referrals/{referral_id}/withdraw",
                 {"reason_code": "moved", "reason": f"{canary} withdrawal reason"})
    wait_for(lambda: api.ok(f"/api/v1/referrals/{referral_id}")["status"] == "withdrawn", what="the withdrawal")
    # Someone else's submission the contract refuses, personal data and all: kept as a dead letter.
    intake.publish(ev.referral_submitted(referring_site="NOWHERE", personal={"name": stranger}))
    return {"referral": referral_id, "volunteer": volunteer_id, "match": match_id}


def reports(api: Api, as_of: str) -> list[dict]:
    return [api.ok("/api/v1/reports/summary", **PERIOD), api.ok("/api/v1/reports/summary", **PERIOD, as_of=as_of),
            api.ok("/api/v1/reports/summary", **PERIOD, region="hovedstaden")]


def test_a_canary_is_never_plain_and_is_gone_after_erasure_while_the_figures_stay(canary_system, amqp_uri):
    system, spy = canary_system
    api, intake = Api(system.gateway), IntakePublisher(amqp_uri)
    canary, stranger = f"Canary{uuid.uuid4().hex[:10]}", f"Stranger{uuid.uuid4().hex[:10]}"
    try:
        ids = relationship(api, intake, canary, stranger)
    finally:
        intake.close()
    [letter] = wait_for(lambda: api.ok("/api/v1/dead-letters", service="referrals")["items"],
                        what="the rejected submission")
    shown = api.ok(f"/api/v1/dead-letters/referrals/{letter['dead_letter_id']}")
    assert stranger in shown["body"] and plain_hits(system, spy, stranger)["files"] == []
    wait_for(lambda: len(api.ok(f"/api/v1/audit/subjects/{ids['match']}")["items"]) >= 3,
             what="followup's events in the audit trail")

    # The coordinator reads it all back; nothing else holds it in the clear.
    assert canary in api.ok(f"/api/v1/referrals/{ids['referral']}")["personal"]["name"]
    assert canary in api.ok(f"/api/v1/volunteers/{ids['volunteer']}")["personal"]["name"]
    notes = [e["payload"].get("note") for e in api.ok(f"/api/v1/audit/subjects/{ids['match']}")["items"]]
    assert any(canary in (note or "") for note in notes)
    assert plain_hits(system, spy, canary) == {
        "files": [], "bus": 0, **{s: [] for s in SERVICES if system.database_url(s).startswith("postgresql")}}
    assert still_opens(system, canary)["referrals"], "the canary should open with the keys before erasure"

    before_erasure = datetime.now(timezone.utc).isoformat()
    figures = reports(api, before_erasure)
    trail = api.ok(f"/api/v1/audit/subjects/{ids['referral']}")["items"]

    for kind in ("referral", "volunteer"):
        path = f"/api/v1/{kind}s/{ids[kind]}/erase"
        assert api.post(path, {"reason": "asked to be forgotten"}).status_code == 202
        assert api.post(path, {"reason": "again"}).status_code == 202  # twice is harmless
        assert api.post(f"/api/v1/{kind}s/no-such-{kind}/erase", {"reason": "x"}).status_code == 404
        consultant = Api(system.gateway, role="consultant", regions=("hovedstaden",))
        assert consultant.post(path, {"reason": "x"}).status_code == 403

    # Every service destroys what it holds; nothing opens to the canary any more, anywhere.
    try:
        wait_for(lambda: not any(still_opens(system, canary).values()), timeout=60, what="every key destroyed")
    except AssertionError:
        assert still_opens(system, canary) == {service: [] for service in SERVICES}
    assert plain_hits(system, spy, canary) == {
        "files": [], "bus": 0, **{s: [] for s in SERVICES if system.database_url(s).startswith("postgresql")}}
    referral = api.ok(f"/api/v1/referrals/{ids['referral']}")
    volunteer = api.ok(f"/api/v1/volunteers/{ids['volunteer']}")
    assert (referral["personal"], referral["erased"]) == (None, True)
    assert (volunteer["personal"], volunteer["erased"]) == (None, True)
    assert referral["status"] == "withdrawn" and volunteer["status"] == "available"

    # The figures, the history and the replays are as they were.
    assert reports(api, before_erasure) == figures
    after = api.ok(f"/api/v1/audit/subjects/{ids['referral']}")["items"]
    assert [e["event_id"] for e in after][:len(trail)] == [e["event_id"] for e in trail]
    assert after[-1]["event_type"] == "subject_erased"
    assert after[-1]["actor"]["id"] == "test-consultant" and after[-1]["payload"]["reason_code"]
    received = next(e for e in after if e["event_type"] == "referral_received")
    assert received["payload"]["personal"] is None and received["erased_fields"] == ["personal"]
    match_trail = api.ok(f"/api/v1/audit/subjects/{ids['match']}")["items"]
    assert all(e["payload"].get("note") is None for e in match_trail)
    out = lgv(system.env, "replay", "all", "--verify")
    assert "DIFFERENT" not in out and out.count(": same ") >= 6, out


def key_checked(url: str) -> bool:
    try:
        return bool(rows(url, "key_check"))
    except Exception:  # the database or its tables are not there yet
        return False


def test_a_service_started_with_another_master_key_stops_with_a_clear_error(amqp_uri, var_dir):
    first = System(amqp_uri, var_dir)
    try:
        first.start("referrals", wait=False)
        wait_for(lambda: key_checked(first.database_url("referrals")), what="referrals started with its own key")
    finally:
        first.stop()
    from shared import masterkey

    wrong = System(amqp_uri, var_dir, extra_env={"LGV_MASTER_KEY": masterkey.encode(masterkey.generate())})
    try:
        wrong.start("referrals", wait=False)
        wait_for(lambda: wrong.exited().get("referrals") is not None, what="referrals refusing to start")
        assert "is not the one this database's data keys are wrapped under" in wrong.log("referrals")
    finally:
        wrong.stop()
