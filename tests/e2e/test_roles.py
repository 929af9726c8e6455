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

    for path in ("/api/v1/referrals", "/api/v1/volunteers", "/api/v1/matches", "/api/v1/check-ins/due",
                 f"/api/v1/referrals/{referral_id}", f"/api/v1/volunteers/{foreign}"):
        assert auditor.get(path).status_code == 403, path
    assert auditor.get("/api/v1/reports/summary", **{"from": "2023-01-01", "to": "2023-12-31"}).status_code == 200
    assert auditor.get(f"/api/v1/audit/subjects/{referral_id}").status_code == 200

    validate(requests.get(f"{system.gateway}/openapi.json", timeout=10).json())
