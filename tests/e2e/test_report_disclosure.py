"""Reports that cannot identify, through the gateway: a one-day report with one match.

The four services run as separate OS processes on the real RabbitMQ.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tests.support import events as ev
from tests.support.api import Api
from tests.support.projections import rows
from tests.support.waiting import wait_for

DAY = "2023-03-01"


def numbers(value: Any) -> list[Any]:
    """Every figure a report shows (the period, as_of and settings left out)."""
    if isinstance(value, dict):
        return [n for key, inner in value.items()
                if key not in ("period", "as_of", "region", "suppressed_below", "rounded_to") for n in numbers(inner)]
    if isinstance(value, list):
        return [n for inner in value for n in numbers(inner)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def test_a_one_day_report_with_one_match_shows_no_cell_under_5_to_consultants_and_auditors(
        system, api, intake):
    submitted = ev.referral_submitted()
    intake.publish(submitted)
    [referral] = wait_for(lambda: [r for r in rows(system.database_url("matching"), "referrals")], what="referral")
    volunteer_id = api.accepted("/api/v1/volunteers", ev.volunteer_body())["volunteer_id"]
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/screening", {"outcome": "approved", "screened_on": DAY})
    api.accepted(f"/api/v1/volunteers/{volunteer_id}/training", {"completed_on": DAY})
    before_the_match = datetime.now(timezone.utc).isoformat()
    wait_for(lambda: api.ok("/api/v1/reports/summary", **{"from": DAY, "to": DAY})["volunteers_recruited"] == 1,
             what="the approval in followup")
    api.accepted("/api/v1/matches", {"referral_id": referral["referral_id"], "volunteer_id": volunteer_id,
                                     "matched_on": DAY})
    one_day = {"from": DAY, "to": DAY}
    wait_for(lambda: api.ok("/api/v1/reports/summary", **one_day)["matches_established"] == 1,
             what="the match in followup")

    coordinator = api.ok("/api/v1/reports/summary", **one_day, suppress_below=0)
    assert coordinator["matches_established"] == 1 and coordinator["by_site"]["CTP"]["participants"]["n"] == 1

    consultant = Api(system.gateway, "consultant", ("hovedstaden",))
    auditor = Api(system.gateway, "auditor")
    for reader in (consultant, auditor):
        report = reader.ok("/api/v1/reports/summary", **one_day)
        assert report["suppressed_below"] == 5 and report["rounded_to"] == 5
        assert report["matches_established"] == "<5" and report["volunteers_recruited"] == "<5"
        assert all(n >= 5 for n in numbers(report)), numbers(report)
        # Neither a longer period nor the moment before the match gives the day away by subtraction.
        for other in (reader.ok("/api/v1/reports/summary", **{"from": "2023-02-01", "to": DAY}),
                      reader.ok("/api/v1/reports/summary", **{"from": "2023-02-01", "to": "2023-02-28"}),
                      reader.ok("/api/v1/reports/summary", **one_day, as_of=before_the_match)):
            assert all(n >= 5 and n % 5 == 0 for n in numbers(other) if isinstance(n, int))
            assert other["matches_established"] == "<5"
        refused = reader.get("/api/v1/reports/summary", **one_day, suppress_below=0)
        assert refused.status_code == 400 and "suppress_below" in refused.json()["fields"], refused.text
    csv = consultant.get("/api/v1/reports/summary", **one_day, format="csv").text
    assert "all,matches_established,,<5" in csv
