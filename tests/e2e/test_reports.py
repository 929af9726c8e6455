"""The report reproduces an evaluation-shaped programme, as of now and as of any earlier moment."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import create_engine, text

from tests.support.cli import lgv, lgv_status
from tests.support.programme import PERIOD, expected, programme, referral_message, volunteer_body
from tests.support.projections import count_events, rows, scalar
from tests.support.waiting import wait_for

SEED = 1
MIDPOINT = date(2022, 12, 31)
FIGURES = ("matches_established", "matches_active", "volunteers_recruited", "six_month")


def _report(api, **params) -> dict:
    return api.ok("/api/v1/reports/summary", **{"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()},
                  **params)


def _matches_generator_figures(report: dict, figures: dict) -> None:
    for name in FIGURES:
        assert report[name] == figures[name], name
    people = report["participants"]
    assert people["n"] == figures["matches_established"]
    for name in ("gender_pct", "top_countries", "age_band_pct", "arrived_2014_or_earlier_pct"):
        assert people[name] == figures[name], name


def test_the_report_reproduces_the_programme_and_answers_as_of_any_moment(system, api, intake):
    matches, volunteers = programme(SEED)
    for v in volunteers:
        v.volunteer_id = api.accepted("/api/v1/volunteers", volunteer_body(v))["volunteer_id"]
        api.accepted(f"/api/v1/volunteers/{v.volunteer_id}/screening",
                     {"outcome": "approved", "screened_on": v.approved_on.isoformat()})
        api.accepted(f"/api/v1/volunteers/{v.volunteer_id}/training", {"completed_on": v.approved_on.isoformat()})
    for m in matches:
        intake.publish(referral_message(m))
    followup, referrals = system.database_url("followup"), system.database_url("referrals")
    matching = system.database_url("matching")
    wait_for(lambda: count_events(followup, "referral_received", "consumed") == len(matches)
             and len(rows(system.database_url("matching"), "referrals")) == len(matches),
             timeout=60, what="every referral known to matching and followup")
    ids = {r["external_ref"]: r["referral_id"] for r in rows(referrals, "referrals")}

    # Record the story in business order; hold back four early closures (of four volunteers, who
    # have a place to spare for it) as late corrections.
    closures = sorted((m for m in matches if m.closed_on), key=lambda m: m.closed_on)
    late = list({m.volunteer: m for m in reversed([m for m in closures if m.closed_on <= MIDPOINT])}.values())[:4]
    # (day, kind, match): on one day a closure (0) frees its place before a new match (1) takes it.
    story = sorted([(m.matched_on, 1, m) for m in matches]
                   + [(m.closed_on, 0, m) for m in closures if m not in late], key=lambda e: (e[0], e[1]))

    def record(kind: int, m) -> None:
        if kind == 1:
            m.match_id = api.accepted("/api/v1/matches", {
                "referral_id": ids[m.ref], "volunteer_id": volunteers[m.volunteer].volunteer_id,
                "matched_on": m.matched_on.isoformat()})["match_id"]
            wait_for(lambda: api.get(f"/api/v1/matches/{m.match_id}").status_code == 200, what="match in followup")
        else:
            api.accepted(f"/api/v1/matches/{m.match_id}/close", {
                "closed_on": m.closed_on.isoformat(), "initiator": "consultant", "reason": m.reason})
            # The place comes free when matching has heard of the closure (eventually consistent).
            wait_for(lambda: scalar(matching, "SELECT status FROM matches WHERE match_id = :m", m=m.match_id)
                     == "closed", what="closure known to matching")

    first_half = [e for e in story if e[0] <= MIDPOINT]
    for _day, kind, m in first_half:
        record(kind, m)
    wait_for(lambda: count_events(followup, "matched", "consumed") == sum(k == 1 for _, k, _ in first_half),
             what="followup caught up at the midpoint")
    then = _report(api)
    moment = datetime.now(timezone.utc)

    for _day, kind, m in story[len(first_half):]:
        record(kind, m)
    for m in late:  # corrections: closed long ago, recorded only now
        record(0, m)
    wait_for(lambda: count_events(followup, "matched", "consumed") == len(matches)
             and count_events(followup, "closed", "recorded") == len(closures), what="followup caught up")

    now = _report(api)
    _matches_generator_figures(now, expected(matches, volunteers, *PERIOD))
    assert now["six_month"]["rate_pct"] > 75 and now["participants"]["gender_pct"]["female"] > 70

    as_of_then = _report(api, as_of=moment.isoformat())
    assert {k: v for k, v in as_of_then.items() if k != "as_of"} == {k: v for k, v in then.items() if k != "as_of"}
    assert as_of_then["as_of"] == moment.isoformat()
    # The late corrections count today and not as of then: none of them closed a match as of then.
    assert all(m.closed_on <= MIDPOINT for m in late)

    by_site = now["by_site"]
    assert sum(s["matches_established"] for s in by_site.values()) == now["matches_established"]
    suppressed = _report(api, suppress_below=10)
    assert suppressed["suppressed_below"] == 10
    assert suppressed["matches_established"] == now["matches_established"]  # 124 is not small
    small = [name for name, s in now["by_site"].items() if s["matches_established"] < 10]
    assert all(suppressed["by_site"][name]["matches_established"] == "<10" for name in small)
    csv = api.get("/api/v1/reports/summary", **{"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat(),
                                                  "format": "csv"})
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert f"all,matches_established,,{now['matches_established']}" in csv.text

    verdicts = [line for line in lgv(system.env, "replay", "all", "--verify").splitlines() if " live " in line]
    assert verdicts and all(": same " in line for line in verdicts)

    # One row altered by hand: verify names that row, and only that row.
    altered = matches[0].match_id
    engine = create_engine(followup)
    with engine.begin() as conn:
        conn.execute(text("UPDATE matches SET region = 'nordjylland' WHERE match_id = :m"), {"m": altered})
    engine.dispose()
    code, out = lgv_status(system.env, "replay", "followup", "--verify")
    assert code == 1
    different = [line for line in out.splitlines() if "DIFFERENT" in line]
    assert len(different) == 1 and different[0].startswith("followup.matches:")
    only_live = [json.loads(line.split("only live:", 1)[1]) for line in out.splitlines() if "only live:" in line]
    only_rebuilt = [json.loads(line.split("only rebuilt:", 1)[1]) for line in out.splitlines()
                    if "only rebuilt:" in line]
    assert [(r["match_id"], r["region"]) for r in only_live] == [(altered, "nordjylland")]
    assert [r["match_id"] for r in only_rebuilt] == [altered] and only_rebuilt[0]["region"] != "nordjylland"
