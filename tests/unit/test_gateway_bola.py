"""Who gets what, route by route (CONTRACTS.md §2 and §4.2): the BOLA matrix.

Every route the gateway declares × every kind of caller, through the real WSGI app
over in-memory services. The object each request names is in the ``OWN`` region: a
consultant of that region may touch it, one of another region is told it does not
exist. A route without a row here fails ``test_every_route_has_a_row``.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from services.gateway import token_registry
from services.gateway.endpoints import endpoints_of
from services.gateway.service import GatewayService
from tests.support.gateway_app import gateway_app
from tests.support.gateway_fakes import OTHER, OWN

CALLERS = ("coordinator", "consultant_own", "consultant_other", "auditor", "system", "no_token")
SCOPED = "scoped"  # 200, and a list of only the caller's regions' objects

PARTICIPANT = {"gender": "female", "birth_year": 1980, "country_of_birth": "SY", "arrival_year": 2015,
               "danish_level": "basic", "languages": ["ar"], "municipality": "København"}
REFERRAL = {"external_ref": "CTP-9", "referring_site": "CTP", "referred_on": "2023-01-10",
            "participant": PARTICIPANT, "needs": ["network"], "consent": {"given": True, "recorded_on": "2023-01-09"}}
VOLUNTEER = {"gender": "male", "birth_year": 1970, "languages": ["da"], "municipality": "København",
             "region": OWN, "strengths": ["network"], "capacity": 1}
MATCH = {"referral_id": "r-1", "volunteer_id": "v-1", "matched_on": "2023-02-01"}
CHECK_IN = {"occurred_on": "2023-02-10", "contact": "meeting"}
CLOSURE = {"closed_on": "2023-03-01", "initiator": "mutual", "reason": "goals_reached"}

PUBLIC = dict.fromkeys(CALLERS, 200)
STAFF_READ = {"coordinator": 200, "consultant_own": 200, "consultant_other": 404, "auditor": 403,
              "system": 403, "no_token": 401}
STAFF_LIST = {**STAFF_READ, "consultant_own": SCOPED, "consultant_other": SCOPED}
STAFF_WRITE = {**STAFF_READ, "coordinator": 202, "consultant_own": 202}
STAFF_CREATE = {**STAFF_WRITE, "consultant_other": 403}  # a new object in a region not the caller's
INTAKE_WRITE = {**STAFF_WRITE, "system": 202}
REPORT = {"coordinator": 200, "consultant_own": 200, "consultant_other": 200, "auditor": 200,
          "system": 403, "no_token": 401}
AUDIT = {"coordinator": 200, "consultant_own": 403, "consultant_other": 403, "auditor": 200,
         "system": 403, "no_token": 401}
OPERATE = {"coordinator": 200, "consultant_own": 403, "consultant_other": 403, "auditor": 403,
           "system": 403, "no_token": 401}

# (method, path as /openapi.json writes it): (URL, body, expected answer per caller)
ROWS: dict[tuple[str, str], tuple[str, Any, dict[str, Any]]] = {
    ("GET", "/health"): ("/health", None, PUBLIC),
    ("GET", "/health/live"): ("/health/live", None, PUBLIC),
    ("GET", "/metrics"): ("/metrics", None, PUBLIC),
    ("GET", "/openapi.json"): ("/openapi.json", None, PUBLIC),
    ("GET", "/asyncapi.json"): ("/asyncapi.json", None, PUBLIC),
    ("GET", "/"): ("/", None, PUBLIC),  # the web page and its files: no token, nothing personal
    ("GET", "/assets/{name}"): ("/assets/js/app.js", None, PUBLIC),
    ("POST", "/api/v1/referrals"): ("/api/v1/referrals", REFERRAL, {**STAFF_CREATE, "system": 202}),
    ("GET", "/api/v1/referrals"): ("/api/v1/referrals", None, STAFF_LIST),
    ("GET", "/api/v1/referrals/{referral_id}"): ("/api/v1/referrals/r-1", None, STAFF_READ),
    ("POST", "/api/v1/referrals/{referral_id}/withdraw"):
        ("/api/v1/referrals/r-1/withdraw", {"reason": "moved away"}, STAFF_WRITE),
    ("POST", "/api/v1/referrals/{referral_id}/erase"):
        ("/api/v1/referrals/r-1/erase", {"reason": "asked to be forgotten"}, {**OPERATE, "coordinator": 202}),
    ("GET", "/api/v1/referrals/{referral_id}/candidates"):
        ("/api/v1/referrals/r-1/candidates?on=2023-02-01", None, STAFF_READ),
    ("POST", "/api/v1/volunteers"): ("/api/v1/volunteers", VOLUNTEER, STAFF_CREATE),
    ("POST", "/api/v1/volunteers/{volunteer_id}/screening"):
        ("/api/v1/volunteers/v-1/screening", {"outcome": "approved", "screened_on": "2023-01-02"}, STAFF_WRITE),
    ("POST", "/api/v1/volunteers/{volunteer_id}/training"):
        ("/api/v1/volunteers/v-1/training", {"completed_on": "2023-01-05"}, STAFF_WRITE),
    ("POST", "/api/v1/volunteers/{volunteer_id}/erase"):
        ("/api/v1/volunteers/v-1/erase", {"reason": "asked to be forgotten"}, {**OPERATE, "coordinator": 202}),
    ("GET", "/api/v1/volunteers"): ("/api/v1/volunteers", None, STAFF_LIST),
    ("GET", "/api/v1/volunteers/{volunteer_id}"): ("/api/v1/volunteers/v-1", None, STAFF_READ),
    ("POST", "/api/v1/matches"): ("/api/v1/matches", MATCH, STAFF_WRITE),
    ("GET", "/api/v1/matches"): ("/api/v1/matches", None, STAFF_LIST),
    ("GET", "/api/v1/matches/{match_id}"): ("/api/v1/matches/m-1", None, STAFF_READ),
    ("POST", "/api/v1/matches/{match_id}/check-ins"): ("/api/v1/matches/m-1/check-ins", CHECK_IN, INTAKE_WRITE),
    ("POST", "/api/v1/matches/{match_id}/close"): ("/api/v1/matches/m-1/close", CLOSURE, STAFF_WRITE),
    ("GET", "/api/v1/check-ins/due"): ("/api/v1/check-ins/due?on=2023-03-01", None, STAFF_LIST),
    ("GET", "/api/v1/reports/summary"): ("/api/v1/reports/summary?from=2023-01-01&to=2023-12-31", None, REPORT),
    ("GET", "/api/v1/audit/subjects/{subject_id}"): ("/api/v1/audit/subjects/r-1", None, AUDIT),
    ("GET", "/api/v1/audit/access"): ("/api/v1/audit/access?subject_id=r-1", None, AUDIT),
    ("GET", "/api/v1/dead-letters"): ("/api/v1/dead-letters?service=referrals", None, OPERATE),
    ("GET", "/api/v1/dead-letters/{service}/{dead_letter_id}"): ("/api/v1/dead-letters/matching/1", None, OPERATE),
    ("POST", "/api/v1/dead-letters/{service}/{dead_letter_id}/redrive"):
        ("/api/v1/dead-letters/followup/1/redrive", {}, {**OPERATE, "coordinator": 202}),
}

REGIONS = {"consultant_own": [OWN], "consultant_other": [OTHER]}


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "bola-test-secret-" + "s" * 32)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(gateway_app())


def headers(caller: str) -> dict[str, str]:
    if caller == "no_token":
        return {}
    role = caller.split("_")[0]
    return {"Authorization": "Bearer " + token_registry.issue(role, REGIONS.get(caller, []), name=f"bola-{caller}")}


def test_every_route_has_a_row() -> None:
    declared = {(e.method, e.template) for e in endpoints_of(GatewayService)}
    assert declared == set(ROWS), {"without a row": declared - set(ROWS), "not served": set(ROWS) - declared}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", sorted(ROWS), ids=" ".join)
def test_each_caller_gets_the_contracts_answer(client: Client, route: tuple[str, str], caller: str) -> None:
    url, body, expected = ROWS[route]
    response = client.open(url, method=route[0], headers=headers(caller),
                           data=None if body is None else json.dumps(body), content_type="application/json")
    wanted = expected[caller]
    assert response.status_code == (200 if wanted == SCOPED else wanted), (caller, response.get_data(as_text=True))
    if wanted == SCOPED:
        assert {item["region"] for item in response.json["items"]} == set(REGIONS[caller])
    if response.status_code == 404:  # as if absent: the message names nothing of the region
        assert OWN not in response.get_data(as_text=True)


def test_a_consultant_cannot_match_its_participant_with_another_regions_volunteer(client: Client) -> None:
    response = client.post("/api/v1/matches", headers=headers("consultant_own"),
                           json={**MATCH, "volunteer_id": "other-v-1"})
    assert response.status_code == 404
    assert response.json["message"] == "no volunteer other-v-1" and OTHER not in response.get_data(as_text=True)


def test_a_consultant_naming_another_region_in_a_filter_is_refused(client: Client) -> None:
    for url in ("/api/v1/referrals", "/api/v1/volunteers", "/api/v1/matches", "/api/v1/check-ins/due",
                "/api/v1/reports/summary?from=2023-01-01&to=2023-12-31"):
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}region={OTHER}", headers=headers("consultant_own"))
        assert response.status_code == 403, url
