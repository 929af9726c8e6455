"""Roles over the four processes (CONTRACTS.md §4.2): the BOLA matrix's verdicts hold for real.

The matrix itself (every route × every caller) runs over in-memory services in
``tests/unit/test_gateway_bola.py``; this checks its key rows against the real services.
"""
from __future__ import annotations

import requests
from openapi_spec_validator import validate

from tests.e2e.test_matching import ready_volunteer, referral_known_to_matching
from tests.support.api import Api


def test_other_regions_objects_are_absent_and_auditors_read_only_reports(system, api, intake) -> None:
    referral_id = referral_known_to_matching(system, intake)  # a referral in hovedstaden
    foreign = ready_volunteer(api, region="syddanmark")
    own = Api(system.gateway, "consultant", ("hovedstaden",), "consultant-hovedstaden")
    other = Api(system.gateway, "consultant", ("syddanmark",), "consultant-syddanmark")
    auditor = Api(system.gateway, "auditor", name="auditor-1")

    # Matching its own participant with another region's volunteer tells nothing of the volunteer.
    refused = own.post("/api/v1/matches", {"referral_id": referral_id, "volunteer_id": foreign,
                                           "matched_on": "2023-06-02"})
    assert (refused.status_code, refused.json()["message"]) == (404, f"no volunteer {foreign}"), refused.text
    for path in (f"/api/v1/referrals/{referral_id}", f"/api/v1/referrals/{referral_id}/candidates"):
        absent = other.get(path)
        assert (absent.status_code, absent.json()["message"]) == (404, f"no referral {referral_id}"), path
        assert "hovedstaden" not in absent.text
    assert other.get(f"/api/v1/referrals/{referral_id}/withdraw").status_code == 405

    # A list holds only the caller's regions, even when the caller asks for another one.
    assert referral_id in listed(own, "/api/v1/referrals", "referral_id")
    assert foreign in listed(other, "/api/v1/volunteers", "volunteer_id")
    for asked in ({}, {"region": "hovedstaden"}):
        assert referral_id not in listed(other, "/api/v1/referrals", "referral_id", **asked), asked
    for asked in ({}, {"region": "syddanmark"}):
        assert foreign not in listed(own, "/api/v1/volunteers", "volunteer_id", **asked), asked

    for path in ("/api/v1/referrals", "/api/v1/volunteers", "/api/v1/matches", "/api/v1/check-ins/due",
                 f"/api/v1/referrals/{referral_id}", f"/api/v1/volunteers/{foreign}"):
        assert auditor.get(path).status_code == 403, path
    assert auditor.get("/api/v1/reports/summary", **{"from": "2023-01-01", "to": "2023-12-31"}).status_code == 200
    assert auditor.get(f"/api/v1/audit/subjects/{referral_id}").status_code == 200

    validate(requests.get(f"{system.gateway}/openapi.json", timeout=10).json())


def listed(api: Api, path: str, key: str, **params: str) -> set[str]:
    """Every id a list answers, all pages; a refused question (403) lists nothing."""
    found: set[str] = set()
    cursor: str | None = None
    while True:
        response = api.get(path, limit="500", **params, **({"cursor": cursor} if cursor else {}))
        if response.status_code == 403:
            return found
        assert response.status_code == 200, (path, response.status_code, response.text)
        page = response.json()
        found |= {item[key] for item in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            return found
